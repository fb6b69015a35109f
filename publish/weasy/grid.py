"""Body lines on the grid's pitch: every line box exactly `line-height` tall (WeasyPrint 70.x).

WeasyPrint gives a run of text the line-height centred on the ascent and descent of the
line Pango shaped, while the block's strut has it centred on the first face of the font
list, the Latin one (publish latin). Noto Serif puts its baseline 0.388 em above the
middle of the line-height and Noto Serif CJK 0.433 em, so a line whose first run is
Chinese was 0.0445 em taller than its line-height (18.3 pt where the grid says 17.85),
and a line starting with a Latin word or a number was not: pages held fewer lines than
the grid the margins were snapped to, and not all lines were the same distance apart.

Here a run's line-height is placed as the strut's is, around the same baseline: each line
box of text of one size is then exactly its line-height tall, whatever faces its text is
set in. Glyphs stay on the baseline; only the run's box (its half-leadings) moves, by
0.0445 em.

Internals relied on, checked by ``check_internals`` before patching:
``weasyprint.layout.inline.split_text_box`` sets a text box's ``baseline`` from the top of
its margin box and its margins to the half-leading, and is looked up as a module global
by ``split_inline_level``; ``weasyprint.text.line_break.strut`` gives the strut's
line-height and baseline (from the top of the line-height).
"""

from __future__ import annotations

from .load import load, refuse_if_changed

load()  # before WeasyPrint's first import (see weasy/load.py)

from weasyprint.layout import inline as _inline  # noqa: E402
from weasyprint.text import line_break as _line_break  # noqa: E402

#: WeasyPrint's own, kept before install() replaces it.
_split_text_box = _inline.split_text_box
_installed = False


def check_internals() -> None:
    """Raise if WeasyPrint no longer places a run's line-height the way the patch relies on."""
    expect = {
        _split_text_box: (
            "def split_text_box(context, box, available_width, skip, is_line_start=True)",
            "box.margin_top = half_leading",
            "box.margin_bottom = half_leading",
            "box.baseline += box.margin_top",
            "return box, resume_index, preserved_line_break",
        ),
        _inline.split_inline_level: ("= split_text_box(",),
        _inline._adjust_line_height: ("line_height, box.baseline = strut(box.style)",),
        _line_break.strut: ("result = line_height, baseline + (line_height - text_height) / 2",),
    }
    refuse_if_changed("grid", expect)


def install() -> None:
    """Check WeasyPrint's internals and put every run's line-height where the strut's is
    (idempotent)."""
    global _installed
    if _installed:
        return
    check_internals()

    def on_the_strut(context, box, *args, **kwargs):
        new_box, skip, preserved_line_break = _split_text_box(context, box, *args, **kwargs)
        if new_box is not None and new_box.style["line_height"] != "normal":
            _, baseline = _line_break.strut(new_box.style)
            shift = baseline - new_box.baseline
            new_box.margin_top += shift
            new_box.margin_bottom -= shift
            new_box.baseline = baseline
        return new_box, skip, preserved_line_break

    _inline.split_text_box = on_the_strut
    _installed = True
