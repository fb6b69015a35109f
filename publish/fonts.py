"""Finding the book's faces through fontconfig, and saying clearly when one is missing."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import PublishError


@dataclass(frozen=True)
class FontFace:
    family: str
    path: Path
    style: str


@functools.cache
def _all_faces() -> tuple[tuple[tuple[str, ...], Path, str], ...]:
    """Every installed face: its family names, file and style (one fc-list for all the
    families asked for: a call costs ~10 ms, a book asks for four)."""
    if not shutil.which("fc-list"):
        raise PublishError("fontconfig (fc-list) is not installed; run `make` to set up")
    result = subprocess.run(
        ["fc-list", "--format", "%{family}\t%{file}\t%{style}\n"],
        capture_output=True,
        text=True,
        check=False,
    )
    faces = []
    for line in result.stdout.splitlines():
        families, file, style = (line.split("\t") + ["", ""])[:3]
        faces.append((tuple(families.split(",")), Path(file), style.split(",")[0]))
    return tuple(faces)


def installed_faces(family: str) -> tuple[FontFace, ...]:
    """Every installed face of `family` (exact family name), as fontconfig lists them."""
    faces = [
        FontFace(family, path, style) for names, path, style in _all_faces() if family in names
    ]
    return tuple(sorted(faces, key=lambda f: (f.style, str(f.path))))


def require_family(family: str, setting: str, toml: Path) -> tuple[FontFace, ...]:
    """The faces of a configured family, or a PublishError naming book.toml and the key."""
    faces = installed_faces(family)
    if not faces:
        from .config import key_line  # late: start-up time: loaded only when this runs

        line = key_line(toml.read_text(encoding="utf-8"), setting, "pdf") if toml.exists() else None
        raise PublishError(
            f'font "{family}" (`{setting}` in [pdf]) is not installed; install it or name '
            "another family (`fc-list :lang=zh family` lists the Chinese ones)",
            toml,
            line,
        )
    return faces


#: The font feature that sets a number of one or two digits as one upright glyph of a
#: vertical edition's face (縦中横, pdf/vertical_faces.py): a private tag, sorted after
#: every registered one; composition (weasy/cjk.py) sets such a number as one ideograph.
TCY_FEATURE = "ztcy"

#: What the Latin face sets inside Chinese text: Latin letters, digits and their
#: punctuation, but not the marks Chinese shares with Latin (“ ” ‘ ’ · — …), which
#: must keep their full-width CJK forms. The hyphens (U+2010-2011) are the Latin face's:
#: Pango draws U+2010 where it breaks a word at a soft hyphen (publish/typography/hyphenate.py).
LATIN_RANGE = (
    "U+0020-007E, U+00A0-00B6, U+00B8-00FF, U+0100-024F, U+0300-036F, U+1E00-1EFF, U+2010-2011"
)


def style_faces(faces: tuple[FontFace, ...]) -> dict[tuple[bool, bool], FontFace]:
    """The faces for (bold, italic), from a family's installed faces by style name."""
    found: dict[tuple[bool, bool], FontFace] = {}
    for face in faces:
        style = face.style.lower()
        bold = "bold" in style and "semi" not in style and "extra" not in style
        italic = "italic" in style or "oblique" in style
        plain = style in ("regular", "book", "normal", "roman", "bold", "italic", "bold italic")
        key = (bold, italic)
        if key not in found or plain:
            found[key] = face
    return found


@functools.cache
def _collection_index(path: Path, family: str) -> int:
    """Which font of a .ttc/.otc collection is `family` (0 for a single font)."""
    from fontTools.ttLib import TTCollection  # late: fontTools loads only when used (start-up time)

    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    fonts = TTCollection(str(path), lazy=True).fonts
    names = [f["name"].getDebugName(1) for f in fonts]
    return names.index(family) if family in names else 0


def face_for(family: str, bold: bool = False) -> FontFace | None:
    """The installed face of `family` in the weight asked for (else the regular one)."""
    faces = style_faces(installed_faces(family))
    return faces.get((bold, False)) or faces.get((False, False)) or next(iter(faces.values()), None)


@functools.cache
def coverage(family: str) -> frozenset[int]:
    """The code points the regular face of an installed family has glyphs for (read once
    per font file and kept in the cache folder: a CJK face's cmap costs 0.1-0.2 s)."""
    import array  # late: standard library, loaded only when used (start-up time)

    # late: fontTools loads only when used (start-up time)
    from fontTools.ttLib import TTCollection, TTFont

    face = face_for(family)
    if face is None:
        return frozenset()
    stat = face.path.stat()
    name = f"{face.path.name}-{stat.st_size}-{stat.st_mtime_ns}-{family}".replace("/", "_")
    cached = cache_folder() / "cmaps" / f"{name}.u32"
    try:
        codes = array.array("I")
        codes.frombytes(cached.read_bytes())
        return frozenset(codes)
    except OSError:
        pass
    index = _collection_index(face.path, family)
    if face.path.suffix.lower() in (".ttc", ".otc"):
        font = TTCollection(str(face.path), lazy=True).fonts[index]
    else:
        font = TTFont(str(face.path), lazy=True)
    codes = array.array("I", sorted(font.getBestCmap() or {}))
    _store(cached, codes.tobytes())
    return frozenset(codes)


def cache_folder() -> Path:
    """Where computed things (font subsets) are kept between builds."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "publish"


def _store(path: Path, data: bytes) -> None:
    """Put `data` in the cache folder at `path`, whole or not at all."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.part")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        pass  # a cache that cannot be written only costs time


#: Subsets kept per user (cached_subset): the most recently used this many.
KEPT_SUBSETS = 64


def cached_subset(path: Path, index: int, what: str, make: Callable[[], bytes]) -> bytes:
    """`make()`, a subset of face `index` of the font file `path`, kept in the user's cache
    folder by the file (path, size, time), the face and `what` (glyphs, options, tool) so
    that a later build wanting the same subset takes it from there (a CJK face costs
    25–50 ms to subset). The least recently used beyond KEPT_SUBSETS are removed."""
    import hashlib  # late: standard library, loaded only when used (start-up time)

    stat = path.stat()
    key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}|{index}|{what}"
    folder = cache_folder() / "subsets"
    cached = folder / f"{hashlib.sha256(key.encode()).hexdigest()}.bin"
    try:
        data = cached.read_bytes()
        os.utime(cached)  # recently used
        return data
    except OSError:
        pass
    data = make()
    _store(cached, data)
    with contextlib.suppress(OSError):
        entries = sorted(folder.glob("*.bin"), key=lambda entry: entry.stat().st_mtime_ns)
        for entry in entries[:-KEPT_SUBSETS]:
            entry.unlink()
    return data


def subset(family: str, bold: bool, codepoints: set[int]) -> bytes:
    """The face of `family` reduced to `codepoints`, every OpenType layout feature kept
    (halt, palt, vert, locl, kern…), by HarfBuzz; cached by content."""
    face = face_for(family, bold)
    if face is None:
        raise PublishError(f'font "{family}" is not installed')
    return subset_file(face.path, _collection_index(face.path, family), codepoints)


def subset_file(path: Path, index: int, codepoints: set[int]) -> bytes:
    """Face `index` of the font file `path` reduced to `codepoints` (see subset): its
    MATH table and the glyph variants it names are kept too (HarfBuzz closes over them)."""
    import hashlib  # late: standard library, loaded only when used (start-up time)

    import uharfbuzz as hb  # late: HarfBuzz loads only when used (start-up time)

    stat = path.stat()
    digest = hashlib.sha256(
        f"{path}|{stat.st_size}|{stat.st_mtime_ns}|{index}|{hb.__version__}|".encode()
        + ",".join(map(str, sorted(codepoints))).encode()
    ).hexdigest()
    cached = cache_folder() / "fonts" / f"{digest}.otf"
    if cached.exists():
        return cached.read_bytes()
    source = hb.Face(hb.Blob.from_file_path(str(path)), index)
    wanted = hb.SubsetInput()
    wanted.unicode_set.update(codepoints)
    wanted.layout_feature_tag_set.clear()
    wanted.layout_feature_tag_set.invert()  # keep every feature
    wanted.flags = hb.SubsetFlags.NO_HINTING
    data = hb.subset(source, wanted).blob.data
    _store(cached, data)
    return data


@functools.cache
def _coverage_of_all(families: tuple[str, ...]) -> frozenset[int]:
    return frozenset().union(*(coverage(family) for family in families))


#: Characters no face draws (variation selectors as in ⚠️, joiners inside emoji sequences).
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def missing_characters(text: str, families: tuple[str, ...]) -> list[str]:
    """The characters of `text` that none of `families` has, in order of appearance."""
    covered = _coverage_of_all(families)
    missing = {
        char
        for char in set(text)  # a chapter has a few thousand distinct characters at most
        if ord(char) not in covered
        and ord(char) >= 0x20
        and not char.isspace()
        and not _INVISIBLE.match(char)
    }
    return sorted(missing, key=text.index)


@functools.cache
def faces_by_name(font_files: tuple[Path, ...]) -> dict[str, tuple[Path, int]]:
    """PostScript name → (file, index in a collection) for the given font files."""
    # late: fontTools loads only when used (start-up time)
    from fontTools.ttLib import TTCollection, TTFont

    faces: dict[str, tuple[Path, int]] = {}
    for path in font_files:
        try:
            if path.suffix.lower() in (".ttc", ".otc"):
                fonts = TTCollection(str(path), lazy=True).fonts
            else:
                fonts = [TTFont(str(path), lazy=True)]
            for index, font in enumerate(fonts):
                faces.setdefault(str(font["name"].getDebugName(6)), (path, index))
        except Exception:  # noqa: BLE001 - a file we cannot read is left out
            continue
    return faces


def postscript_name(program: bytes, index: int = 0) -> str | None:
    """The PostScript name of face `index` in a font file's data; None if unreadable."""
    from fontTools.ttLib import TTFont  # late: fontTools loads only when used (start-up time)

    try:
        font = TTFont(io.BytesIO(program), fontNumber=index, lazy=True)
        return str(font["name"].getDebugName(6))
    except Exception:  # noqa: BLE001
        return None


def cid_widths(widths) -> dict[int, float]:
    """Glyph id → width, from a CID font's /W array."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    found: dict[int, float] = {}
    items = list(widths)
    index = 0
    while index < len(items):
        first = int(items[index])
        following = items[index + 1]
        if isinstance(following, pikepdf.Array):
            found.update((first + k, float(w)) for k, w in enumerate(following))
            index += 2
        else:
            found.update(
                (glyph, float(items[index + 2])) for glyph in range(first, int(following) + 1)
            )
            index += 3
    return found


def bare_cff(program: bytes) -> tuple[bytes, bool] | None:
    """The CFF table of an OpenType (CFF-flavoured) program, as PDF 1.3/1.4 embed it
    (FontFile3 /CIDFontType0C or /Type1C, no OpenType wrapper), and whether it is
    CID-keyed; None for a TrueType program. A CID-keyed CFF's charset is made the
    identity (CID n = glyph n) when it is not, since the PDF's codes are glyph ids."""
    # late: loaded only when used (start-up time)
    import io

    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(program), lazy=True)
    if "CFF " not in font:
        return None
    top = font["CFF "].cff.topDictIndex[0]
    cid_keyed = hasattr(top, "ROS")
    order = font.getGlyphOrder()
    identity = [".notdef"] + [f"cid{i:05d}" for i in range(1, len(order))]
    if not cid_keyed or order == identity:
        return font.getTableData("CFF "), cid_keyed
    strings = top.CharStrings
    strings.charStrings = {identity[i]: strings.charStrings[name] for i, name in enumerate(order)}
    top.charset = identity
    out = io.BytesIO()
    font["CFF "].cff.compile(out, font)
    return out.getvalue(), True
