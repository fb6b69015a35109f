"""The upright faces of a vertical edition (`[pdf] writing-mode = "vertical-rl"`, see
vertical.py): a copy of a CJK face, reduced to the book's characters, in which every
upright character (Han, kana, bopomofo, full-width forms and marks) is drawn turned a
quarter counter-clockwise about the centre of its ideographic em box, and every character
with a `vert`/`vrt2` alternate (、。「」（）…) is drawn as that vertical form, so turned.

Laid out in the turned frame and turned back a quarter clockwise with the page, those
glyphs stand upright while Latin runs, set in the untouched Latin face, lie turned as
vertical-rl wants. Only outlines change: glyph ids, advances, cmap and the GPOS/GSUB tables
stay, so the composition (halt compression, 禁则, justification) and the text layer (the
PDF's ToUnicode gives the source characters) are those of the horizontal face.

縦中横: every number of one or two digits gets a glyph, the face's half-width digits side
by side in one em, turned like Han, set by a GSUB lookup under fonts.TCY_FEATURE (which
only the `.tcy` span turns on). A CJK face has no room to append them (Noto CJK uses
65,513 of 65,535 ids): they take ids the subset left empty, so no glyph id moves and a
CID-keyed face's charset and FDSelect already cover them. Being text of the column's run,
a number is copied in its place (WeasyPrint's ToUnicode maps a ligature to "12").

A derived face is kept in the user's cache by the source face and the characters
(deriving one, ~8,000 glyphs with GB 2312's common Han, takes ~11 s on a loaded 2-core
machine; taking it from the cache, none); the KEPT_FACES most recently used are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from fontTools.otlLib.builder import (
    buildLigatureSubstSubtable,
    buildLookup,
    buildSingleSubstSubtable,
)
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.pens.transformPen import TransformPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables import otTables

from ..errors import PublishError
from ..fonts import TCY_FEATURE, _collection_index, _store, cache_folder, face_for
from ..typography.chars import WIDE_RE

#: Bumped when the derivation changes: faces cached by an older one are not reused.
DERIVATION = "3"
#: Upright faces kept in the user's cache: the most recently used this many (1–3 MB each;
#: a book and its editions use four to twelve).
KEPT_FACES = 24
#: GSUB features whose single substitutions give the vertical forms.
VERTICAL_FEATURES = ("vert", "vrt2")
DIGITS = "0123456789"
#: Characters a vertical page may print though the book's text lacks them: the marks and
#: the Chinese numerals of folios (cjk-decimal), the TOC's and labels' usual words.
ALWAYS = DIGITS + (
    "〇一二三四五六七八九十百千、。，：；？！「」『』（）《》〈〉“”‘’…—·目录錄次第章回卷页頁"
)


@dataclass(frozen=True)
class VerticalFace:
    """A derived face for @font-face: the CSS family it is declared under, its file."""

    family: str
    path: Path
    bold: bool


def vertical_face(family: str, bold: bool, text: str, css_family: str) -> VerticalFace:
    """The upright copy of `family` (bold or not) for the characters of `text`, made or
    taken from the cache. A family that is not installed or has no vertical forms: one
    clear line (PublishError)."""
    face = face_for(family, bold)
    if face is None:
        raise PublishError(f'vertical print: font "{family}" is not installed')
    codepoints = {ord(c) for c in set(text) | set(ALWAYS)} | common_han()
    stat = face.path.stat()
    key = f"{DERIVATION}|{face.path}|{stat.st_size}|{stat.st_mtime_ns}|{family}|{bold}|"
    key += ",".join(map(str, sorted(codepoints)))
    digest = hashlib.sha256(key.encode()).hexdigest()
    path = cache_folder() / "vertical" / f"{digest[:40]}.otf"
    if path.exists():
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used
    else:
        data, free = _subset(face.path, _collection_index(face.path, family), codepoints)
        _store(path, derive(data, family, digest[:8], free))
        if not path.exists():
            raise PublishError(f"vertical print: cannot write the upright face in {path.parent}")
        with contextlib.suppress(OSError):
            faces = sorted(path.parent.glob("*.otf"), key=lambda entry: entry.stat().st_mtime_ns)
            for entry in faces[:-KEPT_FACES]:
                entry.unlink()
    return VerticalFace(css_family, path, bold)


def common_han() -> set[int]:
    """The 3,755 Han characters of GB 2312's first level, always in an upright face: an
    edit bringing a new common character then takes the face from the cache, not a new
    derivation (seconds per face)."""
    found = set()
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return found


def _subset(path: Path, index: int, codepoints: set[int]) -> tuple[bytes, list[int]]:
    """Face `index` of `path` reduced to `codepoints` and what GSUB reaches from them, every
    layout feature kept, glyph ids kept: a CID-keyed face's CIDs stay its glyph ids, as the
    PDF's Identity encoding wants (MuPDF finds a CID's glyph through the charset); and the
    ids left empty, which the 縦中横 glyphs take (a CJK face has no room to append them)."""
    import uharfbuzz as hb  # late: HarfBuzz loads only when used (start-up time)

    source = hb.Face(hb.Blob.from_file_path(str(path)), index)
    wanted = hb.SubsetInput()
    wanted.unicode_set.update(codepoints)
    wanted.layout_feature_tag_set.clear()
    wanted.layout_feature_tag_set.invert()  # keep every feature
    wanted.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.RETAIN_GIDS
    plan = hb.SubsetPlan(source, wanted)
    kept = set(plan.old_to_new_glyph_mapping)
    subset = plan.execute()
    return subset.blob.data, [gid for gid in range(1, subset.glyph_count) if gid not in kept]


def vertical_forms(font) -> dict[str, str]:
    """Glyph → its vertical alternate, from the single substitutions of vert/vrt2."""
    return single_substitutions(font, VERTICAL_FEATURES)


def single_substitutions(font, features: tuple[str, ...]) -> dict[str, str]:
    """Glyph → its alternate, from the single substitutions of `features` (the first wins)."""
    if "GSUB" not in font:
        return {}
    table = font["GSUB"].table
    found: dict[str, str] = {}
    for record in table.FeatureList.FeatureRecord:
        if record.FeatureTag not in features:
            continue
        for index in record.Feature.LookupListIndex:
            lookup = table.LookupList.Lookup[index]
            for sub in lookup.SubTable:
                sub = sub.ExtSubTable if lookup.LookupType == 7 else sub
                for glyph, alternate in getattr(sub, "mapping", {}).items():
                    found.setdefault(glyph, alternate)
    return found


def derive(data: bytes, family: str, tag: str, free: list[int]) -> bytes:
    """The face in `data` with its upright glyphs turned and its 縦中横 glyphs drawn in the
    glyph ids `free` (see the module's docstring)."""
    # Bounding boxes not recomputed: that executes every charstring again (3/4 of the time),
    # and turning about the em box's centre keeps the glyphs inside the face's box.
    font = TTFont(io.BytesIO(data), recalcBBoxes=False, recalcTimestamp=False)
    forms = vertical_forms(font)
    if not forms:
        raise PublishError(
            f'vertical print: font "{family}" has no vertical forms (vert): choose a CJK '
            "face (e.g. Noto Serif CJK) as body-font/heading-font"
        )
    upm = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    turned: dict[str, list[Part]] = {}  # glyph → the outlines it takes, placed, then turned
    for code, glyph in font.getBestCmap().items():
        if (glyph in forms or WIDE_RE.match(chr(code))) and metrics[glyph][0] == upm:
            turned[glyph] = [(forms.get(glyph, glyph), IDENTITY)]
    numbers = _tate_chu_yoko(font, free)
    turned.update(numbers)
    for glyph in numbers:
        metrics[glyph] = (upm, 0)
        if "vmtx" in font:
            font["vmtx"].metrics[glyph] = (upm, 0)
    os2 = font["OS/2"]
    centre_x, centre_y = upm / 2, (os2.sTypoAscender + os2.sTypoDescender) / 2
    # A quarter counter-clockwise about (cx, cy): x' = cx + cy - y, y' = cy - cx + x.
    _draw_turned(font, turned, (0, 1, -1, 0, centre_x + centre_y, centre_y - centre_x), family)
    if "CFF " in font:
        font["CFF "].cff.fontNames = [f"{font['CFF '].cff.fontNames[0]}-Vert{tag}"]
    _rename(font, tag)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


#: An outline drawn into a glyph: the source glyph and where it is placed (affine matrix).
Part = tuple[str, tuple[float, ...]]
IDENTITY = (1, 0, 0, 1, 0, 0)


def _draw_turned(font, turned: dict[str, list[Part]], matrix: tuple, family: str) -> None:
    """Each glyph of `turned` redrawn as its parts, placed, then turned by `matrix`."""
    glyphs = font.getGlyphSet()
    metrics = font["hmtx"].metrics

    def draw(parts: list[Part], pen) -> None:
        for source, place in parts:
            glyphs[source].draw(TransformPen(TransformPen(pen, matrix), place))

    if "CFF " in font:
        charstrings = font["CFF "].cff.topDictIndex[0].CharStrings
        outlines = {}
        for glyph, parts in turned.items():
            original = charstrings[glyph]
            private = original.private
            width = metrics[glyph][0]
            pen = T2CharStringPen(
                None if width == private.defaultWidthX else width - private.nominalWidthX,
                glyphs,
            )
            draw(parts, pen)
            outlines[glyph] = pen.getCharString(private, original.globalSubrs)
        for glyph, charstring in outlines.items():
            charstrings.charStringsIndex[charstrings.charStrings[glyph]] = charstring
    elif "glyf" in font:
        table = font["glyf"]
        outlines = {}
        for glyph, parts in turned.items():
            pen = TTGlyphPen(glyphs)
            draw(parts, pen)
            outlines[glyph] = pen.glyph()
        for glyph, outline in outlines.items():
            table[glyph] = outline
    else:
        raise PublishError(f'vertical print: font "{family}" has no outlines fontTools can turn')


def _tate_chu_yoko(font, free: list[int]) -> dict[str, list[Part]]:
    """縦中横 glyphs in the empty glyph ids `free`: every number of one or two digits, the
    face's half-width digits side by side centred in one em (squeezed if wider), and the
    GSUB lookups that set a number as its glyph under TCY_FEATURE. Empty if the face lacks
    digits or room."""
    cmap = font.getBestCmap()
    if "GSUB" not in font or any(ord(d) not in cmap for d in DIGITS) or len(free) < 110:
        return {}
    upm = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    order = font.getGlyphOrder()
    half = single_substitutions(font, ("hwid",))
    digit = {d: cmap[ord(d)] for d in DIGITS}
    drawn = {d: half.get(digit[d], digit[d]) for d in DIGITS}
    numbers = [*DIGITS, *(a + b for a in DIGITS for b in DIGITS)]
    parts: dict[str, list[Part]] = {}
    singles: dict[str, str] = {}
    ligatures: dict[tuple[str, ...], str] = {}
    for number, gid in zip(numbers, free[-len(numbers) :], strict=True):
        glyph = order[gid]
        widths = [metrics[drawn[d]][0] for d in number]
        squeeze = min(1.0, upm / sum(widths))
        x = (upm - sum(widths) * squeeze) / 2
        parts[glyph] = []
        for d, width in zip(number, widths, strict=True):
            parts[glyph].append((drawn[d], (squeeze, 0, 0, 1, x, 0)))
            x += width * squeeze
        inputs = [{digit[d], drawn[d]} for d in number]
        if len(number) == 1:
            singles.update(dict.fromkeys(inputs[0], glyph))
        else:
            ligatures.update({(a, b): glyph for a in inputs[0] for b in inputs[1]})
    _add_feature(font, TCY_FEATURE, [
        buildLookup([buildLigatureSubstSubtable(ligatures)]),
        buildLookup([buildSingleSubstSubtable(singles)]),
    ])  # fmt: skip
    return parts


def _add_feature(font, tag: str, lookups: list) -> None:
    """`lookups` appended to the face's GSUB as feature `tag`, in every script and language
    (the feature list stays sorted: `tag` sorts after the face's own)."""
    table = font["GSUB"].table
    first = len(table.LookupList.Lookup)
    table.LookupList.Lookup.extend(lookups)
    table.LookupList.LookupCount = len(table.LookupList.Lookup)
    record = otTables.FeatureRecord()
    record.FeatureTag = tag
    record.Feature = otTables.Feature()
    record.Feature.FeatureParams = None
    record.Feature.LookupListIndex = list(range(first, first + len(lookups)))
    record.Feature.LookupCount = len(lookups)
    index = len(table.FeatureList.FeatureRecord)
    table.FeatureList.FeatureRecord.append(record)
    table.FeatureList.FeatureCount = index + 1
    for script in table.ScriptList.ScriptRecord:
        systems = [script.Script.DefaultLangSys]
        systems += [record.LangSys for record in script.Script.LangSysRecord]
        for system in filter(None, systems):
            system.FeatureIndex.append(index)
            system.FeatureCount = len(system.FeatureIndex)


def _rename(font, tag: str) -> None:
    """Its own names, so that the PDF's font names and a viewer's font list tell it apart."""
    names = font["name"]
    family = f"{names.getDebugName(1)} Vert{tag}"
    postscript = f"{names.getDebugName(6)}-Vert{tag}"
    for record in list(names.names):
        if record.nameID in (1, 4, 16):
            names.setName(family, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (3, 6):
            names.setName(postscript, record.nameID, record.platformID, record.platEncID,
                          record.langID)  # fmt: skip
