"""`publish check`: measure the typesetting of a built PDF, as a reader's ruler would.

Everything is read from the PDF itself (pdfplumber's character boxes); the model only says
what text to expect, so that each printed line can be placed in its paragraph. Reports,
with page numbers: lines not flush with the right margin, line-start and line-end
violations (禁则), split ——/……, uncompressed punctuation pairs, Han–Latin gaps, text that
differs from the manuscript, fonts not embedded. With `--print`, instead, a printer's
preflight of the interior and cover (`check_print`, prepress/preflight.py).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html

from .markup.wrap import CODE_SIZE
from .model import Book
from .pdf.geometry import geometry
from .typography.chars import (
    CLOSING,
    FULL_WIDTH,
    NO_END,
    NO_START,
    OPENING,
    PUNCTUATION,
    is_latin,
    is_western,
)
from .typography.chars import is_ideographic as is_han
from .units import PT_PER_MM

#: Tolerance of "flush", in pt (issue: within 0.5 pt).
FLUSH = 0.5
#: An adjacent pair whose first mark advances this much or more (em) is uncompressed.
UNCOMPRESSED = 0.9
#: Finding kinds of 孤字/孤行 (clreq 3.4: 孤字不成行，孤行不成页).
ORPHAN_CHAR = "孤字"
WIDOW = "widow"
ORPHAN = "orphan"
STRANDED = "heading at page foot"
#: A gap between characters wider than their advance by less than this (em) is not
#: an adjustment (rounding in the PDF's positions).
ADJUSTED = 0.01
#: A mark (or character) set this much (em) narrower than its advance is compressed; a
#: Han–Latin gap narrower than this (em), of the ¼ em rule.
SQUEEZED = 0.05
#: clreq's target: no gap between characters grows by more than this (em) on a line
#: without a Latin word.
WIDE = 0.125
HAN_LATIN_SQUEEZED = 0.2
#: Footnote text size, relative to the body (print.css `.footnote`).
FOOTNOTE_SIZE = 0.8
#: Characters smaller than this, relative to the body, on a line of body text are
#: superscripts (footnote calls), as `_lines_of_page` has it.
SUPERSCRIPT = 0.75
#: Ruby annotation size, relative to its base (print.css `.ruby > .rt`).
RUBY_SIZE = 0.5

#: How far ahead (characters) a printed line is looked for in the text when it is not where
#: the line before ended: past that it is no line of the text's flow (a table's cell).
RESYNC = 3000

_BLOCKS = ("p", "li", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "pre",
           "figcaption", "hr")  # fmt: skip
_JUSTIFIED = {"p", "li", "dd", "dt"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BULLETS = ["•", "◦", "▪"]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass
class Block:
    """One block of the manuscript as the PDF should print it."""

    text: str
    justified: bool
    heading: bool = False


@dataclass
class Line:
    page: int
    folio: str
    chars: list[dict]
    text: str = ""
    #: The text as a reader counts its characters: with what print.css adds after a link
    #: (its page number), without footnote calls (superscripts).
    shown: str = ""
    block: int = -1
    first: bool = False
    final: bool = False


@dataclass
class Finding:
    kind: str
    folio: str
    detail: str

    def __str__(self) -> str:
        return f"p. {self.folio}: {self.kind}: {self.detail}"


@dataclass
class Report:
    pdf: Path
    pages: int = 0
    lines: int = 0
    justified_lines: int = 0
    findings: list[Finding] = field(default_factory=list)
    pair_advances: list[float] = field(default_factory=list)
    han_latin_gaps: list[float] = field(default_factory=list)
    fonts: int = 0
    text_identical: bool = False
    #: Line adjustment (clreq 3.8): lines pushed in (compressed) and pushed out (expanded).
    compressed_lines: int = 0
    expanded_lines: int = 0
    #: The widest gap added between two characters (em) and where, on lines without a
    #: Latin word; and the same on lines with one.
    widest_gap: tuple[float, str, str] = (0.0, "-", "")
    widest_gap_latin: tuple[float, str, str] = (0.0, "-", "")
    #: Lines without a Latin word expanded by more than WIDE between two characters.
    wide_lines: list[tuple[str, str]] = field(default_factory=list)
    #: Lines with Western text (is_western) expanded so: outside the target, counted.
    wide_western: int = 0
    #: Printed lines not found in the text's order (table cells, labels): not measured.
    unplaced: int = 0

    def count(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind)

    def tally(self, kind: str) -> str:
        """How many findings of a rule, with their pages (the first ten)."""
        folios = [f.folio for f in self.findings if f.kind == kind]
        if not folios:
            return "0"
        shown = ", ".join(dict.fromkeys(folios[:10]))
        return f"{len(folios)} (p. {shown}{', …' if len(folios) > 10 else ''})"

    @property
    def ok(self) -> bool:
        return not self.findings

    def summary(self) -> str:
        def median(values: list[float]) -> str:
            return f"{statistics.median(values):.2f} em" if values else "—"

        rows = [
            f"{self.pdf}: {self.pages} pages, {self.lines} lines of text "
            f"({self.justified_lines} in justified paragraphs, last lines aside; "
            f"{self.unplaced} lines of tables and labels not measured)",
            f"  lines not flush with the right margin: {self.tally('not flush')}",
            f"  line-start violations: {self.tally('line start')}, line-end violations: "
            f"{self.tally('line end')}, split ——/……: {self.tally('split')}",
            f"  adjacent punctuation: {len(self.pair_advances)} pairs, median advance "
            f"{median(self.pair_advances)}, uncompressed: {self.tally('uncompressed pair')}",
            f"  Han–Latin: {len(self.han_latin_gaps)} boundaries, median gap "
            f"{median(self.han_latin_gaps)}",
            "  text: "
            + (
                "identical to the manuscript (whitespace aside)"
                if self.text_identical
                else "differs from the manuscript"
            ),  # fmt: skip
            f"  fonts: {self.fonts}, not embedded: {self.tally('font not embedded')}",
            f"  line adjustment: {self.compressed_lines} lines pushed in (compressed), "
            f"{self.expanded_lines} pushed out (expanded); widest gap between characters "
            f"{_gap(self.widest_gap)}, on lines with Latin words or other Western text "
            f"{_gap(self.widest_gap_latin)}",
            f"  lines expanded by more than {WIDE} em between characters (no Latin word): "
            f"{len(self.wide_lines)}"
            + (
                f" (p. {', '.join(folio for folio, _ in self.wide_lines[:10])})"
                if self.wide_lines
                else ""
            )
            + f"; with Western text, outside the target: {self.wide_western}",
            f"  孤字 (one-character last lines): {self.tally(ORPHAN_CHAR)}, widows: "
            f"{self.tally(WIDOW)}, orphans: {self.tally(ORPHAN)}, headings at a page foot: "
            f"{self.tally(STRANDED)}",
        ]
        return "\n".join(rows)


def _gap(gap: tuple[float, str, str]) -> str:
    value, folio, where = gap
    return f"{value:.3f} em (p. {folio}: {where})" if value > 0 else "none"


def expected_blocks(book: Book) -> list[Block]:
    """The blocks of the text in reading order, with list markers as printed."""
    blocks = []
    for chapter in book.chapters:
        if chapter.matter == "front":  # before the text's first page, where the check starts
            continue
        if chapter.part is not None and book.opens_part(chapter):  # the part's own page
            blocks.append(Block(squash(chapter.part.title), False, heading=True))
        blocks.append(Block(squash(chapter.title), False, heading=True))
        body = chapter.body
        if book.settings.pdf.link_urls == "footnote":  # calls renumbered in print
            # late: start-up time: loaded only when this runs
            from .pdf.printlinks import calls_as_printed

            body = calls_as_printed(body, chapter.id)
        root = lxml.html.fragment_fromstring(body, create_parent="div")
        _drop_ruby_annotations(root)
        if book.settings.pdf.writing_mode == "vertical-rl":
            _drop_upright_blocks(root)
        _walk(root, blocks, [], None)
    return blocks


def _drop_upright_blocks(root) -> None:
    """A vertical edition's tables and maths stand upright, horizontal among the columns
    (pdf/upright.py): not lines of the text, not compared (code never is)."""
    from .pdf.upright import is_upright  # late: start-up time: loaded only when this runs

    for element in [e for e in root.iter() if is_upright(e) and e.tag != "pre"]:
        element.drop_tree()  # its tail stays


def _drop_ruby_annotations(root) -> None:
    """Ruby text is printed above the line (and left out of the text compared)."""
    for element in root.xpath(".//rt | .//rp"):
        element.drop_tree()  # its tail stays


_CONTAINERS = ("ul", "ol", "div", "blockquote", "figure", "table", "thead", "tbody", "tr",
               "section")  # fmt: skip


def _is_block(element) -> bool:
    return isinstance(element.tag, str) and element.tag in (*_BLOCKS, *_CONTAINERS)


def _segments(element) -> list[str]:
    """The squashed text of `element`, cut at each <br>."""
    parts = [""]

    def visit(node) -> None:
        parts[-1] += node.text or ""
        for child in node:
            if isinstance(child.tag, str) and child.tag == "br":
                parts.append("")
            elif isinstance(child.tag, str):
                visit(child)
            parts[-1] += child.tail or ""

    visit(element)
    return [squash(part) for part in parts]


def _walk(element, blocks: list[Block], lists: list, marker: str | None) -> str | None:
    """Collect the printed blocks under `element` (innermost blocks, and loose text beside
    nested blocks, as in `<li>text<ul>…</ul></li>`). `marker` is a list marker waiting
    for the first line it stands on."""
    justified = element.tag in _JUSTIFIED
    pending = [element.text or ""]

    def flush(marker: str | None) -> str | None:
        text = squash("".join(pending))
        pending.clear()
        if text:
            blocks.append(Block((marker or "") + text, justified))
            return None
        return marker

    for child in element:
        if not isinstance(child.tag, str):
            pending.append(child.tail or "")
            continue
        if not _is_block(child):
            pending.append("".join(child.itertext()) + (child.tail or ""))
            continue
        marker = flush(marker)
        tag = child.tag
        if tag == "pre":  # code: set as written, wrapped with ↪ marks; not measured
            pending.append(child.tail or "")
            continue
        if tag in ("ul", "ol"):
            start = int(child.get("start", "1")) if tag == "ol" else 0
            lists.append([tag, start])
            marker = _walk(child, blocks, lists, marker)
            lists.pop()
        elif tag == "hr":
            blocks.append(Block("***", False))
        else:
            # A list of references (apparatus/citations/): no bullets, set ragged.
            plain = tag == "li" and "references" in element.get("class", "").split()
            if tag == "li":
                kind, number = lists[-1] if lists else ("ul", 0)
                depth = sum(1 for k, _ in lists if k == "ul") - 1
                mark = f"{number}." if kind == "ol" else _BULLETS[min(max(depth, 0), 2)]
                if lists:
                    lists[-1][1] += 1
                marker = (marker or "") + ("" if plain else mark)
            if any(_is_block(d) for d in child.iterdescendants()):
                marker = _walk(child, blocks, lists, marker)
            else:
                # A forced line break (<br>) ends a line the way a paragraph end does.
                for text in _segments(child):
                    if text or marker:
                        blocks.append(
                            Block(
                                (marker or "") + text,
                                tag in _JUSTIFIED and not plain,
                                tag in _HEADINGS,
                            )  # fmt: skip
                        )
                        marker = None
        pending.append(child.tail or "")
    return flush(marker) if element.tag != "div" or squash("".join(pending)) else marker


def _lines_of_page(page, top: float, bottom: float, body_size: float) -> list[list[dict]]:
    """Characters of the text block grouped into lines by baseline, left to right."""
    chars = [c for c in page.chars if top <= c["top"] and c["bottom"] <= page.height - bottom]
    footnote = FOOTNOTE_SIZE * body_size
    chars = [c for c in chars if abs(c["size"] - footnote) > 0.05]
    # Ruby annotations (half size, above the line) are no text of the line.
    chars = [c for c in chars if c["size"] > RUBY_SIZE * body_size + 0.05]
    for c in chars:
        c["baseline"] = page.height - c["matrix"][5]
    # Lines from full-size characters; smaller ones (superscripts) join the nearest line.
    main = sorted(
        (c for c in chars if c["size"] >= SUPERSCRIPT * body_size), key=lambda c: c["baseline"]
    )
    baselines: list[float] = []
    for c in main:
        if not baselines or c["baseline"] - baselines[-1] > 1.5:
            baselines.append(c["baseline"])
    groups: dict[float, list[dict]] = {b: [] for b in baselines}
    for c in chars:
        if not baselines:
            break
        nearest = min(baselines, key=lambda b: abs(b - c["baseline"]))
        if abs(nearest - c["baseline"]) <= 0.6 * body_size * 1.7:
            groups[nearest].append(c)
    return [sorted(groups[b], key=lambda c: c["x0"]) for b in baselines if groups[b]]


def _is_mono(char: dict) -> bool:
    """A character set in a monospaced face: code (the mono faces' names say Mono)."""
    return "mono" in str(char.get("fontname", "")).lower()


def _is_code_line(chars: list[dict], body_size: float) -> bool:
    """A line of a code listing: its characters in the mono face at the listings' size
    (inline code is larger: a paragraph's line of it is text), but the `↪` publish puts
    before a wrapped line's continuation (markup/wrap.py) and a few drawn from a fallback
    face (`�`, an emoji in a comment)."""
    visible = [c for c in chars if c["text"].strip() and c["text"] != "↪"]
    mono = [c for c in visible if _is_mono(c)]
    return (
        bool(mono)
        and _is_mono(visible[0])
        and len(mono) >= 0.8 * len(visible)
        and all(abs(c["size"] - CODE_SIZE * body_size) < 0.3 for c in mono)
    )


def _folio(page, bottom: float) -> str:
    words = page.within_bbox((0, page.height - bottom, page.width, page.height)).extract_words()
    return words[-1]["text"] if words else "?"


def text_block_margins(settings, swapped: bool = False) -> tuple[float, float]:
    """How far from the page's top and bottom edges (pt) the text block's character boxes
    may reach: the grid's text block (first line's characters to last line's), with 1 pt
    of slack, and below as much again as pdfplumber's boxes go past the em box (they take
    the face's descent, 0.286 em for Noto CJK, where the em box goes 0.12 em below the
    baseline). `swapped`: a vertical edition's even page, its frame's margins swapped."""
    g = geometry(settings)
    top, bottom = (g.bottom, g.top) if swapped else (g.top, g.bottom)
    return top * PT_PER_MM - 1, bottom * PT_PER_MM - 1 - 0.2 * settings.font_size


class _Frame:
    """A vertical edition's page (pdf/vertical.py) seen in the turned frame it was laid out
    in: each column a line again, so that every measure reads it as horizontal text."""

    def __init__(self, page):
        self.page = page
        self.width, self.height = page.height, page.width
        self.chars = [_unturned(char, page.width, page.height) for char in page.chars]

    def close(self) -> None:
        self.page.close()


def _unturned(char: dict, width: float, height: float) -> dict:
    """A character of a turned page where the frame had it (turn.py turned the frame's
    (x, y) to (y, height - x)): its box and text matrix turned back."""
    a, b, c, d, e, f = char["matrix"]
    # A turned glyph's size is its box's width. An upright one (縦中横, two in one em) is
    # counted as a superscript is: it joins the nearest line, and makes no line of its own.
    size = 0.7 * char["size"] if char["upright"] else char["x1"] - char["x0"]
    return {**char, "x0": char["top"], "x1": char["bottom"], "top": width - char["x1"],
            "bottom": width - char["x0"], "matrix": (-b, a, -d, c, height - f, e),
            "size": size}  # fmt: skip


def check_pdf(book: Book, pdf_path: Path) -> Report:
    """Measure `pdf_path`, the print edition of `book`."""
    report = Report(pdf_path)
    blocks = expected_blocks(book)
    lines, footnotes = _printed_lines(book, pdf_path, report)
    _place_lines(report, lines, blocks)
    placed = [line for line in lines if line.block >= 0]
    report.lines = len(placed)
    for index, line in enumerate(placed):
        _measure_line(report, line, blocks, placed[index + 1] if index + 1 < len(placed) else None)
        _hung(report, line, book.settings.typography.hanging_punctuation)
        _measure_adjustment(report, line, blocks)
    _measure_page_breaks(report, placed, blocks)
    for folio, text in footnotes:
        if _NOTE_START_RE.match(text) is None and _characters(text) == 1:
            report.findings.append(Finding(ORPHAN_CHAR, folio, f"footnote line {text!r}"))
    return report


def _printed_lines(
    book: Book, pdf_path: Path, report: Report
) -> tuple[list[Line], list[tuple[str, str]]]:
    """The lines of text the PDF prints from the first chapter on, and its footnote lines
    as (folio, text); notes the page count, the fonts and the fonts not embedded."""
    import pdfplumber  # late: pdfplumber loads only when used (start-up time)

    from .pdf.printlinks import page_ref_pattern  # late: start-up time: loaded only when this runs

    settings = book.settings.pdf
    g = geometry(settings)
    body = settings.font_size
    top, bottom = text_block_margins(settings)
    vertical = settings.writing_mode == "vertical-rl"
    page_refs = page_ref_pattern(book.metadata.language)
    lines: list[Line] = []
    footnotes: list[tuple[str, str]] = []
    with pdfplumber.open(pdf_path) as pdf:
        report.pages = len(pdf.pages)
        first = _first_chapter_page(pdf_path, _front_bookmarks(book))
        for index, page in enumerate(pdf.pages):
            if index < first:
                continue
            right_page = index % 2 == 0
            if vertical:  # measured in the turned frame it was laid out in
                page, folio = _Frame(page), str(index + 1)
                block_right = page.width - g.inner * PT_PER_MM
                if not right_page:  # the gutter below, the fore-edge above
                    top, bottom = text_block_margins(settings, swapped=True)
                else:
                    top, bottom = text_block_margins(settings)
            else:
                folio = _folio(page, bottom)
                block_right = page.width - (g.outer if right_page else g.inner) * PT_PER_MM
            for text in _footnote_lines(page, top, bottom, body):
                footnotes.append((folio, text))
            for chars in _lines_of_page(page, top, bottom, body):
                # Only what the measures need: a book has millions of characters.
                kept = [{k: c[k] for k in ("text", "x0", "x1", "size")} for c in chars]
                for kept_char, char in zip(kept, chars, strict=True):
                    kept_char["code"] = _is_mono(char)
                line = Line(index, folio, kept)
                line.text = page_refs.sub("", squash("".join(c["text"] for c in chars)))
                line.shown = squash(
                    "".join(c["text"] for c in chars if c["size"] >= SUPERSCRIPT * body)
                )  # printed after links, not written
                line.block_right = block_right  # type: ignore[attr-defined]
                if _is_code_line(chars, body):
                    continue  # a listing's line (or its ↪ continuation): code, as written
                if line.text:
                    lines.append(line)
            page.close()  # pdfplumber keeps each page's objects otherwise
        report.fonts, unembedded = _fonts(pdf_path)
    for name in unembedded:
        report.findings.append(Finding("font not embedded", "-", name))
    return lines, footnotes


def _place_lines(report: Report, lines: list[Line], blocks: list[Block]) -> None:
    """Place each printed line in the expected text (its block, whether it starts or ends
    it); a line that differs from the manuscript is a finding, and ends the placing."""
    expected = "".join(b.text for b in blocks)
    ends, position = [], 0
    for block in blocks:
        position += len(block.text)
        ends.append(position)
    position, block = 0, 0
    text_ok = True
    for line in lines:
        text = line.text
        if text.endswith("\u2010") and expected[position : position + len(text) - 1] == text[:-1]:
            text = text[:-1]  # a word broken at a soft hyphen (publish/typography/hyphenate.py)
        if expected[position : position + len(text)] != text:
            ahead = expected.find(text, position, position + RESYNC) if len(text) >= 6 else -1
            if ahead < 0:  # a table's cell, a figure's label: not in the text's order
                report.unplaced += 1
                continue
            text_ok = False  # text left out or changed: said once, then measured on
            near = expected[position : min(ahead, position + 20)]
            report.findings.append(
                Finding(
                    "text differs", line.folio, f"printed {line.text[:20]!r}, expected {near!r}"
                )
            )
            position = ahead
        while block < len(ends) and ends[block] <= position:
            block += 1
        line.block = block
        line.first = position == (ends[block - 1] if block else 0)
        position += len(text)
        line.final = block < len(ends) and position == ends[block]
    report.text_identical = text_ok and position == len(expected)
    if text_ok and position != len(expected):
        report.findings.append(
            Finding(
                "text differs",
                lines[-1].folio if lines else "?",
                f"missing at the end: {expected[position : position + 20]!r}",
            )  # fmt: skip
        )


def _characters(text: str) -> int:
    return sum(1 for c in text if c not in PUNCTUATION and not c.isspace())


def _measure_adjustment(report: Report, line: Line, blocks: list[Block]) -> None:
    """Count pushed-in and pushed-out lines and keep the widest gap between characters."""
    if not blocks[line.block].justified or line.final:
        return
    chars = line.chars
    if len(chars) < 2:
        return
    latin = any(is_western(c["text"][:1]) and c["text"] not in _BULLETS for c in chars)
    compressed = expanded = False
    widest, where = 0.0, ""
    for c1, c2 in zip(chars, chars[1:], strict=False):
        t1, t2 = c1["text"][-1:], c2["text"][:1]
        if not t1.strip() or not t2.strip():
            continue  # a word space
        gap = (c2["x0"] - c1["x1"]) / c1["size"]
        if t1 in FULL_WIDTH and t2 in FULL_WIDTH:
            continue  # a pair's compression is the rule, not an adjustment
        han_latin = (is_han(t1) and is_latin(t2)) or (is_latin(t1) and is_han(t2))
        if gap < -SQUEEZED or (han_latin and gap < HAN_LATIN_SQUEEZED):
            compressed = True
        if is_latin(t1) or is_latin(t2) or t1 in FULL_WIDTH or t2 in FULL_WIDTH:
            continue
        if gap > ADJUSTED:
            expanded = True
            if gap > widest:
                widest, where = gap, t1 + t2
    last = next(c for c in reversed(chars) if c["text"].strip())
    if last["text"] in CLOSING and last["x1"] > line.block_right + FLUSH:  # type: ignore[attr-defined]
        compressed = True  # trimmed at the line end
    report.compressed_lines += compressed
    report.expanded_lines += expanded and not compressed
    if widest > WIDE and not latin:
        report.wide_lines.append((line.folio, "".join(c["text"] for c in chars)))
    elif widest > WIDE:
        report.wide_western += 1
    key = "widest_gap_latin" if latin else "widest_gap"
    if widest > getattr(report, key)[0]:
        text = "".join(c["text"] for c in chars)
        at = text.find(where)
        setattr(report, key, (widest, line.folio, f"…{text[max(at - 6, 0) : at + 8]}…"))


def _measure_page_breaks(report: Report, lines: list[Line], blocks: list[Block]) -> None:
    """孤字 last lines, widows, orphans and headings left at the foot of a page."""
    for line in lines:
        if (
            line.final
            and not line.first
            and not blocks[line.block].heading
            and (_characters(line.shown) == 1)
        ):
            report.findings.append(Finding(ORPHAN_CHAR, line.folio, f"…|{line.shown}"))
    for before, after in zip(lines, lines[1:], strict=False):
        if before.page == after.page:
            continue
        block = blocks[before.block]
        if block.heading and after.block != before.block:
            report.findings.append(Finding(STRANDED, before.folio, block.text[:20]))
        elif before.first and not before.final:
            report.findings.append(Finding(ORPHAN, before.folio, f"{before.text[:12]}…"))
        if after.final and not after.first and not blocks[after.block].heading:
            report.findings.append(Finding(WIDOW, after.folio, f"…{after.text[-12:]}"))


#: The start of a footnote at the page foot: its label and a full stop (print.css).
_NOTE_START_RE = re.compile(r"\s*[0-9*†‡§]+\.")


def _footnote_lines(page, top: float, bottom: float, body_size: float) -> list[str]:
    """The lines of footnote text (smaller than the body) at the foot of the page."""
    size = FOOTNOTE_SIZE * body_size
    chars = [
        c
        for c in page.chars
        if top <= c["top"] and c["bottom"] <= page.height - bottom and abs(c["size"] - size) <= 0.05
    ]
    rows: dict[float, list[dict]] = {}
    for c in sorted(chars, key=lambda c: c["top"]):
        key = next((k for k in rows if abs(k - c["top"]) < 0.5 * size), c["top"])
        rows.setdefault(key, []).append(c)
    return [
        "".join(c["text"] for c in sorted(row, key=lambda c: c["x0"]))
        for _, row in sorted(rows.items())
    ]


def _hung(report: Report, line: Line, hanging: bool) -> None:
    """With hanging punctuation, a line whose 。，、 starts at the measure's end and hangs
    past it is flush: its finding is taken back."""
    chars = [c for c in line.chars if c["text"].strip()]
    if not (hanging and chars and chars[-1]["text"] in "。，、" and report.findings):
        return
    finding = report.findings[-1]
    text = "".join(c["text"] for c in chars)
    if (
        finding.kind == "not flush"
        and finding.detail.endswith(text[-12:])
        and abs(chars[-1]["x0"] - line.block_right) <= FLUSH
    ):
        report.findings.pop()


def _measure_line(report: Report, line: Line, blocks: list[Block], after: Line | None) -> None:
    chars = [c for c in line.chars if c["text"].strip()]
    if not chars:
        return
    text = "".join(c["text"] for c in chars)
    last = chars[-1]
    em = last["size"]
    if blocks[line.block].justified and not line.final:
        report.justified_lines += 1
        right = last["x1"]
        if (
            text[-1] in CLOSING
            and right > line.block_right + FLUSH
            and (last["x0"] + em / 2 <= line.block_right + FLUSH)
        ):
            right = line.block_right  # a closing mark trimmed (to half width at most)
        if abs(right - line.block_right) > FLUSH:
            gap = line.block_right - right
            report.findings.append(
                Finding(
                    "not flush",
                    line.folio,
                    f"{'short' if gap > 0 else 'over'} by {abs(gap):.1f} pt: …{text[-12:]}",
                )  # fmt: skip
            )
    # A brace or bracket of inline code is code's, not punctuation of the text (禁则).
    if not line.first and text[0] in NO_START and not chars[0].get("code"):
        report.findings.append(Finding("line start", line.folio, f"{text[:12]}…"))
    if not line.final and text[-1] in NO_END and not chars[-1].get("code"):
        report.findings.append(Finding("line end", line.folio, f"…{text[-12:]}"))
    if after is not None and not line.final and after.block == line.block:
        nxt = after.text[:1]
        if (text[-1], nxt) in (("—", "—"), ("…", "…")):
            report.findings.append(Finding("split", line.folio, f"…{text[-6:]}|{after.text[:6]}…"))
    for c1, c2 in zip(chars, chars[1:], strict=False):
        t1, t2 = c1["text"][-1], c2["text"][0]
        size = c1["size"]
        # An opening mark before a closing one has no blank between them to give up.
        compressible = not (t1 in OPENING and t2 in CLOSING)
        if t1 in FULL_WIDTH and t2 in FULL_WIDTH and compressible and abs(c2["size"] - size) < 0.1:
            advance = (c2["x0"] - c1["x0"]) / size
            report.pair_advances.append(advance)
            if advance >= UNCOMPRESSED:
                report.findings.append(Finding("uncompressed pair", line.folio, t1 + t2))
    # Han–Latin gaps: the visible space between the glyphs, spaces in between included.
    visible = [c for c in line.chars if c["text"].strip()]
    for c1, c2 in zip(visible, visible[1:], strict=False):
        t1, t2 = c1["text"][-1], c2["text"][0]
        if is_han(t1) and is_latin(t2):
            report.han_latin_gaps.append((c2["x0"] - c1["x0"] - c1["size"]) / c1["size"])
        elif is_latin(t1) and is_han(t2):
            report.han_latin_gaps.append((c2["x0"] - c1["x1"]) / c2["size"])


def _front_bookmarks(book: Book) -> int:
    """How many bookmarks the front matter has (a dedication has none)."""
    return sum(c.matter == "front" and c.kind != "dedication" for c in book.chapters)


def _first_chapter_page(pdf_path: Path, skip: int = 0) -> int:
    """The page of the first chapter's bookmark, after `skip` (the front matter's)."""
    import pypdf  # late: pypdf loads only when used (start-up time)

    reader = pypdf.PdfReader(pdf_path)
    for item in reader.outline:
        if not isinstance(item, list):
            if skip:
                skip -= 1
                continue
            return reader.get_destination_page_number(item)
    return 0


def _fonts(pdf_path: Path) -> tuple[int, list[str]]:
    import pypdf  # late: pypdf loads only when used (start-up time)

    reader = pypdf.PdfReader(pdf_path)
    seen: dict[str, bool] = {}
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            name = str(font.get("/BaseFont", "?"))
            descendant = font
            if "/DescendantFonts" in font:
                descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            seen[name] = seen.get(name, True) and embedded
    return len(seen), [name for name, ok in seen.items() if not ok]


def check_print(settings, interior: Path, cover: Path | None = None) -> list:
    """`publish check --print`: the preflight of the `interior` PDF and, if given, of the
    `cover` spread (its width from the interior's page count), per the book's settings."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    # late: start-up time: loaded only when this runs
    from .imprint.spread import cover_marks
    from .prepress.preflight import cover_size, preflight

    reports = [preflight(interior, settings.pdf)]
    if cover is not None:
        with pikepdf.open(interior) as pdf:
            pages = len(pdf.pages)
        size = cover_size(settings, pages)
        reports.append(preflight(cover, settings.pdf, size, marks=cover_marks(settings)))
    return reports
