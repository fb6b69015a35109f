"""Walking the text nodes of an XHTML fragment of the model, with their neighbours.

A typography rule works on text only, never inside code, but must see the characters around
it across inline markup (`中文**粗体**,中文`): `map_text` gives it both.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import lxml.html

#: Elements whose text no typography rule touches.
SKIP = {"pre", "code", "kbd", "samp", "script", "style", "math", "svg"}
_BLOCK = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "blockquote", "figcaption",
    "figure", "div", "dt", "dd", "ul", "ol", "table", "tr", "section", "aside", "hr", "br",
}  # fmt: skip
#: Elements of SKIP that sit in a line of text: one object in it (a formula, a code word),
#: seen by the rules beside it as ATOM, not as the end of the block.
_INLINE = {"code", "kbd", "samp", "math", "svg", "ruby"}
#: What a rule sees in place of an inline element it may not touch (U+FFFC OBJECT
#: REPLACEMENT CHARACTER): neither Chinese nor Latin, neither space nor punctuation.
ATOM = "\ufffc"
_TAG_RE = re.compile(r"(<[^>]*>)")
_TAGS_RE = re.compile(r"<[^>]*>")
_TAG_NAME_RE = re.compile(r"^</?\s*([a-zA-Z][a-zA-Z0-9]*)")
_CLASS_RE = re.compile(r"""\sclass\s*=\s*(["'])(.*?)\1""")

TextRule = Callable[[str, str, str], str]


def _blocks(
    html: str, skip: set[str], skip_class: str = ""
) -> tuple[list[str], list[list[int | None]]]:
    """The fragment cut at its tags, and the indexes of the text nodes of each block
    (outside the elements of `skip`, and those of class `skip_class` when given), in order;
    None where an inline element of `skip` stands between them (`_INLINE`: a formula)."""
    parts = _TAG_RE.split(html)
    depth = 0
    marked: list[list] = []  # [name, nesting] of the open elements of class `skip_class`
    blocks: list[list[int | None]] = [[]]
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            match = _TAG_NAME_RE.match(part)
            name = match.group(1).lower() if match else ""
            closing = part.startswith("</")
            self_closing = part.endswith("/>")
            if marked and name == marked[-1][0] and not self_closing:
                marked[-1][1] += -1 if closing else 1
                if marked[-1][1] == 0:
                    marked.pop()
            elif skip_class and not closing and not self_closing and _has_class(part, skip_class):
                marked.append([name, 1])
            if name in skip and not self_closing:
                depth += -1 if closing else 1
                if name not in _INLINE:
                    blocks.append([])
                elif depth == 1 and not closing and not marked:
                    blocks[-1].append(None)
            elif name in _BLOCK:
                blocks.append([])
        elif part and depth == 0 and not marked:
            blocks[-1].append(index)
    return parts, blocks


def map_text(html: str, rule: TextRule, skip: set[str] = SKIP, skip_class: str = "") -> str:
    """Apply `rule(text, before, after)` to each text node outside code (and the other
    elements of `skip`, and those of class `skip_class` when given).

    `before` is the last character of the block's text so far, `after` the first of what
    follows, so rules see through inline tags; ATOM for a formula or code beside it. Block
    tags start a new context.
    """
    parts, blocks = _blocks(html, skip, skip_class)
    for block in blocks:
        texts = [ATOM if index is None else parts[index] for index in block]
        for position, index in enumerate(block):
            if index is not None:
                before = texts[position - 1][-1:] if position else ""
                after = texts[position + 1][:1] if position + 1 < len(block) else ""
                parts[index] = rule(texts[position], before, after)
    return "".join(parts)


def map_blocks(html: str, rule: Callable[[list[str]], list[str]], skip: set[str] = SKIP) -> str:
    """Apply `rule` to the text nodes of each block at once (as a list, to be given back
    as long, ATOM standing for a formula or code between them): for rules that pair
    characters across inline markup (quotation marks)."""
    parts, blocks = _blocks(html, skip)
    for block in blocks:
        if any(index is not None for index in block):
            texts = [ATOM if index is None else parts[index] for index in block]
            for index, text in zip(block, rule(texts), strict=True):
                if index is not None:
                    parts[index] = text
    return "".join(parts)


#: The attributes a reader is given as text: an image's description, a tooltip, a label.
TEXT_ATTRIBUTES = ("alt", "title", "aria-label")
_NAMES = "|".join(TEXT_ATTRIBUTES)
_TEXT_ATTRIBUTE_RE = re.compile(rf"""(\s(?:{_NAMES})\s*=\s*)(["'])(.*?)\2""")


def map_attributes(html: str, rule: Callable[[str], str]) -> str:
    """Apply `rule` to the value of each attribute of `TEXT_ATTRIBUTES` (entities left
    as they are: a rule that changes Han characters never meets them)."""

    def tag(match: re.Match) -> str:
        return _TEXT_ATTRIBUTE_RE.sub(lambda m: m[1] + m[2] + rule(m[3]) + m[2], match[0])

    return _TAGS_RE.sub(tag, html)


def _has_class(tag: str, name: str) -> bool:
    match = _CLASS_RE.search(tag)
    return match is not None and name in match.group(2).split()


def text_of(fragment: str) -> str:
    """The characters an XHTML fragment of the model shows (tags gone, entities decoded)."""
    return html.unescape(_TAGS_RE.sub("", fragment))


def ids(html: str) -> list[str]:
    """Every id in an HTML fragment or document, in document order (parsed by lxml, so an
    id written with single quotes or none counts too)."""
    if "id" not in html or not html.strip():
        return []
    return [str(value) for value in lxml.html.document_fromstring(html).xpath("//@id")]
