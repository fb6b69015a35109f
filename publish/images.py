"""Checking images before any renderer meets them: decodable, and of a size we can handle."""

from __future__ import annotations

import warnings
from pathlib import Path

from lxml import etree

from .errors import PublishError

#: Beyond these an image is refused: a printed page needs far less, and decoding more
#: would cost memory out of proportion (a 50 MB file or a decompression bomb).
MAX_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 60_000_000


def check_image(path: Path, src: str, chapter: Path, line: int | None) -> None:
    """Raise a PublishError naming the chapter and line unless `path` is a usable image."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise PublishError(
            f"image `{src}` is {size / 2**20:.0f} MiB; the limit is {MAX_BYTES // 2**20} MiB "
            "(scale it down for print: 300 dpi at the printed size is enough)",
            chapter,
            line,
        )
    if path.suffix.lower() == ".svg":
        try:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
            root = etree.parse(str(path), parser).getroot()
        except (etree.XMLSyntaxError, OSError) as exc:
            raise PublishError(
                f"image `{src}` is not a readable SVG: {exc}", chapter, line
            ) from None
        if not str(root.tag).endswith("svg"):
            raise PublishError(f"image `{src}` is not an SVG image", chapter, line)
        return
    from PIL import Image

    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # the size is checked below, from the header only
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise PublishError(
                        f"image `{src}` is {width}×{height} pixels; the limit is "
                        f"{MAX_PIXELS // 1_000_000} megapixels",
                        chapter,
                        line,
                    )
                image.verify()
    except PublishError:
        raise
    except Exception as exc:  # Pillow raises many kinds for broken files
        reason = str(exc).split("\n")[0][:120] or type(exc).__name__
        raise PublishError(f"image `{src}` cannot be decoded: {reason}", chapter, line) from None
    finally:
        Image.MAX_IMAGE_PIXELS = limit
