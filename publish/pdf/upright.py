"""Tables, code, display maths and SVG images upright in a vertical edition (vertical.py).

In the turned frame such a block would lie turned with the page. Each is wrapped in a box
whose frame height is the block's upright width and frame width its upright height, its
content turned back a quarter counter-clockwise by a CSS transform (as 縦中横): upright on
the page, at the head of the columns it takes. A transform does not change layout, so the
blocks are first laid out alone, upright (`measure`), for their sizes; a block wider than
the page's text block or longer than a column is scaled down to fit.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree import ElementTree

from ..units import PT_PER_PX

#: The blocks kept upright, by tag (a div or span of class math-display only, an img of an
#: SVG only), and whether their text wraps at the page's text block width (a table's cells
#: do; code and pictures keep their lines, scaled down when wider).
_BLOCKS = {"pre": False, "table": True, "div": True, "span": True, "img": False}
_MATHS = "math-display"
_MARK = "data-upright"


@dataclass(frozen=True)
class Frame:
    """The turned frame's measures (pt): its line length (the page's column), its text
    block's height (the page's text block width) and its line pitch."""

    column: float
    width: float
    pitch: float


def is_upright(element) -> bool:
    """Whether an element (ElementTree or lxml) is a block kept upright (check.py, too)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag not in _BLOCKS:
        return False
    if tag in ("div", "span"):
        return _MATHS in (element.get("class") or "").split()
    if tag == "img":
        return (element.get("src") or "").lower().split("?")[0].endswith(".svg")
    return True


def _blocks(root: ElementTree.Element) -> list[tuple[ElementTree.Element, ElementTree.Element]]:
    """The outermost blocks to keep upright, with their parents, in document order."""
    found = []

    def walk(parent: ElementTree.Element) -> None:
        for child in parent:
            # An SVG image in a figure (an icon in a line of text stays in it).
            if is_upright(child) and (child.tag != "img" or parent.tag == "figure"):
                found.append((child, parent))
            else:
                walk(child)

    walk(root)
    return found


Wrapped = tuple[ElementTree.Element, ElementTree.Element, ElementTree.Element]


def wrap(root: ElementTree.Element) -> list[Wrapped]:
    """Each block of the document wrapped in `div.upright > div.upright-turn >
    div.upright-body`: the box in the frame, the turned one, and the block's upright box
    (an inline-block: a box positioned out of the flow would be split across pages, an
    inline-block never is), numbered in `data-upright`."""
    wrapped = []
    for index, (block, parent) in enumerate(_blocks(root)):
        box = ElementTree.Element("div", {"class": "upright"})
        turn = ElementTree.SubElement(box, "div", {"class": "upright-turn"})
        body = ElementTree.SubElement(turn, "div", {"class": "upright-body", _MARK: str(index)})
        if _BLOCKS[block.tag]:
            body.set("class", "upright-body upright-wraps")
        at = list(parent).index(block)
        parent.remove(block)
        box.tail, block.tail = block.tail, None
        body.append(block)
        parent.insert(at, box)
        wrapped.append((box, turn, body))
    return wrapped


def measuring_copy(root: ElementTree.Element) -> ElementTree.Element:
    """A copy of the document with the upright blocks only (their ancestors kept, for the
    stylesheets' selectors; everything else gone)."""
    root = copy.deepcopy(root)

    def prune(element: ElementTree.Element) -> bool:
        """Whether `element` holds a block (then kept, without its other content)."""
        if element.get(_MARK) is not None:
            return True
        kept = [child for child in element if prune(child)]
        for child in list(element):
            if child not in kept:
                element.remove(child)
        for child in kept:
            child.tail = None
        if kept and element.tag != "head":
            element.text = None
        return bool(kept)

    for child in root:
        if child.tag == "body":
            prune(child)
    return root


#: The measuring layout: pages large enough for any block; blocks shrink to fit.
MEASURING_CSS = """
@page { size: 3000mm 6000mm; }
.upright-turn { position: static; transform: none; }
.upright-wraps { max-width: %(width).3fpt; }
"""


def fit(wrapped: Wrapped, size: tuple[float, float], frame: Frame) -> None:
    """Size a block's `box` in the frame from its upright `size` (width, height, pt), in
    whole lines, and turn its content back (`rotate(-90deg)`: its lines run up the frame,
    left to right on the page once turned clockwise)."""
    box, turn, body = wrapped
    width, height = size
    scale = min(1.0, frame.width / max(width, 1e-3), frame.column / max(height, 1e-3))
    across = width * scale  # the frame's height the block takes
    lines = max(1, math.ceil(across / frame.pitch - 1e-6))
    top = (lines * frame.pitch - across) / 2 + across
    box.set("style", f"width: {height * scale:.3f}pt; height: {lines * frame.pitch:.3f}pt")
    turn.set("style", f"top: {top:.3f}pt; transform: rotate(-90deg) scale({scale:.4f})")
    # A hair wider than measured: rounded narrower, a line of code would wrap.
    body.set("style", f"width: {width + 0.05:.3f}pt")


def measure_boxes(pages, turns_count: int) -> dict[int, tuple[float, float]]:
    """The upright width and height (pt) of each numbered block in a laid-out document."""
    sizes: dict[int, tuple[float, float]] = {}
    for page in pages:
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is None or element.get(_MARK) is None or box.element_tag != "div":
                continue
            index = int(element.get(_MARK))
            if index not in sizes and index < turns_count:
                sizes[index] = (box.margin_width() * PT_PER_PX, box.margin_height() * PT_PER_PX)
    return sizes


def turn_upright(root: ElementTree.Element, frame: Frame, layout: Callable) -> bool:
    """Wrap and size the document's upright blocks in place (`layout(root, css)` lays out
    a document tree and gives its pages). False when it has none."""
    wrapped = wrap(root)
    if not wrapped:
        return False
    pages = layout(measuring_copy(root), MEASURING_CSS % {"width": frame.width})
    sizes = measure_boxes(pages, len(wrapped))
    for index, each in enumerate(wrapped):
        fit(each, sizes.get(index, (frame.width, frame.pitch)), frame)
    return True
