"""The outlines of formulas' glyphs, kept once each: a formula's print markup names them
(publish/markup/maths.py), the PDF draws each once per document as a form (weasy/svgpaths.py).

An outline is PDF path operators in the glyph's own units (MathJax's: 1,000 to the em),
kept in memory and in the user's cache folder by its id (a digest of its SVG `d`), so that
a print worker, or a later build whose formulas all come from the cache, finds them.
"""

from __future__ import annotations

import hashlib

from ..fonts import _store, cache_folder

_outlines: dict[str, bytes] = {}


def name(d: str) -> str:
    """The id of the outline an SVG path `d` draws."""
    return hashlib.sha256(d.encode()).hexdigest()[:16]


def put(glyph: str, operators: str) -> None:
    """Keep `operators`, the outline `glyph`, in memory and on disk (once)."""
    if glyph in _outlines:
        return
    data = operators.encode()
    _outlines[glyph] = data
    path = cache_folder() / "maths" / "glyphs" / f"{glyph}.ops"
    if not path.exists():
        _store(path, data)


def get(glyph: str) -> bytes | None:
    """The outline `glyph`'s operators, None if it was never kept."""
    data = _outlines.get(glyph)
    if data is None:
        try:
            data = (cache_folder() / "maths" / "glyphs" / f"{glyph}.ops").read_bytes()
        except OSError:
            return None
        _outlines[glyph] = data
    return data
