"""The file checks of `publish check --print` a printer's preflight (Acrobat, PitStop,
callas) runs before the pages are looked at: streams that decode, the PDF/X key pair,
XMP ids and dates, the trailer /ID, font programs in forms the PDF version allows,
annotations on printed pages, named colour spaces (RGB, Lab), total ink of images and
colours, crop and fold marks in the registration colour.

Each check returns findings as (page number from 1 or None, message): preflight.py
reports them. Nothing here changes the file.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .colour import is_rgb_space, total_ink
from .finish import PRINT_ANNOTATIONS
from .marks import WIDTH
from .standard import PDF_VERSIONS, PDFX, PDFXID, VERSIONS, XMPMM

if TYPE_CHECKING:
    import pikepdf

Finding = tuple[int | None, str]
#: Images and colours may exceed the ink limit by this much (%), rounding.
INK_TOLERANCE = 1.0
#: Line widths printers accept for crop marks (pt).
MARK_WIDTHS = (0.2, 0.35)


def page_numbers(pdf: pikepdf.Pdf) -> dict[tuple[int, int], int]:
    """Each page content stream's object → its page number (from 1)."""
    # late: loaded only when used (start-up time)
    import pikepdf

    numbers = {}
    for index, page in enumerate(pdf.pages):
        contents = page.obj.get("/Contents")
        parts = contents if isinstance(contents, pikepdf.Array) else [contents]
        for part in parts:
            if part is not None and part.is_indirect:
                numbers[part.objgen] = index + 1
    return numbers


def streams(pdf: pikepdf.Pdf) -> Iterator[Finding]:
    """Every stream decodes: Flate data complete (a zero-length or truncated stream is
    what Ghostscript reports as a page drawing error), other filters as qpdf reads them."""
    # late: loaded only when used (start-up time)
    import pikepdf

    pages = page_numbers(pdf)
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        where = pages.get(obj.objgen)
        label = f"content stream {obj.objgen[0]}" if where else f"stream object {obj.objgen[0]}"
        filters = obj.get("/Filter")
        names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)]
        try:
            if names and names[0] == "/FlateDecode":
                raw = obj.read_raw_bytes()
                inflater = zlib.decompressobj()
                inflater.decompress(raw)
                if not inflater.eof:
                    what = "is empty" if not raw else "ends before its Flate data does"
                    yield where, f"{label} {what} (Ghostscript: page drawing error)"
                    continue
            obj.read_bytes()
        except (zlib.error, pikepdf.PdfError) as error:
            yield where, f"{label} cannot be decoded: {error}"


def _xmp(pdf: pikepdf.Pdf) -> dict[str, str]:
    """The XMP keys this module checks, by qualified name (read only: pikepdf's context
    manager would write Info back from the XMP on leaving)."""
    meta = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
    keys = {
        "xmp:CreateDate": "{http://ns.adobe.com/xap/1.0/}CreateDate",
        "xmp:ModifyDate": "{http://ns.adobe.com/xap/1.0/}ModifyDate",
        "xmpMM:DocumentID": f"{{{XMPMM}}}DocumentID",
        "xmpMM:InstanceID": f"{{{XMPMM}}}InstanceID",
        "xmpMM:VersionID": f"{{{XMPMM}}}VersionID",
        "xmpMM:RenditionClass": f"{{{XMPMM}}}RenditionClass",
        "pdfxid:GTS_PDFXVersion": f"{{{PDFXID}}}GTS_PDFXVersion",
        "pdfx:GTS_PDFXVersion": f"{{{PDFX}}}GTS_PDFXVersion",
        "pdfx:GTS_PDFXConformance": f"{{{PDFX}}}GTS_PDFXConformance",
    }
    return {short: str(meta.get(full, "")) for short, full in keys.items()}


def standard_keys(pdf: pikepdf.Pdf, standard: str) -> Iterator[Finding]:
    """The GTS_PDFXVersion/GTS_PDFXConformance pair in Info and XMP, the XMP ids PDF/X-4
    requires, the PDF version, and Info's dates equal to XMP's."""
    version, conformance = VERSIONS[standard]
    info = pdf.docinfo
    have = (str(info.get("/GTS_PDFXVersion", "")), str(info.get("/GTS_PDFXConformance", "")))
    if have != (version, conformance or "") and not (conformance is None and have[1] == ""):
        yield (
            None,
            (
                f"Info GTS_PDFXVersion/GTS_PDFXConformance are {have[0] or '(none)'!r}/"
                f"{have[1] or '(none)'!r}, {standard.upper()} wants {version!r}/"
                f"{conformance or '(none)'!r}"
            ),
        )
    xmp = _xmp(pdf)
    if conformance is None:
        if xmp["pdfxid:GTS_PDFXVersion"] != version:
            yield None, f"XMP pdfxid:GTS_PDFXVersion is not {version!r}"
        for key in ("xmpMM:DocumentID", "xmpMM:VersionID", "xmpMM:RenditionClass"):
            if not xmp[key]:
                yield None, f"XMP {key} is missing (PDF/X-4 requires it)"
    elif (xmp["pdfx:GTS_PDFXVersion"], xmp["pdfx:GTS_PDFXConformance"]) != (
        version,
        conformance,
    ):
        yield None, f"XMP pdfx:GTS_PDFXVersion/GTS_PDFXConformance are not {version}/{conformance}"
    wanted = PDF_VERSIONS[standard]
    if pdf.pdf_version > wanted:
        yield None, f"PDF {pdf.pdf_version}: {standard.upper()} wants PDF {wanted} at most"
    for key, xmp_key in (("/CreationDate", "xmp:CreateDate"), ("/ModDate", "xmp:ModifyDate")):
        first, second = _info_date(str(info.get(key, ""))), _xmp_date(xmp[xmp_key])
        if first is None or second is None:
            yield None, f"Info {key[1:]} or XMP {xmp_key} is missing or unreadable"
        elif first != second:
            yield (
                None,
                f"Info {key[1:]} ({first:%Y-%m-%d %H:%M:%S}Z) differs from XMP "
                + (f"{xmp_key} ({second:%Y-%m-%d %H:%M:%S}Z)"),
            )


_INFO_DATE = re.compile(r"D:(\d{4})(\d\d)?(\d\d)?(\d\d)?(\d\d)?(\d\d)?([Z+-])?(\d\d)?'?(\d\d)?")


def _info_date(text: str) -> dt.datetime | None:
    """A PDF date (D:YYYYMMDDHHmmSSOHH'mm) in UTC."""
    match = _INFO_DATE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, sign, oh, om = match.groups()
    when = dt.datetime(
        int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
        int(second or 0), tzinfo=dt.UTC,
    )  # fmt: skip
    offset = dt.timedelta(hours=int(oh or 0), minutes=int(om or 0))
    return when - offset if sign == "+" else when + offset if sign == "-" else when


def _xmp_date(text: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.astimezone(dt.UTC) if when.tzinfo else when.replace(tzinfo=dt.UTC)


def trailer_id(pdf: pikepdf.Pdf) -> Iterator[Finding]:
    if "/ID" not in pdf.trailer:
        yield None, "no trailer /ID (printers' workflows and PDF/X identify the file by it)"


def fonts(pdf: pikepdf.Pdf) -> Iterator[Finding]:
    """Font programs in a form the file's PDF version knows: FontFile3 /OpenType is PDF
    1.6 (a PDF 1.3/1.4 file wants /CIDFontType0C or /Type1C, or FontFile2)."""
    # late: loaded only when used (start-up time)
    import pikepdf

    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/FontDescriptor":
            continue
        program = obj.get("/FontFile3")
        if program is None:
            continue
        subtype = str(program.get("/Subtype", ""))
        name = str(obj.get("/FontName", "?")).lstrip("/")
        if subtype == "/OpenType" and pdf.pdf_version < "1.6":
            yield (
                None,
                (
                    f"font {name} is embedded as OpenType (FontFile3 /OpenType, PDF 1.6) in a "
                    f"PDF {pdf.pdf_version}: CFF (/CIDFontType0C, /Type1C) or TrueType expected"
                ),
            )
        elif subtype not in ("/OpenType", "/CIDFontType0C", "/Type1C"):
            yield None, f"font {name} has an unknown FontFile3 subtype {subtype or '(none)'}"


def annotations(pdf: pikepdf.Pdf) -> Iterator[Finding]:
    """PDF/X: no annotation but PrinterMark and TrapNet inside the BleedBox."""
    for number, page in enumerate(pdf.pages, start=1):
        box = page.obj.get("/BleedBox") or page.obj.get("/TrimBox") or page.obj.MediaBox
        bleed = [float(v) for v in box]
        for annotation in page.obj.get("/Annots") or []:
            kind = str(annotation.get("/Subtype", "/?"))
            if kind in PRINT_ANNOTATIONS:
                continue
            rect = [float(v) for v in annotation.get("/Rect", [0, 0, 0, 0])]
            x0, x1 = sorted((rect[0], rect[2]))
            y0, y1 = sorted((rect[1], rect[3]))
            if x0 < bleed[2] and x1 > bleed[0] and y0 < bleed[3] and y1 > bleed[1]:
                yield number, f"{kind[1:]} annotation inside the BleedBox (PDF/X: none)"


def _resource_dictionaries(pdf: pikepdf.Pdf) -> Iterator[tuple[int | None, object]]:
    # late: loaded only when used (start-up time)
    import pikepdf

    seen = set()
    for number, page in enumerate(pdf.pages, start=1):
        stack = [page.obj.get("/Resources")]
        while stack:
            resources = stack.pop()
            if resources is None:
                continue
            key = resources.objgen if resources.is_indirect else id(resources)
            if key in seen:
                continue
            seen.add(key)
            yield number, resources
            for xobject in (resources.get("/XObject") or {}).values():
                if isinstance(xobject, pikepdf.Stream) and "/Resources" in xobject:
                    stack.append(xobject.Resources)
            for pattern in (resources.get("/Pattern") or {}).values():
                if isinstance(pattern, pikepdf.Stream) and "/Resources" in pattern:
                    stack.append(pattern.Resources)


def colour_spaces(pdf: pikepdf.Pdf) -> Iterator[Finding]:
    """No RGB, ICC-based RGB or Lab colour space named in any resource dictionary (a
    CMYK or grey book converts everything; an unused one is still a finding)."""
    # late: loaded only when used (start-up time)
    import pikepdf

    for number, resources in _resource_dictionaries(pdf):
        for name, space in (resources.get("/ColorSpace") or {}).items():
            family = space[0] if isinstance(space, pikepdf.Array) and len(space) else space
            if str(family) == "/Lab":
                yield number, f"Lab colour space {name} in the resources"
            elif is_rgb_space(space):
                yield number, f"RGB colour space {name} in the resources"


def grey_groups(pdf: pikepdf.Pdf) -> Iterator[Finding]:
    """A grey book: no transparency group blending in DeviceGray (a press's RIP converts
    the group's result through the profiles: grey becomes four-colour black)."""
    # late: loaded only when used (start-up time)
    import pikepdf

    groups = [(number, "the page", page.obj) for number, page in enumerate(pdf.pages, start=1)]
    for number, resources in _resource_dictionaries(pdf):
        for name, xobject in (resources.get("/XObject") or {}).items():
            if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form":
                groups.append((number, f"form {name}", xobject))
    for number, what, obj in groups:
        group = obj.get("/Group")
        if group is not None and str(group.get("/CS", "")) == "/DeviceGray":
            yield number, f"{what} blends in DeviceGray (separates as four-colour black)"


def image_ink(pdf: pikepdf.Pdf, limit: float) -> Iterator[Finding]:
    """Each CMYK image's highest total ink, from its samples, within `limit` %."""
    # late: loaded only when used (start-up time)
    import pikepdf

    for number, resources in _resource_dictionaries(pdf):
        for name, image in (resources.get("/XObject") or {}).items():
            if not isinstance(image, pikepdf.Stream) or image.get("/Subtype") != "/Image":
                continue
            if str(image.get("/ColorSpace")) != "/DeviceCMYK":
                continue
            try:
                picture = _cmyk_samples(image)
            except (pikepdf.PdfError, OSError, ValueError) as error:
                yield number, f"image {name} cannot be decoded: {error}"
                continue
            if picture is None:
                continue  # not 8-bit Flate or JPEG samples: not measured
            ink = total_ink(picture)
            if ink > limit + INK_TOLERANCE:
                yield (
                    number,
                    f"image {name} reaches {ink:.0f} % total ink, above the {limit:g} % limit",
                )


def _cmyk_samples(image: pikepdf.Stream):
    """A DeviceCMYK image's samples as a Pillow CMYK image (its soft mask ignored: ink is
    what the plates carry), or None when stored in a way not measured here."""
    # late: loaded only when used (start-up time)
    import io

    from PIL import Image

    filters = image.get("/Filter")
    if image.get("/Decode") is not None or int(image.get("/BitsPerComponent", 8)) != 8:
        return None
    size = (int(image.Width), int(image.Height))
    if filters == "/DCTDecode":
        picture = Image.open(io.BytesIO(image.read_raw_bytes()))
        return picture if picture.mode == "CMYK" else None
    data = image.read_bytes()
    return Image.frombytes("CMYK", size, data) if len(data) >= size[0] * size[1] * 4 else None


def colour_ink(pdf: pikepdf.Pdf, limit: float) -> Iterator[Finding]:
    """CMYK colours set in content streams (`k`, `K`) within `limit` % total ink."""
    # late: loaded only when used (start-up time)
    import pikepdf

    for number, page in enumerate(pdf.pages, start=1):
        try:
            operations = pikepdf.parse_content_stream(page, "k K")
        except pikepdf.PdfError:
            continue  # streams() reports it
        for operands, operator in operations:
            values = [float(v) for v in operands]
            if len(values) == 4 and sum(values) * 100 > limit + INK_TOLERANCE:
                yield (
                    number,
                    (
                        f"colour {' '.join(f'{v:g}' for v in values)} {operator} is "
                        f"{sum(values) * 100:.0f} % total ink, above the {limit:g} % limit"
                    ),
                )
                break


Segment = tuple[float, float, float, float, float]  # x0 y0 x1 y1 width


def registration_strokes(pdf: pikepdf.Pdf, page: pikepdf.Page) -> list[Segment]:
    """The lines stroked in the registration colour (Separation /All) by the page's own
    content stream (where crop marks are drawn), with their widths."""
    # late: loaded only when used (start-up time)
    import pikepdf

    spaces = (page.obj.get("/Resources") or {}).get("/ColorSpace") or {}
    registration = {
        name
        for name, space in spaces.items()
        if isinstance(space, pikepdf.Array) and len(space) > 1 and space[0] == "/Separation"
        and space[1] == "/All"
    }  # fmt: skip
    if not registration:
        return []
    segments: list[Segment] = []
    colour, width, path, stack = None, 1.0, [], []
    for operands, operator in pikepdf.parse_content_stream(page, "q Q CS w m l S re cm"):
        op = str(operator)
        if op == "q":
            stack.append((colour, width))
        elif op == "Q" and stack:
            colour, width = stack.pop()
        elif op == "CS":
            colour = str(operands[0])
        elif op == "w":
            width = float(operands[0])
        elif op == "m":
            path = [(float(operands[0]), float(operands[1]))]
        elif op == "l" and path:
            x, y = float(operands[0]), float(operands[1])
            if colour in registration:
                segments.append((*path[-1], x, y, width))
            path.append((x, y))
        elif op == "S":
            path = []
    return segments


def marks(pdf: pikepdf.Pdf, folds: tuple[float, ...] = ()) -> Iterator[Finding]:
    """Crop marks on every page in the registration colour, 0.2–0.35 pt, outside the
    BleedBox, at the trim's corners; fold marks at the x positions `folds` (pt)."""
    for number, page in enumerate(pdf.pages, start=1):
        segments = registration_strokes(pdf, page)
        if not segments:
            yield number, "no crop marks in the registration colour (Separation /All)"
            continue
        bleed = [float(v) for v in page.obj.get("/BleedBox", page.obj.MediaBox)]
        trim = [float(v) for v in page.obj.get("/TrimBox", page.obj.MediaBox)]
        for x0, y0, x1, y1, width in segments:
            if not MARK_WIDTHS[0] <= width <= MARK_WIDTHS[1]:
                yield number, f"crop mark {width:g} pt wide (printers want {WIDTH:g}–0.3 pt)"
                break
            if (
                min(x0, x1) < bleed[2]
                and max(x0, x1) > bleed[0]
                and min(y0, y1) < bleed[3]
                and max(y0, y1) > bleed[1]
            ):
                yield number, "a crop mark reaches inside the BleedBox"
                break
        vertical = {round(x0, 1) for x0, y0, x1, y1, _ in segments if abs(x0 - x1) < 0.01}
        horizontal = {round(y0, 1) for x0, y0, x1, y1, _ in segments if abs(y0 - y1) < 0.01}
        if (
            not {round(trim[0], 1), round(trim[2], 1)} <= vertical
            or not {
                round(trim[1], 1),
                round(trim[3], 1),
            }
            <= horizontal
        ):
            yield number, "crop marks are not in line with the TrimBox's edges"
        for x in folds:
            if not any(abs(v - x) < 0.2 for v in vertical):
                yield number, f"no fold mark at the spine fold ({x / (72 / 25.4):.1f} mm)"
