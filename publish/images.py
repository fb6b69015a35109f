"""Checking images before any renderer meets them: decodable, and of a size we can handle."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from lxml import etree

from .errors import PublishError
from .model import Resource, Warning

#: Beyond these an image is refused: a printed page needs far less, and decoding more
#: would cost memory out of proportion (a 50 MB file or a decompression bomb).
MAX_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 60_000_000


class BrokenImage(PublishError):
    """An image file that does not decode: a warning for the reader, which keeps the alt
    text (sizes over the limits stay errors: they are refused on purpose)."""


#: Images a PDF and an EPUB 3 reader both show (EPUB 3 core media types), by file suffix:
#: the one table of image suffixes and media types.
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}
#: The suffix a file of each media type is named with (`.jpg` for JPEG).
SUFFIXES = {media_type: suffix for suffix, media_type in reversed(IMAGE_TYPES.items())}
#: Raster images (already compressed: stored as they are in the EPUB's zip).
RASTER_SUFFIXES = tuple(s for s, media_type in IMAGE_TYPES.items() if media_type != "image/svg+xml")
#: Pillow's format names → the media types an EPUB may declare.
MEDIA_TYPES = {name: f"image/{name.lower()}" for name in ("PNG", "JPEG", "GIF", "WEBP")}


def check_image(
    source: Path | bytes, src: str, chapter: Path, line: int | None, svg: bool | None = None
) -> str | None:
    """Raise a PublishError naming the chapter and line unless `source` (a file, or an
    image's bytes) is a usable image. Returns the media type its bytes are (whatever the
    file is named), None when Pillow names no EPUB type for it."""
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
            raise BrokenImage(
                f"image `{src[:80]}` is not a readable SVG: {exc}", chapter, line
            ) from None
        if not str(root.tag).endswith("svg"):
            raise BrokenImage(f"image `{src[:80]}` is not an SVG image", chapter, line)
        return "image/svg+xml"
    from PIL import Image  # late: Pillow loads only when used (start-up time)

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
                kind = image.format
                image.verify()
    except PublishError:
        raise
    except Exception as exc:  # Pillow raises many kinds for broken files
        reason = str(exc).split("\n")[0][:120] or type(exc).__name__
        message = f"image `{src[:80]}` cannot be decoded: {reason}"
        raise BrokenImage(message, chapter, line) from None
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    return MEDIA_TYPES.get(kind or "")


def checked_resource(href: str, path: Path, media_type: str) -> Resource:
    """The resource of a checked image file. A file whose bytes are another type than its
    name says (a PNG named .jpg, common in books from the web) is declared as what it is,
    under a name with the right suffix, served from memory: EPUBCheck requires both
    (OPF-029, PKG-022), and the PDF renderer reads the bytes the same way."""
    suffix = Path(href).suffix.lower()
    right = SUFFIXES.get(media_type)
    if right is None or suffix == right or (suffix == ".jpeg" and right == ".jpg"):
        return Resource(href, path, media_type)
    renamed = href + right
    return Resource(renamed, path.with_name(path.name + right), media_type, path.read_bytes())


def remote_images_warning(places: list[tuple[str, Path, int | None]]) -> Warning:
    """One warning for every remote image refused (a README's row of badges is a dozen),
    naming the first few places."""
    where = list(dict.fromkeys(f"{path.name}:{line}" if line else path.name
                               for _src, path, line in places))  # fmt: skip
    shown = ", ".join(where[:3])
    more = f" and {len(where) - 3} more places" if len(where) > 3 else ""
    first_src, first_path, first_line = places[0]
    if len(places) == 1:
        return Warning(
            f"image `{first_src[:80]}` refused: only files inside the manuscript are used "
            "(allow with [security] allow-remote-images = true)",
            first_path,
            first_line,
        )
    return Warning(
        f"{len(places)} remote image(s) refused (only files inside the manuscript are used; "
        f"allow with [security] allow-remote-images = true): `{first_src[:60]}` at {shown}{more}; "
        "their alt text is printed instead",
        first_path,
        first_line,
    )
