"""Quotation marks in the house style (`[typography] quotes`): corner 「『』」 or curly “‘’”.

Both editions show the same marks, so the choice is made once, in the shared pass, on the
text itself rather than by a font feature or CSS.
"""

from __future__ import annotations

import re

from .chars import WIDE_RE

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


#: A pair of straight double quotes, or of single quotes not used as an apostrophe.
_STRAIGHT_RE = re.compile(r'"([^"\n]*)"|(?<![A-Za-z0-9])\'([^\'\n]*)\'(?![A-Za-z0-9])')


def straight_quotes(texts: list[str]) -> list[str]:
    """The straight quotation marks of one block's text nodes (`"学习"`, `'好瓜'`), paired
    across them, as curly marks where they quote Chinese text (Chinese inside, or beside
    them outside); code is never given (textnodes.SKIP). The house style (`quotes`) then
    applies to them as to any curly mark."""
    joined = "".join(texts)
    if '"' not in joined and "'" not in joined:
        return texts
    chars = list(joined)
    for match in _STRAIGHT_RE.finditer(joined):
        inside = match.group(1) if match.group(1) is not None else match.group(2)
        start, end = match.start(), match.end() - 1
        outside = joined[start - 1 : start] + joined[end + 1 : end + 2]
        double = match.group(1) is not None
        # Beside a Han character or full-width mark, not beside another quotation mark:
        # “go.string."abc"” quotes an identifier with its own quotes.
        if WIDE_RE.search(inside) or (double and WIDE_RE.search(outside) and inside.strip()):
            chars[start], chars[end] = ("“", "”") if double else ("‘", "’")
    out, position = [], 0
    for text in texts:
        out.append("".join(chars[position : position + len(text)]))
        position += len(text)
    return out
