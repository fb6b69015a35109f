"""The page's geometry: the Chinese grid, a text block a whole number of characters wide
and a whole number of lines high, so that a line of Han characters fills the measure."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import PdfSettings
from ..units import PT_PER_MM


@dataclass(frozen=True)
class Geometry:
    """Page and margins in mm, with the text block snapped to the character grid."""

    width: float
    height: float
    top: float
    outer: float
    bottom: float
    inner: float
    chars_per_line: int
    lines_per_page: int


def geometry(settings: PdfSettings) -> Geometry:
    """The page's geometry; for a vertical edition, the turned frame's (vertical.py): its
    width the page's height (a line of the frame is a column of the page), its left and
    right margins (`outer`, `inner`) the page's top and bottom, its top and bottom margins
    the page's inner and outer ones (the gutter above on a recto, odd, page)."""
    width, height = settings.page_size
    top, outer, bottom, inner = settings.margin
    if settings.writing_mode == "vertical-rl":
        width, height = height, width
        top, outer, bottom, inner = inner, top, outer, bottom
    em = settings.font_size / PT_PER_MM
    line = em * settings.line_height
    chars = max(10, int((width - outer - inner) / em + 1e-6))
    spare = width - outer - inner - chars * em
    lines = max(5, int((height - top - bottom - em) / line + 1e-6) + 1)
    spare_v = height - top - bottom - (em + (lines - 1) * line)
    return Geometry(
        width, height, top, outer + spare / 2, bottom + spare_v, inner + spare / 2, chars, lines
    )


def text_height(settings: PdfSettings) -> float:
    g = geometry(settings)
    return g.height - g.top - g.bottom
