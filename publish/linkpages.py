"""Pages after links in a long book laid out in segments (segments.py).

In one document WeasyPrint counts the page a link leads to itself (printlinks.css,
`target-counter`). A segment is laid out alone and its pages are numbered only when the
pieces are joined, so there the numbers are written into the segment's HTML
(printlinks.given_css prints them in the same words): from the last build's pages, kept in
the cache, or from a guess. Once the pieces and the front matter are laid out, every
target's page is read from their anchors; a piece that printed a wrong number is laid out
again with the right ones (the others come from the cache), until every number is right.

What it costs: a rebuild after an edit that moves no target lays out nothing more than the
edit's segment; an edit that moves targets lays out again the segments linking to them; a
first build, without pages kept, lays out twice the segments that have links whose guessed
page was not exact. Each number is a text the cache keys on, so a piece is never kept with
a number that has changed.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .printlinks import ids

if TYPE_CHECKING:
    from .model import Book
    from .segments import Piece

#: The cache entry keeping the pages the last build's links led to.
RECORD = "link-pages"
#: Layouts of the pieces at most: the numbers settle in two unless a number's new length
#: moves a target to another page (rarely three).
ATTEMPTS = 4


#: An internal link, as the model's HTML writes it (printlinks.ids reads ids alike).
_LINK_RE = re.compile(r'\shref="#([^"]+)"')


def targets_by_chapter(book: Book) -> dict[str, set[str]]:
    """Every id a link of the book leads to, by the id of the chapter holding it."""
    linked = {target for c in book.chapters for target in _LINK_RE.findall(c.body)}
    return {c.id: ({c.id} | ids(c.body)) & linked for c in book.chapters}


def roman(number: int) -> str:
    """`number` in lower-case roman numerals, as CSS `lower-roman` writes it."""
    out = []
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):  # fmt: skip
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def read_record(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / f"{RECORD}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def write_record(folder: Path, numbers: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{RECORD}.json"
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(numbers, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    partial.replace(path)


def first_guess(book: Book, kept: dict[str, str], body_pages: int) -> dict[str, str]:
    """The page of every target: the last build's where kept, else one guessed from where
    its chapter stands in the text (`body_pages` long), so that most numbers have the
    length of the right one and the pages laid out with them do not change."""
    chapters = targets_by_chapter(book)
    body = [c for c in book.chapters if c.matter != "front"]
    total = sum(len(c.body) for c in body) or 1
    guessed: dict[str, str] = {}
    done = 0
    for chapter in book.chapters:
        if chapter.matter == "front":
            page = roman(5)
        else:
            page = str(1 + math.floor(max(body_pages - 1, 0) * done / total))
            done += len(chapter.body)
        for target in chapters[chapter.id]:
            guessed[target] = kept.get(target, page)
    return guessed


def found_pages(front: Piece, body: list[Piece], starts: list[int]) -> dict[str, str]:
    """The printed page of every anchor: roman in the front matter, then the body's folios
    (`starts`: each body piece's first folio)."""
    pages = {name: roman(page + 1) for name, (page, _x, _y) in front.anchors.items()}
    for piece, start in zip(body, starts, strict=True):
        for name, (page, _x, _y) in piece.anchors.items():
            pages.setdefault(name, str(start + page))
    return pages
