"""Ruby (拼音, 注音): the Markdown shorthand, automatic pinyin, and the print layout.

The model keeps real `<ruby>`/`<rp>`/`<rt>` markup (the EPUB shows it as it is). WeasyPrint
70 has no ruby layout, so the print renderer turns each base/annotation pair into an
inline-block (`print_ruby`) whose annotation sits above its base, centred, at half size,
in a box that takes no height of the line (clreq 3.3).

The shorthand is `{汉字|hàn zì}`: one syllable per character gives mono-ruby, any other
annotation is one group over the whole base.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from .chars import HAN, HAN_RE

_SHORTHAND_RE = re.compile(r"\{([^{}|\n]+)\|([^{}|\n]+)\}")


def ruby_markup(base: str, annotation: str) -> str:
    """`<ruby>` for `base` read as `annotation`: mono-ruby when there is one syllable per
    character, else group ruby. Both are plain text (escaped here)."""
    syllables = annotation.split()
    if len(base) > 1 and len(syllables) == len(base):
        pairs = list(zip(base, syllables, strict=True))
    else:
        pairs = [(base, " ".join(syllables))]
    inner = "".join(
        f"{html.escape(b)}<rp>(</rp><rt>{html.escape(a)}</rt><rp>)</rp>" for b, a in pairs
    )
    return f"<ruby>{inner}</ruby>"


def _shorthand(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "{":
        return False
    match = _SHORTHAND_RE.match(state.src, state.pos)
    if match is None or not HAN_RE.search(match.group(1)):
        return False
    if not silent:
        token = state.push("html_inline", "", 0)
        token.content = ruby_markup(match.group(1).strip(), match.group(2).strip())
        token.meta = {"ruby": True}
    state.pos = match.end()
    return True


def ruby_plugin(md: MarkdownIt) -> None:
    """markdown-it plugin: `{汉字|hàn zì}` → `<ruby>` (only when the base holds Han)."""
    md.inline.ruler.before("link", "ruby", _shorthand)


# --------------------------------------------------------------------------
# Automatic pinyin (pypinyin), for learners' and children's books.

_HAN_RUN_RE = re.compile(f"[{HAN}]+")
_RUBY_RE = re.compile(r"<ruby>(.*?)</ruby>", re.S)


class Pinyin:
    """Reads Han runs with pypinyin, the book's overrides first (polyphonic words)."""

    def __init__(self, overrides: Iterable[tuple[str, tuple[str, ...]]] = ()) -> None:
        self.overrides = dict(overrides)
        words = sorted(self.overrides, key=len, reverse=True)
        self._words = re.compile("|".join(map(re.escape, words))) if words else None

    def syllables(self, run: str) -> list[str]:
        # late: pypinyin loads only when used (start-up time)
        from pypinyin import Style, lazy_pinyin

        result: list[str] = []
        position = 0
        for match in self._words.finditer(run) if self._words else ():
            if match.start() > position:
                result += lazy_pinyin(run[position : match.start()], style=Style.TONE)
            result += self.overrides[match.group(0)]
            position = match.end()
        if position < len(run):
            result += lazy_pinyin(run[position:], style=Style.TONE)
        return result

    def __call__(self, text: str, before: str = "", after: str = "") -> str:
        """A map_text rule: each Han run of `text` (already escaped XHTML) as mono-ruby."""
        return _HAN_RUN_RE.sub(
            lambda m: ruby_markup(m.group(0), " ".join(self.syllables(m.group(0)))), text
        )


_EMPTY_SPAN_RE = re.compile(r"<span [^>]*(?:/>|></span>)")


def hoist_out_of_ruby(fragment: str) -> str:
    """Empty markers put inside a `<ruby>` (the EPUB's page-break spans) moved before it:
    a ruby holds only its bases, `<rt>` and `<rp>`."""

    def replace(match: re.Match) -> str:
        markers = _EMPTY_SPAN_RE.findall(match.group(0))
        return (
            "".join(markers) + _EMPTY_SPAN_RE.sub("", match.group(0)) if markers else match.group(0)
        )

    return _RUBY_RE.sub(replace, fragment)


# --------------------------------------------------------------------------
# Print layout

_RT_RE = re.compile(r"<rt>(.*?)</rt>", re.S)
_RP_RE = re.compile(r"<rp>.*?</rp>", re.S)
_TAG_RE = re.compile(r"<[^>]*>")


def _unit(base: str, annotation: str) -> str:
    return (
        f'<span class="ruby"><span class="rt">{annotation}</span>'
        f'<span class="rb">{base}</span></span>'
    )


def print_ruby(fragment: str) -> str:
    """Each `<ruby>` of an XHTML fragment as print markup (spans styled by print.css)."""

    def replace(match: re.Match) -> str:
        inner = _RP_RE.sub("", match.group(1))
        parts = _RT_RE.split(inner)  # base, annotation, base, annotation, …, tail
        units = []
        for index in range(0, len(parts) - 1, 2):
            base, annotation = parts[index].strip(), parts[index + 1].strip()
            syllables = annotation.split()
            if (
                len(syllables) > 1
                and "<" not in base
                and len(html.unescape(base)) == len(syllables)
            ):
                units += [
                    _unit(html.escape(c), s)
                    for c, s in zip(html.unescape(base), syllables, strict=True)
                ]
            elif base:
                units.append(_unit(base, annotation))
        tail = parts[-1] if len(parts) % 2 else ""
        # A word's characters stay on one line.
        return f'<span class="ruby-word">{"".join(units)}</span>{tail}'

    return _RUBY_RE.sub(replace, fragment)
