"""The prepress step: a laid-out PDF made print-ready in place (boxes, colour, PDF/X).

Runs on the whole file once (after the segmented build's join), so that every page,
form, pattern, shading, annotation appearance and image is seen, whichever piece it
came from. Given the settings, it works on any PDF: the interior and the cover.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .boxes import set_boxes
from .colour import BLACK_K, Converter, is_rgb_space
from .conditions import condition_profile
from .marks import draw_marks
from .registry import DEFAULT_CONDITION, Condition, find_condition
from .standard import PDF_VERSIONS, mark_standard

if TYPE_CHECKING:
    import pikepdf

    from ..config import PdfSettings


def profile_of(settings: PdfSettings) -> tuple[Path, Condition | None]:
    """The CMYK profile colours are converted with and the OutputIntent carries, and the
    standard condition it characterises: `[pdf] output-profile` if given (of the condition
    `output-condition` names, if any: else a custom one), else the named condition's
    profile (conditions.py), FOGRA39 by default."""
    named = settings.output_condition
    if settings.output_profile is not None:
        return settings.output_profile, find_condition(named) if named else None
    condition = find_condition(named or DEFAULT_CONDITION)
    assert condition is not None  # config checks the name
    return condition_profile(condition), condition


def finish(
    path: Path,
    settings: PdfSettings,
    *,
    bleed: float | None = None,
    marks: bool | None = None,
    folds: tuple[float, ...] = (),
) -> None:
    """Make the PDF at `path` print-ready per `settings` (rewritten in place, atomically).
    A screen PDF (`settings.for_print` false, no `marks`) is left as it is. `bleed` (mm),
    for a cover spread: the same bleed all round, instead of `[pdf] bleed`'s outer and inner sides;
    `marks` overrides `[pdf] marks` (the cover's own); `folds`: x of fold lines (pt) to
    mark (a cover's spine)."""
    if not settings.for_print and not marks:
        return
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    if bleed is not None:
        settings = replace(settings, bleed=(bleed,) * 4)
    partial = path.with_name(f".{path.name}.{os.getpid()}.prepress")
    x_standard = settings.standard.startswith("pdf/x")
    x1a = settings.standard.startswith("pdf/x-1a")
    with pikepdf.open(path) as pdf:
        set_boxes(pdf, settings)
        if settings.colour != "rgb" or x_standard:
            profile, condition = profile_of(settings)
        if settings.colour != "rgb":
            limit = settings.ink_limit
            convert(pdf, Converter(settings.colour, profile, limit), flatten=x1a)
        if x_standard:
            drop_annotations(pdf)
            mark_standard(pdf, settings.standard, profile, condition)
        if x1a:
            embed_fonts_as_cff(pdf)
        drop_unused_colour_spaces(pdf)
        retag_subsets(pdf)
        if settings.marks if marks is None else marks:
            draw_marks(pdf, settings.colour == "grey", folds)
        pdf.save(
            partial,
            deterministic_id=True,
            # PDF 1.3/1.4 (X-1a) has no object streams.
            object_stream_mode=(
                pikepdf.ObjectStreamMode.disable if x1a else pikepdf.ObjectStreamMode.generate
            ),
            force_version=PDF_VERSIONS.get(settings.standard) or pdf.pdf_version,
        )
    os.replace(partial, path)


#: The annotations a PDF/X page may carry (ISO 15930-7 6.6): the printer's own.
PRINT_ANNOTATIONS = ("/PrinterMark", "/TrapNet")


def drop_annotations(pdf: pikepdf.Pdf) -> None:
    """Remove every annotation but PrinterMark and TrapNet: a printed page has no links
    (the screen edition keeps them), and PDF/X forbids annotations inside the BleedBox."""
    # late: loaded only when used (start-up time)
    import pikepdf

    for page in pdf.pages:
        annotations = page.obj.get("/Annots")
        if annotations is None:
            continue
        kept = [a for a in annotations if str(a.get("/Subtype")) in PRINT_ANNOTATIONS]
        if kept:
            page.obj.Annots = pikepdf.Array(kept)
        else:
            del page.obj.Annots


def embed_fonts_as_cff(pdf: pikepdf.Pdf) -> None:
    """PDF 1.3/1.4 (X-1a) know no OpenType font programs (FontFile3 /OpenType is PDF 1.6):
    each is replaced by its bare CFF (/CIDFontType0C or /Type1C); TrueType stays FontFile2."""
    # late: loaded only when used (start-up time)
    from pikepdf import Name

    from ..fonts import bare_cff

    for descriptor in _objects_of_type(pdf, "/FontDescriptor"):
        program = descriptor.get("/FontFile3")
        if program is None or program.get("/Subtype") != Name.OpenType:
            continue
        found = bare_cff(program.read_bytes())
        if found is None:  # a TrueType program in an OpenType wrapper
            descriptor.FontFile2 = pdf.make_stream(program.read_bytes())
            del descriptor.FontFile3
            continue
        data, cid_keyed = found
        subtype = Name.CIDFontType0C if cid_keyed else Name.Type1C
        descriptor.FontFile3 = pdf.make_stream(data, Subtype=subtype)


def _objects_of_type(pdf: pikepdf.Pdf, kind: str) -> list:
    # late: loaded only when used (start-up time)
    import pikepdf

    return [
        o
        for o in pdf.objects
        if isinstance(o, pikepdf.Dictionary | pikepdf.Stream) and o.get("/Type") == kind
    ]


def drop_unused_colour_spaces(pdf: pikepdf.Pdf) -> None:
    """Remove named colour spaces no content stream uses (WeasyPrint names two Lab
    spaces in every resource dictionary; a preflight reports unused resources and Lab)."""
    # late: loaded only when used (start-up time)
    import pikepdf

    used: set[bytes] = set()
    dictionaries = []
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and (
            obj.get("/Subtype") == "/Form" or "/PatternType" in obj
        ):
            used.update(_NAME.findall(obj.read_bytes()))
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream) and "/Resources" in obj:
            dictionaries.append(obj.Resources)
    for page in pdf.pages:
        for part in _parts(page.obj.get("/Contents")):
            used.update(_NAME.findall(part.read_bytes()))
    for resources in dictionaries:
        spaces = resources.get("/ColorSpace") if resources is not None else None
        if spaces is None:
            continue
        for name in list(spaces.keys()):
            if name[1:].encode() not in used:
                del spaces[name]
        if not len(spaces):
            del resources.ColorSpace


def _parts(contents) -> list:
    """A page's content streams (its /Contents: one, an array, or none)."""
    # late: loaded only when used (start-up time)
    import pikepdf

    if contents is None:
        return []
    return list(contents) if isinstance(contents, pikepdf.Array) else [contents]


#: A name in a content stream (the colour spaces a `cs`/`CS` names).
_NAME = re.compile(rb"/([^ \t\r\n\f\0/\[\]<>(){}%]+)")


def retag_subsets(pdf: pikepdf.Pdf) -> None:
    """Subset tags (`ABCDEF+`) made from the font program's contents: the interior and
    the cover (laid out apart) would otherwise share tags for different subsets, which
    confuses a printer's imposition or merge."""
    # late: loaded only when used (start-up time)
    import hashlib

    from pikepdf import Name

    renamed: dict[str, str] = {}
    for descriptor in _objects_of_type(pdf, "/FontDescriptor"):
        name = str(descriptor.get("/FontName", ""))
        program = next(
            (descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor),
            None,
        )
        if program is None or len(name) < 8 or name[7] != "+":
            continue
        digest = hashlib.sha256(program.read_raw_bytes()).digest()
        tag = "".join(chr(ord("A") + b % 26) for b in digest[:6])
        renamed[name] = f"/{tag}{name[7:]}"
        descriptor.FontName = Name(renamed[name])
    for font in _objects_of_type(pdf, "/Font"):
        base = str(font.get("/BaseFont", ""))
        new = renamed.get(base[:7] + base[7:].split("-Identity")[0]) if len(base) > 7 else None
        if new is not None:  # a Type0 font's name may end in its encoding
            font.BaseFont = Name(new + base[len(new) :])


def convert(pdf: pikepdf.Pdf, converter: Converter, *, flatten: bool) -> None:
    """Every colour of `pdf` to CMYK/grey: content streams of pages, forms, patterns and
    annotation appearances; images; shadings; transparency groups. With `flatten`
    (PDF/X-1a), transparency is removed: soft masks composited onto white, constant
    opacity set to 1."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    conversion = _Conversion(converter, flatten)
    for page in pdf.pages:
        contents = page.obj.get("/Contents")
        parts = contents if isinstance(contents, pikepdf.Array) else [contents]
        for part in parts:
            if part is not None:
                conversion.stream(part)
        page.contents_add(pdf.make_stream(BLACK_K), prepend=True)
        conversion.resources(page.obj.get("/Resources"))
        conversion.group(page.obj)
        for annotation in page.obj.get("/Annots") or []:
            appearance = annotation.get("/AP")
            for key in ("/N", "/R", "/D") if appearance is not None else ():
                state = appearance.get(key)
                if isinstance(state, pikepdf.Stream):
                    conversion.stream(state)
                elif state is not None:
                    for each in state.values():
                        conversion.stream(each)


class _Conversion:
    """One `convert` run: the objects converted so far (each once, however often it is
    used) and what they are converted to."""

    def __init__(self, converter: Converter, flatten: bool) -> None:
        from pikepdf import Name  # late: pikepdf loads only when used (start-up time)

        self.converter, self.flatten = converter, flatten
        self.seen: set[tuple[int, int]] = set()
        self.device = Name.DeviceGray if converter.mode == "grey" else Name.DeviceCMYK

    def once(self, obj) -> bool:
        if not obj.is_indirect:
            return True
        if obj.objgen in self.seen:
            return False
        self.seen.add(obj.objgen)
        return True

    def stream(self, obj: pikepdf.Stream, mask: bool = False) -> None:
        if self.once(obj):
            obj.write(self.converter.content(obj.read_bytes()))
            self.resources(obj.get("/Resources"))
            self.group(obj, mask)

    def group(self, obj, mask: bool = False) -> None:
        found = obj.get("/Group")
        if found is None:
            return
        if self.flatten:
            del obj.Group
        elif self.converter.mode == "grey" and not mask and "/CS" in found:
            # A group blended in DeviceGray reaches a CMYK press converted through the
            # profiles: four-colour black. Without /CS it blends in the output's space,
            # where grey is K only.
            del found.CS
        elif "/CS" in found and is_rgb_space(found.CS):
            found.CS = self.device

    def resources(self, found) -> None:
        # late: pikepdf loads only when used (start-up time)
        import pikepdf
        from pikepdf import Name

        if found is None or not self.once(found):
            return
        for xobject in (found.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == Name.Form:
                self.stream(xobject)
            elif xobject.get("/Subtype") == Name.Image and self.once(xobject):
                self.converter.image(xobject, self.flatten)
        for pattern in (found.get("/Pattern") or {}).values():
            if isinstance(pattern, pikepdf.Stream):
                self.stream(pattern)
            elif "/Shading" in pattern:
                self.shading(pattern.Shading)
        for item in (found.get("/Shading") or {}).values():
            self.shading(item)
        # Named colour spaces are left: WeasyPrint names two Lab spaces (device-independent,
        # used by lab()/oklch() colours only) and no RGB one; preflight reports any RGB.
        for state in (found.get("/ExtGState") or {}).values():
            mask = state.get("/SMask")
            if isinstance(mask, pikepdf.Dictionary) and "/G" in mask:
                self.stream(mask.G, mask=True)  # a soft mask's drawing (SVG gradients' opacity)
        if self.flatten:
            for state in (found.get("/ExtGState") or {}).values():
                for key in ("/ca", "/CA"):
                    if key in state:
                        state[key] = 1
                if "/SMask" in state:
                    state.SMask = Name("/None")

    def shading(self, item) -> None:
        # late: pikepdf loads only when used (start-up time)
        import pikepdf
        from pikepdf import Name

        if not self.once(item) or not is_rgb_space(item.get("/ColorSpace", Name.DeviceGray)):
            return
        function = item.get("/Function")
        if not isinstance(function, pikepdf.Dictionary | pikepdf.Stream) or not _only_type2(
            function
        ):
            return  # left RGB: preflight reports it
        for each in _type2(function):
            for key, default in (("/C0", (0.0, 0.0, 0.0)), ("/C1", (1.0, 1.0, 1.0))):
                rgb = tuple(float(v) for v in each.get(key, default))
                each[key] = pikepdf.Array(self.converter.colour(rgb))  # type: ignore[arg-type]
        item.ColorSpace = self.device


def _type2(function):
    """The exponential (type 2) functions of a shading's function, through stitching."""
    if function.get("/FunctionType") == 2:
        yield function
    elif function.get("/FunctionType") == 3:
        for each in function.Functions:
            yield from _type2(each)


def _only_type2(function) -> bool:
    """True if the function is made of type 2 functions only (convertible in place)."""
    if function.get("/FunctionType") == 2:
        return True
    if function.get("/FunctionType") == 3:
        return all(_only_type2(each) for each in function.Functions)
    return False
