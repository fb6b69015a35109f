"""A vertical edition's pages turned back a quarter clockwise (vertical.py), after layout:
each page's content wrapped in a rotation (`cm`), its boxes portrait, its links' rectangles
and every destination (links, bookmarks, named) turned with it. Baked, not `/Rotate 90`: a
printer's RIP, imposition and preflight see a portrait page like any other. The PDF's
`/ViewerPreferences /Direction /R2L` makes viewers show the spreads right to left.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The page boxes turned with the page.
BOXES = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox")


def turn_pages(path: Path) -> None:
    """Turn every page of the PDF at `path` (laid out in the turned frame) a quarter
    clockwise, in place and atomically, and mark the book as read right to left."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    partial = path.with_name(f".{path.name}.{os.getpid()}.turn")
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            _turn_page(pdf, page)
        destinations = _Destinations({page.obj.objgen for page in pdf.pages})
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", []):
                destinations.turn_annotation(annotation)
        if "/Outlines" in pdf.Root:
            destinations.turn_outline(pdf.Root.Outlines)
        names = pdf.Root.get("/Names")
        if names is not None and "/Dests" in names:
            destinations.turn_tree(names.Dests)
        if "/Dests" in pdf.Root:
            for key in list(pdf.Root.Dests.keys()):
                destinations.turn(pdf.Root.Dests[key])
        preferences = pdf.Root.get("/ViewerPreferences") or pikepdf.Dictionary()
        preferences.Direction = pikepdf.Name.R2L
        pdf.Root.ViewerPreferences = preferences
        pdf.save(partial, deterministic_id=True)
    os.replace(partial, path)


def _turn_page(pdf, page) -> None:
    """Turn one page: its content, boxes and link rectangles."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    x0, y0, x1, y1 = (float(v) for v in page.obj.MediaBox)
    frame = (x1, y0)
    # x' = y - y0, y' = x1 - x: the frame's top edge becomes the page's right edge.
    page.contents_add(pdf.make_stream(f"q 0 -1 1 0 {-y0:g} {x1:g} cm\n".encode()), prepend=True)
    page.contents_add(pdf.make_stream(b"\nQ\n"))
    for key in BOXES:
        if key in page.obj:
            page.obj[key] = pikepdf.Array(_rect(frame, page.obj[key]))
    for annotation in page.obj.get("/Annots", []):
        if "/Rect" in annotation:
            annotation.Rect = pikepdf.Array(_rect(frame, annotation.Rect))


def _point(frame: tuple[float, float], x: float, y: float) -> tuple[float, float]:
    x1, y0 = frame
    return y - y0, x1 - x


def _rect(frame: tuple[float, float], rect) -> list[float]:
    left, bottom, right, top = (float(v) for v in rect)
    (ax, ay), (bx, by) = _point(frame, left, bottom), _point(frame, right, top)
    return [round(v, 4) for v in (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))]


class _Destinations:
    """Destinations `[page /XYZ left top zoom]` made to show the turned page from its top:
    a heading's column starts there (the frame's point would be the column's top right
    corner; a view cannot start at a column's right edge and show the column); other
    kinds (/Fit…) need nothing. Idempotent: a destination shared by a link and a bookmark
    may be turned twice."""

    def __init__(self, pages: set[tuple[int, int]]):
        self.pages = pages

    def turn(self, destination) -> None:
        import pikepdf  # late: pikepdf loads only when used (start-up time)

        if isinstance(destination, pikepdf.Dictionary) and "/D" in destination:
            destination = destination.D
        if not isinstance(destination, pikepdf.Array) or len(destination) < 4:
            return
        page = destination[0]
        if not isinstance(page, pikepdf.Dictionary) or page.objgen not in self.pages:
            return
        if destination[1] == pikepdf.Name.XYZ:
            # The page's top (its MediaBox is turned already), the view's left kept.
            destination[2] = None
            destination[3] = float(page.MediaBox[3])

    def turn_annotation(self, annotation) -> None:
        if "/Dest" in annotation:
            self.turn(annotation.Dest)
        action = annotation.get("/A")
        if action is not None and "/D" in action:
            self.turn(action.D)

    def turn_outline(self, outlines) -> None:
        item = outlines.get("/First")
        while item is not None:
            self.turn_annotation(item)  # a bookmark holds /Dest or /A as a link does
            if "/First" in item:
                self.turn_outline(item)
            item = item.get("/Next")

    def turn_tree(self, node) -> None:
        names = node.get("/Names")
        if names is not None:
            for index in range(1, len(names), 2):
                self.turn(names[index])
        for kid in node.get("/Kids", []):
            self.turn_tree(kid)
