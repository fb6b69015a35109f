"""Fallback faces: characters of scripts the book's faces lack (Arabic, Hebrew, Devanagari,
Thai, symbols such as ◄ ► ✗ ⌘) drawn from installed faces chosen per script.

Left to fontconfig, such characters fall to whatever face it sorts first (DejaVu Sans for
Arabic, DejaVu Serif for ◄), a different one per machine. Here each script has faces of
its own, serif ones for the body and sans ones for headings and code, declared as
`@font-face` rules ("publish serif Noto Naskh Arabic"…: WeasyPrint mixes up the faces of
one family that differ only by `unicode-range`), each limited by `unicode-range` to its
script. They come after the book's own faces in every font list, so they only draw what
those lack: the Han face keeps its Latin, its punctuation and its metrics, and the grid
does not move. Characters the emoji face has are left to it (emoji keep their colour;
Pango gives emoji-presentation runs to it), and so to fontconfig when they are text
symbols (☑ ✔ are then drawn by a face fontconfig picks, as before).

Only the scripts a book uses get rules (each costs WeasyPrint a font file to load).

Greek and Cyrillic letters the Han face lacks (ά) are not here: the Latin face has them,
and fontconfig drops a later face whose whole coverage an earlier one has before
`unicode-range` narrows the Latin face, so such a rule never draws. They fall, as any
character no rule names, to fontconfig's own choice among the installed faces, and only
a character no installed face has is reported (`any_face_has`).
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .fonts import LATIN_RANGE, coverage, face_for, installed_faces
from .markup import emoji


@dataclass(frozen=True)
class Script:
    """A script's code point ranges and its faces, best first, for serif and sans text."""

    name: str
    ranges: tuple[tuple[int, int], ...]
    serif: tuple[str, ...]
    sans: tuple[str, ...]


SCRIPTS = (
    Script(
        "Arabic",
        ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
        ("Noto Naskh Arabic", "Noto Sans Arabic"),
        ("Noto Sans Arabic", "Noto Naskh Arabic"),
    ),
    Script(
        "Hebrew",
        ((0x0590, 0x05FF), (0xFB1D, 0xFB4F)),
        ("Noto Serif Hebrew", "Noto Sans Hebrew"),
        ("Noto Sans Hebrew", "Noto Serif Hebrew"),
    ),
    Script(
        "Devanagari",
        ((0x0900, 0x097F), (0xA8E0, 0xA8FF), (0x1CD0, 0x1CFF)),
        ("Noto Serif Devanagari", "Noto Sans Devanagari"),
        ("Noto Sans Devanagari", "Noto Serif Devanagari"),
    ),
    Script(
        "Thai",
        ((0x0E00, 0x0E7F),),
        ("Noto Serif Thai", "Noto Sans Thai"),
        ("Noto Sans Thai", "Noto Serif Thai"),
    ),
    Script(
        "Armenian",
        ((0x0530, 0x058F),),
        ("Noto Serif Armenian", "Noto Sans Armenian"),
        ("Noto Sans Armenian", "Noto Serif Armenian"),
    ),
    Script(
        "Georgian",
        ((0x10A0, 0x10FF), (0x2D00, 0x2D2F)),
        ("Noto Serif Georgian", "Noto Sans Georgian"),
        ("Noto Sans Georgian", "Noto Serif Georgian"),
    ),
    Script(
        "symbols",
        (
            (0x2190, 0x23FF),  # arrows, mathematical operators, technical (⌘)
            (0x2460, 0x27FF),  # enclosed, box drawing, shapes (◄ ►), symbols, dingbats (✗)
            (0x2900, 0x2BFF),  # arrows and mathematical symbols
            (0x1F000, 0x1F0FF),  # mahjong, dominoes, cards
            (0x1F800, 0x1FBFF),  # supplemental arrows, legacy computing
        ),
        ("Noto Sans Symbols2", "Noto Sans Symbols", "Noto Sans Math", "DejaVu Serif"),
        ("Noto Sans Symbols2", "Noto Sans Symbols", "Noto Sans Math", "DejaVu Sans"),
    ),
)


def lacking(text: str, body_font: str, latin_font: str) -> set[int]:
    """The code points of `text` the body's faces lack (the Latin face counting only for
    what its unicode-range gives it), emoji left to the emoji face."""
    codes = {ord(c) for c in set(text) if c >= " " and not c.isspace()}
    return codes - _own_coverage(body_font, latin_font)


@functools.cache
def _own_coverage(body: str, latin: str) -> frozenset[int]:
    return coverage(body) | (coverage(latin) & _latin_codes()) | emoji_coverage()


@functools.cache
def _latin_codes() -> frozenset[int]:
    codes: set[int] = set()
    for span in LATIN_RANGE.replace("U+", "").split(","):
        low, _, high = span.strip().partition("-")
        codes.update(range(int(low, 16), int(high or low, 16) + 1))
    return frozenset(codes)


@functools.cache
def emoji_coverage() -> frozenset[int]:
    """What the installed emoji faces draw (left to them: emoji keep their colour)."""
    return frozenset().union(*map(coverage, emoji.families()))


@dataclass(frozen=True)
class Face:
    """One `@font-face` rule: a face file, its weight and the code points it draws."""

    family: str
    sans: bool
    path: Path
    weight: str
    unicode_range: str


def ranges(codes: set[int]) -> str:
    """Code points as a CSS unicode-range: U+0600-06FF, U+25C4…"""
    spans: list[list[int]] = []
    for code in sorted(codes):
        if spans and code == spans[-1][1] + 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return ", ".join(f"U+{a:04X}" if a == b else f"U+{a:04X}-{b:04X}" for a, b in spans)


def _in(script: Script, code: int) -> bool:
    return any(low <= code <= high for low, high in script.ranges)


def scripts_of(characters: set[int]) -> tuple[Script, ...]:
    """The scripts among `characters` (code points the book's own faces lack)."""
    return tuple(s for s in SCRIPTS if any(_in(s, code) for code in characters))


@functools.cache
def _assignment(
    script: Script, sans: bool, taken: frozenset[int]
) -> tuple[tuple[str, frozenset[int]], ...]:
    """Which installed family draws which code points of `script`: each the ones it has
    that no family before it (nor `taken`, the emoji face's) has."""
    wanted = {code for low, high in script.ranges for code in range(low, high + 1)} - taken
    result = []
    for family in script.sans if sans else script.serif:
        if not wanted or not installed_faces(family):
            continue
        drawn = wanted & coverage(family)
        if drawn:
            result.append((family, frozenset(drawn)))
            wanted -= drawn
    return tuple(result)


def faces(characters: set[int], taken: frozenset[int]) -> list[Face]:
    """The `@font-face` rules, serif and sans, regular and bold, for the scripts among
    `characters`; `taken`: code points left to another face (the emoji face)."""
    rules = []
    for script in scripts_of(characters):
        for sans in (False, True):
            for family, codes in _assignment(script, sans, taken):
                if not codes & characters:
                    continue  # a face that would draw nothing of this book
                name = f"publish {'sans' if sans else 'serif'} {family}"
                unicode_range = ranges(set(codes))
                for weight, bold in (("normal", False), ("bold", True)):
                    face = face_for(family, bold)
                    if face is None:
                        continue
                    rules.append(Face(name, sans, face.path, weight, unicode_range))
    return rules


def serif_draws(characters: set[int], taken: frozenset[int]) -> list[tuple[str, set[int]]]:
    """Which serif fallback family draws which of `characters` (for the EPUB's subsets)."""
    return [
        (family, set(codes & characters))
        for script in scripts_of(characters)
        for family, codes in _assignment(script, False, taken)
        if codes & characters
    ]


def drawn(characters: set[int], taken: frozenset[int]) -> set[int]:
    """Which of `characters` the fallback faces draw."""
    found: set[int] = set()
    for script in scripts_of(characters):
        for _, codes in _assignment(script, False, taken):
            found |= characters & codes
    return found


@functools.cache
def any_face_has(char: str) -> bool:
    """True when some installed face has `char` (fontconfig's own fallback draws it then)."""
    if not shutil.which("fc-list"):
        return False
    result = subprocess.run(
        ["fc-list", f":charset={ord(char):x}", "family"],
        capture_output=True,
        text=True,
        check=False,
    )
    return bool(result.stdout.strip())


#: Inline SVG (maths, diagrams) is left alone: a span would break its text elements.
_TEXT_RE = re.compile(r"(<svg\b.*?</svg>|<[^>]*>)|([^<]+)", re.S)


def _base(char: str) -> bool:
    """A character that can start a cluster (not a mark, a joiner or a selector)."""
    return unicodedata.category(char)[0] not in "MC"


def mark_runs(html: str, codes: frozenset[int]) -> str:
    """Wrap each run of characters among `codes` (those the fallback faces draw) in
    `<span class="other-script">`, which print.css sets with no leading of its own: a
    face with taller ascenders and deeper descenders (Devanagari, Thai, Naskh) then does
    not push its line off the grid. Spaces between two such characters stay inside."""
    # A run starts at a letter, never at a mark or a variation selector: ⚠️ and e + ◌́
    # must stay one cluster for the face that draws their base.
    starts = "".join(re.escape(chr(c)) for c in sorted(codes) if _base(chr(c)))
    if not starts:
        return html
    inside = "".join(re.escape(chr(c)) for c in sorted(codes))
    run = re.compile(f"[{starts}](?:[\\s{inside}]*[{inside}])?")

    def text(match: re.Match) -> str:
        if match.group(1):
            return match.group(1)
        return run.sub(lambda m: f'<span class="other-script">{m.group(0)}</span>', match[2])

    return _TEXT_RE.sub(text, html)
