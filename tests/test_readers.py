"""Books kept as WaBook, docsify and VitePress authors keep them (tests/books/wabook,
docsify, vitepress) build unchanged; what each site's configuration says reaches the
built files; a config that is code is never run and says what to add."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pypdf
import pytest

from conftest import ROOT, epubcheck, pdf_pages_text, squash
from publish.build import build
from publish.errors import PublishError
from publish.readers import jsdata, read_book

BOOKS = ROOT / "tests" / "books"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("readers")
    return {name: build(BOOKS / name, out / name) for name in ("wabook", "docsify", "vitepress")}


def _file(result, suffix: str) -> Path:
    return next(p for p in result.written if p.suffix == suffix)


def _opf(epub: Path) -> str:
    with zipfile.ZipFile(epub) as z:
        name = next(n for n in z.namelist() if n.endswith(".opf"))
        return z.read(name).decode()


def _text(result) -> str:
    return squash("".join(pdf_pages_text(_file(result, ".pdf"))))


def test_wabook_book_ini_reaches_the_pdf_info_and_the_epub(built):
    result = built["wabook"]
    assert result.book.kind == "WaBook"
    info = pypdf.PdfReader(_file(result, ".pdf")).metadata
    assert info.title == "Go语言小书"
    assert "柴小杉" in info.author and "曹小晖" in info.author
    opf = _opf(_file(result, ".epub"))
    assert re.findall(r"<dc:creator[^>]*>([^<]+)</dc:creator>", opf) == ["柴小杉", "曹小晖"]
    assert "<dc:language>zh</dc:language>" in opf
    assert "Go语言的一本小书" in opf  # description


def test_wabook_opens_once_with_the_summary_s_own_first_entries(built):
    book = built["wabook"].book
    assert [(c.title, c.matter) for c in book.chapters] == [
        ("Go语言小书", "front"), ("前言", "front"),
        ("第1章 语言基础", "body"), ("第2章 汇编语言", "body"),
    ]  # fmt: skip
    text = _text(built["wabook"])
    assert text.count(squash("本书涵盖 CGO")) == 1
    assert squash("本仓库是《Go语言小书》的源文件") not in text  # the GitHub README


def test_a_readme_is_the_introduction_only_when_the_summary_opens_with_none(tmp_path):
    book = shutil.copytree(BOOKS / "wabook", tmp_path / "book")
    summary = book / "SUMMARY.md"
    summary.write_text(re.sub(r"\[Go语言小书\]\(index.md\)\n\[前言\]\(preface.md\)\n", "",
                              summary.read_text(encoding="utf-8")), encoding="utf-8")  # fmt: skip
    chapters = read_book(book).chapters
    assert [(c.title, c.matter) for c in chapters][:2] == [
        ("Go语言小书", "front"), ("第1章 语言基础", "body")
    ]  # fmt: skip
    assert chapters[0].source == (book / "README.md").resolve()


def test_docsify_site_builds_with_its_name_embeds_and_routes(built):
    result = built["docsify"]
    book = result.book
    assert (book.kind, book.metadata.title) == ("docsify", "西瓜书公式推导")
    assert _file(result, ".pdf").name == "docsify.pdf"  # the folder's name, not docs/'s
    assert book.metadata.subtitle == "机器学习公式的详细推导"  # _coverpage.md
    assert [(c.title, c.matter) for c in book.chapters] == [
        ("使用说明", "front"), ("第1章 绪论", "body"), ("第2章 模型评估", "body"), ("附录", "body"),
    ]  # fmt: skip
    # subMaxLevel 2: the sidebar shows h2 under each page, so does the TOC (1.2.1 is not).
    assert [s.title for s in book.chapters[1].sections] == ["1.1 引言", "1.2 基本术语"]
    assert book.chapters[1].sections[1].children == []
    text = _text(result)
    assert squash("本书是周志华老师《机器学习》的公式推导解析") in text  # ':include'
    assert "filename" not in text
    assert squash("def accuracy(y, y_hat):") in text  # ':include :type=code'
    [remote] = [w for w in book.warnings if "remote file" in w.message]
    assert remote.path.name == "README.md" and remote.line == 5
    assert not [w for w in book.warnings if "link to" in w.message]  # /chapter2/README?id=…
    assert pypdf.PdfReader(_file(result, ".pdf")).metadata.title == "西瓜书公式推导"


def test_vitepress_sidebar_groups_are_parts_and_the_home_page_is_the_site_s(built):
    result = built["vitepress"]
    book = result.book
    assert (book.kind, book.metadata.title, book.metadata.language) == (
        "VitePress", "Rust 学习笔记", "zh-CN")  # fmt: skip
    assert [(c.title, c.part.title if c.part else None) for c in book.chapters] == [
        ("Rust 是什么", "入门"), ("安装", "入门"), ("所有权", "进阶"),
    ]  # fmt: skip
    assert [s.title for s in book.chapters[2].sections] == ["借用"]
    text = _text(result)
    for site_only in ("layout", "hero", "outline", "开始阅读"):
        assert site_only not in text
    assert not [w for w in book.warnings if "link to" in w.message]


@pytest.mark.parametrize("name", ["wabook", "docsify", "vitepress"])
def test_epubcheck_clean(built, name):
    messages = epubcheck(_file(built[name], ".epub"))
    assert [(m["severity"], m["ID"], m["message"]) for m in messages] == []


def test_a_sidebar_built_by_code_is_never_run_and_says_what_to_add(tmp_path):
    book = shutil.copytree(BOOKS / "vitepress", tmp_path / "book")
    config = book / "docs" / ".vitepress" / "config.mts"
    source = config.read_text(encoding="utf-8")
    start = source.index("    sidebar: [")
    end = source.index("    socialLinks")
    config.write_text(source[:start] + "    sidebar: makeSidebar('docs'),\n" + source[end:],
                      encoding="utf-8")  # fmt: skip
    with pytest.raises(PublishError) as error:
        read_book(book)
    message = str(error.value)
    assert "\n" not in message and "config.mts:" in message
    assert "`makeSidebar`" in message and "add a SUMMARY.md in docs/" in message
    line = int(message.split("config.mts:")[1].split(":")[0])
    assert "sidebar:" in config.read_text(encoding="utf-8").splitlines()[line - 1]
    (book / "docs" / "SUMMARY.md").write_text(
        "- [Rust 是什么](guide/what-is-rust.md)\n- [安装](guide/install.md)\n", encoding="utf-8"
    )
    assert [c.title for c in read_book(book).chapters] == ["Rust 是什么", "安装"]


def test_js_literals_are_read_as_data():
    source = """
    // sidebar: 'in a comment'
    const note = "sidebar: { in a string }"
    export default {
      title: `模板`, 'sidebar': [ '/a', ['/b', 'B'], { title: '组', children: ['/c'] }, ],
      themeConfig: { sidebar: 'auto' },
    }"""
    found = jsdata.find(source, "sidebar")
    assert jsdata.value(found) == ["/a", ["/b", "B"], {"title": "组", "children": ["/c"]}]
    assert found.line == 5
    assert jsdata.value(jsdata.find(source, "title")) == "模板"
    with pytest.raises(jsdata.NotData, match="`items`"):
        jsdata.value(jsdata.find("x = { sidebar: [...items, 'a'] }", "sidebar"))


def test_go_assembly_middle_dots_keep_the_listing_s_columns(built):
    """`·` (U+00B7) is one cell of the listing, as the wrapping counts it: every character
    after it stands on the half-em grid of the line (it was set a full em wide)."""
    import pdfplumber

    lines: dict[int, list[dict]] = {}
    with pdfplumber.open(_file(built["wabook"], ".pdf")) as pdf:
        for page in pdf.pages:
            for char in page.chars:
                if "Mono" in char["fontname"] and char["size"] < 9.2:
                    lines.setdefault((page.page_number, round(char["top"])), []).append(char)
    dotted = [sorted(cs, key=lambda c: c["x0"]) for cs in lines.values()
              if any(c["text"] == "·" for c in cs)]  # fmt: skip
    assert len(dotted) == 5
    for chars in dotted:
        text = "".join(c["text"] for c in chars)
        cell = chars[0]["size"] / 2
        start = text.index("·")
        for index in (start + 1, len(text) - 1):  # after the dot, and the line's end
            column = (chars[index]["x0"] - chars[0]["x0"]) / cell
            assert abs(column - index) < 0.1, (text, index, column)


def _lines(page) -> list[list[dict]]:
    """The page's text lines (characters sharing a baseline, inline code included)."""
    chars = sorted((c for c in page.chars if c["size"] > 8), key=lambda c: c["bottom"])
    lines: list[list[dict]] = []
    for char in chars:
        if not lines or char["bottom"] - lines[-1][-1]["bottom"] > 3:
            lines.append([])
        lines[-1].append(char)
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


def test_long_identifiers_break_rather_than_spread_the_line(built):
    """Twelve paragraphs put `reflect.SliceHeaderFromUnsafePointer` at every place of a
    line: it breaks between its words, and the Chinese before it is never spread (gaps
    were 1.57 em). A line with few Han characters left to take the rest of the measure
    (a long identifier's word does not fit) may reach ⅜ em."""
    import pdfplumber

    han = re.compile(r"[\u4e00-\u9fff]")
    worst: list[tuple[float, int, str]] = []
    with pdfplumber.open(_file(built["wabook"], ".pdf")) as pdf:
        for page in pdf.pages:
            for line in _lines(page):
                pairs = [(a, b) for a, b in zip(line, line[1:], strict=False)
                         if han.match(a["text"]) and han.match(b["text"])]  # fmt: skip
                if pairs:
                    gap = max((b["x0"] - a["x1"]) / a["size"] for a, b in pairs)
                    text = "".join(c["text"] for c in line)
                    worst.append((gap, len(han.findall(text)), text))
    assert sum("SliceHeader" in text for _, _, text in worst) >= 12
    assert all(gap <= 0.25 for gap, count, _ in worst if count >= 12), worst
    assert all(gap <= 0.4 for gap, _, _ in worst), worst


def test_long_emphasis_is_kai_and_straight_quotes_in_chinese_are_curly(built):
    """The WaBook's epigraph and its whole-paragraph note are in italics (`*…*`): set in
    楷体, not dotted under 40 characters; a short emphasis keeps its dots. `"Go语言"` in
    the text takes the curly marks; the code's `"textflag.h"` keeps its straight ones."""
    import pdfplumber

    fonts: dict[str, set[str]] = {}
    with pdfplumber.open(_file(built["wabook"], ".pdf")) as pdf:
        for page in pdf.pages:
            for line in _lines(page):
                text = "".join(c["text"] for c in line)
                fonts[text] = {
                    c["fontname"].split("+")[-1] for c in line if c["text"] in "快乐沉重"
                }
    epigraph = next(t for t in fonts if "抛掉过去" in t)
    assert fonts[epigraph] and all("UKai" in f for f in fonts[epigraph]), fonts[epigraph]
    text = _text(built["wabook"])
    assert squash("讲解“Go语言”的高级用法") in text
    assert '"Go语言"' not in text
    assert squash('#include "textflag.h"') in text


@pytest.mark.parametrize("name", ["wabook", "docsify", "vitepress"])
def test_publish_check_reads_each_book_to_its_end(built, name):
    """`publish check` on books kept as people keep them: code listings (and the `↪` of
    their wrapped lines) are passed over, every other line is placed in the text."""
    from publish.check import check_pdf

    report = check_pdf(built[name].book, _file(built[name], ".pdf"))
    assert report.text_identical, [str(f) for f in report.findings if f.kind == "text differs"]
    assert report.lines >= {"wabook": 50, "docsify": 10, "vitepress": 8}[name]
    assert not [f for f in report.findings if f.kind in ("line start", "line end")]


def test_check_leaves_code_braces_to_code_and_names_the_pages_of_each_rule():
    from publish.check import Block, Finding, Line, Report, _measure_line

    def line(text: str, code: bool) -> Line:
        chars = [{"text": c, "x0": 10.0 * i, "x1": 10.0 * i + 10, "size": 10.0, "code": code}
                 for i, c in enumerate(text)]  # fmt: skip
        made = Line(3, "7", chars, text, text, block=0)
        made.block_right = 10.0 * len(text)  # type: ignore[attr-defined]
        return made

    report = Report(Path("book.pdf"))
    blocks = [Block("x", True)]
    _measure_line(report, line("调用函数 main() {", True), blocks, None)
    assert report.findings == []
    _measure_line(report, line("见下文（", False), blocks, None)
    assert [f.kind for f in report.findings] == ["line end"]
    report.findings += [Finding("line end", str(n), "…") for n in range(20, 32)]
    assert "line-end violations: 13 (p. 7, 20, 21, 22, 23, 24, 25, 26, 27, 28, …)" in (
        report.summary()
    )


def test_check_print_takes_the_default_boxes_outside_pdf_x(built, tmp_path):
    """A default (screen) build's page without a TrimBox has the MediaBox's (PDF 32000
    14.11.2): no error. Under PDF/X it is one (test_prepress)."""
    import pikepdf

    from publish.check import check_print

    source = _file(built["wabook"], ".pdf")
    stripped = tmp_path / "stripped.pdf"
    with pikepdf.open(source) as pdf:
        for page in pdf.pages[:3]:
            for key in ("/TrimBox", "/BleedBox"):
                if key in page.obj:
                    del page.obj[key]
        pdf.save(stripped)
    [report] = check_print(built["wabook"].book.settings, stripped)
    assert report.errors == [], [str(e) for e in report.errors]


def test_a_sidebar_kept_in_a_module_of_its_own_is_read_from_there(tmp_path):
    """`import { sidebar } from './sidebar'` and `themeConfig: { sidebar }`: the module's
    `export const sidebar: DefaultTheme.Sidebar = [...]` is read, as data."""
    book = shutil.copytree(BOOKS / "vitepress", tmp_path / "book")
    config = book / "docs" / ".vitepress" / "config.mts"
    source = config.read_text(encoding="utf-8")
    start, end = source.index("    sidebar: ["), source.index("    socialLinks")
    literal = source[start + len("    sidebar: ") : end].rstrip().rstrip(",")
    (config.parent / "sidebar.ts").write_text(
        "import type { DefaultTheme } from 'vitepress'\n\n"
        f"export const sidebar: DefaultTheme.Config['sidebar'] = {literal} as const\n",
        encoding="utf-8",
    )
    config.write_text("import { sidebar } from './sidebar'\n" + source[:start]
                      + "    sidebar,\n" + source[end:], encoding="utf-8")  # fmt: skip
    chapters = read_book(book).chapters
    assert [(c.title, c.part.title) for c in chapters] == [
        ("Rust 是什么", "入门"), ("安装", "入门"), ("所有权", "进阶"),
    ]  # fmt: skip
