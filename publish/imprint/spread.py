"""The printed cover spread, `<name>-cover.pdf`: back | spine | front on one sheet with
bleed all round, laid out by WeasyPrint from an HTML page.

The spine is as wide as the interior is thick (`pages / 2 × paper-caliper + board`), so the
cover is made after the interior, from its final page count. Chinese spines read top to
bottom: Han characters upright, one under the other, Latin and digits turned a quarter
clockwise. WeasyPrint 70 has no `writing-mode: vertical-rl`, so the characters are
stacked here, each Latin run a block turned by a CSS transform, its length measured with
the face (Pillow). The back carries the description, the ISBN as an EAN-13 barcode
(python-barcode, vector SVG) in the lower right at least 15 mm from the trim, the ISBN
printed above it and the price below (GB/T 12906).

Colours are the `Palette`'s, in one place, as CSS hex: the prepress step converts them.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from ..config import CoverSettings, Settings
from ..cover_art import ACCENT, BACKGROUND, INK, _font
from ..model import Book, Resource, Warning
from ..units import MM_PER_INCH, PT_PER_MM
from .copyright import isbn_text, printed_pages

#: Below this spine width (mm) there is no room for text on the spine.
MIN_SPINE_TEXT = 5.0
#: Below this spine width (mm) a book is too thin to perfect-bind: saddle-stitched.
MIN_SPINE = 3.0
#: The barcode's distance from the back's trim edges (GB/T 12906 asks for at least 15 mm).
BARCODE_MARGIN = 15.0
#: EAN-13 at nominal size (magnification 1.00): module 0.33 mm, bars 22.85 mm high.
MODULE = 0.33
BAR_HEIGHT = 22.85
#: A cover image should have this resolution at its printed size.
MIN_PPI = 300


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


@dataclass(frozen=True)
class Palette:
    """The cover's colours (the drawn EPUB cover art's, publish/cover_art.py), as CSS."""

    paper: str = _hex(BACKGROUND)
    ink: str = _hex(INK)
    accent: str = _hex(ACCENT)


@dataclass(frozen=True)
class CoverGeometry:
    """The spread in mm: each panel's trim size, the spine, the bleed all round.
    width = 2 × trim width + spine + 2 × bleed (what a preflight checks)."""

    trim_width: float
    trim_height: float
    spine: float
    bleed: float

    @property
    def width(self) -> float:
        return 2 * self.trim_width + self.spine + 2 * self.bleed

    @property
    def height(self) -> float:
        return self.trim_height + 2 * self.bleed

    @property
    def spine_left(self) -> float:
        """The spine's left fold, from the sheet's left edge."""
        return self.bleed + self.trim_width

    def folds(self, slug: float = 0.0) -> tuple[float, ...]:
        """The folds' x (pt) on a sheet widened by `slug` mm each side: the spine's two,
        or one (a saddle-stitched cover)."""
        left = (slug + self.spine_left) * PT_PER_MM
        return (left,) if self.spine <= 0 else (left, left + self.spine * PT_PER_MM)


def perfect_spine(pages: int, settings: CoverSettings) -> float:
    """`pages / 2 × paper-caliper + board` mm, pages counted as printed (even)."""
    return round(printed_pages(pages) / 2 * settings.paper_caliper + settings.board, 4)


def binding(pages: int, settings: CoverSettings) -> str:
    """`[cover] binding`, or by the spine's width: "saddle" under MIN_SPINE mm."""
    if settings.binding:
        return settings.binding
    return "saddle" if perfect_spine(pages, settings) < MIN_SPINE else "perfect"


def spine_width(pages: int, settings: CoverSettings) -> float:
    """The spine (mm): the interior's thickness when perfect-bound, none when stitched."""
    return 0.0 if binding(pages, settings) == "saddle" else perfect_spine(pages, settings)


def binding_warnings(pages: int, settings: CoverSettings) -> list[str]:
    """What a printer would say of the binding of a book of `pages` pages."""
    spine = perfect_spine(pages, settings)
    chosen = binding(pages, settings)
    if chosen == "saddle":
        said = [] if settings.binding else [
            f"cover: the spine would be {spine:.1f} mm (under {MIN_SPINE:g} mm): the cover "
            'is made for saddle stitching, without a spine (`[cover] binding = "perfect"` '
            "keeps one)"
        ]  # fmt: skip
        if printed_pages(pages) % 4:
            said.append(
                f"cover: saddle stitching folds sheets of 4 pages; {pages} is not a multiple"
            )
        return said
    if spine < MIN_SPINE:
        return [
            f"cover: a {spine:.1f} mm spine is too thin to perfect-bind (under {MIN_SPINE:g} mm)"
        ]
    return []


def cover_geometry(book: Book, pages: int) -> CoverGeometry:
    """The spread of `book` whose interior has `pages` pages."""
    settings = book.settings.cover or CoverSettings()
    width, height = book.settings.pdf.page_size
    return CoverGeometry(width, height, spine_width(pages, settings), settings.bleed)


# --- the spine -------------------------------------------------------------------------

#: Vertical presentation forms of the punctuation a title may hold (Unicode FE10–FE4F).
_VERTICAL = str.maketrans(
    "，、。：；！？（）《》〈〉「」『』【】“”‘’—…",
    "︐︑︒︓︔︕︖︵︶︽︾︿﹀﹁﹂﹃﹄︻︼﹁﹂﹃﹄︱︙",
)
#: Runs set turned: Latin letters, digits and what goes between them.
_TURNED = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,:;'&/+\-]*[A-Za-z0-9.]|[A-Za-z0-9]")


def _measure(text: str, family: str, size_mm: float, bold: bool) -> float:
    """The advance of `text` in mm at `size_mm`, in `family` (Pillow at 1000 units)."""
    return _font(family, 1000, bold).getlength(text) / 1000 * size_mm


def vertical_runs(text: str) -> list[tuple[str, bool]]:
    """`text` cut into (characters, turned) runs: Han and punctuation upright one by one,
    Latin and digit runs turned."""
    runs: list[tuple[str, bool]] = []
    position = 0
    for match in _TURNED.finditer(text):
        runs += [(c, False) for c in text[position : match.start()] if not c.isspace()]
        runs.append((match.group(), True))
        position = match.end()
    runs += [(c, False) for c in text[position:] if not c.isspace()]
    return runs


def _column(text: str, family: str, size: float, bold: bool) -> tuple[str, float]:
    """HTML of `text` set vertically at `size` mm, and its length in mm."""
    parts, length = [], 0.0
    weight = "bold" if bold else "normal"
    for run, turned in vertical_runs(text):
        if turned:
            advance = _measure(run, family, size, bold)
            parts.append(
                f'<div class="turned" style="height:{advance:.3f}mm">'
                f'<span style="width:{advance + 1:.3f}mm">{html.escape(run)}</span></div>'
            )
            length += advance
        else:
            parts.append(f'<div class="upright">{html.escape(run.translate(_VERTICAL))}</div>')
            length += size
    style = f"font-family:'{family}';font-size:{size:.3f}mm;font-weight:{weight}"
    return f'<div class="column" style="{style}">{"".join(parts)}</div>', length


def _spine(book: Book, g: CoverGeometry) -> str | None:
    """The spine's text (title, author, publisher) or None when the spine is too thin."""
    if g.spine < MIN_SPINE_TEXT:
        return None
    pdf = book.settings.pdf
    meta = book.metadata
    room = g.trim_height - 2 * 15
    size = min(g.spine * 0.6, 9.0)
    while True:  # the largest size (0.25 mm steps) at which everything fits
        title, title_len = _column(meta.title, pdf.heading_font, size, True)
        author, author_len = _column("　".join(meta.authors), pdf.body_font, size * 0.75, False)
        publisher, publisher_len = ("", 0.0)
        if meta.publisher:
            publisher, publisher_len = _column(meta.publisher, pdf.body_font, size * 0.7, False)
        if title_len + author_len + publisher_len + 3 * size <= room or size <= 2.5:
            break
        size -= 0.25
    top = g.bleed + 15
    return (
        f'<div class="spine-text" style="top:{top:.3f}mm">{title}'
        f'<div style="height:{size * 1.5:.3f}mm"></div>{author}</div>'
        + (
            f'<div class="spine-text" style="bottom:{g.bleed + 15:.3f}mm">{publisher}</div>'
            if publisher
            else ""
        )
    )


# --- the panels ------------------------------------------------------------------------


def barcode_svg(isbn13: str) -> bytes:
    """The ISBN as an EAN-13 barcode (with its guard bars and digits), vector SVG."""
    # late: python-barcode loads only when used (start-up time)
    from barcode import get_barcode_class

    # late: python-barcode loads only when used (start-up time)
    from barcode.writer import SVGWriter

    code = get_barcode_class("ean13-guard")(isbn13, writer=SVGWriter())
    return code.render(
        {
            "module_width": MODULE,
            "module_height": BAR_HEIGHT,
            "quiet_zone": 11 * MODULE,
            "font_size": 9,
            "text_distance": 4,
            "background": "white",
            "foreground": "black",
        }
    )


def _front(book: Book, g: CoverGeometry, palette: Palette) -> str:
    """The front panel: the cover image over the bleed box, or the typographic design of
    the EPUB's generated cover (double frame, title, subtitle, authors, publisher)."""
    if book.cover is not None:
        return f'<img class="cover-image" src="{html.escape(book.cover.href)}" alt="">'
    meta = book.metadata
    w = g.trim_width
    # cover.py draws on 1600 px; the same proportions of the trim width here.
    title_size = w * (150 if len(meta.title) <= 16 else 120 if len(meta.title) <= 30 else 96) / 1600
    parts = [
        _frame("frame", g, w * 85 / 1600),
        _frame("frame inner", g, w * 107 / 1600),
        f'<div class="front-title" style="top:{g.bleed + g.trim_height * 0.2:.3f}mm;'
        f'font-size:{title_size:.3f}mm">{html.escape(meta.title)}',
    ]
    if meta.subtitle:
        parts.append(
            f'<p class="subtitle" style="font-size:{w * 72 / 1600:.3f}mm">'
            f"{html.escape(meta.subtitle)}</p>"
        )
    parts.append("</div>")
    rule = w * 240 / 1600  # the short accent rule above the authors
    parts.append(
        f'<div class="rule" style="left:{(w - rule) / 2:.3f}mm;width:{rule:.3f}mm;'
        f"bottom:{g.bleed + g.trim_height * 0.17 + w * 150 / 1600:.3f}mm;"
        f'border-top:{w * 4 / 1600:.3f}mm solid {palette.accent}"></div>'
    )
    parts.append(
        f'<div class="front-authors" style="bottom:{g.bleed + g.trim_height * 0.17:.3f}mm;'
        f'font-size:{w * 80 / 1600:.3f}mm">{html.escape("　".join(meta.authors))}</div>'
    )
    if meta.publisher:
        parts.append(
            f'<div class="front-publisher" style="bottom:{g.bleed + g.trim_height * 0.09:.3f}mm;'
            f'font-size:{w * 60 / 1600:.3f}mm">{html.escape(meta.publisher)}</div>'
        )
    return "".join(parts)


def _frame(cls: str, g: CoverGeometry, inset: float) -> str:
    """A frame `inset` mm inside the front's trim (its left edge is the spine fold)."""
    return (
        f'<div class="{cls}" style="top:{g.bleed + inset:.3f}mm;bottom:{g.bleed + inset:.3f}mm;'
        f'left:{inset:.3f}mm;right:{g.bleed + inset:.3f}mm"></div>'
    )


def _back(book: Book, g: CoverGeometry) -> str:
    """The back panel: the description, the barcode block in the lower right."""
    settings = book.settings.cover or CoverSettings()
    text = settings.back_text or book.metadata.description or ""
    paragraphs = "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n") if p.strip())
    parts = [f'<div class="back-text" style="top:{g.bleed + 30:.3f}mm">{paragraphs}</div>']
    imprint = book.settings.imprint
    if imprint.isbn or imprint.price:
        block = []
        if imprint.isbn:
            block.append(f'<p class="isbn">{isbn_text(imprint.isbn)}</p>')
            block.append('<img class="barcode" src="cover-barcode.svg" alt="">')
        if imprint.price:
            block.append(f'<p class="price">定价：{html.escape(imprint.price)}</p>')
        # Right edge: the back's trim edge at the spine fold; bottom: the trim's foot.
        parts.append(
            f'<div class="barcode-block" style="right:{BARCODE_MARGIN:.3f}mm;'
            f'bottom:{g.bleed + BARCODE_MARGIN:.3f}mm">{"".join(block)}</div>'
        )
    return "".join(parts)


_CSS = """
@page {{ size: {width:.3f}mm {height:.3f}mm; margin: 0; background: {paper}; }}
html, body {{ margin: 0; padding: 0; color: {ink}; font-family: '{body}'; }}
body > div, .panel > * {{ position: absolute; }}
.panel {{ top: 0; height: {height:.3f}mm; overflow: hidden; }}
.spine {{ background: {accent}; color: {paper}; }}
.spine-text {{ left: 0; right: 0; }}
.column {{ width: 100%; line-height: 1; text-align: center; }}
.upright {{ height: 1em; }}
.turned {{ position: relative; }}
.turned span {{ display: block; position: absolute; top: 0; left: 50%; white-space: nowrap;
  line-height: 1; height: 1em; transform-origin: 0 0;
  transform: rotate(90deg) translate(0, -50%); }}
.frame {{ border: 0.6mm solid {accent}; }}
.frame.inner {{ border-width: 0.2mm; }}
.front-title, .front-authors, .front-publisher {{ left: 0; right: {bleed:.3f}mm;
  text-align: center; padding: 0 14mm; }}
.front-title {{ font-family: '{heading}'; font-weight: bold; line-height: 1.35; }}
.front-title .subtitle {{ font-family: '{body}'; font-weight: normal; margin-top: 1.2em; }}
.front-authors {{ border-top: none; }}
.cover-image {{ left: 0; top: 0; width: 100%; height: 100%; object-fit: cover; }}
.back-text {{ left: {text_left:.3f}mm; width: {text_width:.3f}mm; font-size: 3.7mm;
  line-height: 1.8; text-align: justify; }}
.back-text p {{ margin: 0 0 0.8em; text-indent: 2em; }}
.barcode-block {{ text-align: center; font-family: '{heading}'; background: white;
  padding: 1mm 0; }}
.barcode-block p {{ margin: 0; font-size: 3mm; line-height: 1.3; }}
.barcode-block .isbn {{ letter-spacing: 0.05em; }}
.barcode {{ display: block; }}
.barcode-block .price {{ margin-top: 0.5mm; }}
"""


def cover_html(book: Book, g: CoverGeometry, palette: Palette) -> tuple[str, str, list[str]]:
    """The spread's HTML and CSS, and the warnings (spine too thin) it gives."""
    warnings = []
    spine = _spine(book, g)
    if spine is None and g.spine > 0:
        warnings.append(
            f"cover: the spine is {g.spine:.1f} mm wide, too thin for its text "
            f"(under {MIN_SPINE_TEXT:g} mm): left blank"
        )
    pdf = book.settings.pdf
    css = _CSS.format(
        width=g.width, height=g.height, bleed=g.bleed, paper=palette.paper, ink=palette.ink,
        accent=palette.accent, body=pdf.body_font, heading=pdf.heading_font,
        text_left=g.bleed + 20, text_width=g.trim_width - 40,
    )  # fmt: skip
    front_left = g.spine_left + g.spine
    body = (
        f'<div class="panel back" style="left:0;width:{g.spine_left:.3f}mm">{_back(book, g)}</div>'
        f'<div class="panel spine" style="left:{g.spine_left:.3f}mm;width:{g.spine:.3f}mm">'
        f"{spine or ''}</div>"
        f'<div class="panel front" style="left:{front_left:.3f}mm;'
        f'width:{g.trim_width + g.bleed:.3f}mm">{_front(book, g, palette)}</div>'
    )
    document = (
        f'<!DOCTYPE html><html lang="{book.metadata.language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(book.metadata.title)}</title></head><body>{body}</body></html>"
    )
    return document, css, warnings


def _image_resolution(book: Book, g: CoverGeometry) -> float | None:
    """The cover image's resolution (ppi) scaled to cover the front's bleed box."""
    if book.cover is None:
        return None
    import io  # late: standard library, loaded only when used (start-up time)

    from PIL import Image  # late: Pillow loads only when used (start-up time)

    with Image.open(io.BytesIO(book.cover.content())) as image:
        width, height = image.size
    box_w = (g.trim_width + 2 * g.bleed) / MM_PER_INCH
    box_h = (g.trim_height + 2 * g.bleed) / MM_PER_INCH
    # Scaled to cover the box, the image is as sharp as its tighter dimension allows.
    return min(width / box_w, height / box_h)


def render_cover(
    book: Book, pages: int, target: Path, palette: Palette = Palette()
) -> CoverGeometry:
    """Write the cover spread of `book`, whose interior has `pages` pages, to `target`;
    warnings go to the model. The TrimBox is the spread without the bleed."""
    # late: start-up time: loaded only when this runs
    from ..sandbox import quiet_logging, url_fetcher
    from ..weasy.load import load  # late: start-up time: loaded only when this runs

    load()
    from weasyprint import CSS, HTML  # late: WeasyPrint loads only when used (start-up time)

    g = cover_geometry(book, pages)
    document, css, warnings = cover_html(book, g, palette)
    warnings += binding_warnings(pages, book.settings.cover or CoverSettings())
    book.warnings += [Warning(message) for message in warnings]
    ppi = _image_resolution(book, g)
    if ppi is not None and ppi < MIN_PPI:
        book.warnings.append(
            Warning(
                f"cover image is {ppi:.0f} ppi at its printed size (under {MIN_PPI})",
                book.cover.path if book.cover else None,
            )  # fmt: skip
        )
    resources = list(book.resources)
    if book.settings.imprint.isbn:
        resources.append(
            Resource(
                "cover-barcode.svg",
                book.root.resolve() / "cover-barcode.svg",
                "image/svg+xml",
                barcode_svg(book.settings.imprint.isbn),
            )
        )
    fetcher = url_fetcher(book.root, (), resources)
    base_url = book.root.resolve().as_uri() + "/"
    from ..cache import font_files  # late: start-up time: loaded only when this runs
    from ..weasy.fonts import cached_subsets  # late: start-up time: loaded only when this runs

    with quiet_logging(), cached_subsets(font_files(book)):  # subsets kept between builds
        HTML(string=document, base_url=base_url, url_fetcher=fetcher).write_pdf(
            target, stylesheets=[CSS(string=css)], pdf_identifier=True
        )
    _set_boxes(target, g, cover_marks(book.settings))
    return g


def cover_marks(settings: Settings) -> bool:
    """Whether the cover gets crop and fold marks: `[cover] marks`, else `[pdf] marks`."""
    marks = (settings.cover or CoverSettings()).marks
    return settings.pdf.marks if marks is None else marks


def _set_boxes(target: Path, g: CoverGeometry, marks: bool) -> None:
    """TrimBox (the spread without the bleed) and BleedBox (the sheet laid out) on the
    cover; with `marks`, the MediaBox widened by a slug for them (as the interior's)."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    # late: loaded only when used (start-up time)
    from ..prepress.boxes import MARK_GAP

    b = g.bleed * PT_PER_MM
    slug = (g.bleed + MARK_GAP) * PT_PER_MM if marks else 0.0
    with pikepdf.open(target, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.mediabox)
            page.trimbox = [x0 + b, y0 + b, x1 - b, y1 - b]
            page.bleedbox = [x0, y0, x1, y1]
            page.mediabox = [x0 - slug, y0 - slug, x1 + slug, y1 + slug]
        pdf.save(target, deterministic_id=True)
