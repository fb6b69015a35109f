"""Vertical print (`[pdf] writing-mode = "vertical-rl"`, 竖排): columns top to bottom,
right to left, pages turning right to left.

WeasyPrint 70 has no `writing-mode`. What was chosen, and why:

- Each page is laid out in a *turned frame*: the page's width and height swapped
  (geometry.py), so that a line of the frame is a column of the page; turned a quarter
  clockwise (turn.py, after WeasyPrint), the frame's first line is the page's rightmost
  column read top down, its lines follow right to left, and Latin runs lie turned as
  vertical-rl wants. All the Chinese composition (line breaking, 禁则, punctuation
  compression, justification: weasy/cjk.py) works unchanged in the frame: vertical text is
  the same work turned. The alternative, a vertical line layout inside WeasyPrint, would
  have patched its line breaking, inline layout and drawing (dozens of functions).
- Upright characters are drawn by a derived copy of the faces (vertical_faces.py) whose
  Han, kana, bopomofo and full-width glyphs are turned a quarter counter-clockwise, the
  marks replaced by their `vert` forms: upright once the page is turned. Glyph ids,
  advances and the text layer are the face's own, so the PDF's text is the source text.
- The page is turned back by rewriting its content, boxes, links and destinations
  (turn.py: "baked"), not by `/Rotate`: a printer's RIP and imposition see a portrait page.
- 縦中横: a number of one or two digits stands upright in one em, side by side: one
  glyph of the upright face, which draws each such number turned like Han, chosen by a
  feature only the number's span turns on (`tate_chu_yoko`, fonts.TCY_FEATURE).
  Being text of the column's run, not a box turned by a transform, it is copied in its
  place (`pdftotext`, MuPDF: "第3回写于12月8日"). Longer numbers and Latin words lie turned.
- Ruby stays "over" its base in the frame: to the right of it on the page; 着重号 are
  moved over the line (to the right of the column). Running heads and folios stand in
  the fore-edge margin as a column (head at the top, folio at the foot, in Chinese
  numerals, upright); the TOC is a vertical one with its folios at the columns' feet.
- Raster images are turned back in the frame (`image-orientation`): upright on the page.
  SVG images, tables, code and display maths stand upright as horizontal blocks at the
  head of the columns they take (upright.py), scaled down to the text block and a
  column's length; a listing longer than a column is scaled, not split (not done).
- Pages after links print in Chinese numerals, upright, in a long book too (〇s laid out,
  the numerals written in at the join: segmented/placeholders.py).

Measured (三国演义, 893 pages, PDF only, 2 cores shared with other builds: noisy): back
to back, vertical 94.7 s against horizontal 88.5 s, then 86.7/105.6 s and 86.5/75.3 s
(about 1×; benchmarks/run.py --only vertical, PDF and EPUB: medians 0.92× with the upright
faces cached, 1.29× on a first build, which derives them: ~11 s a face, four faces).
Turning the 893 pages with pikepdf takes 0.6 s. Ghostscript, MuPDF, pdftotext (`-raw`
reads the columns in order), `publish check` and `check --print` read the turned pages;
`/Rotate 90` was not used, so none had to honour it.
"""

from __future__ import annotations

import re
from html import escape, unescape

from ..config import PdfSettings
from ..model import Book
from ..render import labels
from ..typography.textnodes import SKIP, map_text
from .vertical_faces import VerticalFace, vertical_face

#: One or two ASCII digits, not part of a longer number or a Latin word.
_SHORT_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z.,:/])[0-9]{1,2}(?![0-9A-Za-z%/]|[.,:][0-9])")


def upright_families(settings: PdfSettings) -> tuple[str, str]:
    """The CSS families of the upright body and heading faces (settings.css): the source
    face's name and "Upright", so the PDF's font list says which face a printer gets."""
    return f"{settings.body_font} Upright", f"{settings.heading_font} Upright"


def is_vertical(settings: PdfSettings) -> bool:
    return settings.writing_mode == "vertical-rl"


def chinese_numerals(number: str) -> str:
    """A folio as a vertical edition prints it (CSS `cjk-decimal`): 108 → 一〇八."""
    return number.translate(str.maketrans("0123456789", "〇一二三四五六七八九"))


def tate_chu_yoko(html: str) -> str:
    """Numbers of one or two digits in `html`'s text wrapped in `<span class="tcy">`
    (縦中横: upright side by side in one em), outside code, maths and SVG (textnodes.SKIP)
    and tables (set upright, horizontal: upright.py);
    a digit's neighbours are seen across inline tags (`<a>1</a>2` is one number)."""
    return map_text(html, _mark_short_numbers, SKIP | {"table"})


def _mark_short_numbers(text: str, before: str, after: str) -> str:
    """One text node's short numbers wrapped (its entities decoded, so `&#39;` is no number)."""
    plain = unescape(text)
    start, end = len(before), len(before) + len(plain)
    found = [m for m in _SHORT_NUMBER_RE.finditer(before + plain + after, start) if m.end() <= end]
    if not found:
        return text
    out, at = [], start
    for match in found:
        out.append(escape(plain[at - start : match.start() - start], quote=False))
        out.append(f'<span class="tcy">{match.group()}</span>')
        at = match.end()
    out.append(escape(plain[at - start :], quote=False))
    return "".join(out)


def book_text(book: Book) -> str:
    """Every character the printed book may show (the upright faces' subset): metadata,
    chapters, notes, the words and numerals the book prints on its own."""
    meta = book.metadata
    text = "".join([meta.title, meta.subtitle or "", *meta.authors, meta.publisher or ""])
    text += "".join(c.title + c.body + "".join(n.html for n in c.footnotes) for c in book.chapters)
    # The folios and the pages after links, in Chinese numerals (all ten: digits are
    # written in after layout in a long book, placeholders.py).
    return text + "".join(labels(meta.language).values()) + chinese_numerals("0123456789")


def vertical_faces(book: Book) -> list[VerticalFace]:
    """The upright faces of the body (regular, bold) and the headings (bold, regular)."""
    settings = book.settings.pdf
    text = book_text(book)
    serif, sans = upright_families(settings)
    faces = [vertical_face(settings.body_font, bold, text, serif) for bold in (False, True)]
    faces += [vertical_face(settings.heading_font, bold, text, sans) for bold in (False, True)]
    return faces


#: What the turned frame changes in print.css (after it in the cascade).
VERTICAL_CSS = """
/* Vertical edition (pdf/vertical.py), in the turned frame: the frame's top is the page's
   right, its bottom the page's left, its left the page's top. */
@page body:left {
  @top-left { vertical-align: bottom; padding-bottom: 0.6em; }
  @top-right {
    content: counter(page, cjk-decimal);
    font-size: 0.85em;
    vertical-align: bottom;
    padding-bottom: 0.6em;
  }
  @bottom-left { content: none; }
}
@page body:right {
  @top-right { content: none; }
  @bottom-left {
    content: string(chapter-title, first-except);
    white-space: nowrap;
    font-size: 0.8em;
    vertical-align: top;
    padding-top: 0.6em;
  }
  @bottom-right {
    content: counter(page, cjk-decimal);
    font-size: 0.85em;
    vertical-align: top;
    padding-top: 0.6em;
  }
}
@page front:left {
  @bottom-left { content: none; }
  @top-right {
    content: counter(page, cjk-decimal);
    font-size: 0.85em;
    vertical-align: bottom;
    padding-bottom: 0.6em;
  }
}
@page front:right {
  @bottom-right {
    content: counter(page, cjk-decimal);
    vertical-align: top;
    padding-top: 0.6em;
  }
}
@page :blank, body:blank, front:blank {
  @top-left { content: none; }
  @top-right { content: none; }
  @bottom-left { content: none; }
  @bottom-right { content: none; }
}
/* The chapter's title in the first column, two characters down, as vertical books set it. */
section.chapter > h1 {
  text-align: left;
  padding-left: 2em;
  margin: 0 0 1.5em;
}
nav.toc a::after {
  content: leader("·") target-counter(attr(href url), page, cjk-decimal);
}
/* 着重号 to the right of the column: over the line in the frame. */
.em-dot {
  background-position: 50% 0;
  padding-bottom: 0;
  padding-top: 0.32em;
}
/* Raster images upright on the page: turned a quarter counter-clockwise in the frame
   (WeasyPrint turns the bitmap, its width and height swapped). */
img {
  image-orientation: 90deg;
}
/* Tables, code, display maths and SVG images upright (upright.py): a box of the block's
   upright size turned, its content turned back; sized in the element's style. */
.upright {
  position: relative;
  break-inside: avoid;
  margin: 0;
  padding: 0;
  text-indent: 0;
}
.upright-turn {
  position: absolute;
  left: 0;
  margin: 0;
  text-indent: 0;
  text-align: left;
  transform-origin: 0 0;
}
.upright-body {
  display: inline-block;
  vertical-align: top;
  text-indent: 0;
  text-align: left;
}
/* 縦中横: one or two digits upright, side by side, in one em: one glyph of the upright
   face (fonts.TCY_FEATURE), in the column's text run, so copied in its place. */
.tcy {
  white-space: nowrap;
  font-feature-settings: "ztcy";
}
"""
