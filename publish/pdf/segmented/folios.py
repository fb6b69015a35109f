"""Folios of a long book: laid out once on a few folio-only pages (cached), and stamped
on the joined pages, each folio's glyphs taken from a sample of its parity and length."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ...fonts import cid_widths
from ...model import Book

if TYPE_CHECKING:
    import pikepdf

#: Folio-only pages are made (and cached) in runs of this many page numbers.
FOLIO_RUN = 200

#: Folio-only pages: the body's page style with the running heads left out; each page
#: numbered as `folio_css` is given.
FOLIO_CSS = """
@page body:left { @top-left { content: none; } }
@page body:right { @top-right { content: none; } }
.mainmatter > div + div { break-before: page; }
"""
#: The folios laid out to make all others from (Folios), a recto and a verso of each
#: length, all ten digits: `2` is on a verso, like every even number.
FOLIO_SAMPLES = [*range(1, 12), 100, 101, 1000, 1001, 10000, 10001]


def folio_css(numbers: list[int]) -> str:
    """FOLIO_CSS, numbering the pages `numbers` (consecutive but for a few jumps)."""
    resets = [
        f"@page body:nth({page} of body) {{ counter-reset: page {number}; }}"
        for page, number in enumerate(numbers, 1)
        if page == 1 or number != numbers[page - 2] + 1
    ]
    return FOLIO_CSS + "\n".join(resets) + "\n"


def folio_html(book: Book, count: int) -> str:
    pages = "<div></div>" * count
    return (
        f'<!DOCTYPE html><html lang="{book.metadata.language}"><body>'
        f'<div class="mainmatter">{pages}</div></body></html>'
    )


#: How WeasyPrint draws a folio: its glyphs, each with a zero adjustment (no kerning).
_FOLIO_TEXT = re.compile(rb"\[((?:<[0-9a-f]+>0)+)\] TJ")
_GLYPH = re.compile(rb"<([0-9a-f]+)>")


def folio_digits(sample: pikepdf.Pdf, numbers: list[int]) -> dict[str, bytes] | None:
    """The glyph (hex) of each digit, if any folio can be made from these sample pages
    (showing `numbers`) by putting its digits' glyphs in the place of a sample's of the same
    parity and length: each page draws its number as one run of glyphs, a glyph a digit,
    no kerning, all ten digits seen, each always the same glyph, all as wide (so a folio's
    place depends on its length only). None otherwise."""
    digits: dict[str, bytes] = {}
    for page, number in zip(sample.pages, numbers, strict=True):
        runs = _FOLIO_TEXT.findall(page.obj.Contents.read_bytes())
        glyphs = _GLYPH.findall(runs[0]) if len(runs) == 1 else []
        if len(glyphs) != len(str(number)):
            return None
        for digit, glyph in zip(str(number), glyphs, strict=True):
            if digits.setdefault(digit, glyph) != glyph:
                return None
    if len(digits) != 10 or len(set(digits.values())) != 10:
        return None
    wanted = {int(glyph, 16) for glyph in digits.values()}
    for font in (sample.pages[0].obj.Resources.get("/Font") or {}).values():
        widths = (
            cid_widths(font.DescendantFonts[0].get("/W") or [])
            if "/DescendantFonts" in font
            else {}
        )
        if wanted <= widths.keys():
            return digits if len({widths[glyph] for glyph in wanted}) == 1 else None
    return None


def folio_digits_of(path: Path, numbers: list[int]) -> dict[str, bytes] | None:
    """folio_digits of the sample pages in the PDF at `path`."""
    import pikepdf  # late: pikepdf loads only when a PDF is read (start-up time)

    with pikepdf.open(path) as sample:
        return folio_digits(sample, numbers)


class Folios:
    """The folio of each body page as a form XObject of `pdf`, from PDFs of folio-only
    pages with the numbers they show: the page showing it if there is one, else one made
    from the page of the same parity and length, its digits' glyphs replaced (if
    folio_digits allows it: layout.py makes sure)."""

    def __init__(self, pdf: pikepdf.Pdf, sources: list[tuple[pikepdf.Pdf, list[int]]]):
        self.pdf = pdf
        self.sources = sources
        self.pages = {
            number: page
            for source, numbers in sources
            for number, page in zip(numbers, source.pages, strict=True)
        }
        self.digits: dict[str, bytes] | None = None
        #: By parity and length: the sample's drawing before and after its glyphs, and
        #: its form's keys (Resources shared).
        self.templates: dict[tuple[int, int], tuple[bytes, bytes, dict]] = {}

    def _copy(self, number: int) -> pikepdf.Stream:
        return self.pdf.copy_foreign(self.pages[number].as_form_xobject())

    def form(self, number: int) -> pikepdf.Stream:
        if number in self.pages:
            return self._copy(number)
        if self.digits is None:
            self.digits = folio_digits(*self.sources[0])
            if self.digits is None:
                raise ValueError(f"no folio page for {number}, and none can be made")
        kind = (number % 2, len(str(number)))
        if kind not in self.templates:
            sample = next(n for n in self.pages if (n % 2, len(str(n))) == kind)
            form = self._copy(sample)
            form.Resources = self.pdf.make_indirect(form.Resources)
            content = form.read_bytes()
            run = _FOLIO_TEXT.search(content)
            unfiltered = ("/Length", "/Filter", "/DecodeParms")
            keys = {key: value for key, value in form.items() if key not in unfiltered}
            self.templates[kind] = (content[: run.start(1)], content[run.end(1) :], keys)
        before, after, keys = self.templates[kind]
        glyphs = b"".join(b"<%s>0" % self.digits[digit] for digit in str(number))
        return self.pdf.make_stream(before + glyphs + after, keys)
