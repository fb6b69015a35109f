"""SVG paths drawn once per shape: formulas at prose speed (WeasyPrint 70.x).

A formula is drawn as SVG paths, one per glyph (publish/markup/maths.py), and WeasyPrint
parses each path's `d` anew, every coordinate through its unit parser: ~6 ms a glyph, most of
what a page of formulas costs. A book repeats the same few hundred glyphs (x, i, =, Σ…)
thousands of times, so the PDF operators a path's `d` gives are kept the first time and
appended again for the same `d` (at the same font size: nothing else enters the parse).

Internals relied on, checked by ``check_internals`` before patching: ``svg.path.path``
writes the path only through ``svg.stream``'s operator methods, which append to the pydyf
stream's ``stream`` list, and records the path's vertices in ``node.vertices``;
``svg.TAGS["path"]`` is the function ``draw_node`` calls.
"""

from __future__ import annotations

from .load import load, refuse_if_changed

load()  # before WeasyPrint's first import (see weasy/load.py)

import sys  # noqa: E402

import pydyf  # noqa: E402
import weasyprint.svg.path  # noqa: E402, F401
from weasyprint import svg as _svg  # noqa: E402

#: The module (the package's attribute `path` is the function, imported over it).
_path = sys.modules["weasyprint.svg.path"]

#: Paths kept (the glyphs of a book's formulas are a few hundred); longer `d`s are not kept.
KEPT = 20_000
LONGEST = 20_000

_kept: dict[tuple[str, float], tuple[list, list]] = {}
_original = _path.path


def check_internals() -> None:
    """Raise if WeasyPrint no longer draws paths the way the patch relies on."""
    expect = {
        _path.path: ("node.get('d', '')", "svg.stream.move_to(", "node.vertices.append("),
        _svg.SVG.draw_node: ("TAGS[node.tag](self, node, font_size)",),
        pydyf.Stream.curve_to: ("self.stream.append(",),
        pydyf.Stream.move_to: ("self.stream.append(",),
    }
    problems = [] if _svg.TAGS.get("path") in (_path.path, _drawn_once) else ["TAGS['path']"]
    refuse_if_changed("svgpaths", expect, problems)


def _drawn_once(svg, node, font_size) -> None:
    """`path(svg, node, font_size)`, from the operators kept for the same `d`."""
    operators = svg.stream.stream
    if drawn := node.get("data-ops"):  # a formula's outlines, as PDF operators already
        operators.append(drawn.encode())
        return
    key = (node.get("d", ""), font_size)
    kept = _kept.get(key)
    if kept is not None:
        operators.extend(kept[0])
        node.vertices.extend(kept[1])
        return
    start, vertices = len(operators), len(node.vertices)
    _original(svg, node, font_size)
    if len(_kept) < KEPT and len(key[0]) <= LONGEST:
        _kept[key] = (operators[start:], list(node.vertices)[vertices:])


def install() -> None:
    """Check WeasyPrint's internals and draw each path's shape once (idempotent)."""
    if _svg.TAGS.get("path") is _drawn_once:
        return
    check_internals()
    _svg.TAGS["path"] = _drawn_once
