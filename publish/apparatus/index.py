"""The index (索引): made of the places marked in the text, sorted, as a chapter."""

from __future__ import annotations

from ..model import Book


def make(book: Book) -> None:
    """Add the index chapter to `book`, if its text marks terms."""
    if not book.index_marks:
        return
