"""What the print layout found wrong, told as warnings: resources the sandbox refused,
footnotes lost or set apart from their call, characters no face has, slow subsetting."""

from __future__ import annotations

from .. import fallback
from ..config import PdfSettings
from ..fonts import missing_characters
from ..markup import emoji
from ..model import Book, Chapter, Warning
from ..typography.textnodes import text_of


def refused(urls: list[str]) -> list[Warning]:
    """The resources the sandbox refused to fetch (each once)."""
    return [Warning(f"PDF: refused to fetch `{url[:120]}`") for url in dict.fromkeys(urls)]


def lost_footnotes(
    chapters: list[Chapter], placed: set[str], apart: set[str] = frozenset()
) -> list[Warning]:
    """Warn of footnotes of `chapters` that no page holds (WeasyPrint 70 could drop a note
    whose call lands on a full page after another note's, upstream #1564, #2432: a guard,
    now that weasy/footnotes.py keeps every note with its call), and of those `apart` from
    their call: too long for the page, they are set on a later one (notes are not split)."""
    warnings = []
    for chapter in chapters:
        for note in chapter.footnotes:
            if note.id not in placed:
                warnings.append(
                    Warning(
                        f"footnote {note.label} was lost by the page layout (a WeasyPrint "
                        "bug with notes at a full page's foot); rewording the paragraph "
                        "around its call moves it",
                        chapter.source,
                    )
                )
            elif note.id in apart:
                warnings.append(
                    Warning(
                        f"footnote {note.label} is too long for the page of its call and is "
                        "set on a later page; shortening it keeps it with its call",
                        chapter.source,
                    )
                )
    return warnings


def font_warnings(book: Book) -> list[Warning]:
    """Characters no installed face has, and the slow font subsetting."""
    warnings = _missing_glyphs(book)
    if not fast_subsetting():
        warnings.append(
            Warning(
                "HarfBuzz-subset is missing: fonts are subset with fontTools, several times "
                "slower (install libharfbuzz-subset0; `make` does)"
            )
        )
    return warnings


def fast_subsetting() -> bool:
    """True when WeasyPrint subsets fonts with HarfBuzz (its fontTools fallback is slow)."""
    from ..weasy.load import load  # late: WeasyPrint's set-up, loaded only when needed

    load()  # before WeasyPrint's first import (a build whose pieces are all cached)
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset  # late: after load()

    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def glyph_families(settings: PdfSettings) -> tuple[str, ...]:
    """The families whose coverage font_warnings reads (fonts.coverage)."""
    return (settings.body_font, settings.latin_font, settings.heading_font, *emoji.families())


def _chapter_text(chapter: Chapter) -> str:
    """The characters a chapter shows: title, text and notes."""
    text = chapter.title + text_of(chapter.body)
    return text + "".join(text_of(note.html) for note in chapter.footnotes)


def _missing_glyphs(book: Book) -> list[Warning]:
    """Warn, by chapter, of characters no installed face can show: neither the configured
    faces, nor the fallback faces for their script (fallback.py), nor any other face
    fontconfig would fall back to."""
    families = glyph_families(book.settings.pdf)
    taken = fallback.emoji_coverage()
    warnings = []
    for chapter in book.chapters:
        missing = missing_characters(_chapter_text(chapter), families)
        if missing:
            codes = set(map(ord, missing))
            drawn = fallback.drawn(codes, taken)
            missing = [c for c in missing if ord(c) not in drawn and not fallback.any_face_has(c)]
        if missing:
            shown = " ".join(f"{c} (U+{ord(c):04X})" for c in missing[:8])
            more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
            warnings.append(
                Warning(
                    f"{len(missing)} character(s) no installed font has: {shown}{more}",
                    chapter.source,
                )
            )
    return warnings
