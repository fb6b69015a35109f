"""What e-readers, stores and accessibility checkers expect of the EPUB (EPUB Accessibility
1.1, page list from the print edition, cover, reproducible builds, vertical writing)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from lxml import etree

from conftest import RICH, ROOT, epubcheck, squash
from publish.build import build
from publish.check import text_block_margins

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
NCX = {"n": "http://www.daisy.org/z3986/2005/ncx/"}
MATHML = {"namespaces": {"m": "http://www.w3.org/1998/Math/MathML"}}
MATH = "{http://www.w3.org/1998/Math/MathML}math"


def opf(path: Path):
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("EPUB/content.opf"))


def xhtml(path: Path, name: str):
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(f"EPUB/{name}"))


def metas(package, prop: str) -> list[str]:
    return [m.text for m in package.findall(f".//opf:meta[@property='{prop}']", NS)]


def copy_rich(tmp_path: Path, extra: str = "", name: str = "m") -> Path:
    folder = tmp_path / name
    shutil.copytree(RICH, folder)
    if extra:
        toml = folder / "book.toml"
        toml.write_text(toml.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
    return folder


def _text_after(element) -> str:
    """The text that follows `element` in its document, whitespace removed (but for what
    is hidden: the nav's landmarks and page list; and formulas, pictures in print)."""
    out = []
    node = element
    out.append(element.tail or "")
    while node is not None:
        for sibling in node.itersiblings():
            if sibling.get("hidden") is None and sibling.tag != MATH:
                out.append("".join(sibling.xpath(".//text()[not(ancestor::m:math)]", **MATHML)))
            out.append(sibling.tail or "")
        node = node.getparent()
        if node is not None:
            out.append(node.tail or "")
    return squash("".join(out))


def _page_list(epub: Path) -> list[tuple[str, str]]:
    """The nav's page-list: (label, href) in its order."""
    page_list = xhtml(epub, "nav.xhtml").find(".//x:nav[@epub:type='page-list']", NS)
    return [(a.text, a.get("href")) for a in page_list.findall(".//x:a", NS)]


def check_page_list(pdf_path: Path, epub: Path, breaks: list, settings) -> int:
    """Every printed page, roman front matter and blank pages too, is in the EPUB's page
    list exactly once, in print order, and its marker stands where that page's text is in
    the EPUB: a page with text, before the same text; a blank page of the front matter (and
    the copyright page, which the EPUB has not), at the end of the document before it; a
    blank page of the body, where the next page's text begins. The pages checked."""
    entries = _page_list(epub)
    labels = pypdf.PdfReader(pdf_path).page_labels
    assert [label for label, _ in entries] == labels  # every page once, in print order
    assert [page.label for page in breaks] == labels
    assert labels[0] == "i" and "1" in labels
    top, bottom = text_block_margins(settings)
    previous = None
    with pdfplumber.open(pdf_path) as pdf:
        for index, (label, href) in enumerate(entries):
            file, anchor = href.split("#")
            span = xhtml(epub, file).find(f".//*[@id='{anchor}']", NS)
            assert span.get(EPUB_TYPE) == "pagebreak" and span.get("role") == "doc-pagebreak"
            assert span.get("aria-label") == label
            page = pdf.pages[index]
            height = page.height
            body = page.within_bbox((0, top, page.width, height - bottom))
            # List markers are the print edition's generated text, not the book's.
            printed = re.sub(r"^(?:[•◦▪]|\d+\.)", "", squash(body.extract_text()))
            following = _text_after(span)
            front = not label.isdigit()
            if front and (not printed or file == "titlepage.xhtml" and previous):
                # a blank page (or the copyright page) stands after the previous page's text
                assert file == previous and following == "", (label, href, following[:20])
            elif printed:
                if file == "nav.xhtml":  # the TOC: its entries without leaders and pages
                    printed = printed.split("·")[0]
                assert following.startswith(printed[:8]), (label, following[:20], printed[:20])
            if printed and not front:
                folio = page.within_bbox((0, 0.9 * height, page.width, height)).extract_words()
                assert folio and folio[-1]["text"] == label
            previous = file
    return len(entries)


def test_page_list_matches_the_printed_pages(built):
    """Each page-break marker stands where the printed page of that label begins."""
    assert built.page_breaks
    check_page_list(built.pdf, built.epub, built.page_breaks, built.book.settings.pdf)


def test_epub_alone_still_has_the_print_page_list(tmp_path, rich):
    result = build(RICH, tmp_path, ("epub",))
    assert result.written == [tmp_path / "rich.epub"]
    assert [p.label for p in result.page_breaks] == [p.label for p in rich.page_breaks]
    nav = xhtml(result.written[0], "nav.xhtml")
    assert nav.find(".//x:nav[@epub:type='page-list']", NS) is not None


def test_accessibility_metadata(rich):
    package = opf(rich.epub)
    assert set(metas(package, "schema:accessMode")) == {"textual", "visual"}
    assert metas(package, "schema:accessModeSufficient") == ["textual"]
    features = set(metas(package, "schema:accessibilityFeature"))
    assert {"tableOfContents", "readingOrder", "structuralNavigation", "printPageNumbers",
            "alternativeText", "pageNavigation"} <= features  # fmt: skip
    assert metas(package, "schema:accessibilityHazard") == ["none"]
    assert metas(package, "schema:accessibilitySummary")[0]
    assert metas(package, "dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    source = package.find(".//dc:source", NS)
    assert source is not None
    assert package.find(f".//opf:meta[@refines='#{source.get('id')}'][@property='source-of']",
                        NS).text == "pagination"  # fmt: skip


def test_no_conformance_claim_when_an_image_lacks_alt_text(tmp_path):
    folder = copy_rich(tmp_path, '[epub]\ncertified-by = "Example QA"\n')
    chapter = folder / "02-tubiao.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(re.sub(r"!\[[^\]]*\]\(images/figure1.png[^)]*\)", "![](images/figure1.png)", text),
                       encoding="utf-8")  # fmt: skip
    result = build(folder, tmp_path / "out", ("epub",))
    messages = [w.message for w in result.book.warnings]
    assert any("has no alt text" in m for m in messages), messages
    package = opf(result.written[0])
    assert metas(package, "dcterms:conformsTo") == []
    assert metas(package, "a11y:certifiedBy") == []
    assert metas(package, "schema:accessModeSufficient") == ["textual,visual"]
    assert epubcheck(result.written[0]) == []


def test_certified_by(tmp_path):
    folder = copy_rich(tmp_path, '[epub]\ncertified-by = "Example QA"\n')
    result = build(folder, tmp_path / "out", ("epub",))
    assert metas(opf(result.written[0]), "a11y:certifiedBy") == ["Example QA"]


def test_landmarks_and_semantics(rich):
    nav = xhtml(rich.epub, "nav.xhtml")
    landmarks = nav.find(".//x:nav[@epub:type='landmarks']", NS)
    kinds = {a.get(EPUB_TYPE): a.get("href") for a in landmarks.findall(".//x:a", NS)}
    assert kinds == {"cover": "cover.xhtml", "toc": "nav.xhtml", "bodymatter": "ch01.xhtml"}
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    assert toc.get("role") == "doc-toc"
    chapter = xhtml(rich.epub, "ch01.xhtml")
    section = chapter.find(".//x:section[@epub:type='chapter']", NS)
    assert section.get("role") == "doc-chapter"
    assert chapter.find(".//x:aside[@role='doc-footnote']", NS) is not None
    assert chapter.find(".//x:a[@role='doc-noteref']", NS) is not None


def test_generated_cover(rich):
    from PIL import Image

    package = opf(rich.epub)
    item = package.find(".//opf:item[@properties='cover-image']", NS)
    assert item is not None and item.get("media-type") == "image/jpeg"
    with zipfile.ZipFile(rich.epub) as z:
        data = z.read("EPUB/" + item.get("href"))
    import io

    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (1600, 2560)
        # Not a blank page: the title is drawn in dark ink.
        assert image.convert("L").getextrema()[0] < 80
    spine = [r.get("idref") for r in package.find("opf:spine", NS)]
    assert spine[0] == "cover"


def test_cover_from_book_toml(tmp_path):
    from PIL import Image

    folder = copy_rich(tmp_path)
    Image.new("RGB", (400, 640), (10, 80, 160)).save(folder / "images" / "cover.jpg")
    toml = folder / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "[book]\n", '[book]\ncover = "images/cover.jpg"\n'), encoding="utf-8")  # fmt: skip
    result = build(folder, tmp_path / "out", ("epub",))
    item = opf(result.written[0]).find(".//opf:item[@properties='cover-image']", NS)
    assert item.get("href") == "images/cover.jpg"
    with zipfile.ZipFile(result.written[0]) as z:
        assert z.read("EPUB/images/cover.jpg") == (folder / "images" / "cover.jpg").read_bytes()
    assert epubcheck(result.written[0]) == []


def test_reproducible_with_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = build(RICH, tmp_path / "a").written
    second = build(RICH, tmp_path / "b").written
    for one, two in zip(first, second, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name
    modified = metas(opf(first[1]), "dcterms:modified")
    assert modified == ["2023-11-14T22:13:20Z"]
    with zipfile.ZipFile(first[1]) as z:
        infos = z.infolist()
        assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
        assert {i.date_time for i in infos} == {(2023, 11, 14, 22, 13, 20)}


def test_vertical_writing(tmp_path):
    folder = copy_rich(tmp_path, '[epub]\nwriting-mode = "vertical-rl"\nline-height = 1.9\n')
    result = build(folder, tmp_path / "out", ("epub",))
    epub = result.written[0]
    package = opf(epub)
    assert package.find("opf:spine", NS).get("page-progression-direction") == "rtl"
    with zipfile.ZipFile(epub) as z:
        css = z.read("EPUB/style/book.css").decode()
        chapter = z.read("EPUB/ch03.xhtml").decode()
    assert "writing-mode: vertical-rl" in css and "-epub-writing-mode: vertical-rl" in css
    assert "line-height: 1.9" in css
    assert '<span class="tcy">11</span>' in chapter  # 2023年11月8日: the month stands upright
    assert '<span class="tcy">2023</span>' not in chapter
    assert epubcheck(epub) == []


def test_an_independent_reader_finds_every_chapter(built):
    if not shutil.which("pandoc"):
        pytest.skip("pandoc is installed by make")
    text = subprocess.run(["pandoc", "-f", "epub", "-t", "plain", str(built.epub)],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    flat = squash(text)
    for chapter in built.book.chapters:
        assert squash(chapter.title) in flat
        body = squash(re.sub(r"<[^>]+>", "", chapter.body)).replace("&quot;", '"')
        assert body[:40] in flat and body[-40:] in flat, chapter.id


def test_fonts_embedded_subset_to_the_book(rich, tmp_path):
    import io

    from fontTools.ttLib import TTFont

    package = opf(rich.epub)
    fonts = {i.get("href"): i.get("media-type") for i in package.find("opf:manifest", NS)
             if i.get("href").startswith("fonts/")}  # fmt: skip
    # Body and headings in both weights, code (mono, bold keywords), the emphasis mark.
    assert fonts == {
        **{f"fonts/{n}.otf": "font/otf"
           for n in ("serif", "serif-bold", "sans", "sans-bold", "mono", "mono-bold")},
        "fonts/mark.ttf": "font/ttf",
    }  # fmt: skip
    with zipfile.ZipFile(rich.epub) as z:
        css = z.read("EPUB/style/book.css").decode()
        serif = TTFont(io.BytesIO(z.read("EPUB/fonts/serif.otf")))
        every = set().union(*(TTFont(io.BytesIO(z.read(f"EPUB/{name}"))).getBestCmap()
                              for name in fonts))  # fmt: skip
        text = "".join(
            "".join(xhtml(rich.epub, f"{c.id}.xhtml").find("x:body", NS).itertext())
            for c in rich.book.chapters
        )
    assert 'src: url("../fonts/serif.otf")' in css and '"publish serif"' in css
    cmap = serif.getBestCmap()
    assert not [c for c in set(text) if not c.isspace() and ord(c) not in every]
    assert len(cmap) < 2000  # a subset, not the 44,000-glyph face
    features = {r.FeatureTag for r in serif["GPOS"].table.FeatureList.FeatureRecord}
    assert {"halt", "palt"} <= features  # the layout features survive subsetting
    assert "vert" in {r.FeatureTag for r in serif["GSUB"].table.FeatureList.FeatureRecord}

    folder = copy_rich(tmp_path, "[epub]\nembed-fonts = false\n")
    plain = build(folder, tmp_path / "out", ("epub",)).written[0]
    with zipfile.ZipFile(plain) as z:
        assert not [n for n in z.namelist() if "/fonts/" in n]
        assert "@font-face" not in z.read("EPUB/style/book.css").decode()


@pytest.fixture(scope="module")
def book_with_parts(tmp_path_factory):
    """The mdBook fixture (two parts, each opening on a title page of its own)."""
    result = build(ROOT / "tests" / "books" / "mdbook", tmp_path_factory.mktemp("parts"))
    pdf = next(p for p in result.written if p.suffix == ".pdf")
    epub = next(p for p in result.written if p.suffix == ".epub")
    return result, pdf, epub


def test_part_title_pages_are_pages_of_their_own(book_with_parts):
    """A part's title page is a target of its own page in the page list and the NCX's
    pageList: its part's document, where the part's title stands, as printed on that page."""
    result, pdf, epub = book_with_parts
    parts = {c.part.id: c.part for c in result.book.chapters if c.part is not None}
    assert len(parts) == 2
    nav = xhtml(epub, "nav.xhtml")
    page_list = nav.find(".//x:nav[@epub:type='page-list']", NS)
    entries = {a.text: a.get("href") for a in page_list.findall(".//x:a", NS)}
    with zipfile.ZipFile(epub) as z:
        ncx = etree.fromstring(z.read("EPUB/toc.ncx"))
    ncx_targets = {
        t.find("n:navLabel/n:text", NCX).text: t.find("n:content", NCX).get("src")
        for t in ncx.findall(".//n:pageList/n:pageTarget", NCX)
    }
    assert ncx_targets == entries
    labels = pypdf.PdfReader(pdf).page_labels
    with pdfplumber.open(pdf) as printed:
        for part in parts.values():
            found = [(label, href) for label, href in entries.items()
                     if href.startswith(f"{part.id}.xhtml#")]  # fmt: skip
            assert len(found) == 1, (part.title, found)
            label, href = found[0]
            span = xhtml(epub, href.split("#")[0]).find(f".//*[@id='{href.split('#')[1]}']")
            assert span.get(EPUB_TYPE) == "pagebreak" and span.get("aria-label") == label
            assert _text_after(span).startswith(squash(part.title))
            page = printed.pages[labels.index(label)]
            assert squash(part.title) in squash(page.extract_text())
    assert not epubcheck(epub)


def test_front_matter_pages_in_the_page_list_and_the_ncx(book_with_parts):
    """A book with front matter (a preface and a page of contributors, each followed by a
    blank verso) and a TOC over two pages: its roman pages are targets as printed, though
    the EPUB puts the TOC before the front matter; the NCX's pageList is the same list."""
    result, pdf, epub = book_with_parts
    assert check_page_list(pdf, epub, result.page_breaks, result.book.settings.pdf) > 20
    entries = _page_list(epub)
    front = [(label, href) for label, href in entries if not label.isdigit()]
    assert [label for label, _ in front] == ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii"]
    # The TOC's second printed page begins with an entry: its marker is in that entry.
    nav = xhtml(epub, "nav.xhtml")
    second = nav.find(".//x:nav[@epub:type='toc']//x:a/x:span[@id='page-viii']", NS)
    labels = pypdf.PdfReader(pdf).page_labels
    with pdfplumber.open(pdf) as printed:
        page = squash(printed.pages[labels.index("viii")].extract_text())
    assert page.startswith(squash("".join(second.getparent().itertext())))
    with zipfile.ZipFile(epub) as z:
        ncx = etree.fromstring(z.read("EPUB/toc.ncx"))
    targets = ncx.findall(".//n:pageList/n:pageTarget", NCX)
    assert [(t.find("n:navLabel/n:text", NCX).text, t.find("n:content", NCX).get("src"))
            for t in targets] == entries  # fmt: skip
    assert [(t.get("type"), t.get("value")) for t in targets[:8]] == [
        ("front", str(n)) for n in range(1, 9)
    ]
    assert {t.get("type") for t in targets[8:]} == {"normal"}


def test_part_title_pages_alike_in_segments(book_with_parts, tmp_path):
    """Laid out in pieces (a segment per chapter), the parts' title pages and the blank
    versos between pieces are the same targets as in one document."""
    result, _, _ = book_with_parts
    alone = build(ROOT / "tests" / "books" / "mdbook", tmp_path, ("epub",), segment_size=1, jobs=2)
    assert alone.page_breaks == result.page_breaks
    assert any(page.chapter.startswith("part") for page in alone.page_breaks)
