"""Emphasis the Chinese way, for the print edition (clreq 3.2.2).

着重号 mark a phrase; a long emphasised passage (a whole paragraph, a caption, more than
`LONG` characters: an epigraph, a note in italics) dotted under every character is a wall
of dots, and a typesetter sets it in 楷体 instead: `[typography] long-emphasis`.

A Han face has no italic, and a slanted Han glyph is a mistake: `<em>` becomes 着重号 (a
dot under each Han character, drawn as a background so that it is no text of the PDF),
or a Kai face, or bold — the house style `[typography] emphasis`. Latin text inside keeps
its italic (the Latin face has one); nothing Han is ever slanted.
"""

from __future__ import annotations

import html
import re

from .chars import HAN_RE

_LATIN_RE = re.compile(
    r"[A-Za-z\u00c0-\u024f](?:[A-Za-z\u00c0-\u024f0-9'’.,\- ]*[A-Za-z\u00c0-\u024f0-9])?"
)
_PART_RE = re.compile(r"(<[^>]*>)")
_EMPHASIS_RE = re.compile(r"<(em|i|cite)>(.*?)</\1>", re.S)

#: Characters of emphasis above which it is a passage, not a phrase.
LONG = 15
_OPEN_P_RE = re.compile(r"<p(?:\s[^>]*)?>\s*$")
_CLOSE_P_RE = re.compile(r"^\s*</p>")

#: The Kai face `emphasis = "kai"` uses (Debian fonts-arphic-ukai, installed by `make`).
KAI_FAMILY = "AR PL UKai CN"


def _mark(text: str, dots: bool) -> str:
    """One text node (escaped XHTML) with its Latin runs and, for dots, its Han marked."""
    out = []
    position = 0
    raw = html.unescape(text)
    for match in _LATIN_RE.finditer(raw):
        out.append(_mark_han(raw[position : match.start()], dots))
        out.append(f'<span class="em-latin">{html.escape(match.group(0), quote=False)}</span>')
        position = match.end()
    out.append(_mark_han(raw[position:], dots))
    return "".join(out)


def _mark_han(raw: str, dots: bool) -> str:
    text = html.escape(raw, quote=False)
    if not dots:
        return text
    return HAN_RE.sub(lambda m: f'<span class="em-dot">{m.group(0)}</span>', text)


def epub_emphasis(fragment: str) -> str:
    """The EPUB's emphasis: Latin runs marked (`em-latin`, italic and without 着重号 in
    housestyle.py's CSS); the reading system draws the dots."""

    def replace(match: re.Match) -> str:
        name, inner = match.groups()
        parts = _PART_RE.split(inner)
        marked = "".join(p if i % 2 else _mark(p, False) for i, p in enumerate(parts))
        return f"<{name}>{marked}</{name}>"

    return _EMPHASIS_RE.sub(replace, fragment)


def _is_passage(fragment: str, match: re.Match) -> bool:
    """An emphasis that is a passage: long, a whole paragraph, or in a caption."""
    if len(HAN_RE.findall(_PART_RE.sub("", match.group(2)))) > LONG:
        return True
    before, after = fragment[: match.start()], fragment[match.end() :]
    if _OPEN_P_RE.search(before) and _CLOSE_P_RE.match(after):
        return True
    caption = before.rfind("<figcaption")
    return caption >= 0 and "</figcaption>" not in before[caption:]


def print_emphasis(fragment: str, style: str, long_style: str = "kai") -> str:
    """`<em>`, `<i>` and `<cite>` of an XHTML fragment in the house style ("dots", "kai",
    "bold") for print.css: Han dotted or set in another face, Latin runs in italic. An
    emphasis that is a passage (_is_passage) takes `long_style` when the style is dots."""

    def replace(match: re.Match) -> str:
        name, inner = match.groups()
        chosen = long_style if style == "dots" and _is_passage(fragment, match) else style
        parts = _PART_RE.split(inner)
        marked = "".join(
            p if i % 2 else _mark(p, chosen == "dots" and name == "em") for i, p in enumerate(parts)
        )
        return f'<{name} class="em-{chosen}">{marked}</{name}>'

    return _EMPHASIS_RE.sub(replace, fragment)
