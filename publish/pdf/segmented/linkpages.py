"""Pages after links in a long book laid out in segments (layout.py).

In one document WeasyPrint counts the page a link leads to itself (printlinks.css,
`target-counter`). A segment is laid out alone and its pages are numbered only when the
pieces are joined, so there the number is given (printlinks.given_css prints it in the same
words): a roman folio as it reads, a number of digits as zeros of its length, in tabular
figures. When the pieces are joined, the digits' glyphs are put in place of the zeros'
(placeholders.py): the line keeps its width, so nothing else on the page moves.

Only a number's length shapes the pages, then, and it is guessed well (`Guess`): exact for
a target in the segments already laid out, else from the last build or from the pages laid
out so far; a guess just below 100 (or 10, 1000) is laid out a digit longer, since a
number a digit shorter than laid out is always written in (in the middle of the zeros'
width where its line has no room to close up). Segments are given their HTML as workers
become free, so that most links are given pages already known. Once all is laid out, a
number a digit longer than its segment was laid out with is written in where its line has
room; elsewhere the segment is laid out again, and so is the front matter if its TOC's or
links' lengths changed, until every length is right. What each segment was laid
out with is kept, so that a rebuild keeps a piece whose numbers were written in.

What it costs: a rebuild lays out only what changed; a first build of the 1,271-page
technical book of benchmarks/ lays out each of its 25 segments and the front matter once.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from ...model import Book
from ..geometry import geometry
from ..pagination import line_marks, roman
from ..printlinks import ids
from .piece import Piece

#: The cache entry keeping the pages the last build's links led to.
LINK_PAGES_ENTRY = "link-pages"
#: Layouts of the pieces at most: the numbers settle in two unless a number's new length
#: moves a target to another page (rarely three).
ATTEMPTS = 4


#: An internal link, as the model's HTML writes it (printlinks.ids reads ids alike).
_LINK_RE = re.compile(r'\shref="#([^"]+)"')


def targets_by_chapter(book: Book, also: set[str] = frozenset()) -> dict[str, set[str]]:
    """Every id a link of the book leads to (and those in `also`), by the id of the chapter
    holding it."""
    linked = {target for c in book.chapters for target in _LINK_RE.findall(c.body)} | also
    return {c.id: ({c.id} | ids(c.body)) & linked for c in book.chapters}


def toc_ids(book: Book) -> set[str]:
    """The ids of the TOC's entries (their pages are printed in the front matter)."""
    found: set[str] = set()
    pending = list(book.toc)
    while pending:
        heading = pending.pop()
        found.add(heading.id)
        pending.extend(heading.children)
    return found


def read_record(folder: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The last build's pages of the targets, and what of them each segment was laid out
    with (Guess.laid_with; empty if not kept)."""
    try:
        data = json.loads((folder / f"{LINK_PAGES_ENTRY}.json").read_text(encoding="utf-8"))
        numbers, laid = data["numbers"], data["laid"]
        return (
            {str(k): str(v) for k, v in numbers.items()},
            [{str(k): str(v) for k, v in shapes.items()} for shapes in laid],
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}, []


def write_record(folder: Path, numbers: dict[str, str], laid: list[dict[str, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{LINK_PAGES_ENTRY}.json"
    partial = path.with_suffix(".part")
    data = {"numbers": numbers, "laid": laid}
    partial.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    partial.replace(path)


class Guess:
    """The pages links lead to, as well as they can be known before the book is laid out.

    A target's page is its segment's first page plus its page within the segment. Both are
    exact once laid out (the first page when all the segments before it are); else the
    last build's page if it was kept, else a guess: each segment's pages and each target's
    place in its segment are counted in lines of the grid (pagination.line_marks), scaled
    by how many pages the segments laid out so far took against their count. Only a
    number's length shapes the pages (the digits are written in afterwards), so a close
    guess is enough.
    """

    def __init__(self, book: Book, segments: list[list], kept: dict[str, str]) -> None:
        g = geometry(book.settings.pdf)
        chapters = targets_by_chapter(book, toc_ids(book))
        self.kept = kept
        #: Each segment's guessed pages, unscaled.
        self.pages: list[float] = []
        #: target → its segment and the pages of it before the target, unscaled.
        self.where: dict[str, tuple[int, float]] = {}
        #: The targets each segment links to.
        self.linked: list[set[str]] = []
        every = set().union(*chapters.values())

        def placed(chapter) -> tuple[dict[str, float], int]:
            """Each of the chapter's targets with the pages before it in the chapter, and the
            chapter's pages (its title takes about six lines)."""
            marks = line_marks(chapter.body, g.chars_per_line)
            before = {}
            for target in chapters[chapter.id]:
                at = 0 if target == chapter.id else chapter.body.find(f'id="{target}"')
                lines = next((n for end, n in marks if end > at), marks[-1][1])
                before[target] = (6 + lines) / g.lines_per_page
            return before, math.ceil((6 + marks[-1][1]) / g.lines_per_page)

        for index, segment in enumerate(segments):
            pages = 0.0
            for chapter in segment:
                pages += pages % 2  # each chapter from a recto
                if book.opens_part(chapter):
                    assert chapter.part is not None
                    self.where[chapter.part.id] = (index, pages)  # its title page (TOC)
                    pages += 2  # the part's title page, and its blank verso
                before, count = placed(chapter)
                self.where.update((t, (index, pages + b)) for t, b in before.items())
                pages += count
            self.pages.append(pages)
            links = {t for c in segment for t in _LINK_RE.findall(c.body)}
            self.linked.append(links & every)
        # The front matter's chapters follow the title page and its verso, each from a
        # recto (the TOC comes after them): target → its page.
        in_body = {c.id for segment in segments for c in segment}
        self.front: dict[str, int] = {}
        page = 3
        for chapter in (c for c in book.chapters if c.id not in in_body):
            before, count = placed(chapter)
            self.front.update((t, page + math.floor(b)) for t, b in before.items())
            page += count + count % 2
        self.front_targets = set(self.front)
        self.targets = self.front_targets | set(self.where)

    def numbers(self, done: dict[int, Piece]) -> dict[str, str]:
        """Every target's page, given the segments laid out (`done`, by index)."""
        guessed = sum(self.pages[i] for i in done)
        scale = sum(piece.pages for piece in done.values()) / guessed if guessed else 1.0
        starts, page, known = [], 1.0, True
        for index, size in enumerate(self.pages):
            starts.append((page, known))
            if index in done:
                page += done[index].pages + done[index].pages % 2
            else:
                page += size * scale + 0.5  # a blank verso every other segment, about
                known = False
        found = {t: self.kept.get(t, roman(page)) for t, page in self.front.items()}
        for target, (index, before) in self.where.items():
            start, exact = starts[index]
            piece = done.get(index)
            if piece is not None and target in piece.anchors and exact:
                found[target] = str(int(start) + piece.anchors[target][0])
            elif target in self.kept:
                found[target] = self.kept[target]
            elif piece is not None and target in piece.anchors:
                found[target] = lengthened(math.floor(start) + piece.anchors[target][0])
            else:
                found[target] = lengthened(max(1, math.floor(start + before * scale)))
        return found

    def laid_with(
        self, index: int, numbers: dict[str, str], exact: frozenset[str]
    ) -> dict[str, str]:
        """What of `numbers` shapes segment `index`'s pages: its links' (see `shapes`)."""
        return shapes({t: n for t, n in numbers.items() if t in self.linked[index]}, exact)


def lengthened(page: int) -> str:
    """A guessed page, a digit longer if it is close below a power of ten (97 → 100): a
    number laid out a digit too long is written in anyway (placeholders.Placement.fits),
    one a digit too short only where its line has room, so near 100 the longer is the
    safer guess."""
    power = 10 ** len(str(page))
    return str(power) if page >= power - max(3, power // 10) else str(page)


def shapes(numbers: dict[str, str], exact: frozenset[str]) -> dict[str, str]:
    """What of each number the layout depends on: the length of one written into the pages
    (a number of digits, its target not in `exact`), all of any other."""
    return {
        target: "0" * len(number) if number.isdigit() and target not in exact else number
        for target, number in numbers.items()
    }


def laid_out_again(
    laid: dict[str, str], now: dict[str, str], piece: Piece, numbers: dict[str, str]
) -> bool:
    """Whether a piece laid out with `laid` (shapes) must be laid out again for `now`: a
    number whose length changed is written in without it where its line has room for it
    (placeholders.Placement.fits)."""
    for target in set(laid) | set(now):
        before, after = laid.get(target, ""), now.get(target, "")
        if before == after:
            continue
        zeros = before and after and not before.strip("0") and not after.strip("0")
        placements = [p for p in piece.numbers if p.target == target]
        if not (zeros and placements and all(p.fits(numbers[target]) for p in placements)):
            return True
    return False


def found_pages(front: Piece, body: list[Piece], starts: list[int]) -> dict[str, str]:
    """The printed page of every anchor: roman in the front matter, then the body's folios
    (`starts`: each body piece's first folio)."""
    pages = {name: roman(page + 1) for name, (page, _x, _y) in front.anchors.items()}
    for piece, start in zip(body, starts, strict=True):
        for name, (page, _x, _y) in piece.anchors.items():
            pages.setdefault(name, str(start + page))
    return pages
