"""Hostile book folders, third pass (issue #22): every file the readers open stays inside
the book and is a regular file of bounded size; nothing a book holds can block a build,
fill the memory, or leak a line of a file elsewhere into either edition."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import pdf_pages_text
from publish.build import build
from publish.errors import PublishError
from publish.includes import MAX_EXPANDED, include
from publish.readers import read_book
from publish.readers.files import MAX_TEXT_BYTES, BookFileError, read_bytes

SECRET = "SECRET-LINE-OF-ANOTHER-FILE"


@pytest.fixture
def secret(tmp_path_factory) -> Path:
    """A file outside every book, whose first line must never be read into one."""
    path = tmp_path_factory.mktemp("home") / "private.md"
    path.write_text(f"# {SECRET}\n\nprivate text\n", encoding="utf-8")
    return path


def mdbook(folder: Path, chapter: str = "# 第一章\n\n正文。\n", title: str | None = None) -> Path:
    src = folder / "src"
    src.mkdir(parents=True)
    book = '[book]\nlanguage = "zh-CN"\n' + (f'title = "{title}"\n' if title else "")
    (folder / "book.toml").write_text(book, encoding="utf-8")
    (src / "SUMMARY.md").write_text("# Summary\n\n- [第一章](chapter.md)\n", encoding="utf-8")
    (src / "chapter.md").write_text(chapter, encoding="utf-8")
    return folder


def gitbook(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "SUMMARY.md").write_text("# Summary\n\n* [第一章](chapter.md)\n", encoding="utf-8")
    (folder / "chapter.md").write_text("# 第一章\n\n正文。\n", encoding="utf-8")
    (folder / "book.json").write_text('{"language": "zh-hans"}', encoding="utf-8")
    return folder


def editions_text(result) -> str:
    """What both editions say: the PDF's text and every file of the EPUB."""
    parts = []
    for path in result.written:
        if path.suffix == ".pdf":
            parts += pdf_pages_text(path)
        elif path.suffix == ".epub":
            with zipfile.ZipFile(path) as epub:
                parts += [epub.read(name).decode("utf-8", "replace") for name in epub.namelist()]
    return "\n".join(parts)


# --- item 4: a line of a file outside the book ----------------------------------------------


def test_mdbook_readme_linked_out_gives_no_title(tmp_path: Path, secret: Path) -> None:
    book = mdbook(tmp_path / "book")
    (book / "src" / "README.md").symlink_to(secret)
    result = build(book, tmp_path / "out", ("pdf", "epub"))
    assert result.book.metadata.title == "book"  # the folder's name, with its warning
    assert SECRET not in editions_text(result)


def test_gitbook_readme_linked_out_is_no_introduction(tmp_path: Path, secret: Path) -> None:
    book = gitbook(tmp_path / "book")
    (book / "README.md").symlink_to(secret)
    result = build(book, tmp_path / "out", ("epub",))
    assert [c.title for c in result.book.chapters] == ["第一章"]
    assert SECRET not in editions_text(result)


@pytest.mark.parametrize("name", ["SUMMARY.md", "book.json"])
def test_gitbook_files_linked_out_are_refused(tmp_path: Path, secret: Path, name: str) -> None:
    book = gitbook(tmp_path / "book")
    (book / name).unlink()
    (book / name).symlink_to(secret)
    with pytest.raises(PublishError) as error:
        read_book(book)
    assert SECRET not in str(error.value)
    assert "outside the book folder" in str(error.value) and "\n" not in str(error.value)


def test_book_toml_linked_out_is_refused(tmp_path: Path, secret: Path) -> None:
    book = mdbook(tmp_path / "book")
    (book / "book.toml").unlink()
    (book / "book.toml").symlink_to(secret)
    with pytest.raises(PublishError, match="book.toml: refused: it is outside the book"):
        read_book(book)


# --- item 6: files that block or never end --------------------------------------------------


def _read_in_a_child(book: Path, seconds: float = 60) -> subprocess.CompletedProcess:
    """The EPUB built in another process, so that a read that blocks fails the test (by
    its timeout), not the run."""
    command = [sys.executable, "-m", "publish", "build", str(book), "--format", "epub",
               "--out", str(book.parent / "out"), "-q"]  # fmt: skip
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True, cwd=book.parent)  # fmt: skip
    try:
        out, err = child.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)  # the build and its worker, blocked
        child.communicate()
        pytest.fail(f"the build did not end in {seconds} s")
    return subprocess.CompletedProcess(command, child.returncode, out, err)


def test_include_of_a_fifo_does_not_block(tmp_path: Path) -> None:
    book = mdbook(tmp_path / "book", "# 第一章\n\n{{#include pipe.txt}}\n")
    os.mkfifo(book / "src" / "pipe.txt")
    done = _read_in_a_child(book, 30)  # today: an open() that never returns
    assert done.returncode == 0, done.stderr
    with pytest.raises(BookFileError, match="named pipe"):
        read_bytes(book / "src" / "pipe.txt", book)
    warnings = [str(w) for w in read_book(book).warnings]
    assert any("include `pipe.txt` refused: it is a named pipe (FIFO)" in w for w in warnings)


def test_a_chapter_that_is_a_fifo_is_one_line(tmp_path: Path) -> None:
    book = mdbook(tmp_path / "book")
    (book / "src" / "chapter.md").unlink()
    os.mkfifo(book / "src" / "chapter.md")
    done = _read_in_a_child(book, 30)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"publish: error: {book.resolve()}/src/SUMMARY.md:3: chapter file `chapter.md` "
        "is not a regular file"
    ]


def test_include_of_a_device_reads_nothing(tmp_path: Path) -> None:
    book = mdbook(tmp_path / "book", "# 第一章\n\n{{#include zero}}\n")
    try:  # /dev/zero, made inside the book (tar extracts device nodes as root)
        os.mknod(book / "src" / "zero", stat.S_IFCHR | 0o644, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("making a device node needs root")
    done = _read_in_a_child(book, 30)  # today: reads until the memory runs out
    assert done.returncode == 0, done.stderr[-500:]
    warnings = [str(w) for w in read_book(book).warnings]
    assert any("include `zero` refused: it is a device" in w for w in warnings)


def test_an_include_of_a_folder_is_a_warning(tmp_path: Path) -> None:
    """Found by test_fuzz_hostile: a folder's descriptor made an IsADirectoryError."""
    book = mdbook(tmp_path / "book", "# 第一章\n\n{{#include folder}}\n")
    (book / "src" / "folder").mkdir()
    warnings = [str(w) for w in read_book(book).warnings]
    assert any("include `folder` refused: it is a folder, not a file" in w for w in warnings)


def test_a_text_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    with open(big, "wb") as handle:
        handle.truncate(MAX_TEXT_BYTES + 1)  # sparse: no disk used
    with pytest.raises(BookFileError, match="larger than 32 MiB"):
        read_bytes(big, tmp_path)


def test_self_includes_stop_at_the_expansion_limit(tmp_path: Path) -> None:
    """Four self-includes of an 840 KB file reached 2.3 GB in 60 s; now one clear line."""
    book = mdbook(tmp_path / "book")
    chapter = book / "src" / "chapter.md"
    text = "x" * 840_000 + "\n" + "{{#include chapter.md}}\n" * 4
    chapter.write_text(text, encoding="utf-8")
    with pytest.raises(PublishError) as error:
        include(text, chapter, book, lambda *a: None)
    assert f"includes expand to more than {MAX_EXPANDED // 2**20} MiB" in str(error.value)
    assert str(error.value).startswith(f"{chapter}:2:")


def test_include_line_number_of_5000_digits(tmp_path: Path) -> None:
    book = mdbook(tmp_path / "book", "# 第一章\n\n{{#include lines.txt:" + "9" * 5000 + "}}\n")
    (book / "src" / "lines.txt").write_text("one\ntwo\n", encoding="utf-8")
    text = (book / "src" / "chapter.md").read_text(encoding="utf-8")
    out = include(text, book / "src" / "chapter.md", book, lambda *a: None)
    assert out.text == "# 第一章\n\n\n"  # past the end: nothing, as mdBook
    span = "{{#include lines.txt:2:" + "9" * 5000 + "}}"
    assert include(span, book / "src" / "chapter.md", book, lambda *a: None).text == "two"


# --- item 7: a chapter listed twice ----------------------------------------------------------


def test_a_chapter_listed_twice_says_so(tmp_path: Path) -> None:
    book = mdbook(tmp_path / "book", title="书")
    summary = "# Summary\n\n- [第一章](chapter.md)\n- [又一次](chapter.md)\n"
    (book / "src" / "SUMMARY.md").write_text(summary, encoding="utf-8")
    with pytest.raises(PublishError) as error:
        read_book(book)
    assert str(error.value) == (
        f"{book.resolve() / 'src' / 'SUMMARY.md'}:4: chapter file `chapter.md` is listed twice "
        "(first at line 3); a file can be one chapter only"
    )


# --- item 5: raw HTML images and SVG images ---------------------------------------------------

MANUSCRIPT = '[book]\ntitle = "测试"\nauthors = ["佚名"]\nlanguage = "zh-CN"\nchapters = ["a.md"]\n'
TRACKER = "127.0.0.1:9"
HOSTILE_SVG = f"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY leak SYSTEM "file:///etc/hostname"><!ENTITY word "ENTITY-TEXT">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="40" height="20" viewBox="0 0 40 20" onload="alert(1)">
  <style>@import url(http://{TRACKER}/import.css); rect {{ fill: url(http://{TRACKER}/f) }}</style>
  <script>alert(document.cookie)</script>
  <rect width="40" height="20" style="fill: url('http://{TRACKER}/style')"/>
  <image href="file:///etc/passwd" width="1" height="1"/>
  <image xlink:href="http://{TRACKER}/pixel.png" width="1" height="1"/>
  <a href="javascript:alert(1)"><text y="15">&leak;&word;</text></a>
  <set attributeName="href" to="javascript:alert(2)"/>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">html</div></foreignObject>
</svg>
"""


def _epub_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as epub:
        return {name: epub.read(name) for name in epub.namelist()}


def test_raw_images_the_parser_sees_are_all_checked(tmp_path: Path) -> None:
    """What a regular expression missed: upper case, a `>` in a quoted attribute, `/` for a
    space, a data: URL with allow-data-urls off. No tracking pixel reaches the EPUB."""
    png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
    chapter = (
        "# 章\n\n"
        f'甲 <IMG SRC="http://{TRACKER}/upper.png" ALT="大写"> 乙\n\n'
        f'丙 <img alt=">" src="http://{TRACKER}/quoted.png"> 丁\n\n'
        f'戊 <img/src="http://{TRACKER}/slash.png"> 己\n\n'
        f'<IMG SRC="{png}" alt="内嵌">\n\n'
        f"庚 <img src='{png}' alt=\"内嵌二\"> 辛\n"
    )
    book = tmp_path / "book"
    book.mkdir()
    (book / "book.toml").write_text(MANUSCRIPT, encoding="utf-8")
    (book / "a.md").write_text(chapter, encoding="utf-8")
    result = build(book, tmp_path / "out", ("epub",))
    files = _epub_files(result.written[0])
    xhtml = b"".join(data for name, data in files.items() if name.endswith("html")).decode()
    sources = [
        img.get("src")
        for name, data in files.items()
        if name.endswith(".xhtml")
        for img in etree.fromstring(data).iter("{http://www.w3.org/1999/xhtml}img")
    ]
    assert all(src.startswith("images/") for src in sources), sources
    assert 'src="data:' not in xhtml and 'src="http' not in xhtml.replace("&lt;img/src=", "")
    assert "&lt;img/src=" in xhtml  # no tag to CommonMark: printed as the text it is
    assert not [name for name in files if "_embedded" in name]  # no data: image let in
    assert "大写" in xhtml and "内嵌" in xhtml and "内嵌二" in xhtml  # their alt texts stay
    warnings = " ".join(str(w) for w in result.book.warnings)
    assert "4 remote image(s) refused" in warnings or "remote image" in warnings
    assert warnings.count("allow-data-urls") == 1  # the same data: URL, said once


@pytest.mark.parametrize("allow_data", [False, True])
def test_svg_images_lose_scripts_entities_and_references(tmp_path: Path, allow_data) -> None:
    book = tmp_path / "book"
    book.mkdir()
    toml = MANUSCRIPT + ("[security]\nallow-data-urls = true\n" if allow_data else "")
    (book / "book.toml").write_text(toml, encoding="utf-8")
    (book / "a.md").write_text("# 章\n\n![图](figure.svg)\n", encoding="utf-8")
    (book / "figure.svg").write_text(HOSTILE_SVG, encoding="utf-8")
    result = build(book, tmp_path / "out", ("pdf", "epub"))
    epub = next(p for p in result.written if p.suffix == ".epub")
    svg = next(data for name, data in _epub_files(epub).items() if name.endswith(".svg"))
    text = svg.decode()
    for bad in (TRACKER, "<script", "alert", "file:", "ENTITY", "DOCTYPE", "onload",
                "javascript", "foreignObject", "<set", "@import"):  # fmt: skip
        assert bad not in text, bad
    assert "<rect" in text and "<text" in text  # the drawing itself stays
    assert SECRET not in editions_text(result)


# --- item 2: diagrams reach no network ---------------------------------------------------------


@pytest.fixture
def listener():
    """An HTTP server on 127.0.0.1 that counts the requests it gets."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits: list[str] = []

    class Count(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_HEAD = do_GET  # noqa: N815

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Count)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.hits = hits
    yield server
    server.shutdown()
    server.server_close()


def hostile_diagram(url: str) -> str:
    """A diagram that makes a browser fetch `url` in every way the issue names."""
    init = {
        "securityLevel": "loose",
        "htmlLabels": True,
        "flowchart": {"htmlLabels": True},
        "themeCSS": f".node rect {{ fill: url({url}/themecss) }} @import url({url}/import);",
        "fontFamily": f"x; background: url({url}/fontfamily)",
        "themeVariables": {"fontFamily": f"y; background-image: url({url}/themevariables)"},
    }
    import json

    return (
        f"%%{{init: {json.dumps(init)}}}%%\n"
        "graph LR\n"
        f"  A[\"<img src='{url}/label'>\"] --> B[乙]\n"
        f'  click B href "{url}/click"\n'
    )


def test_mermaid_directives_that_load_resources_are_refused() -> None:
    from publish.markup.diagrams import refuse_directives

    source, refused = refuse_directives(hostile_diagram("http://127.0.0.1:9"))
    assert "%%{init" not in source and source.lstrip().startswith("graph LR")
    assert refused is not None and "`securityLevel`" in refused
    front = "---\nconfig:\n  themeCSS: '@import url(http://127.0.0.1:9/a)'\n---\ngraph LR\n  A\n"
    assert refuse_directives(front) == ("\ngraph LR\n  A\n", "a configuration setting `themeCSS`")
    harmless = '%%{init: {"theme": "forest"}}%%\ngraph LR\n  A --> B\n'
    assert refuse_directives(harmless) == (harmless, None)


def _mermaid_available() -> bool:
    from publish.markup import diagrams

    return (diagrams.TOOLS / "node_modules" / "@mermaid-js" / "mermaid-cli").is_dir() and Path(
        "/usr/bin/chromium"
    ).exists()


@pytest.mark.slow
@pytest.mark.skipif(
    not _mermaid_available(), reason="Mermaid CLI and Chromium (make installs them)"
)
def test_diagrams_send_no_request(tmp_path: Path, listener, monkeypatch) -> None:
    """The browser drawing a diagram gets every way to fetch a URL on 127.0.0.1, first with
    our configuration and directive filter bypassed (the browser's network alone), then
    in a build: not one request arrives; the book's SVG names no URL."""
    from publish.markup import diagrams

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    url = f"http://127.0.0.1:{listener.server_address[1]}"
    with monkeypatch.context() as loose:  # our configuration and filter bypassed
        loose.setattr(diagrams, "CONFIG", {"htmlLabels": True, "securityLevel": "loose"})
        svg, refused = diagrams._run_mmdc(hostile_diagram(url))
    assert listener.hits == []
    assert {u.rsplit("/", 1)[1] for u in refused} >= {"label", "fontfamily", "themecss"}
    clean = diagrams.sanitize_svg(diagrams.tidy(svg))
    assert url.encode() not in clean
    book = tmp_path / "book"
    book.mkdir()
    (book / "book.toml").write_text(MANUSCRIPT, encoding="utf-8")
    chapter = f"# 章\n\n```mermaid\n{hostile_diagram(url)}```\n"
    (book / "a.md").write_text(chapter, encoding="utf-8")
    result = build(book, tmp_path / "out", ("pdf", "epub"))
    assert listener.hits == []
    warnings = [str(w) for w in result.book.warnings]
    assert any("mermaid: a configuration setting" in w for w in warnings), warnings
    epub = next(p for p in result.written if p.suffix == ".epub")
    assert not [n for n, data in _epub_files(epub).items() if url.encode() in data]


# --- items 6 and 7: limits, and one clear line ------------------------------------------------


@pytest.mark.parametrize("length", [30_000, 300_000])
def test_a_heading_too_long_is_one_line(tmp_path: Path, length: int) -> None:
    """30,000 characters raised RecursionError in the layout; 300,000 never ended."""
    book = tmp_path / "book"
    book.mkdir()
    (book / "book.toml").write_text(MANUSCRIPT, encoding="utf-8")
    (book / "a.md").write_text(f"# 章\n\n## {'字' * length}\n\n正文。\n", encoding="utf-8")
    done = _read_in_a_child(book, 60)
    assert done.returncode == 1, done.stderr[-300:]
    assert done.stderr.splitlines() == [
        f"publish: error: {book / 'a.md'}:3: a heading of {length:,} characters; "
        "the limit is 1,000 (a paragraph marked as a heading?)"
    ]


def test_a_long_heading_within_the_limit_builds(tmp_path: Path) -> None:
    book = tmp_path / "book"
    book.mkdir()
    (book / "book.toml").write_text(MANUSCRIPT, encoding="utf-8")
    (book / "a.md").write_text(f"# 章\n\n## {'字' * 1000}\n\n正文。\n", encoding="utf-8")
    result = build(book, tmp_path / "out", ("pdf",))
    assert "字" * 100 in "".join(pdf_pages_text(result.written[0]))


def test_a_book_title_too_long_is_one_line(tmp_path: Path) -> None:
    book = mdbook(tmp_path / "book", title="书" * 5000)
    with pytest.raises(PublishError, match="the book's title of 5,000 characters"):
        read_book(book)


def test_deeply_nested_book_json_is_one_line(tmp_path: Path) -> None:
    book = gitbook(tmp_path / "book")
    (book / "book.json").write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(PublishError, match="book.json: invalid JSON: nested too deeply"):
        read_book(book)


def test_a_killed_build_leaves_no_part_files(tmp_path: Path) -> None:
    """SIGKILL runs no `finally`: the next build removes what the killed one left."""
    import shutil
    import time

    book = shutil.copytree(Path(__file__).resolve().parents[1] / "manuscript", tmp_path / "book")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "publish", "build", str(book), "--out", str(out), "-q",
               "--format", "pdf"]  # fmt: skip
    child = subprocess.Popen(command, cwd=tmp_path, start_new_session=True,
                             stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        end = time.monotonic() + 120
        while not list(out.glob(".*.part")) and time.monotonic() < end:
            assert child.poll() is None, "the build ended before it wrote"
            time.sleep(0.02)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    assert list(out.glob(".*.part")), "the killed build left its .part file"
    build(book, out, ("epub",))
    assert list(out.glob(".*.part")) == []


# --- settings: numbers, BOM, nesting ------------------------------------------------------------


@pytest.mark.parametrize(
    "setting, message",
    [
        ("margin = nan", "`margin` must be mm: one number"),
        ("margin = [1e9, 1e9, 1e9, 1e9]", "`margin` must be from 0 to 200 mm on each side"),
        ("margin = [-5, 10]", "`margin` must be from 0 to 200 mm on each side"),
        ("margin = [100, 70]", "`margin` leaves a text area of 8 × 10 mm on a 148 × 210 mm page"),
        ('page-size = "50 50"', "`margin` leaves a text area of 16 × 10 mm on a 50 × 50 mm page"),
    ],
)
def test_settings_numbers_out_of_range_are_one_line(tmp_path: Path, setting, message) -> None:
    """`margin = [1e9, …]` built 8 empty pages without a word; `nan` was an internal error."""
    book = tmp_path / "book"
    book.mkdir()
    (book / "book.toml").write_text(MANUSCRIPT + f"\n[pdf]\n{setting}\n", encoding="utf-8")
    (book / "a.md").write_text("# 章\n\n正文。\n", encoding="utf-8")
    with pytest.raises(PublishError) as error:
        read_book(book)
    assert message in str(error.value)
    assert str(error.value).startswith(f"{book / 'book.toml'}:8:"), str(error.value)


def test_a_bom_in_book_toml_is_accepted(tmp_path: Path) -> None:
    book = tmp_path / "book"
    book.mkdir()
    (book / "book.toml").write_bytes(b"\xef\xbb\xbf" + MANUSCRIPT.encode())
    (book / "a.md").write_text("# 章\n\n正文。\n", encoding="utf-8")
    assert read_book(book).metadata.title == "测试"


def test_deeply_nested_toml_is_one_line(tmp_path: Path) -> None:
    book = tmp_path / "book"
    book.mkdir()
    nested = "x = " + "[" * 100_000 + "]" * 100_000 + "\n"
    (book / "book.toml").write_text(MANUSCRIPT + nested, encoding="utf-8")
    with pytest.raises(PublishError, match="book.toml: invalid TOML: nested too deeply"):
        read_book(book)


# --- item 1: a build deletes nothing of the user's ----------------------------------------------


def _victim(tmp_path: Path) -> Path:
    """A folder of the user's, with files named as the cache names its own."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "thesis.pdf").write_text("years of work")
    (victim / ("0" * 32 + ".pdf")).write_text("a file named like a piece")
    (victim / "plan.json").write_text("{}")
    return victim


def test_a_cache_folder_that_is_a_link_is_refused(tmp_path: Path) -> None:
    """A repository shipping `build/.publish-cache -> ../../somewhere`: today every file
    there is deleted by the build's prune."""
    book = mdbook(tmp_path / "book", title="书")
    victim = _victim(tmp_path)
    (book / "build").mkdir()
    (book / "build" / ".publish-cache").symlink_to(victim)
    with pytest.raises(PublishError) as error:
        build(book, book / "build", ("pdf",), segment_size=1)
    assert str(error.value) == (
        f"{book / 'build' / '.publish-cache'}: the cache folder is a link; publish writes and "
        "cleans it only as a folder of its own (remove the link)"
    )
    assert sorted(p.name for p in victim.iterdir()) == ["0" * 32 + ".pdf", "plan.json",
                                                       "thesis.pdf"]  # fmt: skip


def test_prune_deletes_only_its_own_files_never_through_a_link(tmp_path: Path) -> None:
    from publish.pdf.segmented.piece import PieceCache

    folder = tmp_path / "cache"
    folder.mkdir()
    victim = _victim(tmp_path)
    (folder / "link.pdf").symlink_to(victim / "thesis.pdf")
    (folder / ("a" * 32 + ".pdf")).symlink_to(victim / "thesis.pdf")
    (folder / "notes.txt").write_text("mine")
    (folder / "sub").mkdir()
    (folder / ("b" * 32 + ".pdf")).write_text("an old piece")
    (folder / ("c" * 32 + ".json")).write_text("a piece in use")
    cache = PieceCache(folder)
    cache.used.add("c" * 32)
    cache.prune()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["link.pdf", "a" * 32 + ".pdf", "notes.txt", "sub", "c" * 32 + ".json"]
    )
    assert (victim / "thesis.pdf").read_text() == "years of work"


def test_a_tag_name_lxml_reads_but_refuses_to_set_is_unwrapped() -> None:
    """`$\\text{<img/src=…>}$` made such a name (latex2mathml's `&#xa0;` in it): ValueError."""
    from publish.sanitize import sanitize

    out = sanitize("<p>甲 <IMG&#x000a0;SRC=http://127.0.0.1:9/x.png>乙</p>", lambda src: src)
    assert out == "<p>甲 乙</p>"
