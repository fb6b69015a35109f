"""孤字不成行: no paragraph of the print edition ends with a line of one character.

A paragraph's (list item's, table cell's, footnote's) last two characters, with the marks
around them, are kept on one line (`<span class="keep">`, white-space: nowrap), so that
the line before gives one character up when the last would be alone (clreq 3.4). The two
characters are found through inline markup — `…<b>好</b>。`, `…<em>字</em>」`, a link, a
footnote call — since what the reader sees as the line's end is text, not tags: an
element the keep would cut is closed before it and opened again inside it.
"""

from __future__ import annotations

import re

from .chars import PUNCTUATION

#: Marks that go with the character they follow or precede (ASCII ones too: a Latin
#: word's full stop is no character of its own).
_MARKS = PUNCTUATION
#: Inline elements a keep may cut in two (closed before it, opened again inside): those
#: without generated content, whose two halves read as one. Others (a link, whose page
#: number print.css adds after it) go into the keep whole, when short.
_SPLITTABLE = {
    "b", "strong", "em", "i", "cite", "span", "code", "kbd", "samp", "var", "mark", "u",
    "s", "small", "sup", "sub", "q", "abbr", "dfn",
}  # fmt: skip
#: The most characters a keep takes whole (a link), beyond its two. A link that print.css
#: follows with its page number needs no keep: that ends the paragraph's last line.
_WHOLE = 8
#: Elements a paragraph's last line ends.
_ENDS = ("p", "li", "td", "th", "dd", "dt")
#: Inline elements that take no room on the line: a footnote's text (floated to the foot
#: of the page), a call printed again, a ruby annotation (set above its base).
_OUT_OF_LINE = {"footnote", "noteref-again", "rt"}

_TOKEN_RE = re.compile(r"<[^>]*>|[^<]+")
_CHAR_RE = re.compile(r"&[^;\s<>]+;|.", re.S)
_NAME_RE = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9]*)")
_CLASS_RE = re.compile(r"""\sclass\s*=\s*["']([^"']*)["']""")
_ID_RE = re.compile(r"""\sid\s*=\s*["'][^"']*["']""")
_LATIN_RE = re.compile(r"[A-Za-z0-9]")
_BLOCKS = {
    "p", "li", "td", "th", "dd", "dt", "ul", "ol", "dl", "table", "tr", "div", "blockquote",
    "figure", "figcaption", "section", "aside", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
}  # fmt: skip


def keep_paragraph_ends(html: str) -> str:
    """`html` with the last two characters of each paragraph, list item and table cell
    kept on one line."""
    tokens = _TOKEN_RE.findall(html)
    pairs = _pairs(tokens)
    ends = [i for i, t in enumerate(tokens) if t.startswith("</") and _name(t) in _ENDS]
    for end in reversed(ends):  # from the end, so that earlier indexes stay valid
        _keep(tokens, pairs, end)
    return "".join(tokens)


def keep_end(fragment: str) -> str:
    """`fragment` (a footnote's text) with its last two characters kept on one line."""
    tokens = _TOKEN_RE.findall(fragment)
    _keep(tokens, _pairs(tokens), len(tokens))
    return "".join(tokens)


def _name(tag: str) -> str:
    match = _NAME_RE.match(tag)
    return match.group(1).lower() if match else ""


def _classes(tag: str) -> set[str]:
    match = _CLASS_RE.search(tag)
    return set(match.group(1).split()) if match else set()


def _pairs(tokens: list[str]) -> dict[int, int]:
    """Each element's closing tag index → its opening tag index."""
    pairs, stack = {}, []
    for index, token in enumerate(tokens):
        if not token.startswith("<") or token.startswith(("<!", "<?")) or token.endswith("/>"):
            continue
        if token.startswith("</"):
            name = _name(token)
            while stack and stack[-1][0] != name:
                stack.pop()  # an unclosed element (HTML void tags): not an inline wrapper
            if stack:
                pairs[index] = stack.pop()[1]
        else:
            stack.append((_name(token), index))
    return pairs


def _keep(tokens: list[str], pairs: dict[int, int], end: int) -> None:
    """Wrap the last two units before token `end` in a keep, in place (tokens[end - 1]
    gets the closing part, the start's token the opening part)."""
    start = _start(tokens, pairs, end)
    if start is None:
        return
    index, offset, enclosing = start
    # An element the keep starts at the beginning of goes inside the keep whole.
    while enclosing and offset == 0 and index > 0 and enclosing[-1] == index - 1:
        index = enclosing.pop()
    for position, opening in enumerate(enclosing):
        if _name(tokens[opening]) not in _SPLITTABLE:
            inside = "".join(t for t in tokens[opening:index] if not t.startswith("<"))
            if len(_CHAR_RE.findall(inside)) + offset > _WHOLE:
                return
            index, offset, enclosing = opening, 0, enclosing[:position]
            break
    text = tokens[index]
    closes = "".join(f"</{_name(tokens[j])}>" for j in reversed(enclosing))
    opens = "".join(_ID_RE.sub("", tokens[j]) for j in enclosing)
    tokens[index] = text[:offset] + closes + '<span class="keep">' + opens + text[offset:]
    tokens[end - 1] += "</span>"


def _start(tokens: list[str], pairs: dict[int, int], end: int) -> tuple[int, int, list[int]] | None:
    """Where the keep starts: (token index, character offset, opening-tag indexes of the
    elements that enclose that point and close before `end`, outermost first), or None
    when the paragraph's end is no text of two characters."""
    units, pending = 0, []  # opening tags of the elements entered from their end, innermost last
    index = end - 1
    while index >= 0:
        token = tokens[index]
        if token.startswith(("<!", "<?")):  # a comment takes no room
            index -= 1
            continue
        if token.startswith("<"):
            name = _name(token)
            if token.startswith("</"):
                opening = pairs.get(index)
                if opening is None or name in _BLOCKS:
                    return None
                if _classes(tokens[opening]) & _OUT_OF_LINE:
                    index = opening - 1
                    continue
                if "page-ref" in _classes(tokens[opening]):
                    return None  # the page number printed after the link ends the line
                pending.append(opening)
            elif token.endswith("/>") or name in _BLOCKS or not pending:
                return None  # a forced break, an image, the block's start
            else:
                pending.pop()
            index -= 1
            continue
        chars = _CHAR_RE.findall(token)
        offsets = [0]
        for char in chars:
            offsets.append(offsets[-1] + len(char))
        k = len(chars)
        while k > 0:
            char = chars[k - 1]
            if units == 2 and char not in _MARKS:
                return index, offsets[k], [*pending]
            if char.isspace():
                return None
            if char in _MARKS:
                k -= 1
            elif _LATIN_RE.match(char):
                while k > 0 and _LATIN_RE.match(chars[k - 1]):
                    k -= 1
                units += 1
            else:
                k -= 1
                units += 1
        index -= 1
        if units == 2 and index >= 0 and not tokens[index].startswith("<"):
            continue
        if units == 2:
            return index + 1, 0, [*pending]
    return None
