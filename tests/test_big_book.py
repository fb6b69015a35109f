"""三国演义 whole (120 chapters, ~1000 A5 pages): the scale a real book has."""

from __future__ import annotations

import pypdf
import pytest

from conftest import ROOT, Built, epubcheck, folio
from publish.build import build

CORPUS = ROOT.parent / "shared" / "corpus" / "sanguo-yanyi.txt"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sanguo(tmp_path_factory) -> Built:
    if not CORPUS.exists():
        pytest.skip("the corpus is not beside the repository")
    from publish.plaintext import import_text

    folder = tmp_path_factory.mktemp("sanguo")
    import_text(CORPUS, folder / "manuscript", authors=["罗贯中"], output_name="sanguo")
    result = build(folder / "manuscript", folder / "out")
    pdf, epub = result.written
    return Built(result.book, pdf, epub, result.page_breaks)


def test_epubcheck_clean(sanguo):
    messages = epubcheck(sanguo.epub)
    assert messages == [], [(m["ID"], m["message"]) for m in messages[:10]]


def test_every_chapter_bookmarked_on_its_printed_page(sanguo):
    import pdfplumber

    reader = pypdf.PdfReader(sanguo.pdf)
    outline = [item for item in reader.outline if not isinstance(item, list)]
    assert [item.title for item in outline] == [c.title for c in sanguo.book.chapters]
    pages = [reader.get_destination_page_number(item) for item in outline]
    assert pages == sorted(pages) and all(p % 2 == 0 for p in pages)
    labels = {p.chapter: p.label for p in sanguo.page_breaks if p.block is None}
    with pdfplumber.open(sanguo.pdf) as pdf:
        for chapter, page in zip(sanguo.book.chapters, pages, strict=True):
            assert folio(pdf.pages[page]) == labels[chapter.id], chapter.title
    assert len(reader.pages) > 800


def test_page_list_covers_every_printed_page_with_text(sanguo):
    # Every printed page is a target, the front matter's (roman) and blank ones too.
    assert [p.label for p in sanguo.page_breaks] == pypdf.PdfReader(sanguo.pdf).page_labels


def test_typesetting_clean_across_the_whole_book(sanguo):
    from publish.check import check_pdf

    report = check_pdf(sanguo.book, sanguo.pdf)
    assert report.justified_lines > 15_000
    assert report.findings == [], [str(f) for f in report.findings[:10]]
    assert report.text_identical
