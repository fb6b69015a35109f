"""HTML for print: the model → one HTML document (or a piece of the book) and the
stylesheets WeasyPrint lays it out with (engine.py)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from .. import __version__, fallback, markup
from ..config import PdfSettings
from ..fonts import LATIN_RANGE, require_family, style_faces
from ..imprint.copyright import CopyrightPage, Figures, copyright_page, figures
from ..model import NOTEREF_RE, Book, Chapter, Resource, Warning
from ..prepress.boxes import css_bleed
from ..render import build_time, labels, stylesheet, template
from ..typography.display import Measure, display_headings, display_html
from ..typography.emphasis import print_emphasis
from ..typography.hyphenate import soft_hyphens
from ..typography.lastline import keep_end, keep_paragraph_ends
from ..typography.ruby import print_ruby
from ..typography.runninghead import fit
from ..units import PT_PER_MM
from . import indexranges
from .geometry import geometry, text_height
from .pagination import number_blocks
from .printlinks import css as links_css
from .printlinks import ids
from .printlinks import mark as mark_links
from .vertical import (
    VERTICAL_CSS,
    chinese_numerals,
    is_vertical,
    tate_chu_yoko,
    upright_families,
    vertical_faces,
)
from .vertical_faces import VerticalFace

#: The family name the Latin face is declared under, for Latin runs in the body text.
LATIN_FAMILY = "publish latin"


def _font_list(*families: str) -> str:
    return ", ".join(f'"{family}"' for family in dict.fromkeys(families)) + ", serif"


def latin_faces(settings: PdfSettings, toml: Path) -> list[dict]:
    """@font-face rules giving Latin runs the Latin face (limited by unicode-range)."""
    faces = style_faces(require_family(settings.latin_font, "latin-font", toml))
    rules = []
    for (bold, italic), face in sorted(faces.items()):
        rules.append(
            {
                "path": face.path,
                "url": face.path.as_uri(),
                "weight": "bold" if bold else "normal",
                "style": "italic" if italic else "normal",
            }
        )
    return rules


def settings_css(
    settings: PdfSettings,
    toml: Path,
    latin: list[dict],
    fallbacks: tuple[fallback.Face, ...] = (),
    upright: tuple[VerticalFace, ...] = (),
) -> str:
    """The stylesheet written from `[pdf]`: page size, margins and faces (`latin`: the
    Latin face's rules, from latin_faces; `fallbacks`: faces for the scripts the book's
    faces lack, from fallback_faces; `upright`: a vertical edition's upright faces)."""
    for key in ("body_font", "heading_font", "mono_font"):
        require_family(getattr(settings, key), key.replace("_", "-"), toml)
    g = geometry(settings)
    # The grid's text block runs from the first line's characters to the last line's; the
    # page area also holds the half-leading above the first and below the last, so that
    # it holds exactly the grid's lines (weasy/grid.py makes each line its line-height).
    half_leading = settings.font_size / PT_PER_MM * (settings.line_height - 1) / 2
    serif = [face.family for face in fallbacks if not face.sans]
    sans = [face.family for face in fallbacks if face.sans]
    serif_up, sans_up = ([f] for f in upright_families(settings)) if upright else ([], [])
    return template("settings.css").render(
        width=f"{g.width:.3f}",
        height=f"{g.height:.3f}",
        # Margins rounded down: the text block stays a whole number of ems wide and of
        # lines high, not a hair smaller (a nowrap box of N ems must fit in N ems).
        top=f"{math.floor((g.top - half_leading) * 1000) / 1000:.3f}",
        outer=f"{math.floor(g.outer * 1000) / 1000:.3f}",
        bottom=f"{math.floor((g.bottom - half_leading) * 1000) / 1000:.3f}",
        inner=f"{math.floor(g.inner * 1000) / 1000:.3f}",
        half_leading=f"{half_leading:.3f}",
        font_size=f"{settings.font_size:g}",
        line_height=f"{settings.line_height:g}",
        latin_faces=latin,
        latin_range=LATIN_RANGE,
        fallback_faces=[
            {
                "family": f.family,
                "url": f.path.as_uri(),
                "weight": f.weight,
                "unicode_range": f.unicode_range,
            }
            for f in fallbacks
        ],  # fmt: skip
        vertical=is_vertical(settings),
        vertical_faces=[
            {"family": f.family, "url": f.path.as_uri(), "weight": "bold" if f.bold else "normal"}
            for f in upright
        ],
        body_fonts=_font_list(LATIN_FAMILY, *serif_up, settings.body_font, *serif),
        heading_fonts=_font_list(
            *sans_up, settings.heading_font, *serif_up, settings.body_font, *sans
        ),
        mono_fonts=_font_list(settings.mono_font, settings.body_font, *sans),
        tcy_fonts=_font_list(*serif_up, LATIN_FAMILY),
        upright_body_fonts=_font_list(LATIN_FAMILY, settings.body_font, *serif),
        upright_heading_fonts=_font_list(settings.heading_font, settings.body_font, *sans),
        bleed=css_bleed(settings),
    )


#: A footnote reference with the character before it (kept together on a line).
_NOTEREF_RE = re.compile(r"([^\s<>;])?" + NOTEREF_RE.pattern)
_PARAGRAPHS_RE = re.compile(r"</p>\s*<p>")


def _inline_footnotes(chapter: Chapter, body: str) -> str:
    """Put each footnote's text where it is first referred to, for `float: footnote`."""
    notes = {note.id: note for note in chapter.footnotes}
    placed: set[str] = set()

    def replace(match: re.Match) -> str:
        before, note_id, ref_id, label = match.groups()
        note = notes.get(note_id)
        if note is None or note_id in placed:
            call = f'<a class="noteref-again" href="#{note_id}" id="{ref_id}">{label}</a>'
        else:
            placed.add(note_id)
            text = _PARAGRAPHS_RE.sub("<br />", note.html.strip())
            text = keep_end(re.sub(r"^<p>|</p>$", "", text))
            call = f'<span class="footnote" id="{note_id}" data-label="{label}">{text}</span>'
        # The call never starts a line: it stays with the character it follows.
        return f'<span class="keep">{before}{call}</span>' if before else call

    return _NOTEREF_RE.sub(replace, body)


def display_measures(settings: PdfSettings) -> dict[str, Measure]:
    """Where each kind of display line is set (sizes and indents as print.css gives them)."""
    fs, family = settings.font_size, settings.heading_font
    width = geometry(settings).chars_per_line * fs

    def m(size: float, bold: bool = True, indent: float = 0.0, room: float = 0.0) -> Measure:
        return Measure(family, bold, size * fs, width - indent * fs, room)

    return {
        "title": m(1.9),
        "part": m(2),
        "subtitle": m(1.2, False),
        # A vertical edition's chapter title stands two of its characters down (vertical.py).
        "chapter": m(1.6, indent=3.2 if is_vertical(settings) else 0.0),
        "h2": m(1.25),
        "h3": m(1.1),
        "h4": m(1),
        "h5": m(1),
        "h6": m(1),
        "figcaption": m(0.9, False),
        # The running heads (print.css: 0.8 em of the body face), at most 4/5 of the line.
        "running-head": Measure(settings.body_font, False, 0.8 * fs, 0.8 * width),
        # The folio sits in the entry's 2.5 em right padding; the leader needs 1.5 em. A
        # chapter of a part is indented 1 em more.
        "toc-0": m(1.1, True, 2.75, 1.65),
        "toc-1": m(1, True, 3.5, 1.5),
        "toc-2": m(1, False, 4.5, 1.5),
        "toc-3": m(1, False, 6.5, 1.5),
    }


def _print_text(
    book: Book, body: str, measures: dict[str, Measure], source: Path, warnings: list[Warning]
) -> str:
    """A chapter body in the print edition's own markup: emphasis, ruby, display lines."""
    typography = book.settings.typography
    body = print_emphasis(body, typography.emphasis, typography.long_emphasis)
    body = print_ruby(body)
    settings = book.settings.pdf
    if is_vertical(settings):
        body = tate_chu_yoko(body)
    # The HTML's characters, not its text: tags and entities are ASCII, which the body's
    # faces have, and set() of a chapter costs far less than its text_of.
    lacking = fallback.lacking(body, settings.body_font, settings.latin_font)
    body = fallback.mark_runs(body, frozenset(lacking))

    def warn(title: str) -> None:
        warnings.append(Warning(f"display line longer than the measure: `{title}`", source))

    return display_headings(body, measures, warn)


def book_html(
    book: Book,
    chapters: list[Chapter] | None = None,
    *,
    front: bool = True,
    pages: dict[str, str] | None = None,
    dated: bool = True,
    numbers: dict[str, str] | None = None,
    page_count: int = 0,
    warnings: list[Warning] | None = None,
    index_pages: dict[str, str] | None = None,
) -> str:
    """The print edition as one HTML document (the input WeasyPrint lays out).

    By default the whole book; a long book is laid out in pieces (segmented/): some
    `chapters` only, or the `front` matter only, its TOC given the printed `pages` of the
    headings (id → folio) since their pages are in other documents, and its links the
    `numbers` of the pages they lead to (id → folio, or zeros of its length for digits
    written in after layout: linkpages.shapes). `page_count`: the print edition's pages, as
    laid out or guessed (the copyright page's figures). What the making found wrong is added
    to `warnings`. The index's pages are merged into ranges as `index_pages` (else
    `numbers`) give them (indexranges.py).
    """
    warnings = [] if warnings is None else warnings
    measures = display_measures(book.settings.pdf)

    def display(text: str, kind: str) -> Markup:
        if kind not in measures:
            return Markup.escape(text)
        shown, forced = display_html(text, measures[kind])
        if forced:
            warnings.append(Warning(f"display line longer than the measure: `{text}`"))
        return Markup(shown)

    if chapters is None:
        chapters = [chapter for chapter in book.chapters if chapter.matter != "front"]
    # Front matter (prefix chapters) is laid out with the title page and the TOC: roman
    # folios, before the text's first page.
    front_matter = [c for c in book.chapters if c.matter == "front"] if front else []
    options = book.settings.pdf
    # What this document can give a page for: its own chapters' ids (printlinks.py). A
    # piece of a long book (not the front matter) cannot: its pages are numbered when the
    # pieces are joined, after layout.
    targets: set[str] = set()
    if front:
        laid_out = [*front_matter, *chapters]
        targets = {chapter.id for chapter in laid_out}.union(*(ids(c.body) for c in laid_out))
    if numbers is not None:
        targets = set(numbers)
        if is_vertical(options):  # printed as its folios are: 〇s stand for the digits
            numbers = {target: chinese_numerals(number) for target, number in numbers.items()}

    known = index_pages if index_pages is not None else numbers

    def text(chapter: Chapter) -> str:
        if chapter.kind == "index" and known:
            return indexranges.merged(chapter.body, known)
        return chapter.body

    def body(chapter: Chapter) -> dict:
        return {
            "id": chapter.id,
            "title": display(chapter.title, "chapter"),
            "running_head": fit(running_head(book, chapter), measures["running-head"]),
            "matter": chapter.matter,
            "part": chapter.part if book.opens_part(chapter) else None,
            "in_part": chapter.part is not None,
            "kind": chapter.kind,
            "body": keep_paragraph_ends(
                _print_text(
                    book,
                    mark_links(
                        markup.for_print(
                            _inline_footnotes(chapter, number_blocks(text(chapter), chapter.id)),
                            book.settings.pdf,
                        ),
                        chapter.id,
                        pages=options.link_pages,
                        urls=options.link_urls == "footnote",
                        targets=targets,
                        numbers=numbers,
                    ),
                    measures,
                    chapter.source,
                    warnings,
                )
            ),
        }

    html = template("print.html").render(
        copyright=imprint_page(book, page_count) if front else None,
        # The copyright page's text stands at the foot of the text block.
        copyright_height=f"{text_height(book.settings.pdf) - 0.5:.2f}",
        meta=book.metadata,
        book_head=book_head(book),
        toc=book.toc,
        front=front,
        pages=pages,
        front_ids=_ids([c.heading for c in book.chapters if c.matter == "front"]),
        front_matter=[body(chapter) for chapter in front_matter],
        chapters=[body(chapter) for chapter in chapters],
        labels=labels(book.metadata.language),
        display=display,
        version=__version__,
        timestamp=build_time().strftime("%Y-%m-%dT%H:%M:%SZ") if dated else None,
    )
    # Hyphenation points last: the kept paragraph ends count a Latin word as one unit.
    return soft_hyphens(html)


def running_head(book: Book, chapter: Chapter) -> str:
    """A chapter's running head before fitting: `[pdf] running-head` for its file, else
    its short title (front matter, summary), else its title."""
    given = dict(book.settings.pdf.running_head)
    root = book.root.resolve()
    if given and chapter.source.is_relative_to(root):
        name = chapter.source.relative_to(root).as_posix()
        if name in given:
            return given[name]
    return chapter.running_head or chapter.title


def book_head(book: Book) -> str:
    """The book's title as the left pages' running head: one line (runninghead.fit)."""
    return fit(book.metadata.title, display_measures(book.settings.pdf)["running-head"])


def _ids(headings: list) -> set[str]:
    """The ids of `headings` and of every heading below them."""
    return {h.id for h in headings} | {i for h in headings for i in _ids(h.children)}


def imprint_figures(book: Book, pages: int) -> Figures:
    """开本, 印张, 字数 of the book laid out in `pages` pages."""
    g = geometry(book.settings.pdf)
    return figures(book.settings.pdf, g.chars_per_line, g.lines_per_page, pages)


def imprint_page(book: Book, pages: int) -> CopyrightPage:
    """The copyright page, with the figures of a book of `pages` pages when `[imprint]` is
    given."""
    imprint = book.settings.imprint
    numbers = imprint_figures(book, pages) if imprint.given else None
    return copyright_page(book.metadata, imprint, numbers)


@dataclass(frozen=True)
class Setup:
    """Everything WeasyPrint needs besides the HTML: stylesheets, the files the sandbox may
    serve, in-memory resources. Picklable, for worker processes."""

    root: Path
    stylesheets: tuple[str, ...]
    font_files: tuple[Path, ...]
    resources: tuple[Resource, ...]
    chinese_layout: bool = True
    hanging_punctuation: bool = False
    compress_punctuation: bool = True
    #: A vertical edition's upright faces (vertical_faces.py): the book's faces too.
    upright_files: tuple[Path, ...] = ()
    #: A vertical edition's frame for its upright blocks (upright.py): column, width, pitch.
    upright_frame: tuple[float, float, float] = ()


def setup(book: Book, *, chinese_layout: bool = True) -> Setup:
    toml = book.root / "book.toml"
    latin = latin_faces(book.settings.pdf, toml)
    fallbacks = fallback_faces(book)
    vertical = is_vertical(book.settings.pdf)
    upright = tuple(vertical_faces(book)) if vertical else ()
    return Setup(
        book.root,
        (
            settings_css(book.settings.pdf, toml, latin, fallbacks, upright),
            stylesheet("base.css"),
            stylesheet("print.css"),
            VERTICAL_CSS if vertical else "",
            vertical_links_css(book) if vertical else links_css(book.metadata.language),
            *filter(
                None,
                [
                    bookmark_css(book.settings.pdf.toc_depth),
                    "" if vertical else front_links_css(book),
                ],
            ),  # fmt: skip
        ),
        (
            *(face["path"] for face in latin),
            *dict.fromkeys(f.path for f in fallbacks),
            *(f.path for f in upright),
        ),
        tuple(book.resources),
        chinese_layout,
        book.settings.typography.hanging_punctuation,
        book.settings.typography.compress_punctuation,
        tuple(f.path for f in upright),
        upright_frame(book.settings.pdf) if vertical else (),
    )


def upright_frame(settings: PdfSettings) -> tuple[float, float, float]:
    """The turned frame's line length, text block height and line pitch (pt)."""
    g = geometry(settings)
    pitch = settings.font_size * settings.line_height
    return (g.chars_per_line * settings.font_size, g.lines_per_page * pitch, pitch)


def front_links_css(book: Book) -> str:
    """Links to the front matter print the page they lead to in roman, as it is folioed."""
    front = sorted(_ids([c.heading for c in book.chapters if c.matter == "front"]))
    if not front or not book.settings.pdf.link_pages:
        return ""
    rule = links_css(book.metadata.language)
    roman = rule.replace("target-counter(attr(href url), page)",
                         "target-counter(attr(href url), page, lower-roman)")  # fmt: skip
    selectors = ", ".join(f'a.page-ref[href="#{target}"]::after' for target in front)
    return roman.replace("a.page-ref::after", selectors)


def vertical_links_css(book: Book) -> str:
    """A vertical edition prints the page a link leads to as its folios are printed: in
    Chinese numerals, upright in the column (front matter and text alike)."""
    return links_css(book.metadata.language).replace(
        "target-counter(attr(href url), page)", "target-counter(attr(href url), page, cjk-decimal)"
    )


def bookmark_css(depth: int) -> str:
    """Bookmarks as deep as the printed TOC, `[pdf] toc-depth` levels below the chapters
    (print.css has the default, 2); a level deeper in a book with parts."""
    if depth == 2:
        return ""
    rules = []
    for level in range(2, 7):
        shown = level <= depth + 1
        plain, in_part = (level, level + 1) if shown else ("none", "none")
        rules.append(f"section.chapter h{level} {{ bookmark-level: {plain}; }}")
        rules.append(f"section.chapter.in-part h{level} {{ bookmark-level: {in_part}; }}")
    return "\n".join(rules) + "\n"


@dataclass(frozen=True)
class Prepared:
    """What laying out a book in one document needs besides WeasyPrint: made before
    WeasyPrint is loaded, in another process (build.py). `page_count`: the pages its
    copyright page's figures were made for; `warnings`: what making the HTML found."""

    setup: Setup
    html: str
    page_count: int = 0
    warnings: tuple[Warning, ...] = ()
    #: The pages its index's ranges were made for (indexranges.py).
    index_pages: dict[str, str] = field(default_factory=dict)


def prepare(
    book: Book,
    page_count: int = 0,
    *,
    chinese_layout: bool = True,
    index_pages: dict[str, str] | None = None,
) -> Prepared:
    """What laying out the book in one document needs besides WeasyPrint (its index's
    ranges made for `index_pages`, as known or guessed)."""
    config = setup(book, chinese_layout=chinese_layout)
    warnings: list[Warning] = []
    html = book_html(book, page_count=page_count, warnings=warnings, index_pages=index_pages)
    return Prepared(config, html, page_count, tuple(warnings), index_pages or {})


def _lacking(book: Book) -> set[int]:
    """The code points of the book the body's faces lack."""
    meta = book.metadata
    text = "".join([meta.title, meta.subtitle or "", *meta.authors, meta.publisher or ""])
    # The HTML's characters (see _print_text).
    text += "".join(c.title + c.body + "".join(n.html for n in c.footnotes) for c in book.chapters)
    return fallback.lacking(text, book.settings.pdf.body_font, book.settings.pdf.latin_font)


def fallback_faces(book: Book) -> tuple[fallback.Face, ...]:
    """The faces (fallback.py) for the scripts in the book its configured faces lack."""
    lacking = _lacking(book)
    return tuple(fallback.faces(lacking, fallback.emoji_coverage())) if lacking else ()
