"""The apparatus of technical and scholarly books: a pass over the model, between the
readers and the renderers (book folder → reader → model → apparatus → renderers).

The reader marks labelled objects, references and index terms in the model's XHTML
(markup/crossref.py); this pass, once the whole book is known, numbers the objects
(图 1-1, 表 2-3, 式（1-1）, 代码清单 1-1) and writes each reference's words
(crossref.py), writes each citation and the list of references (citations/, GB/T 7714),
and makes the index chapter of the marked terms (index.py). Both editions
and every kind of book folder get the same model; the print edition adds the pages
(printlinks.py), the EPUB its index document's semantics (epub.py).
"""

from __future__ import annotations

from ..model import Book
from . import citations, crossref, index


def apply(book: Book) -> None:
    """Number, refer and index `book` in place."""
    crossref.number(book)
    citations.make(book)  # the list of references: before the index, the last chapter
    index.make(book)
