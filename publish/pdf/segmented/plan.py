"""Which chapters go in which segment: whole chapters, about SEGMENT_SIZE characters each
(edition.plan_print decides from it whether the book is laid out in segments at all)."""

from __future__ import annotations

import math

from ...markup.maths import layout_length
from ...model import Book

#: About how much text (characters of chapter HTML) one segment holds. Smaller segments
#: make an edit cheaper to lay out again; each costs a document's set-up (~0.1 s).
SEGMENT_SIZE = 50_000


def plan(
    book: Book, size: int, previous: dict | None = None, jobs: int = 1, least: int = 1
) -> list[list[int]]:
    """Chapter indexes grouped into segments of about `size` characters, in order: as many
    segments as `size` asks for, rounded up to a multiple of `jobs` and cut as evenly as
    the chapters allow, so that the workers finish at about the same time; at least `least`
    segments (a short book with many links forward: edition.plan_print).

    The previous build's grouping is kept while the list of chapters is the same, so that
    an edit that changes a chapter's length does not move every later boundary.
    """
    sources = [str(chapter.source) for chapter in book.chapters]
    if previous and previous.get("chapters") == sources and previous.get("size") == size:
        return previous["segments"]
    # Front matter is laid out with the title page and the TOC (html.book_html).
    body = [index for index, chapter in enumerate(book.chapters) if chapter.matter != "front"]
    lengths = [layout_length(book.chapters[index].body) for index in body]
    count = max(math.ceil(sum(lengths) / size), min(least, len(body)))
    if count > 1:
        count = math.ceil(count / jobs) * jobs
    target = sum(lengths) / max(count, 1)
    segments: list[list[int]] = [[]]
    filled = 0
    for index, length in zip(body, lengths, strict=True):
        # The index alone: it is laid out last, once the pages it prints are known (layout.py).
        alone = count > 1 and book.chapters[index].kind == "index"
        if segments[-1] and (filled >= target * len(segments) or alone):
            segments.append([])
        segments[-1].append(index)
        filled += length
    if len(segments) < min(least, len(body)):  # one long chapter took all: cut before it
        segments = [segments[0][:-1], segments[0][-1:]]
    return segments


def segments_of(book: Book, grouping: list[list[int]]) -> list[list]:
    """The chapters of each group of `plan`, front matter left out (it is laid out with
    the title page and the TOC, not in a segment)."""
    return [
        chapters
        for group in grouping
        if (
            chapters := [
                book.chapters[index] for index in group if book.chapters[index].matter != "front"
            ]
        )
    ]
