"""The print edition: the one entry build.py calls. It decides once whether the book is
laid out in one document or in segments (segmented/), lays it out until the copyright
page's figures agree with the page count, pads the last signature and runs prepress.

What the layout learned (page count, page breaks for the EPUB's page list, warnings) is
returned in a `PrintResult`; the model is not written to.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import markup
from ..cache import font_files, tool_digest
from ..imprint.padding import pad_to_signature, page_count
from ..model import Book, Warning
from ..prepress import finish
from ..progress import Progress
from . import indexranges
from .diagnostics import font_warnings, lost_footnotes, refused
from .engine import render_html, write_pdf
from .geometry import geometry
from .html import Prepared, imprint_figures, prepare
from .pagination import PageBreak, footnotes_apart, line_marks, page_breaks, placed_footnotes
from .segmented.layout import SegmentedLayout
from .segmented.linkpages import Guess, roman
from .segmented.piece import PieceCache
from .segmented.plan import SEGMENT_SIZE, plan, segments_of
from .turn import turn_pages
from .vertical import is_vertical

#: The cache entry keeping the last build's page count (the copyright page's figures).
PAGE_COUNT_ENTRY = "pages"
#: Links forward from which a book short enough for one document is laid out in segments
#: (at least two, and the index apart): in one document WeasyPrint learns a page printed
#: after a link forward (`target-counter`) only once the target is laid out, and lays out
#: again every page holding one (the 40 chapters of benchmarks/apparatus.py, 250 links
#: forward: 3.6 times the CPU time of the same book without links), where the segments are
#: given the numbers and have the digits written in (segmented/linkpages.py).
FORWARD_LINKS = 40
_ID_RE = re.compile(r'\sid="([^"]+)"')
_HREF_RE = re.compile(r'\shref="#([^"]+)"')
#: Layouts at most for the copyright page's figures: the page count of the first layout
#: gives the figures of the second (the copyright page's length is fixed: no third time).
FIGURE_ATTEMPTS = 2


@dataclass(frozen=True)
class PrintPlan:
    """How the print edition will be laid out, decided once (`plan_print`): the chapters
    of each segment (one group: one document) and the page count guessed for the
    copyright page's figures; for one document, its setup and HTML, made ahead."""

    grouping: list[list[int]]
    page_count: int
    prepared: Prepared | None = None

    @property
    def one_document(self) -> bool:
        return self.prepared is not None


@dataclass
class PrintResult:
    """What laying out the print edition learned: its page count (0 if not known: a long
    book laid out without a PDF to write), where each page begins (the EPUB's page list)
    and its warnings."""

    pages: int = 0
    page_breaks: list[PageBreak] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)


def tagged(book: Book) -> bool:
    """A PDF/UA book is laid out in one document: the join does not merge the pieces'
    structure trees (their ParentTree and marked-content numbering)."""
    return book.settings.pdf.standard == "pdf/ua-1"


def plan_print(
    book: Book, cache_folder: Path, size: int, use_cache: bool, jobs: int | None = None
) -> PrintPlan:
    """The one decision: one document or segments, for `print_edition` given the same
    arguments. Made before WeasyPrint is loaded (build.py makes it in another process)."""
    jobs = jobs or os.cpu_count() or 1
    previous = PieceCache(cache_folder).read_plan() if use_cache else None
    many = book.settings.pdf.link_pages and forward_links(book) >= FORWARD_LINKS
    grouping = plan(book, size, previous, jobs, least=2 if many else 1)
    # The last build's count even with --force: it is only a first guess, checked after.
    count = _last_pages(cache_folder) or _guess_pages(book)
    if len(grouping) > 1 and not tagged(book):
        # Segments are drawn by workers: the formulas their drawings add, converted here.
        markup.prefetch_for_print([chapter.body for chapter in book.chapters], book.settings.pdf)
        return PrintPlan(grouping, count)
    return PrintPlan(
        grouping, count, prepare(book, count, index_pages=_index_pages(book, cache_folder))
    )


def forward_links(book: Book) -> int:
    """How many of the text's links lead further on in the book (the index's lead back)."""
    where: dict[str, tuple[int, int]] = {}
    for number, chapter in enumerate(book.chapters):
        where[chapter.id] = (number, -1)
        for match in _ID_RE.finditer(chapter.body):
            where.setdefault(match.group(1), (number, match.start()))
    count = 0
    for number, chapter in enumerate(book.chapters):
        for match in _HREF_RE.finditer(chapter.body):
            if where.get(match.group(1), (-1, 0)) > (number, match.start()):
                count += 1
    return count


def print_edition(
    book: Book,
    target: Path | None,
    cache_folder: Path,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    size: int = SEGMENT_SIZE,
    chinese_layout: bool = True,
    progress: Progress | None = None,
    laid_out: Callable[[list[PageBreak]], None] | None = None,
    planned: PrintPlan | None = None,
) -> PrintResult:
    """Lay out the print edition and write it to `target` if given: in one document, or
    for a long book in segments laid out `jobs` at a time (default: one per core), cached
    in `cache_folder`. `laid_out` is called once the page breaks are known (the EPUB is
    written while the PDF is), with them. `planned`: `plan_print`'s
    decision, if made already.

    The copyright page prints figures of the final page count (开本, 印张, 字数): the book is
    laid out with the count of the last build (or a guess), and once more if the count
    found gives other figures; only the last layout's warnings are kept. With
    `[pdf] signature`, blank pages then fill the last signature (a warning says how many).
    """
    jobs = jobs or os.cpu_count() or 1
    if planned is None:
        planned = plan_print(book, cache_folder, size, use_cache, jobs)
    cache = PieceCache(cache_folder, enabled=use_cache)
    cache.used.add(PAGE_COUNT_ENTRY)
    count, prepared = planned.page_count, planned.prepared
    once = _Once(laid_out)
    for _attempt in range(FIGURE_ATTEMPTS):
        result = _lay_out(book, target, cache, planned.grouping, count, prepared, jobs=jobs,
                          size=size, chinese_layout=chinese_layout, progress=progress,
                          laid_out=once)  # fmt: skip
        if not result.pages or not book.settings.imprint.given:
            break
        if imprint_figures(book, result.pages) == imprint_figures(book, count):
            break
        count, prepared = result.pages, None  # the warnings of this try are dropped
    if result.pages and book.settings.imprint.given:  # only the copyright page needs it
        cache.folder.mkdir(parents=True, exist_ok=True)
        (cache.folder / f"{PAGE_COUNT_ENTRY}.json").write_text(json.dumps({"pages": result.pages}))
    if target is not None:
        _finish(book, target, result)
    return result


def _finish(book: Book, target: Path, result: PrintResult) -> None:
    """A vertical edition's pages turned (laid out in the turned frame, vertical.py), the
    last signature filled, then prepress: boxes, colour, PDF/X on every page."""
    if is_vertical(book.settings.pdf):
        turn_pages(target)
    signature = book.settings.pdf.signature
    if signature:
        added = pad_to_signature(target, signature)
        if added:
            result.warnings.append(
                Warning(f"{added} blank page(s) added to fill the last {signature}-page signature")
            )
    finish(target, book.settings.pdf)


def _lay_out(
    book: Book,
    target: Path | None,
    cache: PieceCache,
    grouping: list[list[int]],
    count: int,
    prepared: Prepared | None,
    *,
    jobs: int,
    size: int,
    chinese_layout: bool,
    progress: Progress | None,
    laid_out: Callable[[list[PageBreak]], None],
) -> PrintResult:
    """The print edition laid out once, its copyright page given the page count `count`."""
    if len(grouping) == 1 or tagged(book):
        cache.used.add(indexranges.INDEX_PAGES_ENTRY)
        cache.prune()
        result = lay_out_one_document(
            book, target=target, count=count, prepared=prepared, chinese_layout=chinese_layout,
            record=cache.folder,
        )  # fmt: skip
        laid_out(result.page_breaks)
        return result
    layout = SegmentedLayout(
        book, segments_of(book, grouping), cache, page_count=count, common=tool_digest(book),
        jobs=jobs, chinese_layout=chinese_layout, progress=progress,
    )  # fmt: skip
    body_pages, breaks, warnings = layout.run(target, laid_out)
    cache.write_plan(book, size, grouping, body_pages)
    cache.prune()
    pages = page_count(target) if target is not None else 0
    return PrintResult(pages, breaks, warnings)


def lay_out_one_document(
    book: Book,
    target: Path | None,
    count: int,
    prepared: Prepared | None = None,
    chinese_layout: bool = True,
    record: Path | None = None,
) -> PrintResult:
    """The print edition laid out as one document (and written to `target`, if given).
    `prepared`: its setup and HTML, if made already. The index's page ranges are made for
    the pages the last build (kept in `record`) or a guess gave; if the pages laid out
    merge otherwise, the book is laid out once more with them (indexranges.py).

    `chinese_layout=False` leaves WeasyPrint's own line composition (for comparisons; it
    cannot be undone in a process where the Chinese layout was installed).
    """
    if prepared is None or prepared.setup.chinese_layout != chinese_layout:
        index_pages = _index_pages(book, record) if record is not None else None
        prepared = prepare(book, count, chinese_layout=chinese_layout, index_pages=index_pages)
    document, urls = render_html(prepared.setup, prepared.html)
    index = indexranges.index_chapter(book)
    if index is not None:
        found = _folios(document, indexranges.locator_targets(book))
        if indexranges.roles(index.body, found) != indexranges.roles(
            index.body, prepared.index_pages
        ):
            prepared = prepare(book, count, chinese_layout=chinese_layout, index_pages=found)
            document, urls = render_html(prepared.setup, prepared.html)
        if record is not None:
            indexranges.write_record(record, found)
    warnings = [*prepared.warnings, *refused(urls)]
    warnings += lost_footnotes(book.chapters, placed_footnotes(document), footnotes_apart(document))
    warnings += font_warnings(book)
    if target is not None:
        fonts = [*font_files(book), *prepared.setup.upright_files]
        write_pdf(document, target, fonts, book.settings.pdf.standard)
    return PrintResult(len(document.pages), page_breaks(document), warnings)


class _Once:
    """`laid_out`, called the first time only (a second layout has the same page breaks)."""

    def __init__(self, callback: Callable[[list[PageBreak]], None] | None):
        self.callback = callback

    def __call__(self, breaks: list[PageBreak]) -> None:
        if self.callback is not None:
            callback, self.callback = self.callback, None
            callback(breaks)


def _index_pages(book: Book, folder: Path) -> dict[str, str] | None:
    """The pages the index's locators lead to before layout: the last build's, else
    guessed from the text's lines (linkpages.Guess); None for a book without an index."""
    targets = indexranges.locator_targets(book)
    if not targets:
        return None
    kept = indexranges.read_record(folder)
    if targets <= kept.keys():
        return kept
    body = [[chapter for chapter in book.chapters if chapter.matter != "front"]]
    return Guess(book, body, kept).numbers({})


def _folios(document, targets: set[str]) -> dict[str, str]:
    """The printed page of each of `targets` in a laid-out document: the body's folios
    from 1 (the front matter's, roman, are not merged into ranges)."""
    first = next((n for n, page in enumerate(document.pages)
                  if page._page_box.page_type.name == "body"), 0)  # fmt: skip
    found: dict[str, str] = {}
    for number, page in enumerate(document.pages):
        for name in targets & page.anchors.keys():
            if name not in found:
                found[name] = str(number - first + 1) if number >= first else roman(number + 1)
    return found


def _last_pages(folder: Path) -> int:
    try:
        return int(json.loads((folder / f"{PAGE_COUNT_ENTRY}.json").read_text())["pages"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _guess_pages(book: Book) -> int:
    """How many pages the printed book will take (the copyright page's figures, before
    layout): each block's lines on the grid, each chapter from a recto, the title page,
    the copyright page and the TOC before them. Exact for most short books, so that their
    first build is laid out once, not twice."""
    g = geometry(book.settings.pdf)

    def lines(html: str) -> int:
        return line_marks(html, g.chars_per_line)[-1][1]

    def recto(pages: int) -> int:  # what follows opens on a recto
        return pages + pages % 2

    entries = sum(1 + len(chapter.sections) for chapter in book.chapters)
    pages = 2 + recto(math.ceil(entries / g.lines_per_page))  # title, copyright, TOC
    parts = {chapter.part for chapter in book.chapters if chapter.part is not None}
    pages += 2 * len(parts)
    for index, chapter in enumerate(book.chapters):
        notes = sum(lines(note.html) for note in chapter.footnotes)
        # The chapter's title takes about six lines of the first page.
        count = math.ceil((6 + lines(chapter.body) + notes) / g.lines_per_page)
        pages += count if index == len(book.chapters) - 1 else recto(count)
    return pages
