"""A long book laid out in pieces, in parallel, and joined into one PDF.

Every chapter opens on a recto, so the pages of a run of chapters do not depend on the
pages before it, except for their folios. A long book is therefore cut into segments of
whole chapters; each is laid out as a document of its own, without folios, in a worker
process, and its PDF is kept in a cache by content, so that an edit lays out again only
the segment it touches. The main process then lays out the front matter with the TOC's
page numbers (known once every segment is laid out), joins the pieces with pikepdf, pads a
blank verso where a piece ends on a recto, stamps the folios (made from a few folio-only
pages, cached too), links the TOC and any reference between pieces, and writes the page labels.
The pages printed after links are laid out as zeros of the right length and their digits
written in when the pieces are joined (linkpages.py).

A book of one segment is laid out in one document (pdf.py); both ways give the same pages.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import math
import os
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path

from . import linkpages, placeholders
from .cache import font_files, tool_digest
from .fonts import faces_by_name
from .join import Part, folio_digits_of, join
from .model import Book, Chapter, Warning
from .pagination import (
    PageBreak,
    footnotes_apart,
    line_marks,
    page_breaks,
    placed_footnotes,
)
from .pdf import (
    Prepared,
    Setup,
    book_head,
    book_html,
    check_fonts,
    prepare,
    render_html,
    report_lost_footnotes,
    report_refused,
    setup,
)
from .placeholders import PT_PER_PX
from .prepress import finish
from .printlinks import given_css
from .progress import Progress
from .workers import worker_start

#: About how much text (characters of chapter HTML) one segment holds. Smaller segments
#: make an edit cheaper to lay out again; each costs a document's set-up (~0.1 s).
SEGMENT_SIZE = 50_000
#: Folio-only pages are made (and cached) in runs of this many page numbers.
FOLIO_RUN = 200

#: A segment's folios are stamped on after joining (their numbers depend on the pages
#: before), and its running heads cannot read the book title from the title page.
SEGMENT_CSS = """
@page body:left { @bottom-left { content: none; } }
@page body:right { @bottom-right { content: none; } }
.mainmatter { string-set: book-title %s; }
"""
#: Folio-only pages: the body's page style with the running heads left out; each page
#: numbered as `_folio_css` is given.
FOLIO_CSS = """
@page body:left { @top-left { content: none; } }
@page body:right { @top-right { content: none; } }
.mainmatter > div + div { break-before: page; }
"""
#: The folios laid out to make all others from (join.Folios), a recto and a verso of each
#: length, all ten digits: `2` is on a verso, like every even number.
FOLIO_SAMPLES = [*range(1, 12), 100, 101, 1000, 1001, 10000, 10001]


def _folio_css(numbers: list[int]) -> str:
    """FOLIO_CSS, numbering the pages `numbers` (consecutive but for a few jumps)."""
    resets = [
        f"@page body:nth({page} of body) {{ counter-reset: page {number}; }}"
        for page, number in enumerate(numbers, 1)
        if page == 1 or number != numbers[page - 2] + 1
    ]
    return FOLIO_CSS + "\n".join(resets) + "\n"


#: The front matter alone: the TOC's page numbers are given, not looked up.
FRONT_CSS = """
nav.toc a[data-page]::after { content: leader("·") attr(data-page); }
"""


@dataclass
class Piece:
    """A laid-out document of the book: its PDF and what joining it needs to know.

    Positions are in PDF points from the page's bottom left; pages count from 0.
    """

    pages: int
    blank: list[bool]  # pages that get no folio
    breaks: list[PageBreak]  # labelled with page numbers counted within the piece
    anchors: dict[str, tuple[int, float, float]]
    #: Links to anchors in other pieces: page, anchor, rectangle.
    links: list[tuple[int, str, list[float]]]
    refused: list[str] = field(default_factory=list)
    #: The footnotes its pages hold (pdf.report_lost_footnotes).
    footnotes: list[str] = field(default_factory=list)
    #: The footnotes set on another page than their call's (pdf.report_lost_footnotes).
    footnotes_apart: list[str] = field(default_factory=list)
    #: Where the pages after links and the TOC's are to be written in.
    numbers: list[placeholders.Placement] = field(default_factory=list)


def css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{escaped}"'


def plan(book: Book, size: int, previous: dict | None = None, jobs: int = 1) -> list[list[int]]:
    """Chapter indexes grouped into segments of about `size` characters, in order: as many
    segments as `size` asks for, rounded up to a multiple of `jobs` and cut as evenly as
    the chapters allow, so that the workers finish at about the same time.

    The previous build's grouping is kept while the list of chapters is the same, so that
    an edit that changes a chapter's length does not move every later boundary.
    """
    sources = [str(chapter.source) for chapter in book.chapters]
    if previous and previous.get("chapters") == sources and previous.get("size") == size:
        return previous["segments"]
    # Front matter is laid out with the title page and the TOC (pdf.book_html).
    body = [index for index, chapter in enumerate(book.chapters) if chapter.matter != "front"]
    lengths = [len(book.chapters[index].body) for index in body]
    count = math.ceil(sum(lengths) / size)
    if count > 1:
        count = math.ceil(count / jobs) * jobs
    target = sum(lengths) / max(count, 1)
    segments: list[list[int]] = [[]]
    filled = 0
    for index, length in zip(body, lengths, strict=True):
        if segments[-1] and filled >= target * len(segments):
            segments.append([])
        segments[-1].append(index)
        filled += length
    return segments


# --- laying out one piece (in a worker process or here) --------------------------------


def lay_out(
    setup: Setup, html: str, extra_css: str, target: Path, faces: dict[str, tuple[Path, int]]
) -> Piece:
    """Lay out one piece and write its PDF to `target` (atomically: it is a cache entry).
    The faces in `faces` (PostScript name → file, index) get stub programs: join.py subsets
    them again for the whole book."""
    from .sandbox import quiet_logging
    from .weasy.fonts import stub_programs

    document, refused = render_html(setup, html, extra_css)
    anchors: dict[str, tuple[int, float, float]] = {}
    for number, page in enumerate(document.pages):
        height = page.height * PT_PER_PX
        for name, (x, y, *_) in page.anchors.items():
            anchors.setdefault(name, (number, x * PT_PER_PX, height - y * PT_PER_PX))
    links = []
    for number, page in enumerate(document.pages):
        height = page.height * PT_PER_PX
        kept = []
        for link in page.links:
            kind, name, (x1, y1, x2, y2), _box = link
            if kind == "internal" and name not in anchors:
                rect = [x1 * PT_PER_PX, height - y2 * PT_PER_PX]
                rect += [x2 * PT_PER_PX, height - y1 * PT_PER_PX]
                links.append((number, name, rect))
            else:
                kept.append(link)
        page.links[:] = kept  # the link is made when the pieces are joined
    drawn = placeholders.collect(document)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    with quiet_logging(), stub_programs(set(faces)):
        document.write_pdf(partial, pdf_identifier=None)
    numbers = placeholders.resolve(partial, drawn, faces) if drawn else []
    os.replace(partial, target)
    piece = Piece(
        pages=len(document.pages),
        # Pages without a folio: blank ones, and full-bleed plates (prepress, settings.css).
        blank=[
            page._page_box.page_type.blank or page._page_box.page_type.name == "full-bleed"
            for page in document.pages
        ],
        breaks=page_breaks(document),
        footnotes=sorted(placed_footnotes(document)),
        footnotes_apart=sorted(footnotes_apart(document)),
        anchors=anchors,
        links=links,
        refused=refused,
        numbers=numbers,
    )
    # A laid-out document is a graph of reference cycles (boxes and their parents), which
    # only a full collection frees, and Python's comes late. Freed now, a worker's memory
    # falls back between segments (a technical book's 61-page chapter: 286 MB after its
    # layout, 154 MB after the collection, which took ~0.3 s of CPU) instead of staying at
    # its highest, so that two workers hold their peaks together less often. A segment's
    # own peak is not lowered: a 61-page chapter of code still reaches ~420 MB.
    del document
    gc.collect()
    return piece


# --- the cache of pieces ---------------------------------------------------------------


class PieceCache:
    """Laid-out pieces kept in a folder (beside the outputs), by a digest of their input.

    Entries not used by the latest build are removed when it ends.
    """

    def __init__(self, folder: Path, enabled: bool = True):
        self.folder = folder
        self.enabled = enabled
        self.used: set[str] = set()

    def pdf(self, key: str) -> Path:
        return self.folder / f"{key}.pdf"

    def get(self, key: str) -> Piece | None:
        self.used.add(key)
        if not self.enabled or not self.pdf(key).exists():
            return None
        try:
            data = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            data["breaks"] = [PageBreak(**b) for b in data["breaks"]]
            data["anchors"] = {k: tuple(v) for k, v in data["anchors"].items()}
            data["links"] = [tuple(link) for link in data["links"]]
            data["numbers"] = [placeholders.Placement(*n) for n in data.get("numbers", [])]
            return Piece(**data)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, piece: Piece) -> None:
        path = self.folder / f"{key}.json"
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(asdict(piece), ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)

    def prune(self) -> None:
        """Remove the entries this build did not use, and what an interrupted one left."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.name != "plan.json" and path.name.split(".")[0] not in self.used:
                with contextlib.suppress(OSError):
                    path.unlink()

    def read_plan(self) -> dict | None:
        try:
            return json.loads((self.folder / "plan.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_plan(self, book: Book, size: int, segments: list[list[int]], pages: int) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"chapters": [str(c.source) for c in book.chapters], "size": size}
        data.update(segments=segments, pages=pages)
        (self.folder / "plan.json").write_text(json.dumps(data), encoding="utf-8")


def _key(common: str, html: str, extra_css: str, setup: Setup) -> str:
    digest = hashlib.sha256(common.encode())
    digest.update(repr((setup.stylesheets, setup.chinese_layout)).encode())
    digest.update(html.encode())
    digest.update(extra_css.encode())
    for resource in setup.resources:  # the images this piece shows
        if resource.href in html:
            digest.update(resource.href.encode())
            digest.update(hashlib.sha256(resource.content()).digest())
    return digest.hexdigest()[:32]


# --- running pieces in parallel --------------------------------------------------------


class Runner:
    """Lays out pieces, from the cache when it has them, otherwise in `jobs` worker
    processes (forked, so a worker starts at once with what this process has loaded) or,
    when there is only one to do, here. Use as a context manager: leaving it early
    (Ctrl-C, an error) stops the workers at once."""

    def __init__(
        self, setup: Setup, cache: PieceCache, jobs: int, faces: dict[str, tuple[Path, int]]
    ):
        self.setup = setup
        self.faces = faces
        self.cache = cache
        self.jobs = jobs
        self.done: dict[str, Piece] = {}
        self.queued: dict[str, tuple[str, str]] = {}
        self.running: dict[str, Future] = {}
        self.executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> Runner:
        self.cache.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, kind, *exc) -> None:
        if self.executor is None:
            return
        if kind is not None:
            for process in list(getattr(self.executor, "_processes", {}).values()):
                with contextlib.suppress(Exception):
                    process.terminate()
            self.executor.shutdown(wait=False, cancel_futures=True)
        else:
            self.executor.shutdown()

    def submit(self, key: str, html: str, css: str) -> None:
        if key in self.done or key in self.queued or key in self.running:
            return
        piece = self.cache.get(key)
        if piece is not None:
            self.done[key] = piece
        elif self.executor is not None:
            self._start(key, html, css)
        else:
            self.queued[key] = (html, css)

    def _start(self, key: str, html: str, css: str) -> None:
        assert self.executor is not None
        self.running[key] = self.executor.submit(
            lay_out, self.setup, html, css, self.cache.pdf(key), self.faces
        )

    def start(self) -> None:
        """Start laying out the pieces submitted, if there are several to lay out."""
        if self.executor is None and len(self.queued) > 1 and self.jobs > 1:
            # Forked, not spawned: no script calling build() needs a __main__ guard, and
            # the workers start with WeasyPrint and the Chinese layout loaded here (this
            # process needs them anyway, for the front matter).
            if self.setup.chinese_layout:
                from .weasy.cjk import install

                install()
            self.executor = ProcessPoolExecutor(
                min(self.jobs, len(self.queued)), get_context("fork"), initializer=worker_start
            )
            for queued_key, (html, css) in self.queued.items():
                self._start(queued_key, html, css)
            self.queued.clear()

    def release(self) -> None:
        """End the worker processes once what they were given is done (their results are
        kept); pieces submitted later are laid out as if none had been started."""
        if self.executor is not None:
            self.executor.shutdown()
            self.executor = None

    def busy(self) -> int:
        """How many pieces submitted are not laid out yet."""
        return len(self.queued) + len(self.running)

    def wait(self) -> list[str]:
        """Wait until a piece is laid out (here, if no worker runs); the keys of those done."""
        if self.running:
            finished, _ = futures.wait(self.running.values(), return_when=futures.FIRST_COMPLETED)
            keys = [key for key, future in self.running.items() if future in finished]
        else:
            keys = list(self.queued)[:1]
        for key in keys:
            self.result(key)
        return keys

    def result(self, key: str) -> Piece:
        """The piece `key` (submitted before), laid out if need be."""
        if key in self.done:
            return self.done[key]
        self.start()
        if key in self.running:
            piece = self.running.pop(key).result()
        else:
            html, css = self.queued.pop(key)
            piece = lay_out(self.setup, html, css, self.cache.pdf(key), self.faces)
        self.cache.put(key, piece)
        self.done[key] = piece
        return piece

    def here(self, key: str, html: str, css: str) -> Piece:
        """Lay out `key` in this process now, while the workers go on with theirs."""
        piece = self.cache.get(key)
        if piece is None:
            piece = lay_out(self.setup, html, css, self.cache.pdf(key), self.faces)
            self.cache.put(key, piece)
        self.done[key] = piece
        return piece


# --- the whole print edition -----------------------------------------------------------


def render_segmented(
    book: Book,
    target: Path | None,
    segments: list[list[Chapter]],
    cache: PieceCache,
    *,
    common: str,
    jobs: int,
    chinese_layout: bool = True,
    progress: Progress | None = None,
    laid_out: Callable[[], None] | None = None,
) -> int:
    """Lay out `book` in `segments` (and join them into `target`, if given); record the
    page breaks in the model for the EPUB. `common` is a digest of every input the pieces
    share (tool, fonts, settings). Once the page breaks are known, `laid_out` is called
    (the EPUB is then written while the PDF is joined). Returns the number of body pages."""
    config = setup(book, chinese_layout=chinese_layout)
    title_css = SEGMENT_CSS % css_string(book_head(book))
    front_css = FRONT_CSS
    # Pages after links (linkpages.py): numbers written in, checked once all is laid out.
    guess: linkpages.Guess | None = None
    link_numbers: dict[str, str] | None = None
    exact: frozenset[str] = frozenset()  # targets whose number is laid out as it reads
    kept, laid_before = (
        linkpages.read_record(cache.folder) if book.settings.pdf.link_pages else ({}, [])
    )
    if len(laid_before) != len(segments):
        laid_before = []
    estimate = linkpages.Guess(book, segments, kept)  # the TOC's pages too
    if book.settings.pdf.link_pages:
        guess = estimate
        title_css += given_css(book.metadata.language)
        front_css += given_css(book.metadata.language)
        cache.used.add(linkpages.RECORD)
    keys: list[str] = [""] * len(segments)
    #: What of the pages after its links each segment was laid out with (linkpages.shapes).
    laid_with: list[dict[str, str]] = [{} for _ in segments]
    #: book_html's warnings for each segment, the last time its HTML was made.
    html_warnings: list[list[Warning]] = [[] for _ in segments]

    def segment_html(index: int, shapes: dict[str, str] | None) -> tuple[str, str, list]:
        """Segment `index`'s HTML (its links given the `shapes` of their pages), its key and
        the warnings making it gave (kept apart: a segment's HTML may be made again)."""
        before = len(book.warnings)
        html = book_html(book, segments[index], front=False, numbers=shapes)
        warnings = book.warnings[before:]
        del book.warnings[before:]
        return html, _key(common, html, title_css, config), warnings

    def submit(index: int, numbers: dict[str, str] | None) -> None:
        """Segment `index`'s HTML made (its links given `numbers`) and submitted; or, if the
        last build laid it out with other lengths that `numbers` still fit in, that piece."""
        shapes = None
        if guess is not None and numbers is not None:
            shapes = guess.laid_with(index, numbers, exact)
        if shapes is not None and laid_before and submit_as_before(index, shapes, numbers):
            return
        html, keys[index], html_warnings[index] = segment_html(index, shapes)
        if shapes is not None:
            laid_with[index] = shapes
        runner.submit(keys[index], html, title_css)
        if len(runner.queued) >= jobs:
            runner.start()

    def submit_as_before(index: int, now: dict[str, str], numbers: dict[str, str]) -> bool:
        """Segment `index` submitted as the last build laid it out, if it is kept and its
        `numbers` (`now`, their shapes) can be written into it (a number it was laid out a
        digit shorter or longer for, where its line had room: linkpages.laid_out_again)."""
        shapes = laid_before[index]
        if shapes == now or shapes.keys() != now.keys():
            return False  # the same HTML either way, or other links
        html, key, warnings = segment_html(index, shapes)
        piece = cache.get(key)
        if piece is None or linkpages.laid_out_again(shapes, now, piece, numbers):
            cache.used.discard(key)
            return False
        keys[index], laid_with[index], html_warnings[index] = key, shapes, warnings
        runner.submit(key, html, title_css)  # (kept: not laid out)
        return True

    def lay_out_body(indexes: list[int], attempt: int, then: Callable[[], None]) -> None:
        """Lay out the segments `indexes`. Their HTML is made as workers are free (~0.1 s a
        segment of a technical book: code wrapped, links marked, paragraph ends kept), so
        that a segment's links are given the pages known by then: exact for targets in
        segments laid out with all those before them, else guessed from the pages laid
        out so far (linkpages.Guess). When fewer than a worker's each are left to submit,
        `then` is called (once: it submits the front matter)."""
        pending = list(indexes)
        ahead = jobs + 1  # one waiting for each worker
        while pending or runner.busy():
            while pending and runner.busy() < ahead:
                numbers = link_numbers if guess is None or attempt > 1 else guess.numbers(done)
                submit(pending.pop(0), numbers)
                if len(pending) < jobs:  # the last few: `then` is laid out beside them
                    then()
            runner.start()
            runner.wait()
            for index in indexes:
                if index not in done and keys[index] in runner.done:
                    done[index] = runner.done[keys[index]]
            if progress:
                step = "laying out the print edition" if attempt == 1 else "pages after links"
                laid = sum(len(segments[i]) for i in done)
                progress.step(f"{step}: chapter {laid} of {total}")

    done: dict[int, Piece] = {}

    total = sum(len(chapters) for chapters in segments)

    def folios(numbers: list[int]) -> tuple[str, str, str]:
        html, css = _folio_html(book, len(numbers)), _folio_css(numbers)
        return _key(common, html, css, config), html, css

    def folio_runs(first: int, last: int) -> None:
        """Folio pages for every number from `first` to `last`, in runs of FOLIO_RUN."""
        for start in range(first, last + 1, FOLIO_RUN):
            numbers = list(range(start, start + FOLIO_RUN))
            key, html, css = folios(numbers)
            runner.submit(key, html, css)
            folio_pages.append((key, numbers))

    def front_html(pages: dict[str, str], numbers: dict[str, str] | None) -> tuple[str, str]:
        """The front matter's HTML and key, its TOC given the body's `pages` as zeros of
        their length (the digits are written in at the join, as after links) and its links
        `numbers`. Without its dates (join writes them), so that it is cached while the
        lengths stay."""
        toc = linkpages.shapes(pages, frozenset())
        shapes = linkpages.shapes(numbers, exact) if numbers is not None else None
        html = book_html(book, [], pages=toc, dated=False, numbers=shapes)
        return html, _key(common, html, front_css, config)

    fonts = font_files(book)
    with Runner(config, cache, jobs, faces_by_name(tuple(fonts))) as runner:
        folio_pages: list[tuple[str, list[int]]] = []
        if target is not None:
            # Every folio is made from a few samples, if the digits allow (see
            # join.folio_digits); else from folio pages for every page number.
            sample_key, html, css = folios(FOLIO_SAMPLES)
            runner.submit(sample_key, html, css)
        front_key = ""
        front: Piece | None = None

        def submit_front() -> None:
            """The front matter, laid out by a worker beside the last segments, its pages
            guessed from all laid out by then (laid out again at the end only if a
            number's length was wrong)."""
            nonlocal front_key
            if not front_key:
                guessed = estimate.numbers(done)
                html, front_key = front_html(guessed, guessed if guess is not None else None)
                runner.submit(front_key, html, front_css)

        todo = list(range(len(segments)))
        for attempt in range(1, linkpages.ATTEMPTS + 1):
            lay_out_body(todo, attempt, submit_front)
            submit_front()  # (no segment to lay out)
            front = runner.result(front_key)
            pieces = [done[index] for index in range(len(segments))]

            # Body page numbers: every piece starts on a recto, after a blank verso if needed.
            starts, number = [], 1
            for piece in pieces:
                starts.append(number)
                number += piece.pages + piece.pages % 2
            body_pages = starts[-1] + pieces[-1].pages - 1
            pages = {
                name: str(start + page)
                for piece, start in zip(pieces, starts, strict=True)
                for name, (page, _x, _y) in piece.anchors.items()
            }
            if guess is None:
                break
            assert front is not None
            found = linkpages.found_pages(front, pieces, starts)
            right = {target: found[target] for target in guess.targets if target in found}
            # A number is written into the pages if its length was right (linkpages.py);
            # one that cannot be is laid out as it reads, from the next layout on.
            exact |= {n.target for p in [front, *pieces] for n in p.numbers if not n.digits}
            stale = [
                index
                for index in range(len(segments))
                if linkpages.laid_out_again(
                    laid_with[index], guess.laid_with(index, right, exact), done[index], right
                )
            ]
            link_numbers = right
            html, key = front_html(pages, right)
            if not stale and key == front_key:
                break
            if attempt == linkpages.ATTEMPTS:
                book.warnings.append(
                    Warning("pages after links: some numbers may be wrong (they kept moving)")
                )
                break
            # The front matter is laid out by a worker too, beside the segments laid out
            # again (in a first build, those whose guessed numbers had the wrong length).
            if key != front_key:
                cache.used.discard(front_key or "")
                front_key = key
                runner.submit(key, html, front_css)
            cache.used -= {keys[index] for index in stale}  # laid out with wrong numbers
            for index in stale:
                del done[index]
            todo = stale
        # The workers (each ~0.4 GB after laying out a technical book's chapter) end
        # before the book is joined here, which needs memory of its own.
        runner.release()
        if link_numbers is not None:
            linkpages.write_record(cache.folder, link_numbers, laid_with)
        for warnings in html_warnings:
            book.warnings.extend(warnings)
        book.page_breaks = [
            replace(b, label=str(start - 1 + int(b.label)))
            for piece, start in zip(pieces, starts, strict=True)
            for b in piece.breaks
        ]
        for piece in pieces:
            report_refused(book, piece.refused)
        placed = {note for piece in pieces for note in piece.footnotes}
        apart = {note for piece in pieces for note in piece.footnotes_apart}
        report_lost_footnotes(book, [c for s in segments for c in s], placed, apart)
        check_fonts(book)
        if laid_out is not None:
            laid_out()
        if target is None:
            return body_pages

        if progress:
            progress.step("writing the PDF")
        runner.result(sample_key)
        if folio_digits_of(cache.pdf(sample_key), FOLIO_SAMPLES) is not None:
            folio_pages = [(sample_key, FOLIO_SAMPLES)]
        else:
            folio_runs(1, body_pages)
        html, key = front_html(pages, link_numbers)
        if front is None or key != front_key:  # without pages after links
            front_key, front = key, runner.here(key, html, front_css)
        for key, _ in folio_pages:
            runner.result(key)
        join(
            target,
            Part(cache.pdf(front_key), front),
            [Part(cache.pdf(key), piece) for key, piece in zip(keys, pieces, strict=True)],
            [(cache.pdf(key), numbers) for key, numbers in folio_pages],
            fonts,
            book_parts=_parts(book),
            link_numbers={**pages, **(link_numbers or {})},
        )
    return body_pages


def _parts(book: Book) -> list[tuple[str, list[str]]]:
    """Each part's title with its chapters' (the bookmarks join.py nests under it)."""
    parts: list[tuple[str, list[str]]] = []
    for chapter in book.chapters:
        if chapter.part is not None:
            if book.opens_part(chapter):
                parts.append((chapter.part.title, []))
            parts[-1][1].append(chapter.title)
    return parts


def _folio_html(book: Book, count: int) -> str:
    pages = "<div></div>" * count
    return (
        f'<!DOCTYPE html><html lang="{book.metadata.language}"><body>'
        f'<div class="mainmatter">{pages}</div></body></html>'
    )


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
    laid_out: Callable[[], None] | None = None,
    prepared: Prepared | None = None,
) -> None:
    """Lay out the print edition (recording its page breaks in the model) and write it to
    `target` if given: in one document, or for a long book in segments laid out `jobs` at
    a time (default: one per core), cached in `cache_folder`. `laid_out` is called once
    the page breaks are known (the EPUB is written while the PDF is). `prepared`:
    what laying out the book in one document needs, if made already (`one_document`).

    The copyright page prints figures of the final page count (开本, 印张, 字数): the book is
    laid out with the count of the last build (or a guess), and once more if the count
    found gives other figures (the copyright page's length is fixed: no third time). With
    `[pdf] signature`, blank pages then fill the last signature (a warning says how many).
    """
    from .imprint.padding import pad_to_signature
    from .pdf import imprint_figures

    cache = PieceCache(cache_folder, enabled=use_cache)
    cache.used.add(PAGES_RECORD)
    if not book.pages:
        book.pages = _last_pages(cache_folder) or _guess_pages(book)
    before = len(book.warnings)
    once = _Once(laid_out)
    for attempt in (1, 2):
        pages = _print_edition_once(
            book, target, cache, jobs=jobs, use_cache=use_cache, size=size,
            chinese_layout=chinese_layout, progress=progress, laid_out=once, prepared=prepared,
        )  # fmt: skip
        if (
            attempt == 2
            or pages is None
            or not book.settings.imprint.given
            or imprint_figures(book, pages) == imprint_figures(book)
        ):
            break
        book.pages, prepared = pages, None
        del book.warnings[before:]  # the same warnings again
    if pages is not None:
        book.pages = pages
        if book.settings.imprint.given:  # only the copyright page needs it
            cache.folder.mkdir(parents=True, exist_ok=True)
            (cache.folder / f"{PAGES_RECORD}.json").write_text(json.dumps({"pages": pages}))
    signature = book.settings.pdf.signature
    if target is not None and signature:
        added = pad_to_signature(target, signature)
        if added:
            book.warnings.append(
                Warning(f"{added} blank page(s) added to fill the last {signature}-page signature")
            )
    if target is not None:  # boxes, colour, PDF/X: on every page, padding included
        finish(target, book.settings.pdf)


#: The cache entry keeping the last build's page count (the copyright page's figures).
PAGES_RECORD = "pages"


def _last_pages(folder: Path) -> int:
    try:
        return int(json.loads((folder / f"{PAGES_RECORD}.json").read_text())["pages"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


class _Once:
    """`laid_out`, called the first time only (a second layout has the same page breaks)."""

    def __init__(self, callback: Callable[[], None] | None):
        self.callback = callback

    def __call__(self) -> None:
        if self.callback is not None:
            callback, self.callback = self.callback, None
            callback()


def _print_edition_once(
    book: Book,
    target: Path | None,
    cache: PieceCache,
    *,
    jobs: int | None,
    use_cache: bool,
    size: int,
    chinese_layout: bool,
    progress: Progress | None,
    laid_out: Callable[[], None] | None,
    prepared: Prepared | None,
) -> int | None:
    """print_edition's layout, once: the page count laid out (None if not known: a long
    book without `target`)."""
    from .imprint.padding import page_count
    from .pdf import layout, write_pdf

    jobs = jobs or os.cpu_count() or 1
    previous = cache.read_plan() or {}
    grouping = plan(book, size, previous if use_cache else None, jobs)
    if len(grouping) == 1 or tagged(book):
        cache.prune()
        document = layout(book, chinese_layout=chinese_layout, prepared=prepared)
        if laid_out is not None:
            laid_out()
        if target is not None:
            write_pdf(document, target, font_files(book), book.settings.pdf.standard)
        return len(document.pages)
    # Front matter chapters are laid out with the title page and TOC, not in a segment.
    segments = [
        chapters
        for group in grouping
        if (
            chapters := [
                book.chapters[index] for index in group if book.chapters[index].matter != "front"
            ]
        )
    ]
    pages = render_segmented(
        book,
        target,
        segments,
        cache,
        common=tool_digest(book),
        jobs=jobs,
        chinese_layout=chinese_layout,
        progress=progress,
        laid_out=laid_out,
    )
    cache.write_plan(book, size, grouping, pages)
    cache.prune()
    return page_count(target) if target is not None else None


def tagged(book: Book) -> bool:
    """A PDF/UA book is laid out in one document: the join does not merge the pieces'
    structure trees (their ParentTree and marked-content numbering)."""
    return book.settings.pdf.standard == "pdf/ua-1"


def _guess_pages(book: Book) -> int:
    """How many pages the printed book will take (the copyright page's figures, before
    layout): each block's lines on the grid, each chapter from a recto, the title page,
    the copyright page and the TOC before them. Exact for most short books, so that their
    first build is laid out once, not twice."""
    from .pdf import geometry

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


def one_document(book: Book, cache_folder: Path, size: int, use_cache: bool) -> Prepared | None:
    """The book's setup and HTML if `print_edition` will lay it out in one document (given
    the same arguments), else None. They can be made before WeasyPrint is loaded."""
    previous = PieceCache(cache_folder).read_plan() if use_cache else None
    # The last build's count even with --force: it is only a first guess, checked after.
    book.pages = _last_pages(cache_folder) or _guess_pages(book)
    if len(plan(book, size, previous)) > 1 and not tagged(book):
        return None
    return prepare(book)
