"""Real books are messy: broken images, web-page HTML, badges, includes, links meant for a
screen. Built from tests/manuscripts/messy/ and checked in the PDF and the EPUB."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import lxml.etree as etree
import pdfplumber
import pypdf
import pytest
from click.testing import CliRunner

from conftest import ROOT, Built, epubcheck, folio, squash
from publish.build import build
from publish.cli import main
from publish.model import Warning
from publish.pdf.geometry import geometry
from publish.pdf.pagination import PageBreak, insert_page_breaks
from publish.report import grouped
from publish.units import PT_PER_MM

MESSY = ROOT / "tests" / "manuscripts" / "messy"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> Built:
    result = build(MESSY, tmp_path_factory.mktemp("messy"))
    pdf, epub = result.written
    return Built(result.book, pdf, epub)


def epub_file(built: Built, name: str) -> str:
    with zipfile.ZipFile(built.epub) as z:
        return z.read(f"EPUB/{name}").decode("utf-8")


def pages(built: Built) -> list[str]:
    with pdfplumber.open(built.pdf) as pdf:
        return [squash(page.extract_text() or "") for page in pdf.pages]


def test_epubcheck_no_errors_no_warnings(messy: Built) -> None:
    messages = epubcheck(messy.epub)
    assert [m for m in messages if m["severity"] in ("FATAL", "ERROR", "WARNING")] == []


def test_broken_images_are_warnings_with_file_and_line(messy: Built) -> None:
    said = [str(w).replace(str(MESSY) + "/", "") for w in messy.book.warnings]
    assert any(
        s.startswith("02-images.md:5: image `images/broken.png` cannot be decoded") for s in said
    )
    assert "02-images.md:9: image `images/nowhere.png` not found" in "\n".join(said)
    assert "02-images.md:11: image `images/gone.jpg` not found" in "\n".join(said)
    assert "01-html.md:45: include `code/missing.rs` not found" in said


def test_alt_text_stays_in_both_editions(messy: Built) -> None:
    text = "".join(pages(messy))
    chapter = epub_file(messy, "ch02.xhtml")
    for alt in ("坏图的说明文字", "不存在的图", "网页写法里不存在的图"):
        assert alt in text and alt in chapter
    assert "正文继续。" in text  # and the build went on


def test_strict_makes_a_broken_image_an_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(MESSY), "--out", str(tmp_path), "--strict"])
    assert result.exit_code == 1
    assert "01-html.md:45: include `code/missing.rs` not found (--strict)" in result.output
    assert "Traceback" not in result.output and not list(tmp_path.glob("*.pdf"))


def test_remote_images_one_warning(messy: Built) -> None:
    remote = [w for w in messy.book.warnings if "remote image" in w.message]
    assert len(remote) == 1
    assert remote[0].message.startswith("4 remote image(s) refused")
    assert "01-html.md:8, 01-html.md:14" in remote[0].message
    # The badges' alt text stays, as the links' text.
    chapter = epub_file(messy, "ch01.xhtml")
    assert '<a href="https://github.com/example/book">stars</a>' in chapter
    assert "img.shields.io" not in chapter


def test_web_page_html_in_the_epub(messy: Built) -> None:
    chapter = epub_file(messy, "ch01.xhtml")
    root = etree.fromstring(chapter.encode())
    for gone in ("align=", "<center", "<font", "<details", "<summary", 'width="50%"'):
        assert gone not in chapter
    centred = [e for e in root.iter() if "align-center" in (e.get("class") or "").split()]
    assert [e.tag.replace(XHTML, "") for e in centred] == ["div", "p", "p", "div"]
    assert chapter.count("<kbd>") == 2
    logo = root.find(f".//{XHTML}img")
    assert (logo.get("width"), logo.get("height"), logo.get("alt")) == ("120", "60", "项目标志")
    box = next(e for e in root.iter(f"{XHTML}div") if "details" in e.get("class", ""))
    assert box[0].get("class") == "summary" and box[0].text == "点击展开答案"
    # No raw-HTML warnings for any of this: it is all kept, made valid.
    assert not [w for w in messy.book.warnings if w.message.startswith("raw HTML")]


def test_web_page_html_in_print(messy: Built) -> None:
    with pdfplumber.open(messy.pdf) as pdf:
        page = next(p for p in pdf.pages if "居中的一行字" in (p.extract_text() or ""))
        words = page.extract_words()
        body = [w for w in words if w["text"].startswith("按下")][0]
        centred = [w for w in words if w["text"] == "居中的一行字"][0]
        g = geometry(messy.book.settings.pdf)
        left = body["x0"] - 2 * 10.5  # the paragraph's 2em indent
        right = left + (g.width - g.inner - g.outer) * PT_PER_MM
        middle = (centred["x0"] + centred["x1"]) / 2
        assert abs(middle - (left + right) / 2) < 3
        image = page.images[0]
        assert abs((image["x0"] + image["x1"]) / 2 - (left + right) / 2) < 3
        assert abs((image["x1"] - image["x0"]) - 120 * 0.75) < 1  # width="120" (CSS px)
        text = squash(page.extract_text())
    assert "点击展开答案答案是四十二" in text  # <details> open on paper


def test_listing_captions_kept_above_their_code(messy: Built) -> None:
    text = "".join(pages(messy))
    assert '文件名：src/main.rs fnmain(){println!("你好，世界");}'.replace(" ", "") in text
    assert "清单1-1：完整的程序usestd::io;" in text
    chapter = epub_file(messy, "ch01.xhtml")
    root = etree.fromstring(chapter.encode())
    figure = next(e for e in root.iter(f"{XHTML}figure") if e.get("class") == "listing")
    assert [c.tag.replace(XHTML, "") for c in figure] == ["figcaption", "pre"]
    filename = next(e for e in root.iter(f"{XHTML}p") if "filename" in e.get("class", ""))
    assert filename.getnext().tag == f"{XHTML}pre"
    # The Rust book's way: file name, code, caption last, in a figure.
    trpl = [e for e in root.iter(f"{XHTML}figure") if e.get("class") == "listing"][1]
    assert [c.tag.replace(XHTML, "") for c in trpl] == ["p", "pre", "figcaption"]
    assert trpl[0].get("class") == "filename"
    assert "}示例1-2：说明在代码之后" in text


def test_includes_in_our_manuscripts(messy: Built) -> None:
    text = "".join(pages(messy))
    first = text.index("文件名：src/main.rs")
    assert "ANCHOR" not in text[first : text.index("清单1-1")]  # the anchor's lines only
    assert "//ANCHOR:main" in text  # the whole file, as mdBook includes it
    assert "{{#includecode/missing.rs}}" in text  # the visible marker


def test_png_named_jpg_is_declared_png(messy: Built) -> None:
    opf = epub_file(messy, "content.opf")
    item = re.search(r'<item[^>]*href="_images/actually-png\.jpg[^"]*"[^>]*/>', opf).group(0)
    assert 'media-type="image/png"' in item and 'href="_images/actually-png.jpg.png"' in item
    with zipfile.ZipFile(messy.epub) as z:
        assert z.read("EPUB/_images/actually-png.jpg.png").startswith(b"\x89PNG")
    with pdfplumber.open(messy.pdf) as pdf:
        page = next(p for p in pdf.pages if "名不副实" in (p.extract_text() or ""))
        assert len(page.images) == 1


def test_internal_links_print_the_page_they_lead_to(messy: Built) -> None:
    reader = pypdf.PdfReader(messy.pdf)
    labels = reader.page_labels
    texts = pages(messy)
    start = next(i for i, t in enumerate(texts) if "详见远处的一节" in t)
    far = next(i for i, t in enumerate(texts) if "远处的一节。" in t)
    assert far > start + 1
    found = re.search(r"详见远处的一节（见第(\d+)页）", texts[start])
    assert found and found.group(1) == labels[far]
    opening = re.search(r"回到本章开头（见第(\d+)页）", texts[start])
    assert opening.group(1) == labels[start]
    # Never after a footnote call, nor in the table of contents.
    assert re.search(r"脚注调用\d不加页码", texts[start])
    toc = next(t for t in texts if t.startswith("目录"))
    assert "见第" not in toc
    with pdfplumber.open(messy.pdf) as pdf:
        assert folio(pdf.pages[far]) == labels[far]


def test_external_addresses_in_footnotes(messy: Built) -> None:
    with pdfplumber.open(messy.pdf) as pdf:
        page = next(p for p in pdf.pages if "Python 官网" in (p.extract_text() or ""))
        rule = max(line["top"] for line in page.lines) if page.lines else page.height * 0.7
        foot = squash(page.within_bbox((0, rule, page.width, page.height)).extract_text())
        body = squash(page.within_bbox((0, 0, page.width, rule)).extract_text())
        assert "1.https://www.python.org/" in foot
        assert foot.count("https://www.python.org/") == 1  # one note for both links to it
        assert "2.https://example.org/a/very/long/path" in foot and "query=string&and=more" in foot
        assert "https://example.org/plain" in body and "plain" not in foot  # printed already
        assert "3.脚注里的文字，其中也有一个网址（https://example.com/in-note）。" in foot
        # The long address breaks inside the text block.
        right = max(c["x1"] for c in page.chars if c["top"] < rule and c["text"].strip())
        assert max(c["x1"] for c in page.chars if c["top"] > rule) <= right + 0.5
    # The EPUB keeps links as links.
    chapter = epub_file(messy, "ch03.xhtml")
    assert '<a href="https://www.python.org/">Python 官网</a>' in chapter
    assert "见第" not in chapter and "url-note" not in chapter


def test_page_break_markers_only_where_a_span_may_stand() -> None:
    html = (
        "<p>一二三</p><figure><img src='a.png' alt=''/><figcaption>图注</figcaption></figure>"
        "<table><tbody><tr><td></td><td>格</td></tr></tbody></table><ul><li>项</li></ul>"
    )

    def at(block: int, offset: int) -> str:
        return insert_page_breaks(html, [PageBreak("7", "ch01", block, offset)])

    marker = '<span epub:type="pagebreak"'
    # The page starts with the figure: before it, not inside.
    assert re.search(f"</p>{marker}[^>]*></span><figure>", at(1, 0))
    # The page starts after the figure's caption: after the figure (was: inside, after
    # the figcaption, RSC-005).
    assert re.search(f"</figure>{marker}", at(1, 1))
    # An empty table cell: before the table, not among its rows.
    assert re.search(f"{marker}[^>]*></span><table>", at(3, 0))
    # In a list item's text: inside the item.
    assert "<li>" + marker in at(6, 0) or f"<li>{marker}" in at(6, 0).replace("\n", "")


def test_marker_never_in_a_figure_of_the_built_epub(messy: Built) -> None:
    # The fixture's tall figure opens a printed page: its marker stands before the figure
    # (it used to be put inside, after the figcaption: EPUBCheck RSC-005).
    assert re.search(r'aria-label="\d+"/><figure>', epub_file(messy, "ch02.xhtml"))
    for name in ("ch01.xhtml", "ch02.xhtml", "ch03.xhtml"):
        root = etree.fromstring(epub_file(messy, name).encode())
        for span in root.iter(f"{XHTML}span"):
            if span.get("role") == "doc-pagebreak":
                parent = span.getparent().tag.replace(XHTML, "")
                assert parent not in ("figure", "table", "tbody", "tr", "ul", "ol")


def test_repeated_warnings_grouped() -> None:
    warnings = [
        Warning(f"image `images/{n}.png` not found", Path(f"src/ch{n:03d}.md"), 4)
        for n in range(200)
    ] + [Warning("control characters removed", Path("a.md"), 1)]
    lines = grouped(warnings)
    assert len(lines) == 2
    assert lines[0] == (
        "image `images/0.png` not found — and 199 more like it "
        "(at src/ch000.md:4, src/ch001.md:4, src/ch002.md:4 and 197 more)"
    )
    assert lines[1] == "a.md:1: control characters removed"
    assert len(grouped(warnings[:3])) == 3  # a few are printed one by one


def test_cli_groups_a_many_file_books_warnings(tmp_path: Path) -> None:
    folder = tmp_path / "book"
    folder.mkdir()
    names = []
    for n in range(1, 9):
        names.append(f"{n:02d}.md")
        (folder / names[-1]).write_text(f"# 第{n}章\n\n正文。\n\n![图](missing-{n}.png)\n")
    (folder / "book.toml").write_text(
        f'[book]\ntitle = "书"\nauthors = ["某"]\nlanguage = "zh-CN"\nchapters = {names!r}\n'.replace(
            "'", '"'
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    warned = [line for line in result.output.splitlines() if line.startswith("publish: warning")]
    assert len(warned) == 1 and "and 7 more like it" in warned[0]


def test_editing_an_included_file_rebuilds(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    shutil.copytree(MESSY, folder)
    out = tmp_path / "out"
    build(folder, out, ("epub",))
    assert build(folder, out, ("epub",)).cached
    code = folder / "code" / "hello.rs"
    code.write_text(code.read_text(encoding="utf-8").replace("你好", "再见"), encoding="utf-8")
    again = build(folder, out, ("epub",))
    assert not again.cached
    with zipfile.ZipFile(again.written[0]) as z:
        assert "再见，世界" in z.read("EPUB/ch01.xhtml").decode("utf-8")


def test_long_book_in_segments_prints_the_pages_of_one_document(tmp_path: Path) -> None:
    """Segments are numbered when joined, yet their links print the pages they lead to
    (linkpages.py), the same as the book laid out in one document."""

    def text(size: int) -> str:
        result = build(MESSY, tmp_path / str(size), ("pdf",), segment_size=size, jobs=1)
        with pdfplumber.open(result.written[0]) as pdf:
            return "".join(squash(p.extract_text() or "") for p in pdf.pages)

    segments = text(500)
    assert re.search(r"详见远处的一节（见第\d+页），回到本章开头（见第\d+页）。", segments)
    assert re.findall(r"（见第\w+页）", segments) == re.findall(r"（见第\w+页）", text(10**9))
    assert "1.https://www.python.org/" in segments  # addresses in footnotes still


def test_publish_check_reads_page_refs_and_address_notes(tmp_path: Path) -> None:
    """What the print edition adds to links is not taken for text differing from the
    manuscript (publish check)."""
    from conftest import RICH
    from publish.check import check_pdf

    folder = tmp_path / "rich"
    shutil.copytree(RICH, folder)
    toml = folder / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[pdf]\nlink-urls = "footnote"\n')
    chapter = folder / "03-shiyu.md"
    chapter.write_text(
        chapter.read_text(encoding="utf-8")
        + "\n回到[第一章](#ch01)，或看[官网](https://www.python.org/)。\n",
        encoding="utf-8",
    )
    result = build(folder, tmp_path / "out", ("pdf",))
    text = "".join(squash(p) for p in pages(Built(result.book, result.written[0], Path())))
    assert re.search(r"回到第一章（见第1页），或看官网\d。", text)
    report = check_pdf(result.book, result.written[0])
    assert report.text_identical, [str(f) for f in report.findings if f.kind == "text differs"]
