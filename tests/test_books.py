"""mdBook and GitBook folders built unchanged: the summary's tree in the TOC page, the
bookmarks and the EPUB navigation; chapters (not sections) opening on rectos; links
between files landing on the right page and in the right file; EPUBCheck clean."""

from __future__ import annotations

import functools
import re
import shutil
import unicodedata
import zipfile
from pathlib import Path

import lxml.etree as etree
import pdfplumber
import pypdf
import pytest

from conftest import ROOT, epubcheck, outline, pdf_internal_links, pdf_pages_text, squash
from publish.build import build
from publish.errors import PublishError
from publish.pdf.geometry import geometry
from publish.readers import read_book
from publish.units import PT_PER_MM

BOOKS = ROOT / "tests" / "books"
MDBOOK, GITBOOK = BOOKS / "mdbook", BOOKS / "gitbook"
XHTML = "{http://www.w3.org/1999/xhtml}"
OPS = "{http://www.idpf.org/2007/ops}"

#: What each summary says, with the files' own headings: (title, children).
MDBOOK_TREE = [
    ("前言", []),
    ("贡献者", []),
    ("第一部分 入门", [
        ("安装", [("在 Linux 上安装", [("使用 rustup", [])]), ("在 Windows 上安装", [])]),
        ("你好，世界", [("编写程序", []), ("编译与运行", [])]),
    ]),
    ("第二部分 进阶", [
        ("所有权", [("所有权规则", []), ("移动语义", []), ("移动语义", []),
                    ("借用", [("引用", []), ("可变借用", [])])]),
        ("错误处理", []),
    ]),
    ("附录 A：术语表", [("术语", [])]),
]  # fmt: skip
GITBOOK_TREE = [
    ("简介", []),
    ("基础篇", [
        ("第一章 安装", [("配置", []), ("1.1 下载", [])]),
        ("第二章 语法", [("2.1 变量", []), ("2.2 函数", [("返回值", []), ("返回值", [])])]),
    ]),
    ("进阶篇", [("第三章 并发", [("3.1 通道", [("select", []), ("⚠️ 已废弃的写法", [])])])]),
]  # fmt: skip

#: Links in the text (link text → the heading it leads to).
MDBOOK_LINKS = {
    "安装": "安装", "所有权规则": "所有权规则", "使用 rustup": "使用 rustup",
    "下一节": "在 Windows 上安装", "本章开头": "安装", "所有权": "所有权",
    "上一节": "编写程序", "本书也一样": "移动语义", "Linux 一节": "在 Linux 上安装",
    "术语表": "术语", "前言": "前言",
}  # fmt: skip
GITBOOK_LINKS = {
    "第一章": "第一章 安装", "下一节": "1.1 下载", "返回值": "返回值", "函数一节": "返回值",
    "配置": "配置", "跳到这里": "返回值", "select": "select", "简介": "简介",
}  # fmt: skip


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    out = tmp_path_factory.mktemp("books")
    return {
        "mdbook": build(MDBOOK, out / "mdbook"),
        "gitbook": build(GITBOOK, out / "gitbook"),
    }


CASES = [("mdbook", MDBOOK_TREE, MDBOOK_LINKS), ("gitbook", GITBOOK_TREE, GITBOOK_LINKS)]


def _pdf(result) -> Path:
    return next(p for p in result.written if p.suffix == ".pdf")


def _epub(result) -> Path:
    return next(p for p in result.written if p.suffix == ".epub")


def _tree_of(flat: list[tuple[int, str, int]]) -> list:
    """(depth, title, …) in order → nested (title, children)."""
    root: list = []
    stack: list[tuple[int, list]] = [(0, root)]
    for depth, title, *_ in flat:
        while stack[-1][0] >= depth:
            stack.pop()
        children: list = []
        stack[-1][1].append((title, children))
        stack.append((depth, children))
    return root


def _nav_tree(epub: Path) -> tuple[list, list[str]]:
    """The EPUB nav's toc as (title, children), and each entry's href in order."""
    with zipfile.ZipFile(epub) as z:
        nav = etree.fromstring(z.read("EPUB/nav.xhtml"))
    toc = next(n for n in nav.iter(f"{XHTML}nav") if n.get(f"{OPS}type") == "toc")
    hrefs: list[str] = []

    def walk(ol) -> list:
        found = []
        for li in ol.findall(f"{XHTML}li"):
            label = li.find(f"{XHTML}a")
            if label is None:
                label = li.find(f"{XHTML}span")
            hrefs.append(label.get("href"))
            inner = li.find(f"{XHTML}ol")
            found.append(
                ("".join(label.itertext()).strip(), walk(inner) if inner is not None else [])
            )
        return found

    return walk(toc.find(f"{XHTML}ol")), hrefs


def _ncx_tree(epub: Path) -> list:
    ns = "{http://www.daisy.org/z3986/2005/ncx/}"
    with zipfile.ZipFile(epub) as z:
        ncx = etree.fromstring(z.read("EPUB/toc.ncx"))

    def walk(parent) -> list:
        return [
            (point.find(f"{ns}navLabel/{ns}text").text, walk(point))
            for point in parent.findall(f"{ns}navPoint")
        ]

    return walk(ncx.find(f"{ns}navMap"))


def _toc_page_lines(pdf: Path) -> list[tuple[str, str, float]]:
    """(title, folio, left edge) of each line of the printed TOC: from the page headed
    目录, on as long as pages hold leader lines."""
    lines = []
    with pdfplumber.open(pdf) as document:
        pages = iter(document.pages)
        for page in pages:
            if (page.extract_text() or "").splitlines()[:1] == ["目录"]:
                break
        else:
            return []
        while page is not None:
            found = [
                (match.group(1).strip(), match.group(2), line["x0"])
                for line in page.extract_text_lines()
                if (match := re.match(r"^(.*?)\s*·[·\s]*(\S+)$", line["text"]))
            ]
            if not found:
                break
            lines += found
            page = next(pages, None)
    return lines


@pytest.mark.parametrize(("name", "expected", "_links"), CASES)
def test_toc_page_bookmarks_nav_and_ncx_are_the_summary_tree(books, name, expected, _links):
    result = books[name]
    pdf, epub = _pdf(result), _epub(result)
    reader = pypdf.PdfReader(pdf)
    marks = outline(reader)
    assert _tree_of(marks) == expected
    nav, _ = _nav_tree(epub)
    assert nav == expected
    assert _ncx_tree(epub) == expected
    # The printed TOC: the same entries in the same order, each with the folio of the
    # page its bookmark leads to, indented deeper than the entry it belongs to.
    printed = _toc_page_lines(pdf)
    labels = reader.page_labels
    # An emoji sits on its own baseline: pdfplumber puts it on a line of its own, so the
    # printed titles are compared without it (test_emoji… finds it drawn there).
    assert [(title, folio) for title, folio, _ in printed] == [
        (_without_emoji(title), labels[page]) for _, title, page in marks
    ]
    parents: list[tuple[int, float]] = []
    for (depth, _, _), (_, _, x0) in zip(marks, printed, strict=True):
        while parents and parents[-1][0] >= depth:
            parents.pop()
        if parents:
            assert x0 > parents[-1][1] + 1
        parents.append((depth, x0))


@pytest.mark.parametrize(("name", "expected", "_links"), CASES)
def test_chapters_and_parts_open_on_rectos_and_sections_flow(books, name, expected, _links):
    result = books[name]
    reader = pypdf.PdfReader(_pdf(result))
    marks = outline(reader)
    parts = {title for title, _ in expected if _is_part(result, title)}
    assert len(parts) == 2
    openings = []
    for depth, title, page in marks:
        if depth == 1 or (depth == 2 and _parent(marks, title) in parts):
            openings.append((title, page))
    chapters = len(result.book.chapters)
    assert len(openings) == chapters + len(parts)
    assert len({page for _, page in openings}) == len(openings)  # each on a page of its own
    assert all(page % 2 == 0 for _, page in openings)  # index 0 is a recto: even = recto
    # A section follows its chapter on the same page or the next: no opening of its own.
    opening_pages = {page for _, page in openings}
    for _, title, page in marks:
        if (title, page) in openings:
            continue
        chapter_page = max(p for p in opening_pages if p <= page)
        assert page - chapter_page <= 1, title


def _without_emoji(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) != "So" and c != "\ufe0f").strip()


def _is_part(result, title: str) -> bool:
    return any(c.part is not None and c.part.title == title for c in result.book.chapters)


def _parent(marks, title: str) -> str | None:
    stack: list[tuple[int, str]] = []
    for depth, name, _ in marks:
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if name == title:
            return stack[-1][1] if stack else None
        stack.append((depth, name))
    return None


def _pdf_links(pdf: Path) -> list[tuple[int, str, int]]:
    """(page, link text, target page) of each internal link outside the TOC."""
    return [
        # The page a link leads to is printed after it, inside it ([pdf] link-pages).
        (n, re.sub(r"（见第\d+页）$", "", re.sub(r"\s+", "", text)), target)
        for n, text, target, _top, _right in pdf_internal_links(pdf)
    ]


@pytest.mark.parametrize(("name", "_expected", "links"), CASES)
def test_links_between_files_lead_to_the_page_of_their_heading(books, name, _expected, links):
    result = books[name]
    reader = pypdf.PdfReader(_pdf(result))
    marks = outline(reader)
    first_text_page = min(page for depth, _, page in marks)
    heading_pages: dict[str, set[int]] = {}
    for _, title, page in marks:
        heading_pages.setdefault(re.sub(r"\s+", "", title), set()).add(page)
    found = [(p, t, target) for p, t, target in _pdf_links(_pdf(result)) if p >= first_text_page]
    squashed = {re.sub(r"\s+", "", k): re.sub(r"\s+", "", v) for k, v in links.items()}
    seen = set()
    labels = reader.page_labels
    for _, text, target in found:
        # In print a link is followed by the page it leads to ([pdf] link-pages).
        page_ref = re.search(r"（见第(\w+)页）$", text)
        if page_ref:
            assert page_ref.group(1) == labels[target], text
            text = text[: page_ref.start()]
        # A link broken across two lines is two annotations: its text's start and end. A
        # piece may end more than one link (一节: 下一节, 函数一节); one of them leads there.
        exact = text in squashed
        matches = []
        for link, heading in squashed.items():
            split = len(text) >= 2 and (link.startswith(text) or link.endswith(text))
            if text == link or (split and not exact):
                matches.append(link)
                if target in heading_pages[heading]:
                    seen.add(link)
        leading = [link for link in matches if target in heading_pages[squashed[link]]]
        assert not matches or leading, (text, matches)
    assert seen == set(squashed)


@pytest.mark.parametrize(("name", "_expected", "links"), CASES)
def test_epub_links_point_to_the_right_file_and_id(books, name, _expected, links):
    epub = _epub(books[name])
    with zipfile.ZipFile(epub) as z:
        files = {
            Path(n).name: etree.fromstring(z.read(n))
            for n in z.namelist()
            if re.search(r"/(ch|part)\d+\.xhtml$", n)
        }
    ids = {
        (file, element.get("id")): "".join(element.itertext()).strip()
        for file, root in files.items()
        for element in root.iter()
        if element.get("id")
    }
    seen = set()
    for file, root in files.items():
        for a in root.iter(f"{XHTML}a"):
            href = a.get("href") or ""
            if (
                href.startswith("http")
                or "noteref" in (a.get("class") or "")
                or "backlink" in (a.get("class") or "")
            ):
                continue
            target_file, _, fragment = href.partition("#")
            target = (target_file or file, fragment)
            assert target in ids, (file, href)
            text = "".join(a.itertext()).strip()
            if text in links:
                assert ids[target] == links[text], (text, href)
                seen.add(text)
    assert seen == set(links)


@pytest.mark.parametrize("name", ["mdbook", "gitbook"])
def test_epubcheck_clean(books, name):
    messages = epubcheck(_epub(books[name]))
    assert [(m["severity"], m["ID"], m["message"]) for m in messages] == []


def test_left_out_entries_and_missing_anchors_are_plain_text_with_a_warning(books):
    result = books["mdbook"]
    warnings = [str(w) for w in result.warnings]
    readme = MDBOOK / "src" / "ch01" / "README.md"
    assert (
        f"{readme}:5: link to `../notes.md`: the file is not in the book; kept as plain text"
        in warnings
    )
    assert f"{readme}:5: link to `#没有这一节`: no such anchor; kept as plain text" in warnings
    drafts = [w for w in warnings if "draft" in w]
    assert len(drafts) == 1 and "未完成的一节" in drafts[0] and "草稿章" in drafts[0]
    text = "".join(page.extract_text() or "" for page in pypdf.PdfReader(_pdf(result)).pages)
    assert "笔记" in text and "草稿章" not in text and "未完成的一节" not in text
    with zipfile.ZipFile(_epub(result)) as z:
        chapter = z.read("EPUB/ch03.xhtml").decode()
    assert ">笔记<" not in chapter and "笔记" in chapter  # no <a> around it


def test_front_matter_roman_back_matter_after_the_text(books):
    result = books["mdbook"]
    reader = pypdf.PdfReader(_pdf(result))
    marks = {title: page for _, title, page in outline(reader)}
    labels = reader.page_labels
    # 扉页 i, 版权页 ii, then the front matter on rectos before the TOC (目录)
    assert labels[marks["前言"]] == "iii" and labels[marks["贡献者"]] == "v"
    assert labels[marks["第一部分 入门"]] == "1"
    assert int(labels[marks["附录 A：术语表"]]) > int(labels[marks["错误处理"]])
    assert [c.matter for c in result.book.chapters] == ["front"] * 2 + ["body"] * 4 + ["back"]
    with zipfile.ZipFile(_epub(result)) as z:
        opf = z.read("EPUB/content.opf").decode()
    spine = re.findall(r'<itemref idref="([^"]+)"', opf)
    assert spine[3:] == ["ch01", "ch02", "part1", "ch03", "ch04", "part2", "ch05", "ch06", "ch07"]


def test_the_kind_of_book_and_its_metadata(books):
    md, gb = books["mdbook"].book, books["gitbook"].book
    assert (md.kind, md.metadata.title, md.metadata.authors) == ("mdBook", "Rust 小书", ("王五",))
    assert md.settings.output_name == "rustbook"
    assert (gb.kind, gb.metadata.title, gb.metadata.authors) == (
        "GitBook",
        "Go 语言小册",
        ("赵六",),
    )
    assert (gb.metadata.publisher, gb.metadata.date) == ("示例出版社", "2024-05-01")
    assert gb.settings.output_name == "gobook"


def test_every_file_read_is_an_input_of_the_build(tmp_path):
    book = shutil.copytree(MDBOOK, tmp_path / "book")
    out = tmp_path / "out"
    build(book, out, ("epub",))
    assert build(book, out, ("epub",)).cached
    for name in ("src/ch01/linux.md", "src/SUMMARY.md", "book.toml"):
        path = book / name
        path.write_text(path.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
        assert not build(book, out, ("epub",)).cached, name
        assert build(book, out, ("epub",)).cached, name
    # A file not in the summary is no input.
    (book / "src" / "notes.md").write_text("# 改了\n", encoding="utf-8")
    assert build(book, out, ("epub",)).cached


def _gitbook(folder: Path, summary: str, files: dict[str, str]) -> Path:
    folder.mkdir()
    (folder / "SUMMARY.md").write_text(summary, encoding="utf-8")
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_title_from_readme_and_language_from_the_text(tmp_path):
    folder = _gitbook(tmp_path / "b", "* [简介](README.md)\n* [第一章](one.md)\n",
                      {"README.md": "# 我的书\n\n这是一本中文书。\n",
                       "one.md": "这一章没有标题，讲的是 Python 的用法。\n"})  # fmt: skip
    book = read_book(folder)
    assert book.kind == "GitBook"
    assert book.metadata.title == "我的书"
    assert book.metadata.language == "zh-CN"
    assert any("no language given: “zh-CN” told from the text" in w.message for w in book.warnings)
    assert [c.title for c in book.chapters] == ["我的书", "第一章"]
    english = _gitbook(
        tmp_path / "e", "* [One](one.md)\n", {"one.md": "Plain English text here.\n"}
    )
    assert read_book(english).metadata.language == "en"
    assert any("told from the text" in w.message for w in read_book(english).warnings)


def test_mdbook_settings_in_output_publish_are_checked_strictly(tmp_path):
    book = shutil.copytree(MDBOOK, tmp_path / "book")
    toml = book / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + 'page-sise = "A4"\n', encoding="utf-8")
    with pytest.raises(PublishError) as error:
        read_book(book)
    message = str(error.value)
    assert "book.toml:" in message and "did you mean `page-size`" in message
    line = int(message.split("book.toml:")[1].split(":")[0])
    assert toml.read_text(encoding="utf-8").splitlines()[line - 1].startswith("page-sise")


def test_a_missing_chapter_file_is_an_error_naming_the_summary_line(tmp_path):
    book = shutil.copytree(MDBOOK, tmp_path / "book")
    (book / "src" / "ch03" / "borrow.md").unlink()
    with pytest.raises(PublishError) as error:
        read_book(book)
    assert str(error.value).endswith("SUMMARY.md:22: chapter file `ch03/borrow.md` not found")


def test_our_manuscript_with_a_summary(tmp_path):
    folder = _gitbook(tmp_path / "m", "# Summary\n\n- [第一章](a.md)\n  - [一节](b.md)\n",
                      {"a.md": "# 第一章\n\n正文。\n", "b.md": "正文，见[第一章](a.md)。\n"})  # fmt: skip
    (folder / "book.toml").write_text(
        '[book]\ntitle = "书"\nauthors = ["我"]\nlanguage = "zh-CN"\nsummary = "SUMMARY.md"\n',
        encoding="utf-8",
    )
    book = read_book(folder)
    assert book.kind == "manuscript"
    assert [(c.title, [s.title for s in c.sections]) for c in book.chapters] == [
        ("第一章", ["一节"])
    ]
    assert 'href="#ch01"' in book.chapters[0].body


@pytest.mark.slow
def test_segments_give_the_same_book_with_parts_and_front_matter(tmp_path, monkeypatch):
    """Laid out in segments of whole chapters (part pages go with their first chapter,
    front matter with the TOC), the book is the one laid out in one document."""
    import shutil
    import subprocess

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    # Pages after links are printed in both (linkpages.py): their numbers must agree too.
    book = shutil.copytree(MDBOOK, tmp_path / "book")
    one = _pdf(build(book, tmp_path / "one", ("pdf",), segment_size=10**9))
    pieces = _pdf(build(book, tmp_path / "pieces", ("pdf",), segment_size=1, jobs=2))
    assert len(list((tmp_path / "pieces" / ".publish-cache").glob("*.pdf"))) >= 5

    def images(pdf: Path, folder: Path) -> list[bytes]:
        folder.mkdir()
        subprocess.run(["pdftoppm", "-r", "40", "-gray", str(pdf), str(folder / "p")], check=True)
        return [path.read_bytes() for path in sorted(folder.iterdir())]

    first, second = images(one, tmp_path / "a"), images(pieces, tmp_path / "b")
    assert len(first) == len(second) == 23
    assert [n + 1 for n, (a, b) in enumerate(zip(first, second, strict=True)) if a != b] == []
    assert outline(pypdf.PdfReader(pieces)) == outline(pypdf.PdfReader(one))
    assert _pdf_links(pieces) == _pdf_links(one)
    assert pypdf.PdfReader(pieces).page_labels == pypdf.PdfReader(one).page_labels


def test_headings_shift_to_the_depth_of_their_entry(tmp_path):
    """`#`, `##` or no heading at all, a file's first heading stands at its entry's depth;
    an empty first heading gives way to the entry's title and leaves no blank TOC entry."""
    summary = "* [一](a.md)\n  * [二](b.md)\n    * [三](c.md)\n  * [四](d.md)\n  * [五](e.md)\n"
    folder = _gitbook(tmp_path / "b", summary, {
        "a.md": "# 一\n\n## 一节\n", "b.md": "# 二\n\n## 二之一\n\n# 二之二\n",
        "c.md": "正文。\n\n## 三之一\n", "d.md": "#### 四\n\n###### 四之一\n", "e.md": "# \n\n正文。\n",
    })  # fmt: skip
    book = read_book(folder)
    body = book.chapters[0].body
    levels = re.findall(r"<h(\d) id=\"[^\"]+\">([^<]*)</h\d>", body)
    assert levels == [("2", "一节"), ("2", "二"), ("3", "二之一"), ("3", "二之二"), ("3", "三"),
                      ("4", "三之一"), ("2", "四"), ("4", "四之一"), ("2", "五")]  # fmt: skip
    assert [(s.title, [c.title for c in s.children]) for s in book.chapters[0].sections] == [
        ("一节", []), ("二", ["二之一", "二之二", "三"]), ("四", ["四之一"]), ("五", []),
    ]  # fmt: skip


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_toc_depth_sets_the_printed_toc_the_bookmarks_and_the_nav(tmp_path, depth):
    book = shutil.copytree(GITBOOK, tmp_path / "book")
    config = book / "book.json"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            '"publish": {', f'"publish": {{\n    "pdf": {{"toc-depth": {depth}}},'
        ),
        encoding="utf-8",
    )
    result = build(book, tmp_path / "out")
    reader = pypdf.PdfReader(_pdf(result))
    marks = outline(reader)
    nav, _ = _nav_tree(_epub(result))
    assert _tree_of(marks) == nav
    chapters_depth = {"简介": 1, "第一章 安装": 2}  # in a part: one level deeper
    deepest = max(d for d, _, _ in marks)
    assert deepest == min(depth + 2, 4)  # part > chapter > sections (3.1 通道 > select)
    assert [t for t, _, _ in _toc_page_lines(_pdf(result))] == [
        _without_emoji(t) for _, t, _ in marks
    ]
    assert all(d == chapters_depth.get(t, d) for d, t, _ in marks)


def test_a_readme_not_in_the_summary_is_the_introduction(tmp_path):
    folder = _gitbook(tmp_path / "b", "* [一](a.md)\n",
                      {"a.md": "# 一\n\n正文。\n", "README.md": "没有标题的简介。\n"})  # fmt: skip
    book = read_book(folder)
    assert [(c.title, c.matter) for c in book.chapters] == [("简介", "front"), ("一", "body")]
    assert book.chapters[0].source == (folder / "README.md").resolve()


def test_a_link_to_another_site_in_the_summary_is_left_out_with_a_warning(tmp_path):
    folder = _gitbook(tmp_path / "b", "* [一](a.md)\n  * [源码](https://example.org/src)\n"
                      "* [网站](https://example.org)\n", {"a.md": "# 一\n\n正文。\n"})  # fmt: skip
    book = read_book(folder)
    assert [(c.title, [s.title for s in c.sections]) for c in book.chapters] == [("一", [])]
    [warning] = [w.message for w in book.warnings if "other sites" in w.message]
    assert "2 link(s)" in warning and "“源码” (line 2)" in warning


@pytest.mark.parametrize("name", ["mdbook", "gitbook"])
def test_print_preflight_of_a_book_folder(books, name):
    """`check --print` reads the settings of any kind of folder (an mdBook's book.toml is
    not ours), and the plain screen PDF of each passes it."""
    from click.testing import CliRunner

    from publish.cli import main

    folder = {"mdbook": MDBOOK, "gitbook": GITBOOK}[name]
    pdf = _pdf(books[name])
    result = CliRunner().invoke(main, ["check", "--print", str(folder), "--pdf", str(pdf)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "OK"


# --- what technical books hold, in the two fixtures themselves ----------------------------

#: Per book: the EPUB file of the chapter holding each feature, the callouts in order
#: (kind, label), the diagram's labels, the broken image (file:line, alt text).
FEATURES = {
    "mdbook": {
        "callouts": {
            "ch04.xhtml": [("tip", "提示"), ("note", "注意")],
            "ch06.xhtml": [("important", "重要"), ("warning", "警告"), ("caution", "小心"),
                           ("tip", "提示"), ("warning", "警告")],
        },
        "maths": "ch06.xhtml",
        "diagram": ("ch06.xhtml", ["调用函数", "返回错误吗", "向上传播", "继续执行"]),
        "broken": ("src/ch04.md:41", "错误处理流程图"),
        "code": {"ch04.xhtml": ["rust", "console"],
                 "ch06.xhtml": ["dockerfile", "yaml", "json", "python", "rust"]},
    },
    "gitbook": {
        "callouts": {
            "ch02.xhtml": [("note", "注意"), ("tip", "提示"), ("tip", "提示")],
            "ch03.xhtml": [("important", "重要"), ("warning", "警告"), ("caution", "小心"),
                           ("warning", "警告")],
        },
        "maths": "ch04.xhtml",
        "diagram": ("ch04.xhtml", ["创建通道", "发送数据", "接收数据", "关闭通道"]),
        "broken": ("docs/03_concurrency/channel.md:24", "通道示意图"),
        "code": {"ch02.xhtml": ["console"], "ch03.xhtml": ["go", "yaml", "json"],
                 "ch04.xhtml": ["dockerfile", "python"]},
    },
}  # fmt: skip
BOOK_FOLDERS = {"mdbook": MDBOOK, "gitbook": GITBOOK}
EMOJI = "✅❌💡📝⭐"


def _chapter_xhtml(epub: Path, name: str) -> str:
    with zipfile.ZipFile(epub) as archive:
        text = archive.read(f"EPUB/{name}").decode("utf-8")
    return re.sub(r'<span epub:type="pagebreak"[^>]*/>', "", text)


@functools.cache
def _pdf_text(pdf: Path) -> str:
    """The squashed text of every page (read once per file: these tests share it)."""
    with pdfplumber.open(pdf) as document:
        return "".join(squash(page.extract_text() or "") for page in document.pages)


@pytest.mark.parametrize("name", ["mdbook", "gitbook"])
def test_every_callout_kind_is_labelled_in_the_books_language(books, name):
    result = books[name]
    found = []
    for file, expected in FEATURES[name]["callouts"].items():
        chapter = _chapter_xhtml(_epub(result), file)
        kinds = re.findall(
            r'<div class="callout callout-(\w+)" role="note">\s*'
            r'<p class="callout-title">([^<]+)</p>', chapter)  # fmt: skip
        assert kinds == expected, file
        assert "[!" not in chapter and ":::" not in chapter
        found += kinds
    assert {kind for kind, _ in found} == {"note", "tip", "important", "warning", "caution"}
    text = _pdf_text(_pdf(result))
    assert "[!" not in text and ":::" not in text
    for label in ("注意", "提示", "重要", "警告", "小心"):
        assert label in text


@pytest.mark.parametrize("name", ["mdbook", "gitbook"])
def test_maths_is_mathml_in_the_epub_and_drawn_in_the_pdf(books, name):
    result = books[name]
    file = FEATURES[name]["maths"]
    chapter = _chapter_xhtml(_epub(result), file)
    maths = re.findall(r"<math [^>]*>.*?</math>", chapter, re.S)
    assert len(maths) >= 4
    assert all('alttext="' in m for m in maths)
    assert "<mfrac>" in chapter and ("<munderover>" in chapter or "<msubsup>" in chapter)
    if name == "mdbook":  # mdBook's \\( \\) and \\[ \\], inline and display
        assert 'alttext="p = 0.99"' in chapter
        assert re.search(r'<math [^>]*display="block"[^>]*alttext="E = \\sum', chapter)
    with zipfile.ZipFile(_epub(result)) as archive:
        opf = archive.read("EPUB/content.opf").decode()
    assert re.search(rf'<item[^>]*href="{file}"[^>]*properties="mathml"', opf)
    text = _pdf_text(_pdf(result))
    for tex in ("\\frac", "\\sum", "\\max", "$n$", "p^n", "$$", "\\(", "\\["):
        assert tex not in text, tex
    with pdfplumber.open(_pdf(result)) as pdf:
        page = next(p for p in pdf.pages if "$$" not in (p.extract_text() or "") and
                    ("重试的平均次数" in squash(p.extract_text() or "") or
                     "平均分摊时" in squash(p.extract_text() or "")))  # fmt: skip
        assert len(page.curves) >= 20  # the formulas' glyphs, drawn as paths


@pytest.mark.parametrize("name", ["mdbook", "gitbook"])
def test_the_diagram_is_drawn_with_its_chinese_labels(books, name):
    result = books[name]
    file, labels_ = FEATURES[name]["diagram"]
    text = _pdf_text(_pdf(result))
    for label in labels_:
        assert label in text
    assert "graphTD" not in text and "graphLR" not in text and "-->" not in text
    chapter = _chapter_xhtml(_epub(result), file)
    image = re.search(r'<figure class="diagram"><img src="(images/_mermaid-\w+\.svg)"', chapter)
    assert image, "no diagram"
    assert "language-mermaid" not in chapter
    with zipfile.ZipFile(_epub(result)) as archive:
        svg = archive.read("EPUB/" + image.group(1)).decode()
    for label in labels_:
        assert label in svg


@pytest.mark.parametrize("name", ["mdbook", "gitbook"])
def test_emoji_come_from_the_emoji_face_in_both_editions(books, name):
    result = books[name]
    with pdfplumber.open(_pdf(result)) as pdf:
        chars = [c for page in pdf.pages for c in page.chars if c["text"][:1] in EMOJI + "⚠"]
    assert {c["text"][0] for c in chars} >= set(EMOJI)
    assert all("Emoji" in c["fontname"] for c in chars), {c["fontname"] for c in chars}
    assert not [w for w in result.warnings if "no configured font" in str(w)]
    with zipfile.ZipFile(_epub(result)) as archive:
        text = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xhtml"))
    assert set(EMOJI) <= set(text)


@pytest.mark.parametrize("name", ["mdbook", "gitbook"])
def test_a_broken_image_is_a_warning_and_its_alt_text_stays(books, name):
    result = books[name]
    where, alt = FEATURES[name]["broken"]
    warnings = [str(w) for w in result.warnings]
    assert [w for w in warnings if w.startswith(f"{BOOK_FOLDERS[name] / where}: image ")
            and "cannot be decoded" in w and "alt text is printed instead" in w], warnings  # fmt: skip
    assert alt in _pdf_text(_pdf(result))
    with zipfile.ZipFile(_epub(result)) as archive:
        text = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xhtml"))
    assert alt in text and "broken.png" not in text and "diagram.png" not in text


@pytest.mark.parametrize("name", ["mdbook", "gitbook"])
def test_code_is_highlighted_in_both_editions(books, name):
    result = books[name]
    for file, languages in FEATURES[name]["code"].items():
        chapter = _chapter_xhtml(_epub(result), file)
        for language in languages:
            assert f'class="language-{language}"' in chapter, (file, language)
        assert 'class="tok-' in chapter
        assert "style=" not in re.sub(r"<(td|th)\b[^>]*>", "", chapter)  # colours are CSS
    with pdfplumber.open(_pdf(result)) as pdf:
        code = [c for page in pdf.pages for c in page.chars if "Mono" in c["fontname"]]
    colours = {tuple(round(v, 2) for v in c["non_stroking_color"] or ()) for c in code}
    assert len(colours) >= 5, colours


def test_hidden_rust_lines_and_includes_by_range_and_anchor(books):
    result = books["mdbook"]
    text = _pdf_text(_pdf(result))
    chapter = _chapter_xhtml(_epub(result), "ch04.xhtml")
    # `# ` lines of a Rust block are left out, in a plain ```rust and in ```rust,ignore.
    assert "hidden_setup" not in text and "hidden_setup" not in chapter
    assert "usestd::collections" not in text and "fncount(words" in text
    # {{#include listings/hello.rs:greet}}: the anchored lines, not the ANCHOR comments.
    assert "fngreet(name:&amp;str)" in squash(chapter) or "fngreet(name:&str)" in text
    assert "ANCHOR" not in text and "ANCHOR" not in chapter
    # :1:2 and :10: — the first line, and the last four, not line 9 (`fn main() {`).
    assert "usestd::io;" in text and "io::stdin().read_line" in text
    plain = squash(re.sub(r"<[^>]+>", "", chapter))
    assert plain.count("fnmain()") == 1  # ch02.md's own, not hello.rs's line 9
    assert "{{#include" not in text and "{{#include" not in chapter


@pytest.mark.parametrize("name", ["mdbook", "gitbook"])
def test_no_code_glyph_outside_the_text_block_on_any_page(books, name):
    result = books[name]
    g = geometry(result.book.settings.pdf)
    checked = 0
    with pdfplumber.open(_pdf(result)) as pdf:
        for index, page in enumerate(pdf.pages):
            # Rectos (even indexes) have the inner margin on the left.
            left = (g.inner if index % 2 == 0 else g.outer) * PT_PER_MM
            right = page.width - (g.outer if index % 2 == 0 else g.inner) * PT_PER_MM
            for char in page.chars:
                if "Mono" in char["fontname"] or char["text"] == "↪":
                    assert left - 0.5 <= char["x0"] and char["x1"] <= right + 0.5, (index, char)
                    checked += 1
    assert checked > 500
    assert "↪" in _pdf_text(_pdf(result))  # the very long line was wrapped, with its mark


def test_image_paths_with_spaces_are_valid_hrefs_and_still_printed(books):
    """`<images/my gopher.png>`, `my%20gopher.png` and `<img src="my gopher.png">` (as
    GitBook books write them): one file, served under a name without the space in the
    EPUB (EPUBCheck refuses it), and found for the PDF."""
    result = books["gitbook"]
    chapter = _chapter_xhtml(_epub(result), "ch02.xhtml")
    sources = re.findall(r'<img src="([^"]+)"', chapter)
    assert sources == ["docs/_images/gopher.png"] + ["docs/_images/my_gopher.png"] * 3
    with zipfile.ZipFile(_epub(result)) as archive:
        names = archive.namelist()
        opf = archive.read("EPUB/content.opf").decode()
    assert "EPUB/docs/_images/my_gopher.png" in names and not [n for n in names if " " in n]
    assert 'href="docs/_images/my_gopher.png"' in opf and "%20" not in opf
    with pdfplumber.open(_pdf(result)) as pdf:
        page = next(
            p for p in pdf.pages if "同一张图的另一种写法" in squash(p.extract_text() or "")
        )
        assert len(page.images) >= 1
        drawn = [i for p in pdf.pages for i in p.images if i["srcsize"] == (240, 160)]
    assert len(drawn) == 4  # the gopher once, the spaced name 3 times (emoji are images too)


@pytest.mark.slow
def test_a_gitbook_with_neither_book_json_nor_titles_everywhere(tmp_path):
    """As mostly-adequate-guide-chinese is written: no book.json, no author, a README that
    opens with a quotation before its `# 关于本书`, an entry with an empty title. It builds,
    the introduction's title is printed once, the title page does not take `关于本书` for
    the book's title, the copyright page has no lone `©` or empty 著者, EPUBCheck is clean."""
    folder = _gitbook(tmp_path / "mostly-adequate-guide-chinese", (
        "# Summary\n\n* [第 1 章: 我们在做什么？](ch1.md)\n  * [介绍](ch1.md#介绍)\n"
        "* [](ch2.md)\n"), {
        "README.md": "> 这是一本书的中文译本。\n\n<!-- <img src=\"images/cover.png\"/> -->\n\n"
                     "# 关于本书\n\n这本书讲函数式编程。\n\n# 目录\n\n* [第 1 章](ch1.md)\n",
        "ch1.md": "# 第 1 章：我们在做什么？\n\n## 介绍\n\n你好。回到[本书简介](README.md#关于本书)。\n",
        "ch2.md": "# 第 2 章：一等公民的函数\n\n## 快速概览\n\n函数是一等公民。\n",
    })  # fmt: skip
    result = build(folder, tmp_path / "out")
    book = result.book
    assert book.metadata.title == "mostly adequate guide chinese"
    # A folder name is one long word to a line breaker: its words are set apart to fit.
    assert not [w for w in result.warnings if "longer than the measure" in str(w)]
    assert any("folder's name" in w.message for w in book.warnings)
    assert [(c.title, [s.title for s in c.sections]) for c in book.chapters] == [
        ("关于本书", ["目录"]), ("第 1 章：我们在做什么？", ["介绍"]),
        ("第 2 章：一等公民的函数", ["快速概览"]),
    ]  # fmt: skip
    assert 'href="#ch01"' in book.chapters[1].body  # README.md#关于本书: the chapter
    pages = pdf_pages_text(_pdf(result))
    assert "关于本书" not in pages[0]  # the title page
    assert sum(page.count("关于本书") for page in pages) == 2  # the intro's title, the TOC
    copyright_page = pages[1]
    assert "书名" in copyright_page
    assert "©" not in copyright_page and "著者" not in copyright_page
    assert epubcheck(_epub(result)) == []


def test_a_chapter_with_no_title_anywhere_names_its_summary_line(tmp_path):
    folder = _gitbook(tmp_path / "b", "* [](a.md)\n* [](b.md)\n",
                      {"a.md": "# 从文件取得的标题\n\n正文。\n", "b.md": "没有标题。\n"})  # fmt: skip
    with pytest.raises(PublishError) as error:
        read_book(folder)
    assert str(error.value) == (
        f"{folder / 'SUMMARY.md'}:2: a chapter without a title: its entry gives none and "
        "`b.md` has no heading"
    )
    (folder / "b.md").write_text("## 也从文件取得\n\n正文。\n", encoding="utf-8")
    assert [c.title for c in read_book(folder).chapters] == ["从文件取得的标题", "也从文件取得"]
