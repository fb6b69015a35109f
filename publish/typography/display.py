"""Display lines for the print edition: titles, headings, TOC entries and captions.

A display line that takes more than one line is balanced (lines of near-equal length, as
CSS `text-wrap: balance`) and broken only between phrases — BudouX's Chinese model says
where — preferring a space when the title has one (a 回目 breaks between its halves), and
never leaving one or two characters alone on the last line. The measure is known here
(the page grid and the element's size from print.css), so the breaks are chosen from the
face's own advances (HarfBuzz) and written as `<br />`, each line kept whole.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from pathlib import Path

from .chars import CLOSING_BRACKETS, HAN_RE, OPENING

_LATIN_RE = re.compile(r"[A-Za-z0-9]")
_TAG_RE = re.compile(r"<[^>]*>")

#: The Han–Latin gap cjk.py puts between a Han character and a Latin letter or digit.
HAN_LATIN_GAP = 0.25  # em
#: Left free on every line for what the estimate cannot see (kerning across faces).
SLACK = 0.3  # em
#: A break at a space costs this much less than one between phrases (in em of imbalance).
SPACE_BONUS = 3.0


@dataclass(frozen=True)
class Measure:
    """Where a display line is set: its font (family, bold), size (pt) and measure (pt);
    `last_room`: em kept free on the last line (a TOC entry's leader and folio)."""

    family: str
    bold: bool
    size: float
    width: float
    last_room: float = 0.0


#: One-character words that lead the phrase after them rather than close the one before
#: (prepositions, conjunctions, adverbs before a verb: 全落实; numerals: 十周年).
_LEADING = frozenset(
    "与和及或并而在对把被从向自于以为"  # prepositions, conjunctions
    "全都也又再很最更不没未共各每"  # adverbs
    "一二三四五六七八九十百千万两几"  # numerals
)


def _merge_singles(parts: list[str]) -> list[str]:
    """BudouX leaves single characters as phrases (`首立/功`) and cuts inside brackets
    (`（两/篇）`): a character alone joins the phrase before it (a leading word such as 与,
    or the first character, the one after it), and a bracket is one phrase."""
    out: list[str] = []
    carry = ""
    depth = 0
    for index, part in enumerate(parts):
        opened = depth > 0
        depth += sum(part.count(c) for c in _OPEN) - sum(part.count(c) for c in _CLOSE)
        depth = max(depth, 0)
        if opened and out:
            out[-1] += part
        elif len(part) == 1 and index + 1 < len(parts) and (part in _LEADING or not out):
            carry += part
        elif len(part) == 1 and out and not carry:
            out[-1] += part
        else:
            out.append(carry + part)
            carry = ""
    if carry:
        out.append(carry)
    return out


_OPEN = OPENING
_CLOSE = CLOSING_BRACKETS


@functools.cache
def _segmenter():
    import budoux  # late: BudouX loads only when used (start-up time)

    return budoux.load_default_simplified_chinese_parser()


def phrases(text: str) -> list[str]:
    """`text` cut into phrases (BudouX), spaces (also the ideographic space) kept as
    phrases of their own."""
    out: list[str] = []
    for part in re.split(r"([ \u3000]+)", text):
        if not part:
            continue
        if part.isspace():
            out.append(part)
        elif HAN_RE.search(part):
            out += _merge_singles(_segmenter().parse(part))
        else:
            out.append(part)
    return out


@functools.cache
def _font(family: str, bold: bool):
    import uharfbuzz as hb  # late: HarfBuzz loads only when used (start-up time)

    # late: start-up time: loaded only when this runs
    from ..fonts import _collection_index, face_for

    face = face_for(family, bold)
    if face is None:
        return None
    path = Path(face.path)
    blob = hb.Blob.from_file_path(str(path))
    hb_face = hb.Face(blob, _collection_index(path, face.family))
    font = hb.Font(hb_face)
    return font, hb_face.upem


@functools.cache
def advance(text: str, family: str, bold: bool) -> float:
    """The width of `text` in em of its face, with cjk.py's Han–Latin gaps."""
    import uharfbuzz as hb  # late: HarfBuzz loads only when used (start-up time)

    if not text:
        return 0.0
    loaded = _font(family, bold)
    gaps = sum(
        1
        for a, b in zip(text, text[1:], strict=False)
        if (HAN_RE.match(a) and _LATIN_RE.match(b)) or (_LATIN_RE.match(a) and HAN_RE.match(b))
    )
    if loaded is None:
        return len(text) + gaps * HAN_LATIN_GAP
    font, upem = loaded
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    hb.shape(font, buffer, {"kern": True})
    return sum(p.x_advance for p in buffer.glyph_positions or ()) / upem + gaps * HAN_LATIN_GAP


def _chars(text: str) -> int:
    return len(text.strip())


def balance(text: str, measure: Measure) -> tuple[list[str], bool]:
    """The lines `text` is set in: as few as fit, of near-equal width, broken between
    phrases; the flag says a phrase had to be broken (it is longer than the measure)."""
    room = measure.width / measure.size - SLACK

    def width(line: str) -> float:
        return advance(line.strip(), measure.family, measure.bold)

    if width(text) + measure.last_room <= room:
        return [text], False
    units = phrases(text)
    forced = False
    if any(width(u) > room for u in units):
        forced = True
        units = [c for u in units for c in (_cut(u, room, width) if width(u) > room else [u])]
    n = len(units)
    best: dict[tuple[int, int], tuple[float, list[int]] | None] = {}

    # Lines are units[i:j]; a plan for units[i:] in k lines minimises the imbalance
    # (widest − narrowest line) less a bonus for each break at a space.
    def plan(i: int, k: int, target: float) -> tuple[float, list[int]] | None:
        key = (i, k)
        if key in best:
            return best[key]
        result = None
        if k == 1:
            line = "".join(units[i:])
            w = width(line) + measure.last_room
            if w <= room and (_chars(line) > 2 or i == 0):
                result = (abs(w - target), [])
        else:
            for j in range(i + 1, n):
                line = "".join(units[i:j])
                w = width(line)
                if w > room:
                    break
                if not line.strip():
                    continue
                rest = plan(j, k - 1, target)
                if rest is None:
                    continue
                bonus = SPACE_BONUS if units[j - 1].isspace() or units[j].isspace() else 0.0
                cost = max(abs(w - target), rest[0]) - bonus
                if result is None or cost < result[0]:
                    result = (cost, [j, *rest[1]])
        best[key] = result
        return result

    total = width(text) + measure.last_room
    for lines in range(2, n + 1):
        best.clear()
        found = plan(0, lines, total / lines)
        if found is not None:
            cuts = [0, *found[1], n]
            return [
                "".join(units[a:b]).strip() for a, b in zip(cuts, cuts[1:], strict=False)
            ], forced
    return [text], True


def _cut(unit: str, room: float, width) -> list[str]:
    """A phrase longer than the measure, in pieces that fit (a forced break)."""
    pieces, current = [], ""
    for char in unit:
        if current and width(current + char) > room:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current] if current else pieces


def display_html(text: str, measure: Measure) -> tuple[str, bool]:
    """Escaped XHTML for a plain-text display line: balanced lines, each kept whole."""
    lines, forced = balance(text, measure)
    if len(lines) == 1 and not forced:
        return html.escape(text, quote=False), False
    parts, position = [], 0
    for index, line in enumerate(lines):
        start = text.find(line, position)
        if index:
            parts.append("<br />")
            gap = text[position:start] if start >= position else ""
            if gap:
                # The space a break stands for stays in the text, taking no room: bookmarks
                # and running heads (content(text)) read `第一回　宴桃园…　斩黄巾…` whole.
                parts.append(f'<span class="display-gap">{html.escape(gap, quote=False)}</span>')
        parts.append(f'<span class="display-line">{html.escape(line, quote=False)}</span>')
        if start >= position:
            position = start + len(line)
    return "".join(parts), forced


_HEADING_RE = re.compile(r"<(h[1-6]|figcaption)([^>]*)>(.*?)</\1>", re.S)


def display_headings(fragment: str, measures: dict[str, Measure], warn) -> str:
    """Balance the section headings and captions of a chapter body (plain-text ones)."""

    def replace(match: re.Match) -> str:
        name, attributes, inner = match.groups()
        measure = measures.get(name)
        if measure is None or "<" in inner:
            return match.group(0)
        text = html.unescape(inner)
        shown, forced = display_html(text, measure)
        if forced:
            warn(text)
        return f"<{name}{attributes}>{shown}</{name}>"

    return _HEADING_RE.sub(replace, fragment)


def phrase_breaks(text: str) -> str:
    """Escaped XHTML for a plain-text display line with `<wbr />` between its phrases
    (the EPUB's headings: `word-break: keep-all` breaks there only)."""
    return "<wbr />".join(html.escape(p, quote=False) for p in phrases(text) if p)


def phrase_headings(fragment: str) -> str:
    """The plain-text headings and captions of an XHTML fragment with phrase breaks."""

    def replace(match: re.Match) -> str:
        name, attributes, inner = match.groups()
        if "<" in inner:
            return match.group(0)
        return f"<{name}{attributes}>{phrase_breaks(html.unescape(inner))}</{name}>"

    return _HEADING_RE.sub(replace, fragment)
