"""The shared typography pass over the model's XHTML: what both editions share.

It works on text nodes only, never inside code, with the neighbouring characters of the
same block as context, so that a rule sees across inline markup (`中文**粗体**,中文`).
Rules follow W3C *Requirements for Chinese Text Layout* (clreq).
"""

from __future__ import annotations

import functools
import re

from ..config import TypographySettings
from .chars import CJK, WIDE, WIDE_RE
from .quotes import convert_quotes, straight_quotes
from .textnodes import SKIP, map_blocks, map_text

URL_RE = re.compile(r"(?:[a-zA-Z][a-zA-Z0-9+.-]*://|www\.|mailto:)\S+")

_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
# ASCII , : ; ? ! after Chinese and before Chinese (or at the end): spaces after go too.
_PUNCT_RE = re.compile(rf"(?<=[{CJK}])[ \t]*([,:;?!])(?:[ \t]*(?=[{CJK}])|[ \t]*$)")
# A parenthesised run in Chinese context: Chinese before it, or Chinese inside it. One
# after a Latin word stays ASCII even before Chinese: `Python 3.11 (2022)与`.
_PAREN_RE = re.compile(
    rf"(?:(?<=[{CJK}])[ \t]*\(([^()\n]*)\)[ \t]*"
    rf"|\(([^()\n]*[{WIDE}][^()\n]*)\))"
)
_SOFT_BREAK_RE = re.compile(r"[ \t]*\n[ \t]*")


def _is_url(text: str, start: int, end: int) -> bool:
    return any(m.start() <= start and end <= m.end() for m in URL_RE.finditer(text))


def normalize_punctuation(text: str, before: str = "", after: str = "") -> str:
    """ASCII `, : ; ? ! ( )` inside Chinese text → full-width (clreq 3.1); URLs untouched.

    `before`/`after` are the characters around `text` in its block, as context only.
    """
    whole = before + text + after
    lo, hi = len(before), len(before) + len(text)

    def inside(match: re.Match) -> bool:
        return (
            lo <= match.start()
            and match.end() <= hi
            and not _is_url(whole, match.start(), match.end())
        )

    def punct(match: re.Match) -> str:
        return _FULL_WIDTH[match.group(1)] if inside(match) else match.group(0)

    def paren(match: re.Match) -> str:
        if not inside(match):
            return match.group(0)
        content = next(g for g in match.groups() if g is not None)
        return f"（{content.strip()}）"

    whole = _PAREN_RE.sub(paren, whole)
    hi = len(whole) - len(after)
    whole = _PUNCT_RE.sub(punct, whole)
    hi = len(whole) - len(after)
    return whole[lo:hi]


def join_lines(text: str, before: str = "", after: str = "") -> str:
    """Drop a source line break next to a Chinese character; elsewhere it is a space.

    Authors hard-wrap Chinese text, and a browser would show each break as a gap (pandoc's
    `east_asian_line_breaks`).
    """

    def replace(match: re.Match) -> str:
        left = (before + text[: match.start()])[-1:]
        right = (text[match.end() :] + after)[:1]
        if (left and WIDE_RE.match(left)) or (right and WIDE_RE.match(right)):
            return ""
        return " " if left and right else ""

    return _SOFT_BREAK_RE.sub(replace, text)


def prepare_html(html: str, settings: TypographySettings, chapter: str | None = None) -> str:
    """The shared typography pass over one XHTML fragment of the model (of the `chapter`
    file named so in book.toml, for a per-chapter setting)."""
    html = map_text(html, join_lines)
    if settings.normalize_punctuation:
        html = map_text(html, normalize_punctuation)
        html = map_blocks(html, straight_quotes)
    if settings.quotes:
        html = map_text(html, functools.partial(convert_quotes, style=settings.quotes))
    if settings.pinyin is True or (chapter is not None and chapter in (settings.pinyin or ())):
        from .ruby import Pinyin  # pypinyin's dictionaries load only for the books that ask

        html = map_text(html, Pinyin(settings.pinyin_overrides), skip=SKIP | {"ruby"})
    return html


def prepare_title(text: str, settings: TypographySettings) -> str:
    """The house style for a title given as plain text (book.toml, a heading's text)."""
    if settings.quotes:
        text = convert_quotes(text, style=settings.quotes)
    return text
