"""Font programs WeasyPrint embeds: stubs in the pieces of a long book, subsets kept
between builds (WeasyPrint 70.x internals).

A piece laid out in segments (pdf/segmented/) is only ever read by join.py, which gives
each face one subset for the whole book, made from the glyph widths (`/W`) of every
piece: the subset WeasyPrint embeds in each piece is thrown away. So a piece carries a
stub instead, the face cut down to glyph 0, made once per face and process. A real
subset costs 25–50 ms per CJK face and piece, and about a megabyte to compress, write and
read again.

Only faces join.py can subset again (found by PostScript name among the book's font
files) get a stub; any other face, a variable or colour one, keeps its real subset.

A book laid out in one document gets real subsets, kept in the user's cache by font file
and glyphs (fonts.cached_subset): a rebuild using the same glyphs takes them from there.

Internals relied on, checked by ``check_internals``: ``Font.clean`` subsets first, through
``self.subset(to_unicode, hinting)``, and ``build_fonts_dictionary`` embeds
``font.file_content`` afterwards; ``Font`` keeps the face's data, its index in a
collection, its tables and the PNG/SVG/COLR flags.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from ..fonts import cached_subset, postscript_name
from .load import load, refuse_if_changed

load()  # before WeasyPrint's first import (see weasy/load.py)

import weasyprint  # noqa: E402
from weasyprint.pdf import fonts as _fonts  # noqa: E402

#: Per process: a face's hash → its stub, or None when it keeps its real subset.
_stubs: dict[str, bytes | None] = {}
_checked = False


def _check_once() -> None:
    global _checked
    if not _checked:
        check_internals()
        _checked = True


def check_internals() -> None:
    """Raise if WeasyPrint no longer subsets and embeds fonts the way stubs rely on."""
    expect = {
        _fonts.Font.clean: ("self.subset(to_unicode, hinting)", "'fvar' in self.tables"),
        _fonts.Font.subset: ("def subset(self, to_unicode, hinting)",),
        _fonts.build_fonts_dictionary: (
            "font.clean(to_unicode, options['hinting'])",
            "pydyf.Stream([font.file_content]",
        ),
        _fonts.Font.__init__: (
            "self.file_content = ",
            "self.index = ",
            "self.hash = ",
            "self.png = ",
            "self.svg = ",
            "self.colr = ",
        ),
    }
    refuse_if_changed("fonts", expect)


def _plain(font) -> bool:
    """A face whose subset is its whole embedded program: not variable, no colour glyphs
    (WeasyPrint reworks those after subsetting)."""
    return not (font.png or font.svg or font.colr or "fvar" in font.tables)


@contextlib.contextmanager
def _subset_by(replacement) -> Iterator[None]:
    """While in the block, `Font.subset` is `replacement(subset, font, to_unicode, hinting)`,
    given WeasyPrint's own `subset`."""
    _check_once()
    subset = _fonts.Font.subset
    _fonts.Font.subset = lambda font, to_unicode, hinting: replacement(
        subset, font, to_unicode, hinting
    )
    try:
        yield
    finally:
        _fonts.Font.subset = subset


def stub_programs(names: set[str]):
    """While writing a PDF, embed stubs for the faces whose PostScript name is in `names`."""

    def stubbed(subset, font, to_unicode, hinting):
        if font.hash not in _stubs:
            if _plain(font) and postscript_name(font.file_content, font.index) in names:
                subset(font, {0: ""}, hinting)
                _stubs[font.hash] = font.file_content
            else:
                _stubs[font.hash] = None
        stub = _stubs[font.hash]
        if stub is None:
            subset(font, to_unicode, hinting)
        else:
            font.file_content = stub

    return _subset_by(stubbed)


def _file_of(font, files: dict[int, list[Path]]) -> Path | None:
    """Which of the book's font files `font` was read from: same size, same first and last
    4 KiB (the table directory, with every table's checksum, is at the start)."""
    content = font.file_content
    for path in files.get(len(content), []):
        try:
            with path.open("rb") as handle:
                head = handle.read(4096)
                handle.seek(-min(4096, len(content)), 2)
                tail = handle.read()
        except OSError:
            continue
        if content.startswith(head) and content.endswith(tail):
            return path
    return None


def cached_subsets(font_files: list[Path]):
    """While writing a PDF, take the subsets of the faces read from `font_files` from the
    user's cache when they were made before for the same glyphs, and keep the others."""
    files: dict[int, list[Path]] = {}
    for path in font_files:
        with contextlib.suppress(OSError):
            files.setdefault(path.stat().st_size, []).append(path)

    def cached(subset, font, to_unicode, hinting):
        path = _file_of(font, files) if to_unicode and _plain(font) else None
        if path is None:
            subset(font, to_unicode, hinting)
            return
        glyphs = ",".join(map(str, sorted(to_unicode)))
        what = f"WeasyPrint {weasyprint.__version__}|{hinting}|{bool(font.missing)}|{glyphs}"

        def make() -> bytes:
            subset(font, to_unicode, hinting)
            return font.file_content

        font.file_content = cached_subset(path, font.index, what, make)

    return _subset_by(cached)
