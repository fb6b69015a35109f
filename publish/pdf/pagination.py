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
from collections.abc import Iterable
from dataclasses import dataclass

import lxml.etree as etree
import lxml.html

from ..typography.textnodes import text_of

BLOCK_TAGS = ("p", "li", "dt", "dd", "h2", "h3", "h4", "h5", "h6", "td", "th", "pre",
              "figcaption", "figure", "blockquote", "table")  # fmt: skip


#: The print edition's front pages that are no chapter, as PageBreak.chapter names them (by
#: the `data-front` of their print HTML): the title page, the copyright page, the TOC.
TITLE_PAGE, COPYRIGHT_PAGE, TOC = ":title", ":copyright", ":toc"
FRONT_PAGES = {"title": TITLE_PAGE, "copyright": COPYRIGHT_PAGE, "toc": TOC}


@dataclass(frozen=True)
class PageBreak:
    """Printed page `label` begins in `chapter` (or a part's title page: the part's id; a
    front page: TITLE_PAGE, COPYRIGHT_PAGE, TOC), before the `offset`-th non-space character
    of block number `block` (None: at the start). `after`: a blank page of the front matter,
    which stands after `chapter`'s text (the EPUB orders the front matter otherwise than
    print, so where the next printed text begins may be elsewhere)."""

    label: str
    chapter: str
    block: int | None
    offset: int
    after: bool = False


def roman(number: int) -> str:
    """`number` in lower-case roman numerals, as CSS `lower-roman` writes it."""
    out = []
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):  # fmt: skip
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def first_body_page(names: list[str]) -> int:
    """The index of the page folioed 1 among pages of these page types: the text's first
    page (those before it are the front matter's, folioed i, ii, iii…)."""
    return names.index("body") if "body" in names else len(names)


def page_label(index: int, first_body: int) -> str:
    """The folio of the `index`-th page, as printed (and as the PDF's page labels say)."""
    return roman(index + 1) if index < first_body else str(index - first_body + 1)


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
    """Where each page of a rendered document begins: the front matter's (roman) and the
    body's. A blank page of the body is a target where the next text begins; one of the
    front matter (or at the end), where the previous page's text ends (PageBreak.after)."""
    walker = _Walker()
    breaks: list[PageBreak] = []
    blank: list[str] = []
    first_body = first_body_page([page._page_box.page_type.name for page in document.pages])
    for index, page in enumerate(document.pages):
        walker.found = None
        walker.visit(page._page_box, None, None)
        label = page_label(index, first_body)
        if walker.found is None or walker.found[0] is None:
            if index < first_body and breaks:
                breaks.append(PageBreak(label, breaks[-1].chapter, None, 0, after=True))
            else:
                blank.append(label)  # a blank page: a target where the next text begins
            continue
        chapter, block, offset = walker.found
        number = None if block is None else int(block.split(".")[-1])
        for page in (*blank, label):
            breaks.append(PageBreak(page, chapter, number, 0 if block is None else offset))
        blank = []
    # Blank pages at the end (no text follows): after the last page's text.
    if breaks:
        breaks += [PageBreak(page, breaks[-1].chapter, None, 0, after=True) for page in blank]
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
        #: Each chapter's last block so far: a page beginning with what is in no block
        #: (a display formula) begins at that block's end, not at the chapter's start.
        self.last: dict[str, str] = {}
        self.found: tuple[str | None, str | None, int] | None = None

    def _found(self, chapter: str | None, block: str | None, count: int) -> None:
        if block is None and chapter in self.last:
            block = self.last[chapter]
            count = self.counts.get(block, 0)
        self.found = (chapter, block, count)

    def visit(self, box, block: str | None, chapter: str | None) -> None:
        boxes = self.boxes
        if isinstance(box, boxes.MarginBox | boxes.FootnoteAreaBox):
            return  # running heads, folios, footnotes: not the text's flow
        element = box.element
        tag = box.element_tag or ""
        if element is not None and "::" not in tag:
            if element.get("data-b"):
                block = element.get("data-b")
                if chapter is not None:
                    self.last[chapter] = block
            if tag == "section" and element.get("data-chapter"):
                chapter, block = element.get("data-chapter"), None
            elif tag == "section" and element.get("data-part"):
                # a part's title page: a page of its own (its id is the part's document's)
                chapter, block = element.get("data-part"), None
            elif element.get("data-front"):
                chapter, block = FRONT_PAGES[element.get("data-front")], None
        if isinstance(box, boxes.TextBox):
            if tag.endswith(("::marker", "::after", "::before")):
                return  # generated text the EPUB does not have
            text = re.sub(r"\s+", "", box.text)
            if text:
                key = block or f"{chapter}.title"
                if self.found is None:
                    self._found(chapter, block, self.counts.get(key, 0))
                self.counts[key] = self.counts.get(key, 0) + len(text)
            return
        if isinstance(box, boxes.ReplacedBox) and self.found is None:
            self._found(chapter, block, self.counts.get(block or "", 0))
        for child in getattr(box, "children", ()):
            self.visit(child, block, chapter)


# --- writing the markers (EPUB) ----------------------------------------------------------


def marker_html(pages: Iterable[PageBreak]) -> str:
    """The page-break markers of `pages`, one after the other (EPUB XHTML)."""
    return "".join(
        f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{page.label}" '
        f'aria-label="{page.label}"></span>'
        for page in pages
    )


def marker(page: PageBreak):
    """A page-break marker element (the HTML parser accepts the `epub:type` name)."""
    span = lxml.html.fragment_fromstring(marker_html([page]))
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
            # A formula is one picture in print (no text there) and has no room for a span.
            atomic = nested or child.tag == "math" or not isinstance(child.tag, str)
            if not atomic and walk(child):
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
