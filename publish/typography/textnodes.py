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
_TAG_RE = re.compile(r"(<[^>]*>)")
_TAGS_RE = re.compile(r"<[^>]*>")
_TAG_NAME_RE = re.compile(r"^</?\s*([a-zA-Z][a-zA-Z0-9]*)")

TextRule = Callable[[str, str, str], str]


def map_text(html: str, rule: TextRule, skip: set[str] = SKIP) -> str:
    """Apply `rule(text, before, after)` to each text node outside code (and the other
    elements of `skip`).

    `before` is the last character of the block's text so far, `after` the first of what
    follows, so rules see through inline tags. Block tags start a new context.
    """
    parts = _TAG_RE.split(html)
    skipped, depth = skip, 0
    blocks: list[list[int]] = [[]]
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            match = _TAG_NAME_RE.match(part)
            name = match.group(1).lower() if match else ""
            closing = part.startswith("</")
            self_closing = part.endswith("/>")
            if name in skipped and not self_closing:
                depth += -1 if closing else 1
                blocks.append([])
            elif name in _BLOCK:
                blocks.append([])
        elif part and depth == 0:
            blocks[-1].append(index)
    for block in blocks:
        originals = {i: parts[i] for i in block}
        for position, index in enumerate(block):
            before = originals[block[position - 1]][-1:] if position else ""
            after = originals[block[position + 1]][:1] if position + 1 < len(block) else ""
            parts[index] = rule(originals[index], before, after)
    return "".join(parts)


def text_of(fragment: str) -> str:
    """The characters an XHTML fragment of the model shows (tags gone, entities decoded)."""
    return html.unescape(_TAGS_RE.sub("", fragment))


def ids(html: str) -> list[str]:
    """Every id in an HTML fragment or document, in document order (parsed by lxml, so an
    id written with single quotes or none counts too)."""
    if "id" not in html or not html.strip():
        return []
    return [str(value) for value in lxml.html.document_fromstring(html).xpath("//@id")]
