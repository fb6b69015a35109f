"""mdBook and GitBook folders built unchanged: the summary's tree in the TOC page, the
bookmarks and the EPUB navigation; chapters (not sections) opening on rectos; links
between files landing on the right page and in the right file; EPUBCheck clean."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import lxml.etree as etree
import pdfplumber
import pikepdf
import pypdf
import pytest

from conftest import ROOT, epubcheck, outline
from publish.build import build
from publish.errors import PublishError
from publish.readers import read_book

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
    ("进阶篇", [("第三章 并发", [("3.1 通道", [("select", [])])])]),
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
    assert [(title, folio) for title, folio, _ in printed] == [
        (title, labels[page]) for _, title, page in marks
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
                # The page a link leads to is printed after it, inside it ([pdf] link-pages).
                text = re.sub(r"（见第\d+页）$", "", re.sub(r"\s+", "", text))
                found.append((n, text, index[dest[0].objgen]))
    return found


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
        # A link broken across two lines is two annotations: its text's start and end.
        exact = text in squashed
        for link, heading in squashed.items():
            split = len(text) >= 2 and (link.startswith(text) or link.endswith(text))
            if text == link or (split and not exact):
                assert target in heading_pages[heading], (text, link)
                seen.add(link)
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
    assert len(first) == len(second) == 21
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
    assert [t for t, _, _ in _toc_page_lines(_pdf(result))] == [t for _, t, _ in marks]
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
