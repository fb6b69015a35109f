"""Numbered objects and references (publish/apparatus/crossref.py, markup/crossref.py),
checked in the built PDF and EPUB of tests/manuscripts/apparatus: each caption's number,
each reference's number and page equal to its target's, in one document and in segments,
after an edit too; the warnings for bad labels; other book shapes and languages."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pypdf
import pytest
from test_linkpages import WHOLE

from conftest import ROOT, epubcheck, squash
from publish.build import build
from publish.errors import PublishError
from publish.readers import read_book

APPARATUS = ROOT / "tests" / "manuscripts" / "apparatus"
CAPTIONS = {
    "图1-1": "图1-1泥活字的压印",
    "图1-2": "图1-2第二幅图",
    "表1-1": "表1-1字号与尺寸",
    "式（1-1）": "（1-1）",
    "代码清单1-1": "代码清单1-1数一数字",
    "表2-1": "表2-1第二章的表",
    "图2-1": "图2-1第二章的图",
    "图A-1": "图A-1附录的图",
}


@pytest.fixture(scope="module")
def builds(tmp_path_factory, epoch) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("apparatus")
    one = build(APPARATUS, out / "one", segment_size=WHOLE)
    segments = build(APPARATUS, out / "segments", ("pdf",), segment_size=1, jobs=2)
    return {"one": one.written[0], "epub": one.written[1], "segments": segments.written[0]}


def _pages(pdf: Path) -> dict[str, str]:
    """Each page's text, squashed, by its label (the folio it prints)."""
    reader = pypdf.PdfReader(pdf)
    return {
        label: squash(page.extract_text() or "")
        for label, page in zip(reader.page_labels, reader.pages, strict=True)
    }


_REFERENCE_RE = re.compile(
    r"((?:图|表|代码清单|式)?[0-9A-Z]+-\d+|式?（[0-9A-Z]+-\d+）)（见第(\w+)页）"
)


def printed_links(pdf: Path) -> list[tuple[str, str, str]]:
    """(page's label, reference, the page printed after it) of each numbered object's
    reference, in reading order, read from the pages' text."""
    return [
        (label, *found)
        for label, text in _pages(pdf).items()
        for found in _REFERENCE_RE.findall(text)
    ]


def test_every_object_is_numbered_in_its_chapter(builds):
    text = "".join(_pages(builds["one"]).values())
    for caption in CAPTIONS.values():
        assert caption in text, caption
    # Through the chapter: the second chapter starts again at 1, the appendix at A-1.
    assert "图2-2" not in text and "图3-1" not in text


def test_each_reference_prints_its_targets_number_and_page(builds):
    pages = _pages(builds["one"])
    references = printed_links(builds["one"])
    assert {text for _, text, _ in references} == set(CAPTIONS) | {"（1-1）"}
    assert len(references) == 14
    for _, text, printed in references:
        assert CAPTIONS[text if text != "（1-1）" else "式（1-1）"] in pages[printed], text


def test_segments_print_the_same_numbers_and_pages_as_one_document(builds):
    assert printed_links(builds["segments"]) == printed_links(builds["one"])


def test_the_epub_links_each_reference_to_its_numbered_object(builds):
    assert epubcheck(builds["epub"]) == []
    with zipfile.ZipFile(builds["epub"]) as archive:
        names = sorted(n for n in archive.namelist() if re.search(r"ch\d+\.xhtml$", n))
        chapters = [archive.read(name).decode() for name in names]
    first, second = chapters[0], chapters[1]
    assert '<span class="caption-label">图 1-1</span>' in first
    assert '<span class="equation-number">（1-1）</span>' in first
    assert re.search(r'<a class="xref" href="[^"]*#fig-press">图 1-1</a>', second)
    assert re.search(r'<a class="xref bare" href="[^"]*#eq-area">（1-1）</a>', second)
    with zipfile.ZipFile(builds["epub"]) as archive:
        index = archive.read("EPUB/book-index.xhtml").decode()
        nav = archive.read("EPUB/nav.xhtml").decode()
    # The index document (EPUB Indexes 1.0), a landmark; its locators lead to the places.
    assert 'epub:type="index"' in index and 'epub:type="index-entry-list"' in index
    assert '<a epub:type="index" href="book-index.xhtml">索引</a>' in nav
    locators = re.findall(r'epub:type="index-locator" href="(ch\d+\.xhtml)#(ix-[^"]+)"', index)
    assert len(locators) == 10
    for name, anchor in locators:
        assert f'id="{anchor}"' in {"ch01.xhtml": first, "ch02.xhtml": second}[name]


def _manuscript(folder: Path, chapters: dict[str, str], extra: str = "", language="zh-CN"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "images").mkdir(exist_ok=True)
    shutil.copy(APPARATUS / "images" / "press.png", folder / "images" / "press.png")
    for name, text in chapters.items():
        (folder / name).write_text(text, encoding="utf-8")
    names = ", ".join(f'"{name}"' for name in chapters)
    (folder / "book.toml").write_text(
        f'[book]\ntitle = "书"\nauthors = ["某"]\nlanguage = "{language}"\n'
        f"chapters = [{names}]\n{extra}",
        encoding="utf-8",
    )
    return folder


def test_a_bad_label_is_a_warning_at_its_place_and_the_text_stays(tmp_path):
    folder = _manuscript(
        tmp_path / "bad",
        {
            "a.md": "# 甲\n\n![一](images/press.png){#fig:x}\n\n见 @fig:nowhere 和 @fig:x。\n",
            "b.md": "# 乙\n\n正文。\n\n![二](images/press.png){#fig:x}\n",
        },
    )
    book = read_book(folder)
    messages = [str(w) for w in book.warnings]
    assert any("b.md:5" in m and "`fig:x` defined twice" in m and "a.md:3" in m for m in messages)
    assert any("a.md:5" in m and "@fig:nowhere" in m for m in messages), messages
    body = book.chapters[0].body
    assert '<span class="xref-missing">??</span>' in body
    assert '<a class="xref" href="#fig-x">图 1-1</a>' in body
    assert book.chapters[1].body.count('id="fig-x"') == 0  # one id in the book
    with pytest.raises(PublishError, match="--strict"):
        build(folder, tmp_path / "out", ("epub",), strict=True)


def test_an_address_is_no_reference_and_a_plain_caption_no_number(tmp_path):
    folder = _manuscript(
        tmp_path / "plain",
        {
            "a.md": "# 甲\n\n写信给 a@fig:b.com 或 me@example.com。\n\n"
            "| a |\n|---|\n| 1 |\n\nTable: 没有编号的表\n\n"
            '```python {caption="无号清单"}\nx = 1\n```\n'
        },
    )
    book = read_book(folder)
    body = book.chapters[0].body
    assert "a@fig:b.com" in body and "xref" not in body
    assert "<caption>没有编号的表</caption>" in body
    assert '<figure class="listing"><figcaption>无号清单</figcaption>' in body
    assert book.warnings == []


def test_english_books_say_figure_and_number_with_a_point(tmp_path):
    folder = _manuscript(
        tmp_path / "en",
        {
            "a.md": "# One\n\nSee @fig:a, @eq:e and @sec:two.\n\n![A](images/press.png){#fig:a}\n\n"
            "$$ E = mc^2 $$ {#eq:e}\n",
            "b.md": "# Two {#sec:two}\n\n## Later {#sec:later}\n\nBack to @fig:a, in @sec:later.\n",
        },
        language="en",
    )
    book = read_book(folder)
    first, second = (c.body for c in book.chapters)
    assert ">Figure 1.1</a>" in first and ">Equation (1.1)</a>" in first
    assert ">Chapter 2</a>" in first
    assert '<span class="caption-label">Figure 1.1</span>: A' in first
    assert '<a class="xref" href="#sec-later">section “Later”</a>' in second


def test_mdbook_and_gitbook_books_are_numbered_too(tmp_path):
    for kind in ("mdbook", "gitbook"):
        folder = tmp_path / kind
        src = folder / "src" if kind == "mdbook" else folder
        src.mkdir(parents=True)
        (src / "images").mkdir()
        shutil.copy(APPARATUS / "images" / "press.png", src / "images" / "press.png")
        (src / "SUMMARY.md").write_text("# Summary\n\n- [甲](a.md)\n- [乙](b.md)\n")
        (src / "a.md").write_text("# 甲\n\n![图](images/press.png){#fig:a}\n")
        (src / "b.md").write_text("# 乙\n\n见 @fig:a。\n\n| x |\n|---|\n| 1 |\n\n: 表 {#tbl:b}\n")
        if kind == "mdbook":
            (folder / "book.toml").write_text('[book]\ntitle = "书"\nlanguage = "zh-CN"\n')
        else:
            (folder / "book.json").write_text('{"title": "书", "language": "zh-hans"}')
        book = read_book(folder)
        assert book.kind.lower() == kind
        assert '<span class="caption-label">图 1-1</span>' in book.chapters[0].body
        assert ">图 1-1</a>" in book.chapters[1].body
        assert '<span class="caption-label">表 2-1</span>' in book.chapters[1].body


@pytest.mark.slow
def test_an_edit_moving_a_figure_renumbers_every_reference_and_page(tmp_path, epoch):
    folder = tmp_path / "book"
    shutil.copytree(APPARATUS, folder)
    out = {"one": tmp_path / "one", "segments": tmp_path / "segments"}
    sizes = {"one": WHOLE, "segments": 1}
    for name, size in sizes.items():
        build(folder, out[name], ("pdf",), segment_size=size, jobs=2)
    first = folder / "01-huozi.md"
    text = first.read_text(encoding="utf-8")
    filler = "新加的段落把后面的图推到下一页。" * 40
    first.write_text(
        text.replace("本章讲", f"![新图](images/press.png){{#fig:new}}\n\n{filler}\n\n本章讲", 1),
        encoding="utf-8",
    )
    results = {}
    for name, size in sizes.items():  # incremental: the pieces of the last build are kept
        results[name] = build(folder, out[name], ("pdf",), segment_size=size, jobs=2).written[0]
    for name, pdf in results.items():
        pages = _pages(pdf)
        references = printed_links(pdf)
        press = [r for r in references if r[1] == "图1-2"]
        assert len(press) == 4, name  # every reference to 图 1-1 now reads 图 1-2
        assert all("图1-2泥活字的压印" in pages[printed] for _, _, printed in press)
        assert all("图1-3第二幅图" in pages[p] for _, t, p in references if t == "图1-3")
        _assert_index_pages(pdf, folder)  # the index's pages moved with the text
    assert printed_links(results["segments"]) == printed_links(results["one"])
    assert _index_links(results["segments"]) == _index_links(results["one"])


def _index_links(pdf: Path) -> list[tuple[str, str]]:
    """(number printed, label of the page it leads to) of each link on the index's pages."""
    from conftest import pdf_internal_links

    reader = pypdf.PdfReader(pdf)
    labels = reader.page_labels
    first = next(n for n, page in enumerate(reader.pages) if "索引" in (page.extract_text() or "")
                 and "符号与数字" in (page.extract_text() or ""))  # fmt: skip
    found: dict[tuple, tuple[str, str]] = {}  # a link's box and its number's: one link
    for page, text, target, top, right in pdf_internal_links(pdf):
        text = squash(text)
        if page >= first and text.isdigit():
            found[(page, round(top), round(right))] = (text, labels[target])
    return list(found.values())


def _assert_index_pages(pdf: Path, manuscript: Path) -> None:
    """Each page number the index prints is its link's target, a page holding its term."""
    book = read_book(manuscript)
    marks = {mark.anchor: mark.text for mark in book.index_marks}
    locators = re.findall(r'class="index-locator" [^>]*href="#([^"]+)"', book.chapters[-1].body)
    pages = _pages(pdf)
    links = _index_links(pdf)
    assert len(links) == len(locators) == 10
    for (printed, target), anchor in zip(links, locators, strict=True):
        assert printed == target
        assert squash(marks[anchor]) in pages[printed], (marks[anchor], printed)


def test_each_index_page_number_is_a_page_holding_its_term(builds):
    pages = _pages(builds["one"])
    for pdf in (builds["one"], builds["segments"]):
        _assert_index_pages(pdf, APPARATUS)
    index_text = next(t for t in pages.values() if t.startswith("索引") or "符号与数字" in t)
    assert "活字，1，7" in index_text and "见第" not in index_text
    assert _index_links(builds["segments"]) == _index_links(builds["one"])


def test_references_to_headings_below_the_toc_and_in_footnotes(tmp_path):
    folder = _manuscript(
        tmp_path / "deep",
        {
            "a.md": "# 甲\n\n## 乙\n\n### 丙\n\n#### 深处 {#sec:deep}\n\n见 @sec:deep[^1]。\n\n"
            '[^1]: 注里也见 @sec:deep 与 [胶泥]{.index see="泥版"}。\n'
        },
    )
    book = read_book(folder)
    assert '<a class="xref" href="#sec-deep">“深处”一节</a>' in book.chapters[0].body
    assert "“深处”一节" in book.chapters[0].footnotes[0].html
    messages = [str(w) for w in book.warnings]
    assert any("a.md:11" in m and 'see="泥版"' in m for m in messages), messages


def test_numbering_through_the_book_and_words_from_book_toml(tmp_path):
    chapters = {
        "a.md": "# 甲\n\n![一](images/press.png){#fig:a}\n\n见 @fig:b。\n",
        "b.md": "# 乙\n\n![二](images/press.png){#fig:b}\n\n| x |\n|---|\n| 1 |\n\n: 表 {#tbl:t}\n",
    }
    folder = _manuscript(
        tmp_path / "book",
        chapters,
        '\n[crossref]\nnumbering = "book"\nfigure = "插图"\nseparator = "."\n',
    )
    book = read_book(folder)
    assert '<a class="xref" href="#fig-b">插图 2</a>' in book.chapters[0].body
    assert '<span class="caption-label">表 1</span>' in book.chapters[1].body
    per_chapter = _manuscript(tmp_path / "dot", chapters, '\n[crossref]\nseparator = "."\n')
    assert '<span class="caption-label">表 2.1</span>' in read_book(per_chapter).chapters[1].body
    bad = _manuscript(tmp_path / "bad", chapters, '\n[crossref]\nnumbering = "part"\n')
    with pytest.raises(PublishError, match=r'book.toml:8: `numbering` must be "chapter" or "book"'):
        read_book(bad)


@pytest.mark.slow
def test_the_index_prints_its_pages_without_link_pages(builds, tmp_path, epoch):
    folder = tmp_path / "book"
    shutil.copytree(APPARATUS, folder)
    toml = folder / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[pdf]\nlink-pages = false\n",
                    encoding="utf-8")  # fmt: skip
    for size in (WHOLE, 1):
        pdf = build(folder, tmp_path / f"out{size}", ("pdf",), segment_size=size, jobs=2)
        pdf = pdf.written[0]
        text = "".join(_pages(pdf).values())
        assert "图1-1" in text and not re.search(r"（见第\w+页）", text)  # no page after them
        assert _index_links(pdf) == _index_links(builds["one"])


def _range_book(folder: Path) -> Path:
    """活字 marked in eight sections of about a page each and in a short ninth on the
    eighth's page, then in the next chapter; 毕昇 in the first and the sixth."""
    filler = "活版印刷的历史很长，这里是为了占满版面而写的文字。" * 30
    sections = []
    for n in range(1, 9):
        other = "[毕昇]{.index}" if n in (1, 6) else "毕昇"
        sections.append(f"## 第{n}节\n\n[活字]{{.index}}与{other}。{filler}\n")
    sections.append("## 第9节\n\n又是[活字]{.index}。\n")
    return _manuscript(folder, {"a.md": "# 甲章\n\n" + "\n".join(sections),
                                "b.md": "# 乙章\n\n又说[活字]{.index}。\n"})  # fmt: skip


def _expand(pages: str) -> list[int]:
    """`1–8，11` → 1…8, 11."""
    out: list[int] = []
    for part in pages.split("，"):
        first, _, last = part.partition("–")
        out += range(int(first), int(last or first) + 1)
    return out


@pytest.mark.slow
def test_consecutive_pages_print_as_a_range_each_page_holding_its_term(tmp_path, epoch):
    folder = _range_book(tmp_path / "book")
    pdfs = {
        "one": build(folder, tmp_path / "one", ("pdf",), segment_size=WHOLE).written[0],
        "segments": build(folder, tmp_path / "seg", ("pdf",), segment_size=1, jobs=2).written[0],
    }
    printed = {}
    for name, pdf in pdfs.items():
        pages = _pages(pdf)
        index = next(label for label, text in pages.items() if text.startswith("索引"))
        text = pages[index].removesuffix(index)  # its folio
        entry = re.search(r"活字，([\d–，]+)", text).group(1)
        assert re.fullmatch(r"\d+–\d+(，\d+)*", entry), entry  # a range, then the next chapter
        holding = {int(label) for label, t in pages.items() if "活字" in t and label != index}
        assert sorted(holding) == _expand(entry), (name, entry)  # each page, none twice
        assert "毕昇，1，" in text and "1–" not in text.split("活字")[0]  # 1 and 6: no range
        # The range's ends are links to their pages.
        labels = pypdf.PdfReader(pdf).page_labels
        from conftest import pdf_internal_links

        ends = [(squash(t), labels[target]) for page, t, target, _, _ in pdf_internal_links(pdf)
                if labels[page] == index]  # fmt: skip
        first, last = entry.split("，")[0].split("–")
        assert (first, first) in ends and (f"–{last}", last) in ends, ends
        printed[name] = (entry, ends)
    assert printed["segments"] == printed["one"]
