"""Emoji and pictographs (✅ ❌ 💡 📝 ⭐ 🚀) in print: the face that draws them.

WeasyPrint falls back through fontconfig to an installed emoji face for characters the
book's faces lack; Noto Color Emoji (Debian's fonts-noto-color-emoji, which `make`
installs) is drawn in colour from its bitmaps. The font check counts it as a configured
face, so that emoji are not reported as missing glyphs.
"""

from __future__ import annotations

from ..fonts import installed_faces

#: Emoji faces, in order of preference.
FAMILIES = ("Noto Color Emoji", "Noto Emoji")


def families() -> tuple[str, ...]:
    """The emoji faces installed on this machine."""
    return tuple(family for family in FAMILIES if installed_faces(family))
