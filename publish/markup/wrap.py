"""Code lines wrapped to the print text block, with a continuation mark.

A browser can wrap `pre` text, but says nowhere that it did; in a printed listing a reader
must see that a line goes on. The mono face gives every character a known width (Latin
half an em, Han a full em), so the print renderer can count: a line longer than the block
is cut at the last cell that fits and goes on after a `↪` mark in a hanging indent. The
stylesheets keep `overflow-wrap: anywhere` as a last resort (tables, unknown nesting).
"""

from __future__ import annotations

import html
import math
import re
import unicodedata

from ..config import PdfSettings
from ..pdf.geometry import geometry
from ..typography.display import advance
from ..units import PT_PER_MM

#: `pre` in base.css: font size and horizontal padding in its own ems.
CODE_SIZE = 0.85
CODE_PADDING = 0.8
#: The continuation mark and the cells it takes (its span is 1 em wide: print.css).
MARK = '<span class="wrap-mark" aria-hidden="true">↪</span>'
MARK_CELLS = 2
#: Indents (in body ems, base.css) of the blocks a listing may stand in.
INDENTS = {"ul": 2.0, "ol": 2.0, "blockquote": 2.0, "callout": 2.0}
_TAG_RE = re.compile(r"<(/?)(ul|ol|blockquote|div|td|th|pre)\b([^>]*)>")
_PIECE_RE = re.compile(r"(<[^>]+>)|([^<]+)")


def code_cells(settings: PdfSettings) -> tuple[float, float]:
    """How many half-em cells of code fit on a line of the text block at the top level,
    and the body font size."""
    g = geometry(settings)
    block_pt = (g.width - g.outer - g.inner) * PT_PER_MM
    code_em = settings.font_size * CODE_SIZE
    return (block_pt - 2 * CODE_PADDING * code_em) / (code_em / 2), settings.font_size


def block_ems(settings: PdfSettings) -> float:
    """The text block's width in ems of the body text (what a formula may take)."""
    g = geometry(settings)
    return (g.width - g.outer - g.inner) * PT_PER_MM / settings.font_size


def width(char: str) -> int:
    """Cells a character takes in a CJK mono face."""
    if unicodedata.combining(char) or char in "\u200b\u200d\ufe0f":
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def wrap_code(body: str, cells_and_size: tuple[float, float]) -> str:
    """Every `<pre>` of `body` with its long lines wrapped (see the module docstring)."""
    if "<pre" not in body:
        return body
    top_cells, font_size = cells_and_size
    cell_em = CODE_SIZE / 2
    out: list[str] = []
    stack: list[str] = []
    position = 0
    for match in _TAG_RE.finditer(body):
        closing, tag, attributes = match.groups()
        if tag == "pre":
            if closing or match.start() < position:
                continue
            end = body.find("</pre>", match.end())
            if end < 0:
                break
            out.append(body[position : match.end()])
            indent = sum(INDENTS.get(kind, 0) for kind in stack)
            cells = math.floor(top_cells - indent / cell_em) - 1  # one cell for rounding
            inner = body[match.end() : end]
            out.append(inner if "table" in stack or cells < 10 else wrap_listing(inner, cells))
            position = end
            continue
        if closing:
            if stack:
                stack.pop()
        else:
            kind = "callout" if tag == "div" and "callout" in attributes else tag
            stack.append("table" if tag in ("td", "th") else kind)
    out.append(body[position:])
    return "".join(out)


def _fitting_end(chars: str, column: int, cells: int) -> int | None:
    """The column after `chars` (set from `column`) if none of its lines needs a cut, else
    None. Most code lines are ASCII, whose width is their length."""
    for index, line in enumerate(chars.split("\n")):
        column = (0 if index else column) + (len(line) if line.isascii() else sum(map(width, line)))
        if column > cells:
            return None
    return column


def wrap_listing(inner: str, cells: int) -> str:
    """The inside of one `pre` (escaped text and flat spans) with lines cut at `cells`."""
    out: list[str] = []
    open_tags: list[str] = []
    column = 0
    for match in _PIECE_RE.finditer(inner):
        tag, text = match.groups()
        if tag:
            out.append(tag)
            if tag.startswith("</"):
                if open_tags:
                    open_tags.pop()
            elif not tag.endswith("/>"):
                open_tags.append(tag)
            continue
        chars = html.unescape(text)
        end = _fitting_end(chars, column, cells)
        if end is not None:  # no cut: the same as the loop below, without its per-character work
            out.append(html.escape(chars, quote=False))
            column = end
            continue
        piece: list[str] = []
        for char in chars:
            if char == "\n":
                column = 0
                piece.append(char)
                continue
            w = width(char)
            if column + w > cells and column > MARK_CELLS:
                # Close what is open, mark the continuation, reopen.
                closes = "".join(f"</{t[1:].split()[0].rstrip('>')}>" for t in reversed(open_tags))
                out.append(html.escape("".join(piece), quote=False))
                piece = []
                out.append(closes + "\n" + MARK + "".join(open_tags))
                column = MARK_CELLS
            piece.append(char)
            column += w
        out.append(html.escape("".join(piece), quote=False))
    return "".join(out)


_CODE_RE = re.compile(r"<(pre|code|kbd|samp)\b[^>]*>.*?</\1\s*>", re.S)


def half_widths(body: str, mono_family: str) -> str:
    """Characters of code that the wrapping counts as one cell but the CJK mono face draws
    a full em wide (the middle dot of Go assembly's `·Id(SB)`: East Asian width
    "ambiguous") drawn half an em wide (OpenType `halt`, print.css `.half`), so columns
    stay aligned; the text itself is never changed. Only among Latin characters: beside
    Han, such a character (“引号” in a Chinese comment) is the full-width mark it reads as."""

    def narrow(text: str, index: int) -> bool:
        char = text[index]
        before, after = text[index - 1 : index], text[index + 1 : index + 2]
        return (
            not char.isascii()
            and before.isascii()
            and after.isascii()
            and width(char) == 1
            and advance(char, mono_family, False) > 0.75
        )

    def piece(match: re.Match) -> str:
        tag, text = match.groups()
        if tag is not None or text.isascii():
            return match.group(0)
        return "".join(f'<span class="half">{c}</span>' if narrow(text, i) else c
                       for i, c in enumerate(text))  # fmt: skip

    def code(match: re.Match) -> str:
        return _PIECE_RE.sub(piece, match.group(0))

    return _CODE_RE.sub(code, body) if "<pre" in body or "<code" in body else body
