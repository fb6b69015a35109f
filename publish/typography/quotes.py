"""Quotation marks in the house style (`[typography] quotes`): corner 「『』」 or curly “‘’”.

Both editions show the same marks, so the choice is made once, in the shared pass, on the
text itself rather than by a font feature or CSS.
"""

from __future__ import annotations

import re

_CORNER = str.maketrans("“”‘’", "「」『』")
_CURLY = str.maketrans("「」『』", "“”‘’")
_LETTER = re.compile(r"[A-Za-z0-9\u00c0-\u024f]")


#: What an opening quotation mark follows, and what a closing one precedes.
_OPENS_AFTER = set("([{（《〈【「『“‘：:—") | {""}
_CLOSES_BEFORE = set(")]}）》〉】」』”’，,。.、；;！!？?…—") | {""}


def _typographic(text: str, before: str, after: str) -> str:
    """Straight quotation marks ("…" '…', typed on a Latin keyboard) as curly ones: opening
    after a space, an opening bracket or a colon, closing before a space or punctuation,
    else the other of the last one; a ' between Latin letters (don't) is an apostrophe ’."""
    if '"' not in text and "'" not in text:
        return text
    whole = before + text + after
    out = []
    is_open = {'"': False, "'": False}
    for index, char in enumerate(text, start=len(before)):
        if char not in "\"'":
            out.append(char)
            continue
        previous, following = whole[index - 1 : index], whole[index + 1 : index + 2]
        if char == "'" and _LETTER.match(previous or " ") and _LETTER.match(following or " "):
            out.append("’")
            continue
        if previous.isspace() or previous in _OPENS_AFTER:
            opening = True
        elif following.isspace() or following in _CLOSES_BEFORE:
            opening = False
        else:
            opening = not is_open[char]
        is_open[char] = opening
        out.append(("“" if opening else "”") if char == '"' else ("‘" if opening else "’"))
    return "".join(out)


def convert_quotes(text: str, before: str = "", after: str = "", *, style: str) -> str:
    """Quotation marks in the house style: "corner" 「『』」 or "curly" “‘’” (outer pair and
    inner pair map to each other, so nesting is kept); straight ones typed as such become
    curly first. An apostrophe (’ between Latin letters: don’t) is no quotation mark and
    stays."""
    text = _typographic(text, before, after)
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
