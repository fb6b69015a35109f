"""Bleed and page boxes: the CSS bleed WeasyPrint lays out, and the TrimBox and BleedBox
every page must carry (a printer's RIP positions and cuts by them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..units import PT_PER_MM

if TYPE_CHECKING:
    import pikepdf

    from ..config import PdfSettings

#: With crop marks, the CSS bleed is widened by this much (mm) beyond twice the bleed: the
#: slug the marks (prepress/marks.py) are drawn on, clear of the real bleed.
MARK_GAP = 6.0


@dataclass(frozen=True)
class CssBleed:
    """The CSS bleed of the pages (mm, outer and inner swap sides on left and right pages)
    and the full-bleed figure's image box."""

    top: float
    outer: float
    bottom: float
    inner: float
    marks: bool
    image_width: float
    image_height: float
    image_top: float
    image_side: float


def css_bleed(settings: PdfSettings) -> CssBleed | None:
    """The bleed WeasyPrint lays out (None when the PDF has none)."""
    if not settings.for_print:
        return None
    top, outer, bottom, inner = settings.bleed
    width, height = settings.page_size
    side = max(outer, inner)

    def widened(value: float) -> float:
        return round(2 * value + MARK_GAP, 3) if settings.marks else value

    return CssBleed(
        widened(top), widened(outer), widened(bottom), widened(inner), settings.marks,
        image_width=round(width + 2 * side, 3),
        image_height=round(height + top + bottom, 3),
        image_top=top,
        image_side=side,
    )  # fmt: skip


def set_boxes(pdf: pikepdf.Pdf, settings: PdfSettings) -> None:
    """Give every page its TrimBox (the trim size) and BleedBox (trim plus the configured
    bleed). The TrimBox WeasyPrint wrote is kept; a page without one (a blank page the
    join added) gets it from its MediaBox and its side (even index: a right page)."""
    from pikepdf import Array  # late: pikepdf loads only when used (start-up time)

    css = css_bleed(settings)
    top, outer, bottom, inner = settings.bleed
    for index, page in enumerate(pdf.pages):
        media = [float(v) for v in page.obj.MediaBox]
        # A vertical book's pages turn right to left: its first page is a left page.
        left_page = index % 2 == (0 if settings.writing_mode == "vertical-rl" else 1)
        if "/TrimBox" in page.obj:
            trim = [float(v) for v in page.obj.TrimBox]
        else:
            assert css is not None
            left, right = (css.outer, css.inner) if left_page else (css.inner, css.outer)
            trim = [
                media[0] + left * PT_PER_MM,
                media[1] + css.bottom * PT_PER_MM,
                media[2] - right * PT_PER_MM,
                media[3] - css.top * PT_PER_MM,
            ]
            page.obj.TrimBox = Array([round(v, 4) for v in trim])
        left, right = (outer, inner) if left_page else (inner, outer)
        bleed = [
            max(media[0], trim[0] - left * PT_PER_MM),
            max(media[1], trim[1] - bottom * PT_PER_MM),
            min(media[2], trim[2] + right * PT_PER_MM),
            min(media[3], trim[3] + top * PT_PER_MM),
        ]
        page.obj.BleedBox = Array([round(v, 4) for v in bleed])


#: A blank page's content: not empty (qpdf would write an empty stream as zero-length
#: Flate data, which Ghostscript and MuPDF report as broken), drawing nothing.
BLANK_CONTENT = b"q Q\n"


def add_blank_page(pdf: pikepdf.Pdf, at: int | None = None) -> pikepdf.Page:
    """Insert a blank page at index `at` (default: the end), as large as its neighbours.
    Its TrimBox and BleedBox are those of the nearest page on the same side (a recto's
    bleed is not a verso's), or its MediaBox when no page has them (no bleed); set_boxes
    later computes them if the neighbour lacked them."""
    # late: loaded only when used (start-up time)
    from pikepdf import Array, Dictionary, Name, Page

    count = len(pdf.pages)
    at = count if at is None else at
    same_side = [i for i in range(count) if i % 2 == at % 2]
    near = min(same_side, key=lambda i: abs(i - at)) if same_side else (0 if count else None)
    model = pdf.pages[near].obj if near is not None else None
    media = [float(v) for v in model.MediaBox] if model is not None else [0.0, 0.0, 595.0, 842.0]
    page = Dictionary(
        Type=Name.Page,
        MediaBox=Array(media),
        Contents=pdf.make_stream(BLANK_CONTENT),
        Resources=Dictionary(),
    )
    for key in ("/TrimBox", "/BleedBox"):
        found = model.get(key) if model is not None else None
        page[key] = Array([float(v) for v in found] if found is not None else media)
    pdf.pages.insert(at, Page(pdf.make_indirect(page)))
    return pdf.pages[at]
