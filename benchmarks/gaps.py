"""How wide justified lines spread their Han characters, over every line of a built PDF.

`publish check` stops measuring at the first line whose text it cannot place in the
manuscript (a real book's wrapped listings); this counts every body line of the text
block instead, for comparing two builds (before and after hyphenation, for example):
the gap between two Han characters in a row, beyond their advance, in em.

    .venv/bin/python benchmarks/gaps.py BOOK_DIR FILE.pdf [FILE.pdf …]
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import pdfplumber

from publish.check import _lines_of_page
from publish.manuscript import read_manuscript
from publish.pdf.geometry import geometry
from publish.units import PT_PER_MM


def _han(char: str) -> bool:
    return bool(char) and unicodedata.name(char[0], "").startswith("CJK UNIFIED")


def gaps(book_dir: Path, pdf_path: Path) -> dict[str, object]:
    """Lines measured, lines whose widest Han gap exceeds 1/8 and 1/4 em, the widest."""
    settings = read_manuscript(book_dir).settings.pdf
    g = geometry(settings)
    top, bottom = g.top * PT_PER_MM - 1, g.bottom * PT_PER_MM - 1
    lines = over_eighth = over_quarter = 0
    widest = (0.0, "")
    with pdfplumber.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            for line in _lines_of_page(page, top, bottom, settings.font_size):
                pairs = [
                    (c1, c2)
                    for c1, c2 in zip(line, line[1:], strict=False)
                    if _han(c1["text"])
                    and _han(c2["text"])
                    and c1["size"] == c2["size"]
                    and c2["x0"] - c1["x1"] < 1.5 * c1["size"]  # not across table columns
                ]
                if not pairs:
                    continue
                lines += 1
                gap = max((c2["x0"] - c1["x1"]) / c1["size"] for c1, c2 in pairs)
                over_eighth += gap > 0.125
                over_quarter += gap > 0.25
                if gap > widest[0]:
                    text = "".join(c["text"] for c in line)
                    widest = (gap, f"p. {number}: {text[:24]}…")
            page.close()
    return {
        "lines": lines,
        "> 1/8 em": over_eighth,
        "> 1/4 em": over_quarter,
        "widest": f"{widest[0]:.3f} em ({widest[1]})",
    }


if __name__ == "__main__":
    book = Path(sys.argv[1])
    for path in sys.argv[2:]:
        print(path, gaps(book, Path(path)))
