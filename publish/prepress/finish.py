"""The prepress step: a laid-out PDF made print-ready in place (boxes, colour, PDF/X).

Runs on the whole file once (after the segmented build's join), so that every page,
form, pattern, shading, annotation appearance and image is seen, whichever piece it
came from. Given the settings, it works on any PDF: the interior and the cover.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .boxes import set_boxes
from .colour import BLACK_K, DEFAULT_PROFILE, Converter, is_rgb_space
from .standard import mark_standard

if TYPE_CHECKING:
    import pikepdf

    from ..config import PdfSettings


def profile_of(settings: PdfSettings) -> Path:
    """The CMYK profile colours are converted with and the OutputIntent carries."""
    return settings.output_profile or DEFAULT_PROFILE


def finish(path: Path, settings: PdfSettings, *, bleed: float | None = None) -> None:
    """Make the PDF at `path` print-ready per `settings` (rewritten in place, atomically).
    A screen PDF (`settings.for_print` false) is left as it is. `bleed` (mm), for a cover
    spread: the same bleed all round, instead of `[pdf] bleed`'s outer and inner sides."""
    if not settings.for_print:
        return
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    if bleed is not None:
        settings = replace(settings, bleed=(bleed,) * 4)
    partial = path.with_name(f".{path.name}.{os.getpid()}.prepress")
    with pikepdf.open(path) as pdf:
        set_boxes(pdf, settings)
        x1a = settings.standard == "pdf/x-1a"
        if settings.colour != "rgb":
            convert(pdf, Converter(settings.colour, profile_of(settings)), flatten=x1a)
        if settings.standard.startswith("pdf/x"):
            mark_standard(pdf, settings.standard, profile_of(settings))
        version = {"pdf/x-1a": "1.4", "pdf/x-4": "1.6"}.get(settings.standard)
        pdf.save(
            partial,
            deterministic_id=True,
            # PDF 1.4 (X-1a) has no object streams.
            object_stream_mode=(
                pikepdf.ObjectStreamMode.disable if x1a else pikepdf.ObjectStreamMode.generate
            ),
            force_version=version or pdf.pdf_version,
        )
    os.replace(partial, path)


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

    def stream(self, obj: pikepdf.Stream) -> None:
        if self.once(obj):
            obj.write(self.converter.content(obj.read_bytes()))
            self.resources(obj.get("/Resources"))
            self.group(obj)

    def group(self, obj) -> None:
        found = obj.get("/Group")
        if found is None:
            return
        if self.flatten:
            del obj.Group
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
                self.stream(mask.G)  # a soft mask's drawing (SVG gradients' opacity)
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
