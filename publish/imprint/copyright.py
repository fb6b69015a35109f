"""The 版权页 (copyright page, verso of the title page) as GB/T 12450 lays it out: the
rights line, the CIP block as issued, and the 版本记录 — with 开本, 印张 and 字数 computed
from the format and the layout, never typed.

Every line has a fixed place and holds one datum, so the page's length does not depend on
the figures: a second layout with the final figures cannot change the page count again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config import ImprintSettings, PdfSettings
from ..model import Metadata
from ..words import imprint_labels


def printed_pages(pages: int, signature: int = 0) -> int:
    """The pages a printer counts: padded to the signature (if any), then to even."""
    if signature:
        pages = math.ceil(pages / signature) * signature
    return pages + pages % 2


def signature_padding(pages: int, signature: int) -> int:
    """How many blank pages fill the last signature (0 without one)."""
    return (-pages) % signature if signature else 0


@dataclass(frozen=True)
class Figures:
    """The copyright page's computed figures, as printed."""

    kaiben: str | None  # 787 mm × 1092 mm 1/16, None when the sheet is unknown
    yinzhang: str | None  # 印张, two decimals
    zishu: str  # 字数 in 千字, e.g. "256千字" (the same characters in a traditional edition)


def figures(settings: PdfSettings, chars_per_line: int, lines_per_page: int, pages: int) -> Figures:
    """开本, 印张 (printed pages ÷ 开数) and 字数 (版面字数: characters per line × lines per
    page × printed pages, in thousands, rounded half up) for a book of `pages` laid-out pages."""
    printed = printed_pages(pages, settings.signature)
    sheet = settings.sheet
    thousands = math.floor(chars_per_line * lines_per_page * printed / 1000 + 0.5)
    return Figures(
        kaiben=sheet.kaiben() if sheet else None,
        yinzhang=f"{printed / sheet.fold:.2f}" if sheet else None,
        zishu=f"{thousands}千字",
    )


@dataclass(frozen=True)
class CopyrightPage:
    """What the template prints: the rights line, the CIP lines, the record's lines."""

    rights: str
    cip: list[str]
    record: list[tuple[str, str]]


def _year(meta: Metadata) -> str | None:
    return meta.date[:4] if meta.date else None


def copyright_page(
    meta: Metadata, imprint: ImprintSettings, numbers: Figures | None
) -> CopyrightPage:
    """The copyright page of a book: the full 版本记录 when `[imprint]` is given (then with
    `numbers`), else a short one (title, authors, rights, date). Absent data: no line."""
    authors = "　".join(meta.authors)
    year = _year(meta)
    # A book without authors (a GitBook with no book.json) gets no lone `©`, no empty 著者.
    rights = meta.rights or (f"© {year + ' ' if year else ''}{authors}" if authors else "")
    label = imprint_labels(meta.language)
    record = [(label[k], v) for k, v in (("title", meta.title), ("authors", authors)) if v]
    if not imprint.given:
        if meta.publisher:
            record.append((label["publisher"], meta.publisher))
        if meta.date:
            record.append((label["date"], meta.date))
        return CopyrightPage(rights, [], record)
    publisher = meta.publisher or ""
    if imprint.publisher_address:
        publisher += f"（{imprint.publisher_address}）" if publisher else imprint.publisher_address
    rows = [
        ("editor", imprint.editor),
        ("designer", imprint.designer),
        ("proofreader", imprint.proofreader),
        ("publisher", publisher or None),
        ("printer", imprint.printer),
        ("distributor", imprint.distributor),
        ("format", numbers.kaiben if numbers else None),
        ("sheets", numbers.yinzhang if numbers else None),
        ("characters", numbers.zishu if numbers else None),
        ("edition", imprint.edition or (meta.date if not imprint.printing else None)),
        ("printing", imprint.printing),
        ("print_run", imprint.print_run),
        ("isbn", isbn_text(imprint.isbn) if imprint.isbn else None),
        ("price", imprint.price),
    ]
    record += [(label[key], value) for key, value in rows if value]
    cip = imprint.cip.split("\n") if imprint.cip else []
    return CopyrightPage(rights, cip, record)


def isbn_text(isbn13: str) -> str:
    """`ISBN 978-7-…`, hyphenated by the ISBN agency's ranges (python-stdnum)."""
    from stdnum import isbn  # late: python-stdnum loads only when used (start-up time)

    return "ISBN " + isbn.format(isbn13)
