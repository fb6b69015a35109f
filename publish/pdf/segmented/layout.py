"""A long book laid out in pieces, in parallel, and joined into one PDF.

Every chapter opens on a recto, so the pages of a run of chapters do not depend on the
pages before it, except for their folios. A long book is therefore cut into segments of
whole chapters (plan.py); each is laid out as a document of its own, without folios, in a
worker process (runner.py), and its PDF is kept in a cache by content (piece.py), so that
an edit lays out again only the segment it touches. The front matter is laid out with the
TOC's page numbers (known once every segment is laid out); the pieces are joined with
pikepdf (join.py), a blank verso padded where a piece ends on a recto, the folios stamped
(folios.py), the TOC and any reference between pieces linked, and the page labels written.
The pages printed after links are laid out as zeros of the right length and their digits
written in when the pieces are joined (linkpages.py, placeholders.py).

`SegmentedLayout` lays out until nothing moves, as a typesetter's compile loop does: lay
out, check the numbers after links, at most linkpages.ATTEMPTS tries.

A book of one segment is laid out in one document (edition.py); both ways give the same pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ...cache import font_files
from ...fonts import faces_by_name
from ...model import Book, Chapter, Warning
from ...progress import Progress
from .. import indexranges
from ..diagnostics import font_warnings, lost_footnotes, refused
from ..html import book_head, book_html, setup
from ..pagination import PageBreak, roman
from ..printlinks import given_css, pages_printed
from ..vertical import chinese_numerals, is_vertical
from . import linkpages
from .folios import FOLIO_RUN, FOLIO_SAMPLES, folio_css, folio_digits_of, folio_html
from .join import PlacedPiece, join
from .piece import Piece, PieceCache, piece_key
from .runner import Runner

#: A segment's folios are stamped on after joining (their numbers depend on the pages
#: before), and its running heads cannot read the book title from the title page.
SEGMENT_CSS = """
@page body:left { @bottom-left { content: none; } }
@page body:right { @bottom-right { content: none; } }
.mainmatter { string-set: book-title %s; }
"""
#: The front matter alone: the TOC's page numbers are given, not looked up.
FRONT_CSS = """
nav.toc a[data-page]::after { content: leader("·") attr(data-page); }
"""


def css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{escaped}"'


class SegmentedLayout:
    """The print edition of a long book laid out in `segments` (lists of chapters), each a
    piece cached in `cache`, `jobs` at a time. `common` is a digest of every input the
    pieces share (tool, fonts, settings); `page_count` the pages the copyright page's
    figures are made for."""

    def __init__(
        self,
        book: Book,
        segments: list[list[Chapter]],
        cache: PieceCache,
        *,
        page_count: int,
        common: str,
        jobs: int,
        chinese_layout: bool = True,
        progress: Progress | None = None,
    ):
        self.book, self.segments, self.cache = book, segments, cache
        self.page_count, self.common, self.jobs, self.progress = page_count, common, jobs, progress
        self.setup = setup(book, chinese_layout=chinese_layout)
        self.segment_css = SEGMENT_CSS % css_string(book_head(book))
        self.front_css = FRONT_CSS
        # Pages after links (linkpages.py): numbers written in, checked once all is laid out.
        links = pages_printed(book)  # after links, or in the index
        kept, laid_before = linkpages.read_record(cache.folder) if links else ({}, [])
        #: What of the pages after its links each segment was laid out with, last build.
        self.laid_before = laid_before if len(laid_before) == len(segments) else []
        self.estimate = linkpages.Guess(book, segments, kept)  # the TOC's pages too
        self.guess = self.estimate if links else None
        if links:
            self.segment_css += given_css(book.metadata.language)
            self.front_css += given_css(book.metadata.language)
            cache.used.add(linkpages.LINK_PAGES_ENTRY)
        self.link_numbers: dict[str, str] | None = None
        #: Targets whose number is laid out as it reads: the index's, whose ranges depend on
        #: them (indexranges.py), and those whose digits cannot be written in.
        self.exact: frozenset[str] = frozenset(indexranges.locator_targets(book))
        #: The segment holding the index, laid out once all before it are (its numbers exact).
        self.index_segment = next((n for n, segment in enumerate(segments)
                                   if any(c.kind == "index" for c in segment)), None)  # fmt: skip
        self.keys = [""] * len(segments)
        #: What of the pages after its links each segment was laid out with (linkpages.shapes).
        self.laid_with: list[dict[str, str]] = [{} for _ in segments]
        #: book_html's warnings for each segment, the last time its HTML was made.
        self.html_warnings: list[list[Warning]] = [[] for _ in segments]
        self.front_warnings: list[Warning] = []
        #: Warnings of the loop itself (numbers that kept moving).
        self.warnings: list[Warning] = []
        self.done: dict[int, Piece] = {}
        self.front_key = ""
        self.front: Piece | None = None
        self.runner: Runner | None = None

    # --- the whole: lay out until nothing moves, then join ------------------------------

    def run(
        self, target: Path | None, laid_out: Callable[[list[PageBreak]], None]
    ) -> tuple[int, list[PageBreak], list[Warning]]:
        """Lay out the book (and join it into `target`, if given). Once the page breaks are
        known, `laid_out` is given them (the EPUB is then written while the PDF is joined).
        Returns the number of body pages, the page breaks and the warnings."""
        fonts = [*font_files(self.book), *self.setup.upright_files]
        with Runner(self.setup, self.cache, self.jobs, faces_by_name(tuple(fonts))) as runner:
            self.runner = runner
            sample_key = ""
            if target is not None:
                # Every folio is made from a few samples, if the digits allow (see
                # folios.folio_digits); else from folio pages for every page number.
                sample_key, html, css = self._folios(FOLIO_SAMPLES)
                runner.submit(sample_key, html, css)
            pieces, starts, pages = self._converge()
            # The workers (each ~0.4 GB after laying out a technical book's chapter) end
            # before the book is joined here, which needs memory of its own.
            runner.release()
            if self.link_numbers is not None:
                linkpages.write_record(self.cache.folder, self.link_numbers, self.laid_with)
            assert self.front is not None
            # The front matter's pages (roman), then the body's, numbered across the pieces.
            breaks = _front_breaks(self.front) + _with_blank_pages(
                [
                    replace(b, label=str(start - 1 + int(b.label)))
                    for piece, start in zip(pieces, starts, strict=True)
                    for b in piece.breaks
                ]
            )
            warnings = self._warnings(pieces)
            laid_out(breaks)
            body_pages = starts[-1] + pieces[-1].pages - 1
            if target is not None:
                self._join(target, fonts, sample_key, pieces, pages, body_pages)
        return body_pages, breaks, warnings

    def _converge(self) -> tuple[list[Piece], list[int], dict[str, str]]:
        """Lay out, check the numbers after links, lay out again what they moved: at most
        linkpages.ATTEMPTS tries. The pieces, their first folios and every anchor's page."""
        todo = list(range(len(self.segments)))
        for attempt in range(1, linkpages.ATTEMPTS + 1):
            self._lay_out_body(todo, attempt)
            self._submit_front()  # (no segment to lay out)
            self.front = self._runner.result(self.front_key)
            pieces = [self.done[index] for index in range(len(self.segments))]
            starts, pages = _numbered(pieces)
            if self.guess is None:
                break
            stale, html, key = self._check(pieces, starts, pages)
            if not stale and key == self.front_key:
                break
            if attempt == linkpages.ATTEMPTS:
                self.warnings.append(
                    Warning("pages after links: some numbers may be wrong (they kept moving)")
                )
                break
            self._again(stale, html, key)
            todo = stale
        return pieces, starts, pages

    def _check(
        self, pieces: list[Piece], starts: list[int], pages: dict[str, str]
    ) -> tuple[list[int], str, str]:
        """The numbers after links as laid out: the segments to lay out again, and the front
        matter's HTML and key given the right numbers."""
        assert self.front is not None and self.guess is not None
        found = linkpages.found_pages(self.front, pieces, starts)
        right = {target: found[target] for target in self.guess.targets if target in found}
        # A number is written into the pages if its length was right (linkpages.py); one
        # that cannot be is laid out as it reads, from the next layout on.
        self.exact |= {n.target for p in [self.front, *pieces] for n in p.numbers if not n.digits}
        stale = [
            index
            for index in range(len(self.segments))
            if linkpages.laid_out_again(
                self.laid_with[index],
                self.guess.laid_with(index, right, self.exact),
                self.done[index],
                right,
            )
        ]
        self.link_numbers = right
        html, key = self._front_html(pages, right)
        return stale, html, key

    def _again(self, stale: list[int], html: str, key: str) -> None:
        """Submit the front matter again if its HTML changed (a worker lays it out beside the
        segments laid out again), and forget the `stale` segments."""
        if key != self.front_key:
            self.cache.used.discard(self.front_key or "")
            self.front_key = key
            self._runner.submit(key, html, self.front_css)
        self.cache.used -= {self.keys[index] for index in stale}  # laid out with wrong numbers
        for index in stale:
            del self.done[index]

    def _warnings(self, pieces: list[Piece]) -> list[Warning]:
        """The warnings of the last try: making the HTML, the loop, the pieces' layout."""
        warnings = [*self.front_warnings, *self.warnings]
        for segment in self.html_warnings:
            warnings += segment
        for piece in pieces:
            warnings += refused(piece.refused)
        placed = {note for piece in pieces for note in piece.footnotes}
        apart = {note for piece in pieces for note in piece.footnotes_apart}
        chapters = [chapter for segment in self.segments for chapter in segment]
        warnings += lost_footnotes(chapters, placed, apart)
        return warnings + font_warnings(self.book)

    def _join(
        self,
        target: Path,
        fonts: list[Path],
        sample_key: str,
        pieces: list[Piece],
        pages: dict[str, str],
        body_pages: int,
    ) -> None:
        """The front matter laid out with the final numbers, if they moved; the folio pages
        made; everything joined into `target`."""
        runner = self._runner
        if self.progress:
            self.progress.step("writing the PDF")
        runner.result(sample_key)
        if folio_digits_of(self.cache.pdf(sample_key), FOLIO_SAMPLES) is not None:
            folio_pages = [(sample_key, FOLIO_SAMPLES)]
        else:
            folio_pages = self._folio_runs(1, body_pages)
        html, key = self._front_html(pages, self.link_numbers)
        if self.front is None or key != self.front_key:  # without pages after links
            self.front_key, self.front = key, runner.here(key, html, self.front_css)
        for key, _ in folio_pages:
            runner.result(key)
        join(
            target,
            PlacedPiece(self.cache.pdf(self.front_key), self.front),
            [
                PlacedPiece(self.cache.pdf(key), piece)
                for key, piece in zip(self.keys, pieces, strict=True)
            ],
            [(self.cache.pdf(key), numbers) for key, numbers in folio_pages],
            fonts,
            book_parts=book_parts(self.book),
            link_numbers={**pages, **(self.link_numbers or {})},
        )

    # --- the body's segments -------------------------------------------------------------

    @property
    def _runner(self) -> Runner:
        assert self.runner is not None, "SegmentedLayout.run sets the runner"
        return self.runner

    def _lay_out_body(self, indexes: list[int], attempt: int) -> None:
        """Lay out the segments `indexes`. Their HTML is made as workers are free (~0.1 s a
        segment of a technical book: code wrapped, links marked, paragraph ends kept), so
        that a segment's links are given the pages known by then: exact for targets in
        segments laid out with all those before them, else guessed from the pages laid
        out so far (linkpages.Guess). When fewer than a worker's each are left to submit,
        the front matter is submitted (once), to be laid out beside them."""
        runner = self._runner
        pending = list(indexes)
        ahead = self.jobs + 1  # one waiting for each worker
        while pending or runner.busy():
            while pending and runner.busy() < ahead and not self._waits(pending[0], attempt):
                numbers = self.link_numbers
                if self.guess is not None and attempt == 1:
                    numbers = self.guess.numbers(self.done)
                self._submit(pending.pop(0), numbers)
                if len(pending) < self.jobs:  # the last few: the front matter beside them
                    self._submit_front()
            runner.start()
            runner.wait()
            for index in indexes:
                if index not in self.done and self.keys[index] in runner.done:
                    self.done[index] = runner.done[self.keys[index]]
            self._show_progress(attempt)

    def _waits(self, index: int, attempt: int) -> bool:
        """Whether segment `index` waits for the segments before it: the index's, on the
        first try, so that it is laid out with the pages its ranges are made of."""
        if index != self.index_segment or attempt != 1 or self.guess is None:
            return False
        return any(before not in self.done for before in range(index))

    def _show_progress(self, attempt: int) -> None:
        if self.progress:
            step = "laying out the print edition" if attempt == 1 else "pages after links"
            laid = sum(len(self.segments[index]) for index in self.done)
            total = sum(len(chapters) for chapters in self.segments)
            self.progress.step(f"{step}: chapter {laid} of {total}")

    def _segment_html(self, index: int, shapes: dict[str, str] | None) -> tuple[str, str, list]:
        """Segment `index`'s HTML (its links given the `shapes` of their pages), its key and
        the warnings making it gave (kept apart: a segment's HTML may be made again)."""
        warnings: list[Warning] = []
        html = book_html(
            self.book, self.segments[index], front=False, numbers=shapes, warnings=warnings
        )
        return html, piece_key(self.common, html, self.segment_css, self.setup), warnings

    def _submit(self, index: int, numbers: dict[str, str] | None) -> None:
        """Segment `index`'s HTML made (its links given `numbers`) and submitted; or, if the
        last build laid it out with other lengths that `numbers` still fit in, that piece."""
        shapes = None
        if self.guess is not None and numbers is not None:
            shapes = self.guess.laid_with(index, numbers, self.exact)
        as_before = shapes is not None and bool(self.laid_before)
        if as_before and self._submit_as_before(index, shapes, numbers):
            return
        html, self.keys[index], self.html_warnings[index] = self._segment_html(index, shapes)
        if shapes is not None:
            self.laid_with[index] = shapes
        self._runner.submit(self.keys[index], html, self.segment_css)
        if len(self._runner.queued) >= self.jobs:
            self._runner.start()

    def _submit_as_before(self, index: int, now: dict[str, str], numbers: dict[str, str]) -> bool:
        """Segment `index` submitted as the last build laid it out, if it is kept and its
        `numbers` (`now`, their shapes) can be written into it (a number it was laid out a
        digit shorter or longer for, where its line had room: linkpages.laid_out_again)."""
        shapes = self.laid_before[index]
        if shapes == now or shapes.keys() != now.keys():
            return False  # the same HTML either way, or other links
        html, key, warnings = self._segment_html(index, shapes)
        piece = self.cache.get(key)
        if piece is None or linkpages.laid_out_again(shapes, now, piece, numbers):
            self.cache.used.discard(key)
            return False
        self.keys[index], self.laid_with[index], self.html_warnings[index] = key, shapes, warnings
        self._runner.submit(key, html, self.segment_css)  # (kept: not laid out)
        return True

    # --- the front matter and the folios ---------------------------------------------------

    def _front_html(self, pages: dict[str, str], numbers: dict[str, str] | None) -> tuple[str, str]:
        """The front matter's HTML and key, its TOC given the body's `pages` as zeros of
        their length (the digits are written in at the join, as after links) and its links
        `numbers`. Without its dates (join writes them), so that it is cached while the
        lengths stay."""
        toc = linkpages.shapes(pages, frozenset())
        if is_vertical(self.book.settings.pdf):  # its folios as printed: no digits to write in
            toc = {target: chinese_numerals(number) for target, number in pages.items()}
        shapes = linkpages.shapes(numbers, self.exact) if numbers is not None else None
        warnings: list[Warning] = []
        html = book_html(self.book, [], pages=toc, dated=False, numbers=shapes,
                         page_count=self.page_count, warnings=warnings)  # fmt: skip
        self.front_warnings = warnings
        return html, piece_key(self.common, html, self.front_css, self.setup)

    def _submit_front(self) -> None:
        """The front matter, laid out by a worker beside the last segments, its pages
        guessed from all laid out by then (laid out again at the end only if a number's
        length was wrong)."""
        if not self.front_key:
            guessed = self.estimate.numbers(self.done)
            links = guessed if self.guess is not None else None
            html, self.front_key = self._front_html(guessed, links)
            self._runner.submit(self.front_key, html, self.front_css)

    def _folios(self, numbers: list[int]) -> tuple[str, str, str]:
        html, css = folio_html(self.book, len(numbers)), folio_css(numbers)
        return piece_key(self.common, html, css, self.setup), html, css

    def _folio_runs(self, first: int, last: int) -> list[tuple[str, list[int]]]:
        """Folio pages for every number from `first` to `last`, in runs of FOLIO_RUN."""
        runs = []
        for start in range(first, last + 1, FOLIO_RUN):
            numbers = list(range(start, start + FOLIO_RUN))
            key, html, css = self._folios(numbers)
            self._runner.submit(key, html, css)
            runs.append((key, numbers))
        return runs


def _numbered(pieces: list[Piece]) -> tuple[list[int], dict[str, str]]:
    """Body page numbers: every piece starts on a recto, after a blank verso if needed. Each
    piece's first folio, and every anchor's page."""
    starts, number = [], 1
    for piece in pieces:
        starts.append(number)
        number += piece.pages + piece.pages % 2
    pages = {
        name: str(start + page)
        for piece, start in zip(pieces, starts, strict=True)
        for name, (page, _x, _y) in piece.anchors.items()
    }
    return starts, pages


def book_parts(book: Book) -> list[tuple[str, list[str]]]:
    """Each part's title with its chapters' (the bookmarks join.py nests under it)."""
    parts: list[tuple[str, list[str]]] = []
    for chapter in book.chapters:
        if chapter.part is not None:
            if book.opens_part(chapter):
                parts.append((chapter.part.title, []))
            parts[-1][1].append(chapter.title)
    return parts


def _front_breaks(front: Piece) -> list[PageBreak]:
    """The front matter's page breaks, with the blank verso join.py adds after it when it
    ends on a recto (a page of the TOC's, as in one document: PageBreak.after)."""
    breaks = list(front.breaks)
    if front.pages % 2 and breaks:
        breaks.append(PageBreak(roman(front.pages + 1), breaks[-1].chapter, None, 0, after=True))
    return breaks


def _with_blank_pages(breaks: list[PageBreak]) -> list[PageBreak]:
    """The pieces' page breaks with the blank pages between pieces (a verso before a recto
    opening, which no piece's text begins on) pointing where the next page's text begins, as
    pagination.page_breaks gives them in one document."""
    out: list[PageBreak] = []
    last = 0
    for page in breaks:
        number = int(page.label)
        out += [replace(page, label=str(blank)) for blank in range(last + 1, number)]
        out.append(page)
        last = number
    return out
