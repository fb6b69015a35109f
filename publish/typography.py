"""The Chinese typography pass over the model's XHTML: what both editions share.

It works on text nodes only, never inside code, with the neighbouring characters of the
same block as context, so that a rule sees across inline markup (`中文**粗体**,中文`).
Rules follow W3C *Requirements for Chinese Text Layout* (clreq).
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable

from .config import TypographySettings

# Characters that take a full em in Chinese text: Han (all planes), CJK symbols and
# punctuation, kana, bopomofo, full-width forms.
_WIDE = (
    "\u1100-\u11ff\u2e80-\u2fdf\u2ff0-\u303f\u3040-\u31ff\u3200-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uffef"
    "\U00020000-\U0003ffff"
)
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
# Wide characters plus the quotation marks Chinese text uses (they are ambiguous-width).
_CJK = _WIDE + "\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"

WIDE_RE = re.compile(f"[{_WIDE}]")

#: Full-width marks with their blank half on the right (closing) or left (opening), in the
#: Simplified Chinese forms of the Noto CJK faces (clreq 3.1.6).
CLOSING = frozenset("，。、；：？！）》」』】〕〉”’")
OPENING = frozenset("（《「『【〔〈“‘")
CJK_RE = re.compile(f"[{_CJK}]")

_SKIP = {"pre", "code", "kbd", "samp", "script", "style", "math", "svg"}
_BLOCK = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "blockquote", "figcaption",
    "figure", "div", "dt", "dd", "ul", "ol", "table", "tr", "section", "aside", "hr", "br",
}  # fmt: skip
_TAG_RE = re.compile(r"(<[^>]*>)")
_TAGS_RE = re.compile(r"<[^>]*>")
_TAG_NAME_RE = re.compile(r"^</?\s*([a-zA-Z][a-zA-Z0-9]*)")
_URL_RE = re.compile(r"(?:[a-zA-Z][a-zA-Z0-9+.-]*://|www\.|mailto:)\S+")

_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
# ASCII , : ; ? ! after Chinese and before Chinese (or at the end): spaces after go too.
_PUNCT_RE = re.compile(rf"(?<=[{_CJK}])[ \t]*([,:;?!])(?:[ \t]*(?=[{_CJK}])|[ \t]*$)")
# A parenthesised run in Chinese context: Chinese before it, or Chinese inside it. One
# after a Latin word stays ASCII even before Chinese: `Python 3.11 (2022)与`.
_PAREN_RE = re.compile(
    rf"(?:(?<=[{_CJK}])[ \t]*\(([^()\n]*)\)[ \t]*"
    rf"|\(([^()\n]*[{_WIDE}][^()\n]*)\))"
)
_SOFT_BREAK_RE = re.compile(r"[ \t]*\n[ \t]*")


def _is_url(text: str, start: int, end: int) -> bool:
    return any(m.start() <= start and end <= m.end() for m in _URL_RE.finditer(text))


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


TextRule = Callable[[str, str, str], str]


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


def map_text(html: str, rule: TextRule, skip: set[str] = _SKIP) -> str:
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


def prepare_html(html: str, settings: TypographySettings, chapter: str | None = None) -> str:
    """The shared typography pass over one XHTML fragment of the model (of the `chapter`
    file named so in book.toml, for a per-chapter setting)."""
    html = map_text(html, join_lines)
    if settings.normalize_punctuation:
        html = map_text(html, normalize_punctuation)
    if settings.quotes:
        html = map_text(html, functools.partial(convert_quotes, style=settings.quotes))
    if settings.pinyin is True or (chapter is not None and chapter in (settings.pinyin or ())):
        from .ruby import Pinyin  # pypinyin's dictionaries load only for the books that ask

        html = map_text(html, Pinyin(settings.pinyin_overrides), skip=_SKIP | {"ruby"})
    return html


def prepare_title(text: str, settings: TypographySettings) -> str:
    """The house style for a title given as plain text (book.toml, a heading's text)."""
    if settings.quotes:
        text = convert_quotes(text, style=settings.quotes)
    return text
