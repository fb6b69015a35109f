"""book.toml: reading it, checking every key, and the renderer settings with defaults.

Every mistake is a `PublishError` naming book.toml and, where it can be found, the line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
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
SECTION_KEYS: dict[str, set[str]] = {
    "book": BOOK_KEYS,
    "output": {"name"},
    "pdf": {
        "page-size",
        "font-size",
        "line-height",
        "margin",
        "body-font",
        "heading-font",
        "latin-font",
        "mono-font",
        "toc-depth",
        "link-pages",
        "link-urls",
        "sheet",
        "signature",
        "bleed",
        "marks",
        "standard",
        "output-profile",
        "colour",
    },  # fmt: skip
    "epub": {
        "embed-fonts",
        "writing-mode",
        "justify",
        "line-height",
        "certified-by",
        "accessibility-summary",
    },  # fmt: skip
    "typography": {
        "normalize-punctuation",
        "emphasis",
        "quotes",
        "hanging-punctuation",
        "pinyin",
        "pinyin-overrides",
    },
    "security": {"allow-data-urls", "allow-remote-images"},
    "imprint": {
        "isbn",
        "price",
        "cip",
        "editor",
        "designer",
        "proofreader",
        "publisher-address",
        "printer",
        "distributor",
        "edition",
        "printing",
        "print-run",
    },  # fmt: skip
    "cover": {"paper-caliper", "board", "back-text"},
}
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


@dataclass(frozen=True)
class PdfSettings:
    """`[pdf]`: page geometry and faces of the print edition."""

    page_size: tuple[float, float] = PAGE_SIZES["A5"]
    font_size: float = 10.5  # pt
    line_height: float = 1.7
    margin: tuple[float, float, float, float] = (20, 16, 20, 18)  # mm: top, outer, bottom, inner
    body_font: str = "Noto Serif CJK SC"
    heading_font: str = "Noto Sans CJK SC"
    latin_font: str = "Noto Serif"
    mono_font: str = "Noto Sans Mono CJK SC"
    #: Levels of sections below the chapters in the printed TOC, the bookmarks and the nav.
    toc_depth: int = 2
    #: After an internal link, the page it leads to: （见第 35 页）.
    link_pages: bool = True
    #: External links: "link" (clickable only) or "footnote" (the address in a footnote too).
    link_urls: str = "link"
    #: The parent sheet and fold the page size is cut from (开本), if known.
    sheet: Sheet | None = FORMATS["A5"].sheet
    #: Pad the page count to a multiple of this with blank pages (0: no padding).
    signature: int = 0
    #: mm beyond the trim: top, outer, bottom, inner (prepress/).
    bleed: tuple[float, float, float, float] = (0, 0, 0, 0)
    marks: bool = False  # crop marks
    standard: str = ""  # one of STANDARDS
    output_profile: Path | None = None  # the printer's ICC profile (absolute)
    colour: str = "rgb"  # "rgb" (screen), "cmyk" or "grey"

    @property
    def for_print(self) -> bool:
        """True when the PDF goes through the prepress step (prepress.finish)."""
        print_standard = self.standard.startswith("pdf/x")
        return print_standard or self.colour != "rgb" or self.marks or any(self.bleed)


#: `[pdf] standard` values.
STANDARDS = ("", "pdf/x-4", "pdf/x-1a", "pdf/ua-1")
#: `[pdf] colour` values.
COLOURS = ("rgb", "cmyk", "grey")


@dataclass(frozen=True)
class EpubSettings:
    """`[epub]`: options of the e-book edition."""

    embed_fonts: bool = True
    writing_mode: str = "horizontal-tb"  # or "vertical-rl"
    justify: bool = True
    line_height: float = 1.75
    certified_by: str | None = None
    accessibility_summary: str | None = None


@dataclass(frozen=True)
class TypographySettings:
    """`[typography]`: the Chinese typesetting pass shared by both editions."""

    normalize_punctuation: bool = True
    emphasis: str = "dots"  # 着重号; or "kai", "bold"
    quotes: str | None = None  # "curly" “‘’”, "corner" 「『』」; None: as written
    hanging_punctuation: bool = False
    pinyin: bool | tuple[str, ...] = False  # every chapter, or these chapter files
    pinyin_overrides: tuple[tuple[str, tuple[str, ...]], ...] = ()  # word → syllables


@dataclass(frozen=True)
class SecuritySettings:
    """`[security]`: what a manuscript may bring in besides its own files (nothing, by
    default)."""

    allow_data_urls: bool = False
    allow_remote_images: bool = False


@dataclass(frozen=True)
class ImprintSettings:
    """`[imprint]`: what the copyright page (版权页) prints besides the figures computed
    from the layout. `given` is false when book.toml has no `[imprint]`."""

    given: bool = False
    isbn: str | None = None  # ISBN-13, digits only (validated)
    price: str | None = None
    cip: str | None = None
    editor: str | None = None
    designer: str | None = None
    proofreader: str | None = None
    publisher_address: str | None = None
    printer: str | None = None
    distributor: str | None = None
    edition: str | None = None
    printing: str | None = None
    print_run: str | None = None


@dataclass(frozen=True)
class CoverSettings:
    """`[cover]`: the printed cover spread (mm)."""

    paper_caliper: float = 0.1  # per leaf (two pages)
    board: float = 0.0
    back_text: str | None = None
    bleed: float = 3.0  # all round; not a key of its own ([pdf] bleed is prepress's)


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


@dataclass(frozen=True)
class BookConfig:
    """book.toml, checked: the `[book]` table as given plus the parsed settings."""

    path: Path
    book: dict[str, Any]
    settings: Settings


def key_line(text: str, key: str, section: str | None = None) -> int | None:
    """The line of `key = …` in book.toml (inside `[section]` when given), for messages."""
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\s*([A-Za-z0-9_.-]+)\s*\]", stripped)
        if header:
            current = header.group(1)
            if key == "" and current == section:
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
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PublishError("no book.toml here (a manuscript needs one)", path) from None
    except UnicodeDecodeError as exc:
        raise PublishError(f"not UTF-8 text (byte {exc.start})", path) from None
    except OSError as exc:
        raise PublishError(f"cannot read: {exc.strerror}", path) from None
    try:
        data = tomllib.loads(text)
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
                raise fail(
                    _unknown(f"key in [{section}]", key, sorted(SECTION_KEYS[section])),
                    key,
                    section,
                )

    book = data.get("book")
    if book is None and book_required:
        raise fail("missing [book] table (title, authors, language, chapters)")
    if book is not None:
        _check_book(book, fail, book_required)
    settings = Settings(
        output_name=_output_name(data.get("output", {}), path, fail),
        pdf=_print_settings(
            _pdf_settings(data.get("pdf", {}), fail), data.get("pdf", {}), path, fail
        ),
        epub=_epub_settings(data.get("epub", {}), fail),
        typography=_typography_settings(data.get("typography", {}), fail),
        security=SecuritySettings(
            allow_data_urls=_bool(
                data.get("security", {}), "allow-data-urls", "security", False, fail
            ),
            allow_remote_images=_bool(
                data.get("security", {}), "allow-remote-images", "security", False, fail
            ),
        ),
        imprint=_imprint_settings(data.get("imprint"), fail),
        cover=_cover_settings(data.get("cover"), fail),
    )
    pinyin = settings.typography.pinyin
    for name in pinyin if isinstance(pinyin, tuple) else ():
        if name not in book["chapters"]:
            raise fail(f"`pinyin`: `{name}` is none of the chapters", "pinyin", "typography")
    return BookConfig(path, book, settings)


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


def _number(value: Any, key: str, unit: str, fail) -> float:
    if isinstance(value, bool):
        raise fail(f"`{key}` must be a number{unit}", key, "pdf")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and unit and value.strip().endswith(unit.strip()):
        try:
            return float(value.strip()[: -len(unit.strip())])
        except ValueError:
            pass
    raise fail(f"`{key}` must be a number{' in ' + unit.strip() if unit else ''}", key, "pdf")


def _pdf_settings(table: dict[str, Any], fail) -> PdfSettings:
    defaults = PdfSettings()
    values: dict[str, Any] = {}
    if "page-size" in table:
        size = table["page-size"]
        if isinstance(size, str) and size.upper() in PAGE_SIZES:
            values["page_size"] = PAGE_SIZES[size.upper()]
            values["sheet"] = FORMATS[size.upper()].sheet if size.upper() in FORMATS else None
        else:
            parts = size.split() if isinstance(size, str) else size
            try:
                width, height = (float(p) for p in parts)
                if not (50 <= width <= 1000 and 50 <= height <= 1000):
                    raise ValueError
            except (TypeError, ValueError):
                raise fail(
                    f"`page-size` {size!r} is not one of {', '.join(PAGE_SIZES)} "
                    'nor "WIDTH HEIGHT" in mm (50 to 1000)',
                    "page-size",
                    "pdf",
                ) from None
            values["page_size"] = (width, height)
            values["sheet"] = None
    if "font-size" in table:
        values["font_size"] = _number(table["font-size"], "font-size", "pt", fail)
        if not 5 <= values["font_size"] <= 30:
            raise fail("`font-size` must be between 5pt and 30pt", "font-size", "pdf")
    if "line-height" in table:
        values["line_height"] = _number(table["line-height"], "line-height", "", fail)
        if not 1 <= values["line_height"] <= 3:
            raise fail("`line-height` must be between 1 and 3", "line-height", "pdf")
    if "margin" in table:
        margin = table["margin"]
        items = margin if isinstance(margin, list) else [margin]
        try:
            numbers = [float(m) for m in items if not isinstance(m, bool)]
            if len(numbers) != len(items) or len(numbers) not in (1, 2, 4):
                raise ValueError
        except (TypeError, ValueError):
            raise fail(
                "`margin` must be mm: one number, or [vertical, horizontal], or "
                "[top, outer, bottom, inner]",
                "margin",
                "pdf",
            ) from None
        if len(numbers) == 1:
            numbers *= 4
        elif len(numbers) == 2:
            numbers = numbers * 2
        values["margin"] = tuple(numbers)
    for key in ("body-font", "heading-font", "latin-font", "mono-font"):
        if key in table:
            if not isinstance(table[key], str) or not table[key].strip():
                raise fail(f"`{key}` must be a font family name", key, "pdf")
            values[key.replace("-", "_")] = table[key].strip()
    if "toc-depth" in table:
        depth = table["toc-depth"]
        if isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= 4:
            raise fail("`toc-depth` must be a whole number from 0 to 4", "toc-depth", "pdf")
        values["toc_depth"] = depth
    if "link-pages" in table:
        values["link_pages"] = _bool(table, "link-pages", "pdf", True, fail)
    if "link-urls" in table:
        if table["link-urls"] not in ("link", "footnote"):
            raise fail('`link-urls` must be "link" or "footnote"', "link-urls", "pdf")
        values["link_urls"] = table["link-urls"]
    if "sheet" in table:
        sheet = parse_sheet(table["sheet"]) if isinstance(table["sheet"], str) else None
        if sheet is None:
            raise fail(
                '`sheet` must be the parent sheet in mm and the fold, like "787 1092 1/16"',
                "sheet",
                "pdf",
            )
        values["sheet"] = sheet
    if "signature" in table:
        signature = table["signature"]
        if (
            isinstance(signature, bool)
            or not isinstance(signature, int)
            or not (signature == 0 or 2 <= signature <= 64 and signature % 2 == 0)
        ):
            raise fail(
                "`signature` must be 0 (no padding) or an even number of pages up to 64",
                "signature",
                "pdf",
            )
        values["signature"] = signature
    return PdfSettings(**{**defaults.__dict__, **values})


def _bool(table: dict[str, Any], key: str, section: str, default: bool, fail) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise fail(f"`{key}` must be true or false", key, section)
    return value


def _epub_settings(table: dict[str, Any], fail) -> EpubSettings:
    mode = table.get("writing-mode", "horizontal-tb")
    if mode not in ("horizontal-tb", "vertical-rl"):
        raise fail(
            '`writing-mode` must be "horizontal-tb" or "vertical-rl"', "writing-mode", "epub"
        )
    line_height = table.get("line-height", 1.75)
    if (
        isinstance(line_height, bool)
        or not isinstance(line_height, int | float)
        or not (1 <= line_height <= 3)
    ):
        raise fail("`line-height` must be a number between 1 and 3", "line-height", "epub")
    texts = {}
    for key in ("certified-by", "accessibility-summary"):
        if key in table:
            if not isinstance(table[key], str) or not table[key].strip():
                raise fail(f"`{key}` must be a non-empty string", key, "epub")
            texts[key.replace("-", "_")] = table[key].strip()
    return EpubSettings(
        embed_fonts=_bool(table, "embed-fonts", "epub", True, fail),
        writing_mode=mode,
        justify=_bool(table, "justify", "epub", True, fail),
        line_height=float(line_height),
        **texts,
    )


def _choice(table: dict[str, Any], key: str, choices: tuple[str, ...], fail) -> str | None:
    value = table.get(key)
    if value is not None and value not in choices:
        quoted = " or ".join(f'"{choice}"' for choice in choices)
        raise fail(f"`{key}` must be {quoted}", key, "typography")
    return value


def _pinyin(table: dict[str, Any], fail) -> bool | tuple[str, ...]:
    value = table.get("pinyin", False)
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise fail(
        '`pinyin` must be true, false or a list of chapter files: ["01-….md"]',
        "pinyin",
        "typography",
    )


def _pinyin_overrides(table: dict[str, Any], fail) -> tuple[tuple[str, tuple[str, ...]], ...]:
    overrides = table.get("pinyin-overrides", {})
    key = "pinyin-overrides"
    if not isinstance(overrides, dict):
        raise fail('`pinyin-overrides` must be a table: "重庆" = "chóng qìng"', key, "typography")
    result = []
    for word, reading in overrides.items():
        syllables = tuple(reading.split()) if isinstance(reading, str) else ()
        if not word or len(syllables) != len(word):
            raise fail(
                f"pinyin override `{word}` must give one syllable per character, "
                f"separated by spaces",
                word,
                "typography.pinyin-overrides",
            )
        result.append((word, syllables))
    return tuple(result)


def _typography_settings(table: dict[str, Any], fail) -> TypographySettings:
    return TypographySettings(
        normalize_punctuation=_bool(table, "normalize-punctuation", "typography", True, fail),
        emphasis=_choice(table, "emphasis", ("dots", "kai", "bold"), fail) or "dots",
        quotes=_choice(table, "quotes", ("curly", "corner"), fail),
        hanging_punctuation=_bool(table, "hanging-punctuation", "typography", False, fail),
        pinyin=_pinyin(table, fail),
        pinyin_overrides=_pinyin_overrides(table, fail),
    )


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


def _imprint_settings(table: dict[str, Any] | None, fail) -> ImprintSettings:
    if table is None:
        return ImprintSettings()
    values: dict[str, Any] = {}
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise fail(f"`{key}` must be a non-empty string in quotes", key, "imprint")
        values[key.replace("-", "_")] = value.strip() if key != "cip" else value.strip("\n")
    if "isbn" in values:
        from stdnum import isbn  # late: python-stdnum loads only when used (start-up time)

        # late: python-stdnum loads only when used (start-up time)
        from stdnum.exceptions import ValidationError

        try:
            values["isbn"] = isbn.to_isbn13(isbn.validate(values["isbn"]))
        except ValidationError as exc:
            reason = exc.message.lower().rstrip(".")
            raise fail(
                f"`isbn` {table['isbn']!r} is not a valid ISBN ({reason})",
                "isbn",
                "imprint",
            ) from None
    return ImprintSettings(given=True, **values)


def _cover_settings(table: dict[str, Any] | None, fail) -> CoverSettings | None:
    if table is None:
        return None
    values: dict[str, Any] = {}
    limits = {"paper-caliper": (0.01, 1.0), "board": (0.0, 20.0)}
    for key, (low, high) in limits.items():
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise fail(f"`{key}` must be a number of mm", key, "cover")
            if not low <= value <= high:
                raise fail(f"`{key}` must be between {low:g} and {high:g} mm", key, "cover")
            values[key.replace("-", "_")] = float(value)
    if "back-text" in table:
        if not isinstance(table["back-text"], str) or not table["back-text"].strip():
            raise fail("`back-text` must be a non-empty string", "back-text", "cover")
        values["back_text"] = table["back-text"].strip()
    return CoverSettings(**values)


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
    marks = _bool(table, "marks", "pdf", False, fail)
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
        colour=colour,
    )


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
