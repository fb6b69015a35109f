"""Quotation marks in the house style (`[typography] quotes`): corner 「『』」 or curly “‘’”.

Both editions show the same marks, so the choice is made once, in the shared pass, on the
text itself rather than by a font feature or CSS.
"""

from __future__ import annotations

import re

_CORNER = str.maketrans("“”‘’", "「」『』")
_CURLY = str.maketrans("「」『』", "“”‘’")
_LETTER = re.compile(r"[A-Za-z0-9\u00c0-\u024f]")


def convert_quotes(text: str, before: str = "", after: str = "", *, style: str) -> str:
    """Quotation marks in the house style: "corner" 「『』」 or "curly" “‘’” (outer pair and
    inner pair map to each other, so nesting is kept). An apostrophe (’ between Latin
    letters: don’t) is no quotation mark and stays."""
    if style == "curly":
        return text.translate(_CURLY)
    whole = before + text + after
    out = []
    for index, char in enumerate(text, start=len(before)):
        if (
            char == "’"
            and _LETTER.match(whole[index - 1 : index] or " ")
            and (_LETTER.match(whole[index + 1 : index + 2] or " "))
        ):
            out.append(char)
        elif char in "“”‘’" and not _latin_quote(whole, index):
            out.append(char.translate(_CORNER))
        else:
            out.append(char)
    return "".join(out)


def _latin_quote(whole: str, index: int) -> bool:
    """A quotation mark around Latin text only (“word”), which keeps its curly form."""
    left = re.search(r"[^\s“”‘’]?$", whole[:index]).group(0)
    right = re.match(r"^[^\s“”‘’]?", whole[index + 1 :]).group(0)
    neighbours = [c for c in (left, right) if c]
    return bool(neighbours) and all(_LETTER.match(c) or c in ".,;:!?" for c in neighbours)
