"""The cover art drawn for an EPUB whose book brings no cover image: title, subtitle and
authors in the book's faces (the print cover spread, imprint/spread.py, shares its colours)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from .fonts import installed_faces
from .model import Metadata

SIZE = (1600, 2560)
BACKGROUND = (242, 236, 224)
INK = (34, 34, 34)
ACCENT = (142, 36, 30)


def _font(family: str, size: int, bold: bool) -> ImageFont.FreeTypeFont:
    faces = installed_faces(family)
    wanted = [f for f in faces if ("Bold" in f.style) == bold] or list(faces)
    if not wanted:
        return ImageFont.load_default(size)
    face = wanted[0]
    # A .ttc holds several languages; pick the face whose name is the family asked for.
    for index in range(12 if face.path.suffix.lower() == ".ttc" else 1):
        try:
            font = ImageFont.truetype(str(face.path), size, index=index)
        except OSError:
            break
        if font.getname()[0] == family:
            return font
    return ImageFont.truetype(str(face.path), size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break `text` into lines no wider than `width` pixels (Chinese breaks anywhere)."""
    lines, line = [], ""
    for char in text:
        if font.getlength(line + char) > width and line:
            lines.append(line)
            line = char.lstrip()
        else:
            line += char
    if line:
        lines.append(line)
    return lines or [""]


def make_cover(meta: Metadata, heading_family: str, body_family: str) -> bytes:
    """A JPEG cover, 1600×2560: the title large, then the subtitle, the authors low down."""
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    width, height = SIZE
    margin = 170
    draw.rectangle((margin // 2, margin // 2, width - margin // 2, height - margin // 2),
                   outline=ACCENT, width=6)  # fmt: skip
    draw.rectangle((margin // 2 + 22, margin // 2 + 22, width - margin // 2 - 22,
                    height - margin // 2 - 22), outline=ACCENT, width=2)  # fmt: skip
    y = 520
    size = 150 if len(meta.title) <= 16 else 120 if len(meta.title) <= 30 else 96
    title_font = _font(heading_family, size, bold=True)
    for line in _wrap(meta.title, title_font, width - 2 * margin - 60):
        draw.text((width / 2, y), line, font=title_font, fill=INK, anchor="mt")
        y += int(size * 1.35)
    if meta.subtitle:
        y += 60
        sub_font = _font(body_family, 72, bold=False)
        for line in _wrap(meta.subtitle, sub_font, width - 2 * margin - 60):
            draw.text((width / 2, y), line, font=sub_font, fill=INK, anchor="mt")
            y += 100
    author_font = _font(body_family, 80, bold=False)
    authors = "　".join(meta.authors)
    lines = _wrap(authors, author_font, width - 2 * margin)
    y = height - 520 - 110 * (len(lines) - 1)
    draw.line((width / 2 - 120, y - 90, width / 2 + 120, y - 90), fill=ACCENT, width=4)
    for line in lines:
        draw.text((width / 2, y), line, font=author_font, fill=INK, anchor="mt")
        y += 110
    if meta.publisher:
        pub_font = _font(body_family, 60, bold=False)
        draw.text((width / 2, height - 300), meta.publisher, font=pub_font, fill=INK, anchor="mt")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue()


__all__ = ["SIZE", "make_cover"]
