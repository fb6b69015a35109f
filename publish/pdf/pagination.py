"""The print edition's page breaks, carried into the EPUB (EPUB Accessibility: page list).

The PDF layout knows where each printed page begins; this module records it as a place in
the model's text — (chapter, block, character) — and puts a page-break marker at the same
place in the EPUB. Blocks are numbered the same way on both sides (`data-b` attributes in
the print HTML); characters are counted without whitespace, so the count does not depend
on how lines were broken.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import lxml.etree as etree
import lxml.html

from ..typography.textnodes import text_of

BLOCK_TAGS = ("p", "li", "dt", "dd", "h2", "h3", "h4", "h5", "h6", "td", "th", "pre",
              "figcaption", "figure", "blockquote", "table")  # fmt: skip


@dataclass(frozen=True)
class PageBreak:
    """Printed page `label` begins in `chapter`, before the `offset`-th non-space character
    of block number `block` (None: at the chapter's start)."""

    label: str
    chapter: str
    block: int | None
    offset: int


def _blocks(root) -> list:
    return [e for e in root.iter(*BLOCK_TAGS)]


def number_blocks(html: str, chapter: str) -> str:
    """The chapter body with `data-b="<chapter>.<n>"` on each block, for the print HTML."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for number, element in enumerate(_blocks(root)):
        element.set("data-b", f"{chapter}.{number}")
    out = etree.tostring(root, encoding="unicode", method="xml")
    return re.sub(r"^<div>|</div>$", "", out)


# --- reading the layout (WeasyPrint boxes) ---------------------------------------------


def page_breaks(document) -> list[PageBreak]:
    """Where each page of the body (the `body` page group) begins, from a rendered document."""
    walker = _Walker()
    breaks: list[PageBreak] = []
    blank: list[str] = []
    first_body = None
    for index, page in enumerate(document.pages):
        page_box = page._page_box
        if page_box.page_type.name != "body":
            continue
        if first_body is None:
            first_body = index
        walker.found = None
        walker.visit(page_box, None, None)
        label = str(index - first_body + 1)
        if walker.found is None or walker.found[0] is None:
            blank.append(label)  # a blank page: a target where the next text begins
            continue
        chapter, block, offset = walker.found
        number = None if block is None else int(block.split(".")[-1])
        for page in (*blank, label):
            breaks.append(PageBreak(page, chapter, number, 0 if block is None else offset))
        blank = []
    return breaks


def placed_footnotes(document) -> set[str]:
    """The ids of the footnotes a rendered document set in its pages' footnote areas."""
    # late: WeasyPrint loads only when used (start-up time)
    from weasyprint.formatting_structure import boxes

    found: set[str] = set()

    def visit(box) -> None:
        element = box.element
        if element is not None and (element.get("id") or "").startswith("fn-"):
            found.add(element.get("id"))
        for child in getattr(box, "children", ()):
            visit(child)

    for page in document.pages:
        for child in page._page_box.children:
            if isinstance(child, boxes.FootnoteAreaBox):
                visit(child)
    return found


def footnotes_apart(document) -> set[str]:
    """The ids of the footnotes a rendered document set on another page than their call's:
    WeasyPrint does so with a note too long for the page its call's line opens."""
    # late: WeasyPrint loads only when used (start-up time)
    from weasyprint.formatting_structure import boxes

    pages_of_notes: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for child in page._page_box.children:
            if isinstance(child, boxes.FootnoteAreaBox):
                for note in child.children:
                    if note.element is not None and note.element.get("id"):
                        pages_of_notes[note.element.get("id")] = index
    if not pages_of_notes:
        return set()  # most books: no walk through every page's boxes
    apart: set[str] = set()

    def visit(box, index: int) -> None:
        note = box.footnote
        if note is not None and note.element is not None:
            note_id = note.element.get("id")
            if pages_of_notes.get(note_id, index) != index:
                apart.add(note_id)
        for child in getattr(box, "children", ()):
            if not isinstance(child, boxes.FootnoteAreaBox | boxes.MarginBox):
                visit(child, index)

    for index, page in enumerate(document.pages):
        visit(page._page_box, index)
    return apart


class _Walker:
    """Walks page boxes in document order, counting each block's characters so far."""

    def __init__(self) -> None:
        # late: WeasyPrint loads only when used (start-up time)
        from weasyprint.formatting_structure import boxes

        self.boxes = boxes
        self.counts: dict[str, int] = {}
        self.found: tuple[str | None, str | None, int] | None = None

    def visit(self, box, block: str | None, chapter: str | None) -> None:
        boxes = self.boxes
        if isinstance(box, boxes.MarginBox | boxes.FootnoteAreaBox):
            return  # running heads, folios, footnotes: not the text's flow
        element = box.element
        tag = box.element_tag or ""
        if element is not None and "::" not in tag:
            if element.get("data-b"):
                block = element.get("data-b")
            if tag == "section" and element.get("data-chapter"):
                chapter, block = element.get("data-chapter"), None
        if isinstance(box, boxes.TextBox):
            if tag.endswith(("::marker", "::after", "::before")):
                return  # generated text the EPUB does not have
            text = re.sub(r"\s+", "", box.text)
            if text:
                key = block or f"{chapter}.title"
                if self.found is None:
                    self.found = (chapter, block, self.counts.get(key, 0))
                self.counts[key] = self.counts.get(key, 0) + len(text)
            return
        if isinstance(box, boxes.ReplacedBox) and self.found is None:
            self.found = (chapter, block, self.counts.get(block or "", 0))
        for child in getattr(box, "children", ()):
            self.visit(child, block, chapter)


# --- writing the markers (EPUB) ----------------------------------------------------------


def marker(page: PageBreak):
    """A page-break marker element (the HTML parser accepts the `epub:type` name)."""
    span = lxml.html.fragment_fromstring(
        f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{page.label}" '
        f'aria-label="{page.label}"></span>'
    )
    span.text = ""
    return span


def insert_page_breaks(html: str, breaks: list[PageBreak]) -> str:
    """The chapter body with a page-break marker at each of `breaks` (within this chapter,
    block markers only; the chapter-start marker is the template's)."""
    if not breaks:
        return html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    blocks = _blocks(root)
    for page in breaks:
        if page.block is None or page.block >= len(blocks):
            continue
        _insert(blocks[page.block], page.offset, marker(page))
    out = etree.tostring(root, encoding="unicode", method="xml")
    return re.sub(r"^<div>|</div>$", "", out)


def _insert(block, offset: int, span) -> None:
    """Put `span` before the `offset`-th non-space character of `block`'s own text
    (text inside nested blocks is theirs)."""
    remaining = offset

    def place(text: str | None) -> int | None:
        nonlocal remaining
        if text is None:
            return None
        for index, char in enumerate(text):
            if char.isspace():
                continue
            if remaining == 0:
                return index
            remaining -= 1
        return None

    def walk(element) -> bool:
        at = place(element.text)
        if at is not None:
            span.tail = element.text[at:]
            element.text = element.text[:at]
            element.insert(0, span)
            return True
        for child in list(element):
            nested = isinstance(child.tag, str) and child.tag in BLOCK_TAGS
            if not nested and isinstance(child.tag, str) and walk(child):
                return True
            at = place(child.tail)
            if at is not None:
                span.tail = child.tail[at:]
                child.tail = child.tail[:at]
                child.addnext(span)
                return True
        return False

    if not walk(block):
        # No text of its own there (a figure's image, a table): the page starts before the
        # block, or after it when its text is all on earlier pages.
        _beside(block, span, before=offset == 0)


#: Elements whose content model has no room for a marker (a span) among their children.
_NO_PHRASING = {"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr", "colgroup", "figure",
                "ruby"}  # fmt: skip


def _beside(element, span, before: bool) -> None:
    """Put `span` just before or after `element`, or before or after the nearest ancestor
    where a span may stand: never among a list's items, a table's rows or next to a
    figure's caption (EPUBCheck: RSC-005)."""
    parent = element.getparent()
    while parent is not None and parent.tag in _NO_PHRASING and parent.getparent() is not None:
        element, parent = parent, parent.getparent()
    if before:
        span.tail = None
        element.addprevious(span)
    else:
        span.tail = element.tail
        element.tail = None
        element.addnext(span)


# --- guessing lengths before layout --------------------------------------------------------

#: A block of the text: its XHTML up to where it closes.
_BLOCK_END_RE = re.compile(r"</(?:p|li|h[1-6]|pre|figcaption|td|th|dd|dt)>")


def block_lines(block: str, chars_per_line: int) -> int:
    """About how many lines of the grid a block of XHTML takes: its text on lines of
    `chars_per_line` characters; code a line each (Latin at half a Han's width), wrapped."""

    if "<pre" not in block:
        return math.ceil(len(text_of(block).strip()) / chars_per_line)
    at = block.index("<pre")
    text = math.ceil(len(text_of(block[:at]).strip()) / chars_per_line)
    code = text_of(block[at:]).strip("\n").split("\n")
    return text + sum(max(1, math.ceil(len(line) / (2 * chars_per_line))) for line in code)


def line_marks(html: str, chars_per_line: int) -> list[tuple[int, int]]:
    """Where each block of `html` ends, with the lines (block_lines) up to there."""
    marks, lines, start = [], 0, 0
    for match in _BLOCK_END_RE.finditer(html):
        lines += block_lines(html[start : match.end()], chars_per_line)
        start = match.end()
        marks.append((start, lines))
    marks.append((len(html), lines + block_lines(html[start:], chars_per_line)))
    return marks
