"""Heading ids as the web versions of these books make them, so that `#anchors` written
for the web find their heading here.

mdBook and GitHub (and HonKit, through github-slugid) lower-case the heading's text, drop
punctuation, keep letters and digits of every script (Chinese characters stay), turn
spaces into `-`, and tell duplicates in one file apart with `-1`, `-2`…. In the book all
files share one document, so each web id is also given a book-wide one (`BookIds`).
"""

from __future__ import annotations

import re
import unicodedata

#: An XML name without colons (what EPUB's XHTML accepts as an id).
_NCNAME_RE = re.compile(r"^[^\W\d-][\w.-]*$", re.UNICODE)


def slug(text: str) -> str:
    """The web id of a heading's text (mdBook's `normalize_id`, GitHub's slugger)."""
    kept = []
    for char in text.strip():
        if char in "_-" or unicodedata.category(char)[0] in "LN":
            kept.append(char.lower())
        elif char.isspace():
            kept.append("-")
        elif unicodedata.category(char) == "Mn":  # combining marks stay with their letter
            kept.append(char)
    return "".join(kept)


class FileSlugs:
    """The web ids of one file's headings, duplicates numbered as on the web."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def next(self, text: str) -> str:
        base = slug(text)
        count = self.counts.get(base, 0)
        self.counts[base] = count + 1
        return base if count == 0 else f"{base}-{count}"


class BookIds:
    """Ids unique in the whole book: the web id where it is free and a valid XML name,
    otherwise a variant of it."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken: set[str] = set(taken or ())

    def claim(self, wanted: str) -> str:
        base = wanted if _NCNAME_RE.match(wanted or "") else f"h-{wanted}".rstrip("-")
        candidate, number = base, 1
        while candidate in self.taken:
            candidate = f"{base}-{number}"
            number += 1
        self.taken.add(candidate)
        return candidate
