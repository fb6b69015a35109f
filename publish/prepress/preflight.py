"""`publish check --print`: a printer's preflight of the interior and cover PDFs.

No PDF/X validator runs offline, so this is ours, read from the file with pikepdf: fonts
embedded; TrimBox and BleedBox on every page, consistent and with the bleed configured;
for PDF/X, the OutputIntent, no RGB (colour operators, colour spaces, images, shadings,
groups), text black K-only and, for X-1a, no transparency; each image's resolution at the
size it is placed (a warning under 300 ppi); nothing but backgrounds within 3 mm of the
trim edge; the cover's width. Findings name the page (of the PDF, from 1).

Speed: the content streams are parsed by pikepdf asking only for the operators that
matter (colour, state, text position and showing, XObjects), so a 1,000-page book is
checked in seconds; text is placed from its text matrix and the fonts' glyph widths.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from ..imprint.spread import CoverGeometry as CoverSize
from ..units import PT_PER_MM
from .colour import is_rgb_space

if TYPE_CHECKING:
    import pikepdf

    from ..config import PdfSettings

#: Text and images keep this far (mm) from the trim edge.
SAFETY = 3.0
#: Images placed at less than this (pixels per inch) are a warning.
MIN_PPI = 300
#: Box comparisons allow this much (pt) of rounding.
TOLERANCE = 0.1
_OPERATORS = "q Q cm cs CS sc scn SC SCN g G rg RG k K BT ET Tf Tm Td TD T* TL Tj TJ ' \" Do gs"


def cover_size(settings, pages: int) -> CoverSize:
    """The cover spread for an interior of `pages` pages, from the book's settings, as
    the cover is made (imprint/spread.py: `[cover] paper-caliper` and `board`)."""
    from ..config import CoverSettings  # late: start-up time: loaded only when this runs
    from ..imprint.spread import spine_width  # late: start-up time: loaded only when this runs

    cover = settings.cover or CoverSettings()
    width, height = settings.pdf.page_size
    return CoverSize(width, height, spine_width(pages, cover), cover.bleed)


@dataclass
class Finding:
    page: int | None  # from 1; None for the whole file
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"page {self.page}: " if self.page else ""
        return f"{'warning' if self.warning else 'error'}: {where}{self.message}"


@dataclass
class Preflight:
    """The findings on one PDF."""

    path: Path
    pages: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if not f.warning]

    @property
    def ok(self) -> bool:
        return not self.errors

    def fail(self, page: int | None, message: str) -> None:
        self.findings.append(Finding(page, message))

    def warn(self, page: int | None, message: str) -> None:
        self.findings.append(Finding(page, message, warning=True))

    def summary(self) -> str:
        warnings = len(self.findings) - len(self.errors)
        return (
            f"{self.path}: {self.pages} pages, {len(self.errors)} error(s), {warnings} warning(s)"
        )


def preflight(
    path: Path, settings: PdfSettings, cover: CoverSize | None = None, marks: bool | None = None
) -> Preflight:
    """Check the PDF at `path` against the print `settings` (an interior), or against
    `cover` (a cover spread) when given; `marks`: whether crop (and, on a cover, fold)
    marks are wanted (default `[pdf] marks`)."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    # late: loaded only when used (start-up time)
    from . import filecheck

    report = Preflight(path)
    with pikepdf.open(path) as pdf:
        report.pages = len(pdf.pages)
        x_standard = settings.standard.startswith("pdf/x")
        colour = x_standard or settings.colour != "rgb"
        findings = [*filecheck.streams(pdf), *filecheck.trailer_id(pdf), *filecheck.fonts(pdf)]
        if x_standard:
            _standard(pdf, report)
            findings += [*filecheck.standard_keys(pdf, settings.standard)]
            findings += [*filecheck.annotations(pdf)]
        if colour:
            limit = settings.ink_limit
            findings += [*filecheck.colour_spaces(pdf), *filecheck.image_ink(pdf, limit)]
            findings += [*filecheck.colour_ink(pdf, limit)]
        if settings.colour == "grey":
            findings += [*filecheck.grey_groups(pdf)]
        if settings.marks if marks is None else marks:
            findings += [*filecheck.marks(pdf, _folds(pdf, cover))]
        for page, message in findings:
            report.fail(page, message)
        checker = _Pages(pdf, report, settings, colour)
        for index, page in enumerate(pdf.pages):
            _boxes(page, index, settings, cover, report)
            checker.page(page, index + 1)
        checker.finish()
    return report


def _folds(pdf: pikepdf.Pdf, cover: CoverSize | None) -> tuple[float, ...]:
    """The x (pt) of a cover's spine folds (one fold when it has no spine)."""
    if cover is None or not len(pdf.pages) or "/TrimBox" not in pdf.pages[0].obj:
        return ()
    left = float(pdf.pages[0].obj.TrimBox[0]) + cover.trim_width * PT_PER_MM
    return (left,) if cover.spine <= 0 else (left, left + cover.spine * PT_PER_MM)


# --- the file -------------------------------------------------------------------------


def _standard(pdf: pikepdf.Pdf, report: Preflight) -> None:
    """The OutputIntent, Trapped and the title (the version keys: filecheck)."""
    intents = pdf.Root.get("/OutputIntents") or []
    pdfx = [i for i in intents if i.get("/S") == "/GTS_PDFX"]
    if not pdfx:
        report.fail(None, "no PDF/X OutputIntent (the printer's colour profile)")
    elif "/DestOutputProfile" not in pdfx[0]:
        report.fail(None, "the OutputIntent has no DestOutputProfile (an ICC profile)")
    elif str(pdfx[0].get("/OutputConditionIdentifier", "")) in ("", "Custom") and not str(
        pdfx[0].get("/OutputCondition", "")
    ):
        report.fail(None, "the OutputIntent names no output condition")
    if str(pdf.docinfo.get("/Trapped", "")) not in ("/True", "/False"):
        report.fail(None, "Trapped is not set to True or False")
    if "/Title" not in pdf.docinfo:
        report.fail(None, "no document title (PDF/X requires one)")


def _box(page: pikepdf.Page, key: str) -> list[float] | None:
    box = page.obj.get(key)
    return [float(v) for v in box] if box is not None else None


def _mm(value: float) -> str:
    return f"{value / PT_PER_MM:.1f}"


def _boxes(
    page: pikepdf.Page, index: int, settings: PdfSettings, cover: CoverSize | None, report
) -> None:
    number = index + 1
    media = _box(page, "/MediaBox")
    trim, bleed = _box(page, "/TrimBox"), _box(page, "/BleedBox")
    assert media is not None
    if not (settings.standard.startswith("pdf/x") or cover is not None):
        # Outside PDF/X a page without the boxes has them by default (PDF 32000 14.11.2:
        # the CropBox, else the MediaBox); their size and bleed are still checked below.
        crop = _box(page, "/CropBox") or media
        trim, bleed = trim or crop, bleed or crop
    if trim is None:
        report.fail(number, "no TrimBox")
    if bleed is None:
        report.fail(number, "no BleedBox")
    if trim is None or bleed is None:
        return
    if not _inside(trim, bleed):
        report.fail(number, "the BleedBox does not contain the TrimBox")
    if not _inside(bleed, media):
        report.fail(number, "the BleedBox reaches beyond the MediaBox")
    width, height = trim[2] - trim[0], trim[3] - trim[1]
    if cover is not None:
        expected = (2 * cover.trim_width + cover.spine, cover.trim_height)
        wanted = (cover.bleed,) * 4
    else:
        expected = settings.page_size
        top, outer, bottom, inner = settings.bleed
        # A vertical book's pages turn right to left: its first page is a left page.
        left_page = index % 2 == (0 if settings.writing_mode == "vertical-rl" else 1)
        # top, left, bottom, right: the outer edge is on the left of a left page
        wanted = (top, outer, bottom, inner) if left_page else (top, inner, bottom, outer)
    if (
        abs(width - expected[0] * PT_PER_MM) > 0.2 * PT_PER_MM
        or abs(height - expected[1] * PT_PER_MM) > 0.2 * PT_PER_MM
    ):
        what = "cover trim" if cover is not None else "TrimBox"
        report.fail(
            number,
            f"{what} is {_mm(width)} × {_mm(height)} mm, not {expected[0]:.1f} × "
            f"{expected[1]:.1f} mm",
        )
    if cover is not None:
        full = bleed[2] - bleed[0]
        if abs(full - cover.width * PT_PER_MM) > 0.2 * PT_PER_MM:
            report.fail(
                number,
                f"cover width (with bleed) is {_mm(full)} mm, not {cover.width:.1f} mm "
                f"(2 × {cover.trim_width:g} trim + {cover.spine:.2f} spine + 2 × "
                f"{cover.bleed:g} bleed)",
            )
    top, left, bottom, right = wanted
    sides = {
        "top": (bleed[3] - trim[3], top),
        "left": (trim[0] - bleed[0], left),
        "bottom": (trim[1] - bleed[1], bottom),
        "right": (bleed[2] - trim[2], right),
    }
    short = [
        f"{side} {_mm(have)} mm"
        for side, (have, want) in sides.items()
        if have < want * PT_PER_MM - TOLERANCE
    ]
    if short:
        report.fail(number, f"bleed under the {max(wanted):g} mm configured: {', '.join(short)}")


def _inside(inner: list[float], outer: list[float]) -> bool:
    return (
        inner[0] >= outer[0] - TOLERANCE
        and inner[1] >= outer[1] - TOLERANCE
        and inner[2] <= outer[2] + TOLERANCE
        and inner[3] <= outer[3] + TOLERANCE
    )


# --- the pages' contents ----------------------------------------------------------------

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1, 0, 0, 1, 0, 0)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """m × n (m applied first), as PDF matrices compose."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


@dataclass
class _State:
    ctm: Matrix = IDENTITY
    fill: tuple[str, tuple[float, ...]] = ("gray", (0.0,))
    fill_space: str = "gray"


@dataclass
class _Font:
    widths: dict[int, float]
    default: float
    two_bytes: bool
    embedded: bool
    name: str


class _Pages:
    """Walks each page's content (and its forms), recording findings per page."""

    def __init__(self, pdf: pikepdf.Pdf, report: Preflight, settings, colour: bool):
        self.pdf = pdf
        self.report = report
        self.settings = settings
        self.colour = colour
        self.x1a = settings.standard.startswith("pdf/x-1a")
        self.fonts: dict[tuple[int, int], _Font] = {}
        self.low: dict[str, tuple[int, list[int]]] = {}  # image → (ppi, pages)
        self.unembedded: dict[str, list[int]] = {}
        self.masks: set[tuple[int, int]] = set()
        self.page_findings: set[tuple[int, str]] = set()

    def once(self, number: int, message: str) -> None:
        """One finding of each kind per page."""
        if (number, message) not in self.page_findings:
            self.page_findings.add((number, message))
            self.report.fail(number, message)

    def page(self, page: pikepdf.Page, number: int) -> None:
        trim = _box(page, "/TrimBox") or _box(page, "/MediaBox")
        assert trim is not None
        margin = SAFETY * PT_PER_MM
        self.trim = trim
        self.safe = [trim[0] + margin, trim[1] + margin, trim[2] - margin, trim[3] - margin]
        if self.colour:
            group = page.obj.get("/Group")
            if group is not None and "/CS" in group and is_rgb_space(group.CS):
                self.once(number, "the page's transparency group is RGB")
            if self.x1a and group is not None:
                self.once(number, "transparency group (PDF/X-1a allows no transparency)")
            for annotation in page.obj.get("/Annots") or []:
                appearance = annotation.get("/AP")
                if appearance is None:
                    continue
                for state in appearance.values():
                    streams = [state] if hasattr(state, "read_bytes") else list(state.values())
                    for stream in streams:
                        self.content(stream, stream.get("/Resources"), _State(), number)
        self.content(page, page.obj.get("/Resources"), _State(), number)

    # content --------------------------------------------------------------------------

    def content(self, source, resources, state: _State, number: int, depth: int = 0) -> None:
        import pikepdf  # late: pikepdf loads only when used (start-up time)

        if depth > 8:
            return
        resources = resources if resources is not None else pikepdf.Dictionary()
        if self.colour:
            self.resources(resources, number)
        stack: list[_State] = []
        text_matrix = line_matrix = IDENTITY
        font: _Font | None = None
        size = leading = 0.0
        for operands, operator in pikepdf.parse_content_stream(source, _OPERATORS):
            op = str(operator)
            if op == "q":
                stack.append(_State(state.ctm, state.fill, state.fill_space))
            elif op == "Q":
                if stack:
                    state = stack.pop()
            elif op == "cm":
                state.ctm = _multiply(tuple(map(float, operands)), state.ctm)  # type: ignore[arg-type]
            elif op in ("rg", "RG"):
                if self.colour:
                    self.once(number, f"RGB colour ({op} operator)")
                if op == "rg":
                    state.fill = ("rgb", tuple(map(float, operands)))
            elif op in ("k", "K"):
                if op == "k":
                    state.fill = ("cmyk", tuple(map(float, operands)))
            elif op in ("g", "G"):
                if op == "g":
                    state.fill = ("gray", tuple(map(float, operands)))
            elif op in ("cs", "CS"):
                space = self.space(operands[0], resources)
                if self.colour and space == "rgb":
                    self.once(number, f"RGB colour space ({op} {operands[0]})")
                if op == "cs":
                    state.fill_space = space
            elif op in ("sc", "scn"):
                values = tuple(float(v) for v in operands if _is_number(v))
                state.fill = (state.fill_space, values)
            elif op == "BT":
                text_matrix = line_matrix = IDENTITY
            elif op == "Tf":
                font = self.font(resources, operands[0], number)
                size = float(operands[1])
            elif op == "TL":
                leading = float(operands[0])
            elif op in ("Td", "TD"):
                tx, ty = float(operands[0]), float(operands[1])
                if op == "TD":
                    leading = -ty
                line_matrix = text_matrix = _multiply((1, 0, 0, 1, tx, ty), line_matrix)
            elif op == "Tm":
                line_matrix = text_matrix = tuple(map(float, operands))  # type: ignore[assignment]
            elif op == "T*":
                line_matrix = text_matrix = _multiply((1, 0, 0, 1, 0, -leading), line_matrix)
            elif op in ("Tj", "TJ", "'", '"'):
                if op in ("'", '"'):
                    line_matrix = text_matrix = _multiply((1, 0, 0, 1, 0, -leading), line_matrix)
                shown = operands[-1]
                advance = self.advance(font, shown if op == "TJ" else [shown])
                if self.colour:
                    self.text_colour(state.fill, number)
                self.text_place(text_matrix, state.ctm, size, advance, number)
                text_matrix = _multiply((1, 0, 0, 1, advance * size, 0), text_matrix)
            elif op == "Do":
                self.xobject(operands[0], resources, state, number, depth)
            elif op == "gs" and self.x1a:
                states = resources.get("/ExtGState") or {}
                found = states.get(str(operands[0]))
                if found is not None and (
                    float(found.get("/ca", 1)) < 1
                    or float(found.get("/CA", 1)) < 1
                    or str(found.get("/SMask", "/None")) != "/None"
                ):
                    self.once(number, "transparency (PDF/X-1a allows none)")

    def resources(self, resources, number: int) -> None:
        import pikepdf  # late: pikepdf loads only when used (start-up time)

        for name, state in (resources.get("/ExtGState") or {}).items():
            mask = state.get("/SMask")
            if (
                isinstance(mask, pikepdf.Dictionary)
                and "/G" in mask
                and mask.G.objgen not in self.masks
            ):
                self.masks.add(mask.G.objgen)
                group = mask.G.get("/Group")
                if group is not None and is_rgb_space(group.get("/CS")):
                    self.once(number, f"RGB soft mask group in {name}")
                self.content(mask.G, mask.G.get("/Resources"), _State(), number, 1)
        for name, space in (resources.get("/ColorSpace") or {}).items():
            if is_rgb_space(space):
                self.once(number, f"RGB colour space {name} in the resources")
        for name, shading in (resources.get("/Shading") or {}).items():
            if is_rgb_space(shading.get("/ColorSpace")):
                self.once(number, f"RGB shading {name}")
        for name, pattern in (resources.get("/Pattern") or {}).items():
            shading = pattern.get("/Shading")
            if shading is not None and is_rgb_space(shading.get("/ColorSpace")):
                self.once(number, f"RGB shading in pattern {name}")

    def space(self, name, resources) -> str:
        text = str(name)
        if text in ("/DeviceRGB", "/CalRGB"):
            return "rgb"
        if text == "/DeviceCMYK":
            return "cmyk"
        if text in ("/DeviceGray", "/CalGray"):
            return "gray"
        found = (resources.get("/ColorSpace") or {}).get(text)
        if found is not None and is_rgb_space(found):
            return "rgb"
        if found is not None and str(found) == "/DeviceCMYK":
            return "cmyk"
        return "other"

    def text_colour(self, fill: tuple[str, tuple[float, ...]], number: int) -> None:
        space, values = fill
        if space == "rgb":
            self.once(number, "text in RGB")
        elif space == "cmyk" and len(values) == 4:
            c, m, y, k = values
            if k >= 0.5 and min(c, m, y) > 0.05:  # all three under K: rich black, not a dark colour
                self.once(
                    number,
                    f"text in four-colour black ({c:g} {m:g} {y:g} {k:g} k), not K only",
                )

    def text_place(self, tm: Matrix, ctm: Matrix, size: float, advance: float, number: int) -> None:
        if not advance or not size:
            return
        full = _multiply(_multiply((size, 0, 0, size, 0, 0), tm), ctm)
        corners = [_apply(full, x, y) for x in (0, advance) for y in (-0.12, 0.88)]
        box = [
            min(p[0] for p in corners),
            min(p[1] for p in corners),
            max(p[0] for p in corners),
            max(p[1] for p in corners),
        ]
        if not _inside(box, self.safe):
            self.once(
                number,
                f"text within {SAFETY:g} mm of the trim edge (the safety margin)",
            )

    def advance(self, font: _Font | None, shown: Iterable) -> float:
        """Width in em (1000 glyph units) of a Tj string or TJ array."""
        total = 0.0
        for item in shown:
            if _is_number(item):
                total -= float(item) / 1000
                continue
            data = bytes(item)
            if font is None:
                total += 0.5 * len(data)
                continue
            if font.two_bytes:
                codes = [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]
            else:
                codes = list(data)
            widths, default = font.widths, font.default
            total += sum(widths.get(code, default) for code in codes) / 1000
        return total

    def font(self, resources, name, number: int) -> _Font | None:
        found = (resources.get("/Font") or {}).get(str(name))
        if found is None:
            return None
        key = found.objgen if found.is_indirect else (id(found), 0)
        if key not in self.fonts:
            self.fonts[key] = _read_font(found)
        font = self.fonts[key]
        if not font.embedded:
            pages = self.unembedded.setdefault(font.name, [])
            if number not in pages:
                pages.append(number)
        return font

    def xobject(self, name, resources, state: _State, number: int, depth: int) -> None:
        found = (resources.get("/XObject") or {}).get(str(name))
        if found is None:
            return
        subtype = str(found.get("/Subtype"))
        if subtype == "/Form":
            group = found.get("/Group")
            if self.colour and group is not None and is_rgb_space(group.get("/CS")):
                self.once(number, f"RGB transparency group in form {name}")
            matrix = tuple(float(v) for v in found.get("/Matrix", IDENTITY))
            inner = _State(_multiply(matrix, state.ctm), state.fill, state.fill_space)  # type: ignore[arg-type]
            self.content(found, found.get("/Resources") or resources, inner, number, depth + 1)
            return
        if subtype != "/Image":
            return
        corners = [_apply(state.ctm, x, y) for x in (0, 1) for y in (0, 1)]
        box = [
            min(p[0] for p in corners),
            min(p[1] for p in corners),
            max(p[0] for p in corners),
            max(p[1] for p in corners),
        ]
        crosses_trim = not _inside(box, self.trim)
        if not crosses_trim and not _inside(box, self.safe):
            self.once(number, f"image {name} within {SAFETY:g} mm of the trim edge")
        if self.colour:
            if is_rgb_space(found.get("/ColorSpace")):
                self.once(number, f"RGB image {name}")
            if self.x1a and "/SMask" in found:
                self.once(number, f"image {name} with a soft mask (PDF/X-1a: no transparency)")
        if found.get("/ImageMask", False):
            return
        width_pt = math.hypot(state.ctm[0], state.ctm[1])
        height_pt = math.hypot(state.ctm[2], state.ctm[3])
        if width_pt <= 0 or height_pt <= 0:
            return
        ppi = min(int(found.Width) / (width_pt / 72), int(found.Height) / (height_pt / 72))
        if ppi < MIN_PPI:
            label = str(name)
            low = self.low.setdefault(label, (round(ppi), []))
            if number not in low[1]:
                low[1].append(number)

    def finish(self) -> None:
        """The findings grouped over pages: unembedded fonts, low-resolution images."""
        for name, pages in self.unembedded.items():
            self.report.fail(pages[0], f"font {name} is not embedded (pages {_pages(pages)})")
        for name, (ppi, pages) in self.low.items():
            self.report.warn(
                pages[0],
                f"image {name} is {ppi} ppi at its placed size, under {MIN_PPI} "
                f"(pages {_pages(pages)})",
            )


def _pages(pages: list[int]) -> str:
    shown = ", ".join(map(str, pages[:10]))
    return shown + (f" and {len(pages) - 10} more" if len(pages) > 10 else "")


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _read_font(font) -> _Font:
    from ..fonts import cid_widths  # late: start-up time: loaded only when this runs

    name = str(font.get("/BaseFont", "?")).lstrip("/")
    if font.get("/Subtype") == "/Type0":
        descendant = font.DescendantFonts[0]
        descriptor = descendant.get("/FontDescriptor") or {}
        widths = cid_widths(descendant.get("/W") or [])
        default = float(descendant.get("/DW", 1000))
        two = True
    else:
        descriptor = font.get("/FontDescriptor") or {}
        first = int(font.get("/FirstChar", 0))
        widths = {first + i: float(w) for i, w in enumerate(font.get("/Widths") or [])}
        default = 500.0
        two = False
    embedded = font.get("/Subtype") == "/Type3" or any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )
    return _Font(widths, default, two, embedded, name)
