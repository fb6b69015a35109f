"""Crop and fold marks as printers draw them: hairlines (0.25 pt) in the registration
colour (Separation /All: on every plate, so that the plates can be registered and cut),
outside the BleedBox, at each corner of the TrimBox; fold marks (dashed) at a cover's
spine folds. Drawn by the prepress step on every page, after the colour conversion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..units import PT_PER_MM

if TYPE_CHECKING:
    import pikepdf

#: Line width of the marks (pt): printers want 0.25–0.3 pt.
WIDTH = 0.25
#: The marks start this far (mm) beyond the BleedBox, at least MIN_OFFSET from the trim.
GAP = 1.0
MIN_OFFSET = 3.0
#: The marks end this far (mm) inside the MediaBox's edge.
END = 0.5
#: The registration colour space's name in the page resources.
NAME = "/PublishRegistration"


def registration(pdf: pikepdf.Pdf, grey: bool) -> pikepdf.Object:
    """Separation /All, its alternate all four inks at 100 % (or black, in a grey PDF)."""
    # late: loaded only when used (start-up time)
    from pikepdf import Array, Dictionary, Name

    alternate = Name.DeviceGray if grey else Name.DeviceCMYK
    tint = Dictionary(
        FunctionType=2,
        Domain=Array([0, 1]),
        C0=Array([1] if grey else [0, 0, 0, 0]),
        C1=Array([0] if grey else [1, 1, 1, 1]),
        N=1,
    )
    return pdf.make_indirect(Array([Name.Separation, Name.All, alternate, tint]))


def mark_lines(
    trim: list[float], bleed: list[float], media: list[float], folds: tuple[float, ...] = ()
) -> tuple[list[tuple[float, float, float, float]], list[tuple[float, float, float, float]]]:
    """The crop marks' and the fold marks' segments (x0, y0, x1, y1, pt)."""
    gap, least, end = GAP * PT_PER_MM, MIN_OFFSET * PT_PER_MM, END * PT_PER_MM
    x0, y0, x1, y1 = trim
    left = x0 - max(x0 - bleed[0] + gap, least)
    right = x1 + max(bleed[2] - x1 + gap, least)
    below = y0 - max(y0 - bleed[1] + gap, least)
    above = y1 + max(bleed[3] - y1 + gap, least)
    far_left, far_right = media[0] + end, media[2] - end
    far_below, far_above = media[1] + end, media[3] - end
    crops = []
    for y in (y0, y1):  # horizontal marks level with the top and bottom trim
        crops += [(far_left, y, left, y), (right, y, far_right, y)]
    for x in (x0, x1):  # vertical marks in line with the left and right trim
        crops += [(x, far_below, x, below), (x, above, x, far_above)]
    fold_lines = []
    for x in folds:
        fold_lines += [(x, far_below, x, below), (x, above, x, far_above)]
    return [c for c in crops if _long(c)], [f for f in fold_lines if _long(f)]


def _long(segment: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = segment
    return abs(x1 - x0) + abs(y1 - y0) >= 1.0  # pt: no room, no mark


def draw_marks(pdf: pikepdf.Pdf, grey: bool, folds: tuple[float, ...] = ()) -> None:
    """Crop marks on every page of `pdf` (which has its TrimBox and BleedBox), and fold
    marks at the x positions `folds` (pt)."""
    # late: loaded only when used (start-up time)
    from pikepdf import Dictionary

    space = registration(pdf, grey)
    for page in pdf.pages:
        trim, bleed, media = (
            [float(v) for v in page.obj[key]] for key in ("/TrimBox", "/BleedBox", "/MediaBox")
        )
        crops, fold_lines = mark_lines(trim, bleed, media, folds)
        if not crops and not fold_lines:
            continue
        ops = [f"q {NAME} CS 1 SCN {WIDTH:g} w 0 J []0 d"]
        ops += [f"{a:.3f} {b:.3f} m {c:.3f} {d:.3f} l S" for a, b, c, d in crops]
        if fold_lines:
            ops.append("[3 2] 0 d")
            ops += [f"{a:.3f} {b:.3f} m {c:.3f} {d:.3f} l S" for a, b, c, d in fold_lines]
        ops.append("Q")
        resources = page.obj.get("/Resources")
        if resources is None:
            page.obj.Resources = resources = Dictionary()
        if "/ColorSpace" not in resources:
            resources.ColorSpace = Dictionary()
        resources.ColorSpace[NAME] = space
        # Wrapped in q/Q (the page's own drawing may leave its state changed).
        page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
        page.contents_add(pdf.make_stream(("Q\n" + "\n".join(ops) + "\n").encode()))
