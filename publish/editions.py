"""The other Chinese editions of a book (`[editions]`): the model converted, between the
reader and the renderers (book folder → reader → model → edition → renderers).

An edition is a copy of the model in another region's characters and conventions: its text,
titles, TOC, notes, metadata and imprint converted by OpenCC with phrases (s2twp: 软件 →
軟體), never inside code, URLs, maths or `{.no-convert}` spans; the book's own phrases
(`[editions] phrases`) first; its language tag, quotation marks and faces the region's.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from pathlib import Path

from .config import Edition, Settings, key_line
from .errors import PublishError
from .model import Book, Chapter, Heading, Warning
from .typography.prepare import URL_RE, prepare_title
from .typography.quotes import convert_quotes
from .typography.textnodes import SKIP, map_attributes, map_text
from .words import fallbacks

#: The class of an inline span no edition converts: `[王小明]{.no-convert}`.
NO_CONVERT = "no-convert"

#: OpenCC's configuration by (the source's script, the edition): Simplified → Taiwan with
#: Taiwan's words (软件 → 軟體), → Hong Kong's forms, Traditional → Simplified. A source
#: already in the edition's script keeps its characters but for the region's variants.
CONVERSIONS: dict[tuple[str, str], str] = {
    ("hans", "zh-TW"): "s2twp",
    ("hans", "zh-HK"): "s2hk",
    ("hans", "zh-Hant"): "s2t",
    ("hant", "zh-CN"): "t2s",
    ("hant", "zh-TW"): "t2tw",
    ("hant", "zh-HK"): "t2hk",
}
_SCRIPTS = {"hans": "Simplified", "hant": "Traditional"}


def script(language: str) -> str:
    """ "hant" for a Traditional Chinese language tag (zh-TW, zh-Hant…), else "hans"."""
    return "hant" if "zh-hant" in fallbacks(language) else "hans"


@functools.cache
def _opencc(config: str) -> Callable[[str], str]:
    import opencc  # late: OpenCC's dictionaries load only for a book with editions

    return opencc.OpenCC(config).convert


class Converter:
    """Text in the edition's characters: the book's own phrases as given, the rest by
    OpenCC (`config`; None: only the phrases)."""

    def __init__(self, config: str | None, phrases: dict[str, str]) -> None:
        self.convert = _opencc(config) if config else None
        self.phrases = phrases
        words = sorted(phrases, key=len, reverse=True)
        self.pattern = re.compile("|".join(map(re.escape, words))) if words else None

    def __call__(self, text: str) -> str:
        """`text` converted; URLs in it untouched."""
        if not text or text.isascii():
            return text
        out, last = [], 0
        for match in URL_RE.finditer(text):
            out += [self._words(text[last : match.start()]), match.group(0)]
            last = match.end()
        out.append(self._words(text[last:]))
        return "".join(out)

    def _words(self, text: str) -> str:
        if not text or text.isascii():
            return text
        if self.pattern is None:
            return self.convert(text) if self.convert else text
        out, last = [], 0
        for match in self.pattern.finditer(text):
            out += [self._opencc(text[last : match.start()]), self.phrases[match.group(0)]]
            last = match.end()
        out.append(self._opencc(text[last:]))
        return "".join(out)

    def _opencc(self, text: str) -> str:
        return self.convert(text) if self.convert and text else text

    def html(self, fragment: str) -> str:
        """An XHTML fragment of the model converted, outside code, maths and no-convert
        (and its images' descriptions)."""
        fragment = map_text(fragment, lambda text, _b, _a: self(text), SKIP, NO_CONVERT)
        return map_attributes(fragment, self)


def converter(book: Book, edition: Edition) -> Converter:
    """The converter from the book's script to the edition's (a warning on the book when
    the two are the same: only the region's variant forms and the book's phrases apply)."""
    source = script(book.metadata.language)
    target = script(edition.name)
    config = CONVERSIONS.get((source, edition.name))
    pairs = book.settings.phrases
    phrases = dict(pairs) if target == "hant" else {new: old for old, new in pairs}
    if source == target:
        book.warnings.append(
            Warning(
                f"edition {edition.name}: the book is already in {_SCRIPTS[source]} Chinese "
                f'(language "{book.metadata.language}"): nothing to convert'
                + (f" but the region's variant forms ({config})" if config else ""),
                book.root / "book.toml",
            )
        )
    return Converter(config, phrases)


def check_faces(edition: Edition, toml: Path) -> None:
    """Every face the edition's print settings name is installed, or one line saying which
    is missing and how to set another."""
    from .fonts import installed_faces  # late: fontconfig's list, for a book with editions

    settings = edition.settings.pdf
    for key in ("body_font", "heading_font", "latin_font", "mono_font"):
        family = getattr(settings, key)
        if not installed_faces(family):
            name = key.replace("_", "-")
            text = toml.read_text(encoding="utf-8") if toml.is_file() else ""
            raise PublishError(
                f'edition {edition.name}: font "{family}" ({name}) is not installed; install '
                f"it (Debian: fonts-noto-cjk) or set `{name}` in [editions.{edition.name}.pdf]",
                toml,
                key_line(text, name, f"editions.{edition.name}.pdf"),
            )


def convert_book(book: Book, edition: Edition) -> Book:
    """The model of `edition`: a converted copy of `book` (which is left as it is but for
    the warning `converter` may add)."""
    convert = converter(book, edition)
    settings = edition.settings
    typography = settings.typography
    quotes = (
        functools.partial(convert_quotes, style=typography.quotes) if typography.quotes else None
    )

    def html(fragment: str) -> str:
        fragment = convert.html(fragment)
        return map_text(fragment, quotes) if quotes else fragment

    def title(text: str) -> str:
        return prepare_title(convert(text), typography)

    def heading(entry: Heading) -> Heading:
        return dataclasses.replace(
            entry, title=title(entry.title), children=[heading(c) for c in entry.children]
        )

    parts: dict = {}  # each Part once (chapters compare them)
    chapters: list[Chapter] = []
    for chapter in book.chapters:
        part = chapter.part
        if part is not None:
            part = parts.setdefault(part.id, dataclasses.replace(part, title=title(part.title)))
        notes = [dataclasses.replace(note, html=html(note.html)) for note in chapter.footnotes]
        chapters.append(
            dataclasses.replace(
                chapter,
                title=title(chapter.title),
                body=html(chapter.body),
                sections=[heading(s) for s in chapter.sections],
                footnotes=notes,
                part=part,
            )
        )
    return dataclasses.replace(
        book,
        metadata=_metadata(book, edition, convert, title),
        settings=_settings(settings, convert),
        chapters=chapters,
        warnings=[],
    )


def _metadata(book: Book, edition: Edition, convert: Converter, title) -> object:
    meta = book.metadata
    return dataclasses.replace(
        meta,
        title=title(meta.title),
        subtitle=title(meta.subtitle) if meta.subtitle else None,
        authors=tuple(convert(a) for a in meta.authors),
        language=edition.name,
        publisher=convert(meta.publisher) if meta.publisher else None,
        description=convert(meta.description) if meta.description else None,
        rights=convert(meta.rights) if meta.rights else None,
        subjects=tuple(convert(s) for s in meta.subjects),
    )


def _settings(settings: Settings, convert: Converter) -> Settings:
    """The texts the settings print (the copyright page's names, the back cover) converted."""
    imprint = settings.imprint
    texts = {
        f.name: convert(getattr(imprint, f.name))
        for f in dataclasses.fields(imprint)
        if isinstance(getattr(imprint, f.name), str) and f.name not in ("isbn", "price")
    }
    cover = settings.cover
    if cover is not None and cover.back_text:
        cover = dataclasses.replace(cover, back_text=convert(cover.back_text))
    return dataclasses.replace(settings, imprint=dataclasses.replace(imprint, **texts), cover=cover)
