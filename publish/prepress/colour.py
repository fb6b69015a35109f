"""Colour for print: every colour of a PDF made CMYK (or grey), text black K-only.

WeasyPrint writes sRGB: `r g b rg`/`RG` in content streams, `g`/`G` grey, DeviceRGB
images, shadings and transparency groups. Here each is converted with the output
profile (LittleCMS through Pillow's ImageCms): neutral greys, black included, become K
only (`0 0 0 1 k`, never four-colour black), other colours go through the profile.

Speed: content streams are rewritten with regular expressions over their bytes, not
parsed into operators (pikepdf's parser makes a Python object of every operand). WeasyPrint
writes one operator a line, so the first pass only tries line starts (0.3 s of CPU for
三国演义's 1,000 pages, against 2 s for a pattern tried at every byte); a stream that
still shows `rg`/`RG` afterwards (another producer) gets the general pattern. Both are safe
for what WeasyPrint writes: text is shown as hex strings and there are no inline images,
so a colour operator's bytes cannot occur inside an operand.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pikepdf

#: Ghostscript's CMYK profile (Debian package libgs-common), used when `[pdf]
#: output-profile` gives none.
DEFAULT_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")

_NUMBER = rb"(-?(?:\d+\.?\d*|\.\d+))"
_WS = rb"[ \t\r\n\f\0]+"
#: An RGB colour (`rg` fill, `RG` stroke) or a grey (`g`, `G`), as whole tokens.
COLOUR_OPERATOR = re.compile(
    rb"(?<![^ \t\r\n\f\0\[\]<>(){}/])"
    + _NUMBER + rb"(?:" + _WS + _NUMBER + _WS + _NUMBER + rb")?"
    + _WS + rb"(rg|RG|g|G)(?![^ \t\r\n\f\0\[\]<>(){}/%])"
)  # fmt: skip
#: The same, one operator on its own line (as WeasyPrint and pydyf write them).
COLOUR_LINE = re.compile(
    rb"^" + _NUMBER + rb"(?: " + _NUMBER + rb" " + _NUMBER + rb")? (rg|RG|g|G)$", re.M
)
#: K-only black for fill and stroke, set at the start of every page: text drawn before
#: any colour operator (the PDF's initial black is DeviceGray) is K-only black too.
BLACK_K = b"0 0 0 1 k 0 0 0 1 K\n"


def _fmt(value: float) -> bytes:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return (text if text not in ("-0", "") else "0").encode()


@dataclass
class Converter:
    """Converts colours to `mode` ("cmyk" or "grey") with the CMYK `profile`; results
    kept by value (a book has a handful of colours)."""

    mode: str
    profile: Path = DEFAULT_PROFILE
    ink_limit: float = 300.0  # % total area coverage, applied to every converted colour
    _colours: dict[tuple[float, ...], tuple[float, ...]] = field(default_factory=dict)
    _transform: object = None

    def transform(self):
        """sRGB → the profile's CMYK, perceptual (LittleCMS, built once)."""
        if self._transform is None:
            from PIL import ImageCms  # late: Pillow loads only when used (start-up time)

            self._transform = ImageCms.buildTransform(
                ImageCms.createProfile("sRGB"),
                ImageCms.getOpenProfile(str(self.profile)),
                "RGB",
                "CMYK",
                renderingIntent=ImageCms.Intent.PERCEPTUAL,
            )
        return self._transform

    def colour(self, rgb: tuple[float, float, float]) -> tuple[float, ...]:
        """The CMYK (4 values) or grey (1 value) of an sRGB colour (0–1)."""
        if rgb in self._colours:
            return self._colours[rgb]
        r, g, b = rgb
        if self.mode == "grey":
            result: tuple[float, ...] = (round(0.2126 * r + 0.7152 * g + 0.0722 * b, 4),)
        elif abs(r - g) < 0.004 and abs(g - b) < 0.004:
            result = (0.0, 0.0, 0.0, round(1 - (r + g + b) / 3, 4))  # greys: K only
        else:
            from PIL import Image, ImageCms  # late: Pillow loads only when used (start-up time)

            pixel = Image.new("RGB", (1, 1), tuple(round(v * 255) for v in rgb))
            cmyk = ImageCms.applyTransform(pixel, self.transform()).getpixel((0, 0))
            result = limit_values(tuple(v / 255 for v in cmyk), self.ink_limit)
        self._colours[rgb] = result
        return result

    def operator(self, rgb: tuple[float, float, float], stroke: bool) -> bytes:
        values = self.colour(rgb)
        if len(values) == 1:
            return _fmt(values[0]) + (b" G" if stroke else b" g")
        return b" ".join(map(_fmt, values)) + (b" K" if stroke else b" k")

    def content(self, data: bytes) -> bytes:
        """A content stream with its RGB and grey colour operators converted."""

        def replace(match: re.Match) -> bytes:
            first, second, third, op = match.groups()
            stroke = op in (b"RG", b"G")
            if second is None:  # a grey
                if self.mode == "grey":
                    return match.group(0)
                level = float(first)
                return self.operator((level, level, level), stroke)
            return self.operator((float(first), float(second), float(third)), stroke)

        data = COLOUR_LINE.sub(replace, data)
        if b"rg" in data or b"RG" in data:
            data = COLOUR_OPERATOR.sub(replace, data)
        return data

    def image(self, image: pikepdf.Stream, flatten: bool) -> bool:
        """Convert an RGB (or indexed/ICC RGB) image XObject to CMYK or grey in place,
        stored Flate-compressed; with `flatten`, its soft mask is composited onto white
        and removed (PDF/X-1a has no transparency). False if it was left as it was."""
        import pikepdf  # late: pikepdf loads only when used (start-up time)
        from PIL import Image, ImageCms  # late: Pillow loads only when used (start-up time)

        space = image.get("/ColorSpace")
        if space is None or image.get("/ImageMask", False):
            return False
        if not is_rgb_space(space) and not (flatten and "/SMask" in image):
            return False
        picture = pikepdf.PdfImage(image).as_pil_image()
        if picture.mode not in ("RGB", "L", "CMYK"):
            picture = picture.convert("RGB")
        if flatten and "/SMask" in image:
            mask = pikepdf.PdfImage(image.SMask).as_pil_image().convert("L")
            if mask.size != picture.size:
                mask = mask.resize(picture.size)
            white = {"CMYK": (0, 0, 0, 0), "L": 255, "RGB": (255, 255, 255)}[picture.mode]
            picture = Image.composite(picture, Image.new(picture.mode, picture.size, white), mask)
            del image.SMask
        if self.mode == "grey":
            if picture.mode != "L":
                picture = picture.convert("RGB").convert("L")
            space_name, components = pikepdf.Name.DeviceGray, 1
        elif picture.mode == "L":
            space_name, components = pikepdf.Name.DeviceGray, 1  # grey is allowed in PDF/X
        else:
            if picture.mode == "RGB":
                picture = ImageCms.applyTransform(picture, self.transform())
            picture = limit_ink(picture, self.ink_limit)
            space_name, components = pikepdf.Name.DeviceCMYK, 4
        data = picture.tobytes()
        assert len(data) == picture.width * picture.height * components
        image.write(zlib.compress(data, 6), filter=pikepdf.Name.FlateDecode)
        image.ColorSpace = space_name
        image.BitsPerComponent = 8
        for key in ("/DecodeParms", "/Decode", "/Intent"):
            if key in image:
                del image[key]
        return True


def limit_values(cmyk: tuple[float, ...], limit: float) -> tuple[float, ...]:
    """A CMYK colour (0–1) within `limit` % total ink: C, M and Y scaled down together
    (K, which carries the detail, kept up to the limit)."""
    c, m, y, k = cmyk
    room, total = limit / 100, c + m + y + k
    if total > room:
        k = min(k, room)
        scale = (room - k) / (c + m + y) if c + m + y else 0.0
        c, m, y = c * scale, m * scale, y * scale
    return tuple(round(v, 4) for v in (c, m, y, k))


def limit_ink(picture, limit: float):
    """A CMYK Pillow image with every pixel within `limit` % total ink (as limit_values;
    ImageMath over whole planes, no per-pixel Python)."""
    # late: loaded only when used (start-up time)
    from PIL import Image, ImageMath

    if picture.mode != "CMYK" or total_ink(picture) <= limit:
        return picture
    room = limit / 100 * 255
    c, m, y, k = (plane.convert("F") for plane in picture.split())
    k = ImageMath.lambda_eval(lambda a: a["min"](a["k"], room), k=k)
    cmy = ImageMath.lambda_eval(lambda a: a["c"] + a["m"] + a["y"], c=c, m=m, y=y)
    # scale = min(1, (room - k) / cmy), 1 where there is no CMY
    scale = ImageMath.lambda_eval(
        lambda a: a["min"]((room - a["k"]) / a["max"](a["cmy"], 0.001), 1.0), k=k, cmy=cmy
    )
    planes = [
        ImageMath.lambda_eval(lambda a: a["p"] * a["s"], p=p, s=scale).convert("L")
        for p in (c, m, y)
    ]
    return Image.merge("CMYK", (*planes, k.convert("L")))


def total_ink(picture) -> float:
    """The highest total ink (%) of a CMYK Pillow image's pixels."""
    # late: loaded only when used (start-up time)
    from PIL import ImageMath

    if picture.mode != "CMYK":
        return 0.0 if picture.mode != "L" else 100.0
    c, m, y, k = (plane.convert("I") for plane in picture.split())
    total = ImageMath.lambda_eval(lambda a: a["c"] + a["m"] + a["y"] + a["k"], c=c, m=m, y=y, k=k)
    return total.getextrema()[1] / 255 * 100


def is_rgb_space(space) -> bool:
    """True for DeviceRGB, CalRGB, an ICC profile of 3 components, and an indexed or
    other space built on one of those."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    if isinstance(space, pikepdf.Name):
        return space in (pikepdf.Name.DeviceRGB, pikepdf.Name.CalRGB)
    if isinstance(space, pikepdf.Array) and len(space) > 0:
        family = space[0]
        if family == pikepdf.Name.ICCBased:
            return int(space[1].get("/N", 0)) == 3
        if family == pikepdf.Name.CalRGB:
            return True
        if family in (pikepdf.Name.Indexed, pikepdf.Name.Separation, pikepdf.Name.DeviceN):
            base = space[1] if family == pikepdf.Name.Indexed else space[2]
            return is_rgb_space(base)
    return False
