"""Formulas' glyphs drawn once per document; SVG paths parsed once per shape (WeasyPrint 70.x).

A formula's print markup (publish/markup/maths.py) is one `<path>` whose `data-glyphs`
names its glyphs and their places (`G id a b c d e f`) and its rules (`R x y w h`): each
glyph's outline (markup/glyphs.py) becomes a form XObject the first time the document
draws it, and is placed with `cm … Do` after; the rules are the path the node's fill
paints. WeasyPrint had styled, transformed and parsed every glyph as an SVG element
(~1 ms each, most of what a page of formulas cost), and written its outline each time.
Other SVG paths: WeasyPrint parses each `d` anew, every coordinate through its unit parser,
so the PDF operators a `d` gives are kept the first time and appended again for the same
`d` (at the same font size: nothing else enters the parse).

Internals relied on, checked by ``check_internals`` before patching: ``svg.path.path``
writes the path only through ``svg.stream``'s operator methods, which append to the pydyf
stream's ``stream`` list, and records the path's vertices in ``node.vertices``;
``svg.TAGS["path"]`` is the function ``draw_node`` calls, after setting the fill colour
(which a form inherits); a stream's ``_resources["XObject"]`` holds its forms.
"""

from __future__ import annotations

from .load import load, refuse_if_changed

load()  # before WeasyPrint's first import (see weasy/load.py)

import sys  # noqa: E402

import pydyf  # noqa: E402
import weasyprint.svg.path  # noqa: E402, F401
from weasyprint import svg as _svg  # noqa: E402
from weasyprint.pdf import stream as _stream  # noqa: E402

from ..markup import glyphs  # noqa: E402

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
        _svg.SVG.draw_node: ("self.set_graphical_state(node", "TAGS[node.tag](self, node"),
        pydyf.Stream.curve_to: ("self.stream.append(",),
        pydyf.Stream.move_to: ("self.stream.append(",),
        _stream.Stream.add_group: ("self._resources['XObject'][group.id] = group",),
    }
    problems = [] if _svg.TAGS.get("path") in (_path.path, _drawn_once) else ["TAGS['path']"]
    refuse_if_changed("svgpaths", expect, problems)


def _drawn_once(svg, node, font_size) -> None:
    """`path(svg, node, font_size)`, from the operators kept for the same `d`."""
    operators = svg.stream.stream
    if placed := node.get("data-glyphs"):  # a formula (publish/markup/maths.py)
        _place_glyphs(svg.stream, placed)
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


def _place_glyphs(stream, placed: str) -> None:
    """Each glyph a formula names (`G id a b c d e f`) drawn from its form, made once per
    resources dictionary (the document's, or a group's); its rules (`R x y w h`) left as
    the path the node's fill paints."""
    resources = stream._resources
    forms = getattr(resources, "publish_glyph_forms", None)
    if forms is None:  # kept on the dictionary: as long-lived as the document
        forms = resources.publish_glyph_forms = {}
    rules = []
    for item in placed.split(";"):
        kind, *values = item.split()
        if kind == "R":
            rules.append(" ".join(values).encode() + b" re")
            continue
        glyph, matrix = values[0], " ".join(values[1:]).encode()
        name = forms.get(glyph)
        if name is None:
            outline = glyphs.get(glyph)
            if outline is None:
                continue  # never kept: the cache folder was emptied under the build
            name = forms[glyph] = f"g{glyph}"
            resources["XObject"][name] = pydyf.Stream(
                [outline, b"f"],
                pydyf.Dictionary({"Type": "/XObject", "Subtype": "/Form",
                                  "BBox": pydyf.Array((-5000, -5000, 50000, 5000))}),
                compress=True,
            )  # fmt: skip
        stream.stream.append(b"q " + matrix + b" cm /" + name.encode() + b" Do Q")
    stream.stream.extend(rules or [b"0 0 m"])


def install() -> None:
    """Check WeasyPrint's internals and draw each path's shape once (idempotent)."""
    if _svg.TAGS.get("path") is _drawn_once:
        return
    check_internals()
    _svg.TAGS["path"] = _drawn_once
