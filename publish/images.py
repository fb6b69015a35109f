"""Checking images before any renderer meets them: decodable, and of a size we can handle."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from lxml import etree

from .errors import PublishError

#: Beyond these an image is refused: a printed page needs far less, and decoding more
#: would cost memory out of proportion (a 50 MB file or a decompression bomb).
MAX_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 60_000_000


def check_image(
    source: Path | bytes, src: str, chapter: Path, line: int | None, svg: bool | None = None
) -> None:
    """Raise a PublishError naming the chapter and line unless `source` (a file, or an
    image's bytes) is a usable image."""
    size = source.stat().st_size if isinstance(source, Path) else len(source)
    if size > MAX_BYTES:
        raise PublishError(
            f"image `{src[:80]}` is {size / 2**20:.0f} MiB; the limit is {MAX_BYTES // 2**20} MiB "
            "(scale it down for print: 300 dpi at the printed size is enough)",
            chapter,
            line,
        )
    if svg is None:
        svg = isinstance(source, Path) and source.suffix.lower() == ".svg"
    opened = str(source) if isinstance(source, Path) else io.BytesIO(source)
    if svg:
        try:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
            root = etree.parse(opened, parser).getroot()
        except (etree.XMLSyntaxError, OSError) as exc:
            raise PublishError(
                f"image `{src[:80]}` is not a readable SVG: {exc}", chapter, line
            ) from None
        if not str(root.tag).endswith("svg"):
            raise PublishError(f"image `{src[:80]}` is not an SVG image", chapter, line)
        return
    from PIL import Image

    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # the size is checked below, from the header only
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(opened) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise PublishError(
                        f"image `{src[:80]}` is {width}×{height} pixels; the limit is "
                        f"{MAX_PIXELS // 1_000_000} megapixels",
                        chapter,
                        line,
                    )
                image.verify()
    except PublishError:
        raise
    except Exception as exc:  # Pillow raises many kinds for broken files
        reason = str(exc).split("\n")[0][:120] or type(exc).__name__
        message = f"image `{src[:80]}` cannot be decoded: {reason}"
        raise PublishError(message, chapter, line) from None
    finally:
        Image.MAX_IMAGE_PIXELS = limit
