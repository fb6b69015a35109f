"""book.toml: reading it, checking every key, and the renderer settings with defaults.

Every mistake is a `PublishError` naming book.toml and, where it can be found, the line.
"""

from __future__ import annotations

import contextlib
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import PublishError
from .imprint.formats import FORMATS, Sheet, parse_sheet

#: Named page sizes in millimetres (ISO, JIS B and the Chinese 16开/32开 trims).
PAGE_SIZES: dict[str, tuple[float, float]] = {
    "A4": (210, 297),
    "A5": (148, 210),
    "A6": (105, 148),
    "B5": (176, 250),
    "B6": (125, 176),
    "JIS-B5": (182, 257),
    "JIS-B6": (128, 182),
    "16K": (185, 260),
    "32K": (130, 184),
    "LETTER": (215.9, 279.4),
}
# The Chinese formats by name (16开, 大32开, 正度16开…: imprint/formats.py).
PAGE_SIZES.update(
    {name: (f.width, f.height) for name, f in FORMATS.items() if name not in PAGE_SIZES}
)

BOOK_KEYS = {
    "title", "subtitle", "authors", "language", "identifier", "publisher", "date",
    "description", "rights", "subjects", "chapters", "cover", "summary",
}  # fmt: skip
#: What a chapter may be (`chapters = [{file = "…", kind = "preface"}]`): front matter,
#: the text, back matter.
CHAPTER_KINDS = ("dedication", "preface", "chapter", "afterword", "appendix")

_LANG_RE = re.compile(
    r"^(?:[a-zA-Z]{2,3}(?:-[a-zA-Z]{3}){0,3}|[a-zA-Z]{4,8})"  # language
    r"(?:-[a-zA-Z]{4})?"  # script
    r"(?:-(?:[a-zA-Z]{2}|\d{3}))?"  # region
    r"(?:-(?:[a-zA-Z\d]{5,8}|\d[a-zA-Z\d]{3}))*"  # variants
    r"(?:-[0-9a-wyzA-WYZ](?:-[a-zA-Z\d]{2,8})+)*"  # extensions
    r"(?:-x(?:-[a-zA-Z\d]{1,8})+)?$"  # private use
)
_DATE_RE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
_UUID_URN_RE = re.compile(r"^urn:uuid:[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_ISBN_URN_RE = re.compile(r"^urn:isbn:(?:97[89])?\d{9}[\dXx]$")


class Check:
    """What a key's parser needs to refuse a value: one line naming book.toml and the key's
    line (`fail`, from `check_tables`)."""

    def __init__(self, fail: Callable[..., PublishError], key: str, section: str) -> None:
        self.fail, self.key, self.section = fail, key, section

    def error(self, message: str) -> PublishError:
        return self.fail(message, self.key, self.section)


#: A key's parser: the value as TOML gives it → the setting (or raise `check.error(…)`).
Parser = Callable[[Any, Check], Any]


@dataclass(frozen=True)
class Key:
    """One book.toml key, declared once on its settings field: its name, its parser (None:
    its section's own step parses it, with the keys it depends on), what it is for."""

    name: str
    parse: Parser | None
    doc: str


def setting(name: str, default: Any, parse: Parser | None, doc: str) -> Any:
    """A settings field that is the book.toml key `name` (see `Key`)."""
    return field(default=default, metadata={"key": Key(name, parse, doc)})


def declared_keys(cls: type) -> list[tuple[str, Key]]:
    """(field name, Key) of each book.toml key a settings class declares, in order."""
    return [(f.name, f.metadata["key"]) for f in fields(cls) if "key" in f.metadata]


# The parsers the declarations use. Numbers are finite and ranged: TOML's nan and inf
# fail the range with the key's usual message.


def boolean() -> Parser:
    def parse(value: Any, check: Check) -> bool:
        if not isinstance(value, bool):
            raise check.error(f"`{check.key}` must be true or false")
        return value

    return parse


def number(
    low: float, high: float, range_message: str, *, unit: str = "", kind: str = ""
) -> Parser:
    """A number from `low` to `high`; `unit` (e.g. "pt") may follow it in a string; `kind`
    says what it is when it is not a number (" of mm"; default: " in UNIT")."""
    kind = kind or (f" in {unit}" if unit else "")

    def parse(value: Any, check: Check) -> float:
        result: float | None = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            result = float(value)
        elif isinstance(value, str) and unit and value.strip().endswith(unit):
            with contextlib.suppress(ValueError):
                result = float(value.strip()[: -len(unit)])
        if result is None:
            raise check.error(f"`{check.key}` must be a number{kind}")
        if not (math.isfinite(result) and low <= result <= high):
            raise check.error(range_message.format(key=check.key, low=low, high=high))
        return result

    return parse


def choice(*choices: str) -> Parser:
    def parse(value: Any, check: Check) -> str:
        if value not in choices:
            quoted = " or ".join(f'"{choice}"' for choice in choices)
            raise check.error(f"`{check.key}` must be {quoted}")
        return value

    return parse


def text(what: str, strip: str | None = None) -> Parser:
    """A non-empty string, stripped (of `strip` only, when given); else "`key` must be WHAT"."""

    def parse(value: Any, check: Check) -> str:
        if not isinstance(value, str) or not value.strip():
            raise check.error(f"`{check.key}` must be {what}")
        return value.strip(strip)

    return parse


def _page_size(size: Any, check: Check) -> tuple[float, float]:
    if isinstance(size, str) and size.upper() in PAGE_SIZES:
        return PAGE_SIZES[size.upper()]
    parts = size.split() if isinstance(size, str) else size
    try:
        width, height = (float(p) for p in parts)
        if not (50 <= width <= 1000 and 50 <= height <= 1000):
            raise ValueError
    except (TypeError, ValueError):
        raise check.error(
            f"`page-size` {size!r} is not one of {', '.join(PAGE_SIZES)} "
            'nor "WIDTH HEIGHT" in mm (50 to 1000)'
        ) from None
    return (width, height)


#: A margin beyond this is no book's; the text area left must be at least MIN_TEXT_AREA.
MAX_MARGIN = 200
MIN_TEXT_AREA = 20


def _margin(margin: Any, check: Check) -> tuple[float, float, float, float]:
    items = margin if isinstance(margin, list) else [margin]
    try:
        numbers = [float(m) for m in items if not isinstance(m, bool)]
        if len(numbers) != len(items) or len(numbers) not in (1, 2, 4):
            raise ValueError
        if not all(math.isfinite(n) for n in numbers):
            raise ValueError
    except (TypeError, ValueError):
        raise check.error(
            "`margin` must be mm: one number, or [vertical, horizontal], or "
            "[top, outer, bottom, inner]"
        ) from None
    if not all(0 <= n <= MAX_MARGIN for n in numbers):
        raise check.error(f"`margin` must be from 0 to {MAX_MARGIN} mm on each side")
    if len(numbers) == 1:
        numbers *= 4
    elif len(numbers) == 2:
        numbers = numbers * 2
    return (numbers[0], numbers[1], numbers[2], numbers[3])


def _toc_depth(depth: Any, check: Check) -> int:
    if isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= 4:
        raise check.error("`toc-depth` must be a whole number from 0 to 4")
    return depth


def _sheet(value: Any, check: Check) -> Sheet:
    sheet = parse_sheet(value) if isinstance(value, str) else None
    if sheet is None:
        raise check.error(
            '`sheet` must be the parent sheet in mm and the fold, like "787 1092 1/16"'
        )
    return sheet


def _running_heads(table: Any, check: Check) -> tuple[tuple[str, str], ...]:
    if not isinstance(table, dict) or not all(
        isinstance(v, str) and v.strip() for v in table.values()
    ):
        raise check.error('`running-head` must be a table: "03-长标题.md" = "短标题"')
    return tuple((name, head.strip()) for name, head in table.items())


def _signature(signature: Any, check: Check) -> int:
    if (
        isinstance(signature, bool)
        or not isinstance(signature, int)
        or not (signature == 0 or 2 <= signature <= 64 and signature % 2 == 0)
    ):
        raise check.error("`signature` must be 0 (no padding) or an even number of pages up to 64")
    return signature


_FONT = text("a font family name")


@dataclass(frozen=True)
class PdfSettings:
    """`[pdf]`: page geometry and faces of the print edition."""

    page_size: tuple[float, float] = setting(
        "page-size", PAGE_SIZES["A5"], _page_size, "a named size or WIDTH HEIGHT in mm"
    )
    font_size: float = setting(
        "font-size",
        10.5,
        number(5, 30, "`font-size` must be between 5pt and 30pt", unit="pt"),
        "pt",
    )
    line_height: float = setting(
        "line-height", 1.7, number(1, 3, "`line-height` must be between 1 and 3"), "× font size"
    )
    margin: tuple[float, float, float, float] = setting(
        "margin", (20, 16, 20, 18), _margin, "mm: top, outer, bottom, inner"
    )
    body_font: str = setting("body-font", "Noto Serif CJK SC", _FONT, "Song/Ming face")
    heading_font: str = setting("heading-font", "Noto Sans CJK SC", _FONT, "Hei face")
    latin_font: str = setting("latin-font", "Noto Serif", _FONT, "Latin face")
    mono_font: str = setting("mono-font", "Noto Sans Mono CJK SC", _FONT, "code face")
    toc_depth: int = setting(
        "toc-depth",
        2,
        _toc_depth,
        "levels of sections below the chapters in the printed TOC, the bookmarks and the nav",
    )
    link_pages: bool = setting(
        "link-pages", True, boolean(), "after an internal link, the page it leads to"
    )
    link_urls: str = setting(
        "link-urls",
        "link",
        choice("link", "footnote"),
        'external links: "link" (clickable only) or "footnote" (the address in a footnote too)',
    )
    sheet: Sheet | None = setting(
        "sheet", FORMATS["A5"].sheet, _sheet, "the parent sheet and fold (开本), if known"
    )
    signature: int = setting(
        "signature", 0, _signature, "pad the page count to a multiple of this (0: no padding)"
    )
    running_head: tuple[tuple[str, str], ...] = setting(
        "running-head", (), _running_heads, "chapter file → the short title of its running heads"
    )
    writing_mode: str = setting(
        "writing-mode",
        "horizontal-tb",
        choice("horizontal-tb", "vertical-rl"),
        'or "vertical-rl": columns top to bottom, right to left (pdf/vertical.py)',
    )
    # The print keys: parsed together by `_print_settings` (their defaults depend on each
    # other: a PDF/X standard or a profile asks for CMYK and 3 mm of bleed).
    bleed: tuple[float, float, float, float] = setting(
        "bleed", (0, 0, 0, 0), None, "mm beyond the trim: top, outer, bottom, inner"
    )
    marks: bool = setting("marks", False, None, "crop marks")
    standard: str = setting("standard", "", None, "one of STANDARDS")
    output_profile: Path | None = setting(
        "output-profile", None, None, "the printer's ICC profile (absolute)"
    )
    colour: str = setting("colour", "rgb", None, '"rgb" (screen), "cmyk" or "grey"')
    output_condition: str = setting(
        "output-condition",
        "",
        None,
        'the standard printing condition (prepress/registry.py), e.g. "FOGRA29"; "": FOGRA39 '
        "unless output-profile is given (a custom condition)",
    )
    ink_limit: float = setting(
        "ink-limit",
        300.0,
        number(200, 400, "`ink-limit` must be a total ink in % (200 to 400)", kind=" in %"),
        "% total ink of converted colours and images",
    )

    @property
    def for_print(self) -> bool:
        """True when the PDF goes through the prepress step (prepress.finish)."""
        print_standard = self.standard.startswith("pdf/x")
        return print_standard or self.colour != "rgb" or self.marks or any(self.bleed)


#: `[pdf] standard` values.
STANDARDS = ("", "pdf/x-4", "pdf/x-1a", "pdf/x-1a:2001", "pdf/ua-1")
#: `[pdf] colour` values.
COLOURS = ("rgb", "cmyk", "grey")


def _profiles(value: Any, check: Check) -> tuple[str, ...]:
    """`profile = "kindle"` or `profile = ["standard", "apple"]` (epubprofiles.PROFILES)."""
    from .epubprofiles import PROFILES  # late: the EPUB side, read only for this key

    names = [value] if isinstance(value, str) else value
    if (
        not isinstance(names, list)
        or not names
        or not all(isinstance(n, str) and n in PROFILES for n in names)
        or len(set(names)) != len(names)
    ):
        raise check.error(f"`profile` must be one of {', '.join(PROFILES)}, or a list of them")
    return tuple(names)


@dataclass(frozen=True)
class EpubSettings:
    """`[epub]`: options of the e-book edition."""

    embed_fonts: bool = setting("embed-fonts", True, boolean(), "embed the faces, subset")
    writing_mode: str = setting(
        "writing-mode", "horizontal-tb", choice("horizontal-tb", "vertical-rl"), "or vertical"
    )
    justify: bool = setting("justify", True, boolean(), "justified text")
    line_height: float = setting(
        "line-height",
        1.75,
        number(1, 3, "`line-height` must be a number between 1 and 3", kind=" between 1 and 3"),
        "× font size",
    )
    certified_by: str | None = setting(
        "certified-by", None, text("a non-empty string"), "who checked the accessibility"
    )
    accessibility_summary: str | None = setting(
        "accessibility-summary",
        None,
        text("a non-empty string"),
        "replaces the generated summary",
    )
    profiles: tuple[str, ...] = setting(
        "profile",
        ("standard",),
        _profiles,
        "or apple, kindle, duokan, weread, or a list: one EPUB each",
    )


def _pinyin(value: Any, check: Check) -> bool | tuple[str, ...]:
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise check.error('`pinyin` must be true, false or a list of chapter files: ["01-….md"]')


def _pinyin_overrides(overrides: Any, check: Check) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(overrides, dict):
        raise check.error('`pinyin-overrides` must be a table: "重庆" = "chóng qìng"')
    result = []
    for word, reading in overrides.items():
        syllables = tuple(reading.split()) if isinstance(reading, str) else ()
        if not word or len(syllables) != len(word):
            raise check.fail(
                f"pinyin override `{word}` must give one syllable per character, "
                f"separated by spaces",
                word,
                "typography.pinyin-overrides",
            )
        result.append((word, syllables))
    return tuple(result)


@dataclass(frozen=True)
class TypographySettings:
    """`[typography]`: the Chinese typesetting pass shared by both editions."""

    normalize_punctuation: bool = setting(
        "normalize-punctuation", True, boolean(), "ASCII , : ; ? ! ( ) between Chinese → ，：…"
    )
    emphasis: str = setting("emphasis", "dots", choice("dots", "kai", "bold"), "着重号")
    long_emphasis: str = setting(
        "long-emphasis",
        "kai",
        choice("kai", "dots"),
        "with dots: a passage in <em> (over 15 Han, a paragraph, a caption) in Kai, or dotted",
    )
    quotes: str | None = setting(
        "quotes", None, choice("curly", "corner"), '"curly" “‘’”, "corner" 「『』」; as written'
    )
    hanging_punctuation: bool = setting(
        "hanging-punctuation", False, boolean(), "。，、 may hang past the line end"
    )
    compress_punctuation: bool = setting(
        "compress-punctuation",
        True,
        boolean(),
        "two marks in a row set in one and a half em (mainland); false: each a full em "
        "(Taiwan, Hong Kong: the zh-TW and zh-HK editions' default)",
    )
    pinyin: bool | tuple[str, ...] = setting(
        "pinyin", False, _pinyin, "every chapter, or these chapter files"
    )
    pinyin_overrides: tuple[tuple[str, tuple[str, ...]], ...] = setting(
        "pinyin-overrides", (), _pinyin_overrides, "word → syllables"
    )


@dataclass(frozen=True)
class SecuritySettings:
    """`[security]`: what a manuscript may bring in besides its own files (nothing, by
    default)."""

    allow_data_urls: bool = setting(
        "allow-data-urls", False, boolean(), "images given as data: URLs"
    )
    allow_remote_images: bool = setting(
        "allow-remote-images", False, boolean(), "http(s) images, fetched once while reading"
    )


_IMPRINT_TEXT = text("a non-empty string in quotes")


def _isbn(value: Any, check: Check) -> str:
    # late: python-stdnum loads only when a book has an ISBN (start-up time)
    from stdnum import isbn
    from stdnum.exceptions import ValidationError

    try:
        return isbn.to_isbn13(isbn.validate(_IMPRINT_TEXT(value, check)))
    except ValidationError as exc:
        reason = exc.message.lower().rstrip(".")
        raise check.error(f"`isbn` {value!r} is not a valid ISBN ({reason})") from None


def _imprint(name: str, doc: str = "", parse: Parser = _IMPRINT_TEXT) -> Any:
    return setting(name, None, parse, doc or "printed on the copyright page")


@dataclass(frozen=True)
class ImprintSettings:
    """`[imprint]`: what the copyright page (版权页) prints besides the figures computed
    from the layout. `given` is false when book.toml has no `[imprint]`."""

    given: bool = False
    isbn: str | None = _imprint("isbn", "ISBN-13, digits only (validated)", _isbn)
    price: str | None = _imprint("price")
    cip: str | None = _imprint(
        "cip", "the CIP data, as given", text("a non-empty string in quotes", "\n")
    )
    editor: str | None = _imprint("editor")
    designer: str | None = _imprint("designer")
    proofreader: str | None = _imprint("proofreader")
    publisher_address: str | None = _imprint("publisher-address")
    printer: str | None = _imprint("printer")
    distributor: str | None = _imprint("distributor")
    edition: str | None = _imprint("edition")
    printing: str | None = _imprint("printing")
    print_run: str | None = _imprint("print-run")


_COVER_MM = "`{key}` must be between {low:g} and {high:g} mm"


@dataclass(frozen=True)
class CoverSettings:
    """`[cover]`: the printed cover spread (mm)."""

    paper_caliper: float = setting(
        "paper-caliper", 0.1, number(0.01, 1.0, _COVER_MM, kind=" of mm"), "per leaf (two pages)"
    )
    board: float = setting("board", 0.0, number(0.0, 20.0, _COVER_MM, kind=" of mm"), "mm")
    back_text: str | None = setting(
        "back-text", None, text("a non-empty string"), "text on the back cover"
    )
    bleed: float = 3.0  # all round; not a key of its own ([pdf] bleed is prepress's)
    marks: bool | None = setting(
        "marks", None, boolean(), "crop and fold marks (default: [pdf] marks)"
    )
    binding: str = setting(
        "binding", "", choice("perfect", "saddle"), '"perfect" or "saddle"; default: by the spine'
    )


def _readings(value: Any, check: Check) -> tuple[tuple[str, str], ...]:
    """`{ "曾国藩" = "zeng1 guo2 fan1" }` (or "zēng guó fān"): each word's syllables, tone
    numbers (tone3: `zeng1`)."""
    # late: pypinyin loads only for a book with readings (start-up time)
    from pypinyin.contrib.tone_convert import to_tone3

    if not isinstance(value, dict):
        raise check.error(f'`{check.key}` must be a table: "曾国藩" = "zeng1 guo2 fan1"')
    result = []
    for word, reading in value.items():
        syllables = reading.split() if isinstance(reading, str) else []
        tone3 = [to_tone3(s.lower(), neutral_tone_with_five=True) for s in syllables]
        if not word or len(tone3) != len(word) or not all(_TONE3_RE.match(s) for s in tone3):
            raise check.error(f"`{check.key}`: `{word}` must give one syllable with its tone "
                              'per character: "zeng1 guo2 fan1"')  # fmt: skip
        result.append((word, " ".join(tone3)))
    return tuple(result)


_TONE3_RE = re.compile(r"^[a-zü]+[1-5]$")
_WORD = text("a non-empty string")


@dataclass(frozen=True)
class CrossrefSettings:
    """`[crossref]`: how figures, tables, equations and listings are numbered and named
    (publish/apparatus/crossref.py); a word not given is the book language's."""

    numbering: str = setting(
        "numbering", "chapter", choice("chapter", "book"), "图 1-1 per chapter, or 图 1 through"
    )
    figure: str | None = setting("figure", None, _WORD, "the figures' word: 图, Figure")
    table: str | None = setting("table", None, _WORD, "the tables' word: 表, Table")
    equation: str | None = setting("equation", None, _WORD, "before （1-1） in a reference: 式")
    listing: str | None = setting("listing", None, _WORD, "the listings' word: 代码清单, Listing")
    separator: str | None = setting("separator", None, _WORD, "chapter and number: 1-1, 1.1")


@dataclass(frozen=True)
class IndexSettings:
    """`[index]`: the index's term list, its order, the book's readings of polyphones
    (publish/apparatus/index.py)."""

    terms: str | None = setting(
        "terms", None, text("a file name in quotes"), "a term a line, marked wherever it stands"
    )
    order: str = setting(
        "order", "pinyin", choice("pinyin", "stroke", "radical"), "拼音, 笔画 or 部首 order"
    )
    readings: tuple[tuple[str, str], ...] = setting(
        "readings",
        (),
        _readings,
        'polyphones as this book reads them: "曾国藩" = "zeng1 guo2 fan1"',
    )


@dataclass(frozen=True)
class CitationSettings:
    """`[book]`'s citation keys: the bibliography file, the GB/T 7714 style, where the list
    of references stands (publish/apparatus/citations/). The style's name is checked by
    the apparatus: an unknown one is a warning, the book still built."""

    bibliography: str | None = setting(
        "bibliography", None, text("a file name in quotes"), "refs.bib (BibTeX) or CSL-JSON"
    )
    style: str = setting(
        "citation-style", "gb7714-2015-numeric", text("a style name in quotes"),
        "gb7714-2015-numeric, -author-date; gb7714-2025-numeric, -author-date",
    )  # fmt: skip
    scope: str = setting(
        "bibliography-scope", "book", choice("book", "chapter"),
        "参考文献 at the end of the book, or of each chapter",
    )  # fmt: skip


@dataclass(frozen=True)
class Settings:
    output_name: str = "book"
    pdf: PdfSettings = field(default_factory=PdfSettings)
    epub: EpubSettings = field(default_factory=EpubSettings)
    typography: TypographySettings = field(default_factory=TypographySettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    imprint: ImprintSettings = field(default_factory=ImprintSettings)
    #: None when book.toml has no `[cover]`: no cover spread in `--format all`.
    cover: CoverSettings | None = None
    crossref: CrossrefSettings = field(default_factory=CrossrefSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    citations: CitationSettings = field(default_factory=CitationSettings)
    #: `[editions]`: the other Chinese editions built beside this one (editions.py).
    editions: tuple[Edition, ...] = ()
    #: `[editions] phrases`: the book's own conversions (`简 繁` pairs) and their file.
    phrases: tuple[tuple[str, str], ...] = ()
    phrases_file: Path | None = None


@dataclass(frozen=True)
class Region:
    """What an edition's region sets by default: the faces' suffix (Noto Serif CJK SC →
    TC), the quotation marks, whether punctuation is compressed."""

    faces: str
    quotes: str
    compress: bool


#: The editions `[editions]` may ask for, by language tag (the files' infix: NAME.zh-TW.pdf).
REGIONS: dict[str, Region] = {
    "zh-TW": Region("TC", "corner", False),
    "zh-HK": Region("HK", "corner", False),
    "zh-Hant": Region("TC", "corner", False),
    "zh-CN": Region("SC", "curly", True),
}


@dataclass(frozen=True)
class Edition:
    """One edition of `[editions]`: its language tag and its settings (the book's, with
    the region's defaults and the edition's own overrides)."""

    name: str
    settings: Settings


@dataclass(frozen=True)
class BookConfig:
    """book.toml, checked: the `[book]` table as given plus the parsed settings."""

    path: Path
    book: dict[str, Any]
    settings: Settings


#: The sections of our settings, each a class declaring its keys (`setting`).
SECTIONS: dict[str, type] = {
    "pdf": PdfSettings,
    "epub": EpubSettings,
    "typography": TypographySettings,
    "security": SecuritySettings,
    "imprint": ImprintSettings,
    "cover": CoverSettings,
    "crossref": CrossrefSettings,
    "index": IndexSettings,
}
#: What `[editions.NAME]` may override.
EDITION_SECTIONS = ("pdf", "epub", "typography", "imprint", "cover")
#: Every key book.toml may hold, by section: what "unknown key … did you mean" knows.
SECTION_KEYS: dict[str, set[str]] = {
    # [book]'s own keys and the citation keys CitationSettings declares there
    "book": BOOK_KEYS | {key.name for _, key in declared_keys(CitationSettings)},
    "output": {"name"},
    **{name: {key.name for _, key in declared_keys(cls)} for name, cls in SECTIONS.items()},
    "editions": {*REGIONS, "phrases"},
}


def parse_section(cls: type, table: dict[str, Any], section: str, fail) -> dict[str, Any]:
    """The settings `table` gives, by field name, each parsed by its key's declaration (the
    keys parsed by their section's own step left out)."""
    values: dict[str, Any] = {}
    for name, key in declared_keys(cls):
        if key.parse is not None and key.name in table:
            values[name] = key.parse(table[key.name], Check(fail, key.name, section))
    return values


def key_line(text: str, key: str, section: str | None = None) -> int | None:
    """The line of `key = …` in book.toml (inside `[section]` when given), for messages."""
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\s*([A-Za-z0-9_.-]+)\s*\]", stripped)
        if header:
            current = header.group(1)
            # A section's header, or its first subtable's ([editions.zh-TW.pdf])
            if key == "" and section and (current == section or current.startswith(section + ".")):
                return number
            continue
        if (section is None or current == section) and re.match(
            rf'^["\']?{re.escape(key)}["\']?\s*=', stripped
        ):
            return number
    return None


def load_config(path: Path) -> BookConfig:
    """Read and check book.toml; the first problem found is raised as a PublishError."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM, as Windows editors write
    except FileNotFoundError:
        raise PublishError("no book.toml here (a manuscript needs one)", path) from None
    except UnicodeDecodeError as exc:
        raise PublishError(f"not UTF-8 text (byte {exc.start})", path) from None
    except OSError as exc:
        raise PublishError(f"cannot read: {exc.strerror}", path) from None
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise PublishError("invalid TOML: nested too deeply", path) from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise PublishError(f"invalid TOML: {message}", path, line) from None
    return check_tables(data, text, path)


def check_tables(
    data: dict[str, Any], text: str, path: Path, prefix: str = "", book_required: bool = True
) -> BookConfig:
    """Check the tables of a book.toml (or, with `prefix` "output.publish.", those of our
    settings inside an mdBook's book.toml); `text` is the file's, for line numbers."""

    def fail(message: str, key: str = "", section: str | None = "book") -> PublishError:
        # Without a key, the line is the section's header.
        where = prefix + section if section is not None else None
        return PublishError(message, path, key_line(text, key, where))

    for section, value in data.items():
        if section not in SECTION_KEYS:
            raise fail(
                _unknown(
                    "section", f"[{prefix}{section}]", [f"[{prefix}{s}]" for s in SECTION_KEYS]
                ),
                "",
                section,
            )
        if not isinstance(value, dict):
            raise fail(f"`{section}` must be a table: [{section}]", section, None)
        for key in value:
            if key not in SECTION_KEYS[section]:
                what = "edition" if section == "editions" else f"key in [{section}]"
                valid = sorted(SECTION_KEYS[section])
                if section == "editions" and key_line(text, key, prefix + section) is None:
                    # Given as its own tables only: [editions.zh-SG.pdf]
                    raise fail(_unknown(what, key, valid), "", f"editions.{key}")
                raise fail(_unknown(what, key, valid), key, section)

    book = data.get("book")
    if book is None and book_required:
        raise fail("missing [book] table (title, authors, language, chapters)")
    if book is not None:
        _check_book(book, fail, book_required)

    settings = _settings(data, path, fail)
    if "editions" in data:
        settings = _editions(settings, data, path, fail)
    pinyin = settings.typography.pinyin
    for name in pinyin if isinstance(pinyin, tuple) else ():
        if name not in book["chapters"]:
            raise fail(f"`pinyin`: `{name}` is none of the chapters", "pinyin", "typography")
    return BookConfig(path, book, settings)


def _settings(data: dict[str, Any], path: Path, fail) -> Settings:
    """The settings of the tables in `data` (each parsed by its keys' declarations)."""

    def parsed(section: str) -> dict[str, Any]:
        return parse_section(SECTIONS[section], data.get(section, {}), section, fail)

    return Settings(
        output_name=_output_name(data.get("output", {}), path, fail),
        pdf=_print_settings(
            _pdf_settings(data.get("pdf", {}), fail), data.get("pdf", {}), path, fail
        ),
        epub=EpubSettings(**parsed("epub")),
        typography=TypographySettings(**parsed("typography")),
        security=SecuritySettings(**parsed("security")),
        imprint=ImprintSettings(given=True, **parsed("imprint"))
        if "imprint" in data
        else ImprintSettings(),
        cover=CoverSettings(**parsed("cover")) if "cover" in data else None,
        crossref=CrossrefSettings(**parsed("crossref")),
        index=IndexSettings(**parsed("index")),
        citations=CitationSettings(
            **parse_section(CitationSettings, data.get("book", {}), "book", fail)
        ),
    )


def _unknown(what: str, name: str, valid: list[str]) -> str:
    import difflib  # only for a mistake's message

    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
    hint = f"; did you mean `{close[0]}`?" if close else f"; valid: {', '.join(valid)}"
    return f"unknown {what} `{name}`{hint}"


def _check_book(book: dict[str, Any], fail, complete: bool = True) -> None:
    """Check `[book]`; `complete`: a book.toml of ours, where the title, authors, language
    and chapters (or summary) must all be given."""
    for key in ("title", "authors", "language") if complete else ():
        if key not in book:
            raise fail(f"[book] is missing `{key}`")
    if complete and "chapters" not in book and "summary" not in book:
        raise fail("[book] is missing `chapters` (or `summary`)")
    if "chapters" in book and "summary" in book:
        raise fail("give `chapters` or `summary`, not both", "summary")
    for key in ("title", "subtitle", "language", "identifier", "publisher", "description",
                "rights", "date", "cover", "summary"):  # fmt: skip
        if key in book and not isinstance(book[key], str):
            if key == "date" and hasattr(book[key], "isoformat"):
                book[key] = book[key].isoformat()  # an unquoted TOML date
                continue
            raise fail(f"`{key}` must be a string in quotes", key)
    if "title" in book and not book["title"].strip():
        raise fail("`title` is empty", "title")
    _chapter_kinds(book, fail)
    for key in ("authors", "subjects", "chapters"):
        if key in book:
            value = book[key]
            if isinstance(value, str):
                value = book[key] = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise fail(f'`{key}` must be a list of strings, like ["…", "…"]', key)
            if (
                (complete or key == "chapters")
                and key != "subjects"
                and not [v for v in value if v.strip()]
            ):
                raise fail(f"`{key}` is empty", key)
    if "language" in book and not _LANG_RE.match(book["language"]):
        raise fail(
            f'`language` "{book["language"]}" is not a BCP 47 tag (e.g. "zh-CN")', "language"
        )
    if "date" in book and not _DATE_RE.match(book["date"]):
        raise fail(f'`date` "{book["date"]}" is not YYYY-MM-DD', "date")
    identifier = book.get("identifier")
    if identifier is None and "title" in book:
        import uuid  # late: standard library, loaded only when used (start-up time)

        book["identifier"] = "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, book["title"]))
    elif identifier is not None and not (
        _UUID_URN_RE.match(identifier) or _ISBN_URN_RE.match(identifier.replace("-", ""))
    ):
        raise fail(
            f'`identifier` "{identifier}" must be urn:uuid:<uuid> or urn:isbn:<ISBN>', "identifier"
        )


def _output_name(table: dict[str, Any], path: Path, fail) -> str:
    name = table.get("name", path.parent.resolve().name or "book")
    if not isinstance(name, str) or not re.match(r"^[^/\\\0]+$", name) or name in (".", ".."):
        raise fail("`name` must be a plain file name without / or \\", "name", "output")
    return name


def _chapter_kinds(book: dict[str, Any], fail) -> None:
    """`chapters` items are file names or `{file = "…", kind = "…"}` tables: the names stay
    in `chapters`, the kinds go to `chapter-kinds` (one per chapter)."""
    chapters = book.get("chapters")
    if not isinstance(chapters, list):
        return  # the check of `chapters` reports it
    names, kinds = [], []
    for item in chapters:
        if isinstance(item, dict):
            unknown = set(item) - {"file", "kind"}
            if unknown or not isinstance(item.get("file"), str):
                raise fail(
                    '`chapters` items are file names or tables like {file = "a.md", kind = '
                    f'"preface"}}{"; unknown key " + sorted(unknown)[0] if unknown else ""}',
                    "chapters",
                )
            kind = item.get("kind", "chapter")
            if kind not in CHAPTER_KINDS:
                raise fail(
                    f"chapter `{item['file']}`: kind {kind!r} is not one of "
                    + ", ".join(CHAPTER_KINDS),
                    "chapters",
                )
            names.append(item["file"])
            kinds.append(kind)
        else:
            names.append(item)
            kinds.append("chapter")
    book["chapters"] = names
    book["chapter-kinds"] = kinds


def _check_text_area(values: dict[str, Any], fail) -> None:
    """Margins that leave no room for the text would build empty pages, silently."""
    defaults = PdfSettings()
    width, height = values.get("page_size", defaults.page_size)
    top, outer, bottom, inner = values.get("margin", defaults.margin)
    left = (width - outer - inner, height - top - bottom)
    if min(left) < MIN_TEXT_AREA:
        key = "margin" if "margin" in values else "page-size"
        raise fail(
            f"`margin` leaves a text area of {left[0]:g} × {left[1]:g} mm on a "
            f"{width:g} × {height:g} mm page; at least {MIN_TEXT_AREA} mm each way is needed",
            key,
            "pdf",
        )


def _pdf_settings(table: dict[str, Any], fail) -> PdfSettings:
    """`[pdf]`'s keys but the print keys; a named page size brings its sheet (开本)."""
    values = parse_section(PdfSettings, table, "pdf", fail)
    _check_text_area(values, fail)
    size = table.get("page-size")
    if "page_size" in values and "sheet" not in values:
        named = size.upper() if isinstance(size, str) else ""
        values["sheet"] = FORMATS[named].sheet if named in FORMATS else None
    return PdfSettings(**values)


def _print_settings(settings: PdfSettings, table: dict[str, Any], toml: Path, fail) -> PdfSettings:
    """`[pdf]`'s print keys: standard, colour, output-profile, marks and bleed (3 mm on
    every side by default once any of the others asks for a print file)."""
    from dataclasses import replace  # late: standard library, loaded only when used (start-up time)

    standard = table.get("standard", "")
    if not isinstance(standard, str) or standard.lower() not in STANDARDS:
        raise fail(
            f"`standard` must be one of {', '.join(repr(s) for s in STANDARDS)}", "standard", "pdf"
        )
    standard = standard.lower()
    print_standard = standard.startswith("pdf/x")
    profile = _output_profile(table, toml, fail)
    kind = profile.read_bytes()[16:20] if profile is not None else b""
    default = "grey" if kind == b"GRAY" else "cmyk" if print_standard or profile else "rgb"
    colour = table.get("colour", default)
    if colour == "gray":
        colour = "grey"
    if colour not in COLOURS:
        raise fail('`colour` must be "cmyk", "grey" or "rgb"', "colour", "pdf")
    if print_standard and colour == "rgb":
        raise fail(f'`colour` "rgb" is not allowed in {standard.upper()}', "colour", "pdf")
    if kind == b"GRAY" and colour != "grey":
        raise fail(
            '`output-profile` is a grey profile: it goes with `colour = "grey"`',
            "output-profile",
            "pdf",
        )
    marks = boolean()(table.get("marks", False), Check(fail, "marks", "pdf"))
    condition = _output_condition(table, profile, fail)
    wanted = print_standard or colour != "rgb" or marks or profile is not None
    bleed = (3.0,) * 4 if wanted else (0.0,) * 4
    if "bleed" in table:
        bleed = _bleed(table["bleed"], fail)
    return replace(
        settings,
        bleed=bleed,
        marks=marks,
        standard=standard,
        output_profile=profile,
        output_condition=condition,
        colour=colour,
    )


def _output_condition(table: dict[str, Any], profile: Path | None, fail) -> str:
    """`[pdf] output-condition`: a standard printing condition's registry identifier
    (prepress/conditions.py); one without free characterisation data needs the printer's
    profile as `output-profile`."""
    # late: the table of conditions is prepress's, loaded only when a book names one
    from .prepress.registry import CONDITIONS, find_condition

    if "output-condition" not in table:
        return ""
    name = table["output-condition"]
    condition = find_condition(name) if isinstance(name, str) else None
    if condition is None:
        raise fail(
            f"`output-condition` must be one of {', '.join(CONDITIONS)} (or GRACoL2006)",
            "output-condition", "pdf",
        )  # fmt: skip
    if condition.data is None and profile is None:
        raise fail(
            f"`output-condition` {condition.identifier} has no free profile: give the "
            "printer's as `output-profile`",
            "output-condition", "pdf",
        )  # fmt: skip
    return condition.identifier


def _output_profile(table: dict[str, Any], toml: Path, fail) -> Path | None:
    """`[pdf] output-profile`: a CMYK or grey ICC file inside the manuscript folder that
    LittleCMS can convert sRGB to."""
    if "output-profile" not in table:
        return None
    name = table["output-profile"]
    if not isinstance(name, str) or not name.strip():
        raise fail("`output-profile` must be the path of an ICC file", "output-profile", "pdf")
    root = toml.parent.resolve()
    profile = (root / name).resolve()
    if not profile.is_relative_to(root):
        raise fail(
            f"`output-profile` {name!r} lies outside the manuscript folder", "output-profile", "pdf"
        )
    if not profile.is_file():
        raise fail(f"`output-profile` {name!r}: no such file", "output-profile", "pdf")
    head = profile.read_bytes()[:40]
    if len(head) < 40 or head[36:40] != b"acsp":
        raise fail(f"`output-profile` {name!r} is not an ICC profile", "output-profile", "pdf")
    if head[16:20] not in (b"CMYK", b"GRAY"):
        raise fail(
            f"`output-profile` {name!r} is a {head[16:20].decode('latin-1').strip()} "
            "profile; a printer's profile is CMYK (or grey)",
            "output-profile",
            "pdf",
        )
    from PIL import Image, ImageCms  # only for a configured profile

    try:  # a pixel converted the way prepress/colour.py converts
        opened = ImageCms.getOpenProfile(str(profile))
        if head[16:20] == b"CMYK":
            transform = ImageCms.buildTransform(
                ImageCms.createProfile("sRGB"), opened, "RGB", "CMYK"
            )
            ImageCms.applyTransform(Image.new("RGB", (1, 1)), transform)
    except (OSError, ImageCms.PyCMSError) as exc:
        raise fail(
            f"`output-profile` {name!r}: LittleCMS cannot convert colours with it ({exc})",
            "output-profile",
            "pdf",
        ) from None
    return profile


_BLEED_SIDES = ("top", "outer", "bottom", "inner")


def _bleed(value: Any, fail) -> tuple[float, float, float, float]:
    """mm: one number, [vertical, horizontal], [top, outer, bottom, inner] or a table of
    those sides (a side not given: 0; e.g. `{ top = 3, outer = 3, bottom = 3 }` for
    print-on-demand, where only the outer edges are cut)."""
    message = (
        "`bleed` must be mm (0 to 20): one number, [vertical, horizontal], "
        "[top, outer, bottom, inner] or { top = …, outer = …, bottom = …, inner = … }"
    )
    if isinstance(value, dict):
        if not set(value) <= set(_BLEED_SIDES):
            raise fail(message, "bleed", "pdf")
        items = [value.get(side, 0) for side in _BLEED_SIDES]
    else:
        items = value if isinstance(value, list) else [value]
    if len(items) not in (1, 2, 4) or not all(
        isinstance(item, int | float) and not isinstance(item, bool) and 0 <= item <= 20
        for item in items
    ):
        raise fail(message, "bleed", "pdf")
    numbers = [float(item) for item in items]
    if len(numbers) == 1:
        numbers *= 4
    elif len(numbers) == 2:
        numbers *= 2
    return (numbers[0], numbers[1], numbers[2], numbers[3])


def _editions(settings: Settings, data: dict[str, Any], toml: Path, fail) -> Settings:
    """`[editions]`: each edition's settings (the book's tables, the region's defaults, the
    edition's own `[editions.NAME.SECTION]` tables, parsed by the same declarations, their
    mistakes naming their own table's line) and the book's phrase file."""
    from dataclasses import replace  # late: standard library, loaded only when used

    table = data["editions"]
    editions = []
    for name, own in table.items():
        if name == "phrases":
            continue
        where = f"editions.{name}"
        if not isinstance(own, dict):
            raise fail(f"`{name}` must be a table: {name} = {{}}", name, "editions")
        for section, overrides in own.items():
            if section not in EDITION_SECTIONS:
                raise fail(
                    _unknown(f"table in [{where}]", section, list(EDITION_SECTIONS)),
                    section,
                    where,
                )
            if not isinstance(overrides, dict):
                raise fail(f"`{section}` must be a table: [{where}.{section}]", section, where)
            for key in overrides:
                if key not in SECTION_KEYS[section]:
                    valid = sorted(SECTION_KEYS[section])
                    raise fail(_unknown(f"key in [{where}.{section}]", key, valid), key,
                               f"{where}.{section}")  # fmt: skip

        def edition_fail(message: str, key: str = "", section: str | None = "book",
                         where: str = where) -> PublishError:  # fmt: skip
            return fail(f"edition {where[9:]}: {message}", key, f"{where}.{section}")

        merged = {
            section: {
                **data.get(section, {}),
                **_region_defaults(name, section, data),
                **own.get(section, {}),
            }  # fmt: skip
            for section in EDITION_SECTIONS
            if section in data or section in own or section in ("pdf", "typography")
        }
        parsed = _settings({**data, **merged}, toml, edition_fail)
        # Its files beside the book's: NAME.zh-TW.pdf, NAME.zh-TW.epub…
        output_name = f"{settings.output_name}.{name}"
        editions.append(Edition(name, replace(parsed, output_name=output_name)))
    phrases_file, phrases = None, ()
    if "phrases" in table:
        phrases_file, phrases = _phrases(table["phrases"], toml, fail)
    return replace(settings, editions=tuple(editions), phrases=phrases, phrases_file=phrases_file)


_FONT_KEYS = ("body-font", "heading-font", "mono-font")


def _region_defaults(name: str, section: str, data: dict[str, Any]) -> dict[str, Any]:
    """The settings an edition for region `name` takes unless its own tables say otherwise:
    the region's faces (a Noto … CJK SC face of the book → its TC/HK face), quotation
    marks and punctuation compression."""
    region = REGIONS[name]
    if section == "typography":
        return {"quotes": region.quotes, "compress-punctuation": region.compress}
    if section != "pdf":
        return {}
    faces = {}
    book_table = data.get("pdf", {})
    for key in _FONT_KEYS:
        family = book_table.get(key)
        if not isinstance(family, str):
            family = next(f.default for f in fields(PdfSettings) if f.metadata.get("key") and
                          f.metadata["key"].name == key)  # fmt: skip
        words = family.split()
        if words and words[-1] in ("SC", "TC", "HK", "JP", "KR"):
            faces[key] = " ".join([*words[:-1], region.faces])
    return faces


def _phrases(name: Any, toml: Path, fail) -> tuple[Path, tuple[tuple[str, str], ...]]:
    """`[editions] phrases`: a file inside the book, one `简 繁` pair a line (blank lines
    and `#` comments aside); a malformed line is an error naming the file and the line."""
    if not isinstance(name, str) or not name.strip():
        raise fail("`phrases` must be the path of a text file", "phrases", "editions")
    root = toml.parent.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise fail(f"`phrases` {name!r} lies outside the manuscript folder", "phrases", "editions")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail(f"`phrases` {name!r}: no such file", "phrases", "editions") from None
    except (OSError, UnicodeDecodeError):
        raise fail(
            f"`phrases` {name!r} is not readable UTF-8 text", "phrases", "editions"
        ) from None
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        words = stripped.split()
        if len(words) != 2:
            raise PublishError(
                f"a phrase line is two words, simplified then traditional (`软件 軟體`), "
                f"not {stripped!r}",
                path,
                number,
            )
        pairs.append((words[0], words[1]))
    return path, tuple(pairs)
