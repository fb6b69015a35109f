"""Hostile and broken manuscripts: the sandbox, the raw-HTML policy, nothing lost."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import epubcheck
from publish.build import build
from publish.cli import main
from publish.errors import PublishError
from publish.sandbox import SandboxFetcher

BOOK_TOML = '[book]\ntitle = "测试"\nauthors = ["佚名"]\nlanguage = "zh-CN"\nchapters = ["a.md"]\n'


def make_manuscript(folder: Path, chapter: str, toml: str = BOOK_TOML) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "book.toml").write_text(toml, encoding="utf-8")
    (folder / "a.md").write_text(chapter, encoding="utf-8")
    return folder


def outputs_text(result) -> str:
    """Everything both outputs carry as text: the PDF's HTML source and the EPUB's files."""
    from publish.pdf.html import book_html

    parts = [book_html(result.book)]
    with zipfile.ZipFile(result.written[1]) as z:
        parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith("html")]
    return "\n".join(parts)


def test_fetcher_allows_only_files_inside_its_roots(tmp_path):
    inside = tmp_path / "m" / "x.css"
    inside.parent.mkdir()
    inside.write_text("p {}")
    fetcher = SandboxFetcher([tmp_path / "m"])
    assert fetcher.fetch(inside.as_uri()).read() == b"p {}"
    for url in [
        "file:///etc/passwd",
        (tmp_path / "m" / ".." / "secret").as_uri(),
        "http://127.0.0.1:9/x.png",
        "https://example.org/x.png",
        "data:text/css,p{}",
        "ftp://example.org/x",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 6


def test_symlink_out_of_the_manuscript_is_refused(tmp_path):
    secret = tmp_path / "secret.png"
    shutil.copy(Path(__file__).parent / "manuscripts/rich/images/figure1.png", secret)
    folder = make_manuscript(tmp_path / "m", "# 章\n\n![图](link.png)\n")
    os.symlink(secret, folder / "link.png")
    result = build(folder, tmp_path / "out")
    assert [w.message for w in result.book.warnings] == [
        "image `link.png` refused: it is outside the manuscript folder"
    ]
    assert result.book.resources == []
    os.symlink(tmp_path / "elsewhere.md", folder / "b.md")
    (tmp_path / "elsewhere.md").write_text("# 外\n", encoding="utf-8")
    (folder / "book.toml").write_text(BOOK_TOML.replace('"a.md"', '"a.md", "b.md"'), "utf-8")
    with pytest.raises(PublishError, match="chapter file `b.md` is outside the manuscript folder"):
        build(folder, tmp_path / "out")


def test_remote_and_outside_images_warn_and_strict_fails(tmp_path):
    folder = make_manuscript(
        tmp_path / "m",
        "# 章\n\n正文![远程图](https://example.org/a.png)。\n\n"
        '<img src="file:///etc/passwd" alt="x">\n\n![上级](../x.png)\n',
    )
    result = build(folder, tmp_path / "out")
    messages = [str(w) for w in result.book.warnings]
    chapter = folder / "a.md"
    assert messages == [
        f"{chapter}:3: image `https://example.org/a.png` refused: only files inside the manuscript are used (allow with [security] allow-remote-images = true)",
        f"{chapter}:5: image `file:///etc/passwd` refused: only files inside the manuscript are used",
        f"{chapter}:7: image `../x.png` refused: it is outside the manuscript folder",
    ]
    text = outputs_text(result)
    assert "example.org/a.png" not in text and "/etc/passwd" not in text
    assert "远程图" in text  # the alt text stays
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    runner = CliRunner()
    strict = runner.invoke(main, ["build", str(folder), "--out", str(tmp_path / "out"), "--strict"])
    assert strict.exit_code == 1
    assert strict.output.strip() == (
        f"publish: error: {chapter}:3: image `https://example.org/a.png` refused: only files "
        "inside the manuscript are used (allow with [security] allow-remote-images = true) (--strict)"
    )
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == before


HOSTILE = """# 章

<script>alert("x")</script>

<iframe src="http://example.org/"></iframe>

<object data="x.swf"></object>

<link rel="stylesheet" href="file:///etc/passwd">

<style>@import url("http://example.org/x.css"); p { background: url(file:///etc/passwd) }</style>

中文<span style="background:url(http://example.org/t.png)" onclick="alert(1)">点击</span>
<a href="javascript:alert(1)">链接</a><ruby>漢<rp>(</rp><rt>hàn</rt><rp>)</rp></ruby>
H<sub>2</sub>O 与 E=mc<sup>2</sup>，<unknown-tag>未知</unknown-tag>。

<form><input value="x"></form><svg><script>alert(2)</script></svg>

<div class="note"><p>允许的块</p></div>
"""


def test_raw_html_policy(tmp_path):
    folder = make_manuscript(tmp_path / "m", HOSTILE)
    result = build(folder, tmp_path / "out")
    text = outputs_text(result)
    for banned in ["<script", "<iframe", "<object", "<link rel=\"stylesheet\" href=\"file",
                   "@import", "url(", "onclick", "javascript:", "<form", "<input", "<svg",
                   "<unknown-tag", "example.org", "/etc/passwd"]:  # fmt: skip
        assert banned not in text, banned
    for kept in ["<ruby>漢<rp>(</rp><rt>hàn</rt><rp>)</rp></ruby>", "<sub>2</sub>",
                 "<sup>2</sup>", "未知", "点击", "链接", '<div class="note"><p>允许的块</p></div>']:  # fmt: skip
        assert kept in text, kept
    messages = {w.message for w in result.book.warnings}
    assert "raw HTML: <script> removed" in messages
    assert "raw HTML: attribute onclick= removed from <span>" in messages
    assert "raw HTML: attribute href= removed from <a>" in messages
    assert epubcheck(result.written[1]) == []


def test_control_characters_are_removed_with_a_warning(tmp_path):
    folder = make_manuscript(tmp_path / "m", "# 章\n\n第一行\n\n中\x00文\x07字\x1b。\n")
    result = build(folder, tmp_path / "out")
    assert [str(w) for w in result.book.warnings] == [
        f"{folder / 'a.md'}:5: control characters removed"
    ]
    assert "中文字。" in outputs_text(result)
    assert epubcheck(result.written[1]) == []


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
        digest.update(str(path.stat().st_mtime_ns).encode())
    return digest.hexdigest()


def test_the_manuscript_is_never_modified(tmp_path):
    folder = tmp_path / "rich"
    shutil.copytree(Path(__file__).parent / "manuscripts/rich", folder)
    before = _tree_digest(folder)
    build(folder, tmp_path / "out")
    assert _tree_digest(folder) == before


def test_an_interrupted_build_leaves_old_outputs_and_no_partial_files(tmp_path, monkeypatch):
    folder = make_manuscript(tmp_path / "m", "# 章\n\n正文。\n")
    out = tmp_path / "out"
    build(folder, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def interrupted(book, target, *rest):
        target.write_bytes(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr("publish.epub.render_epub", interrupted)
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(out), "--force"])
    assert result.exit_code == 130
    assert "interrupted; previous outputs left as they were" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_internal_errors_are_one_line_and_debug_shows_the_traceback(tmp_path, monkeypatch):
    folder = make_manuscript(tmp_path / "m", "# 章\n\n正文。\n")

    def broken(book, **options):
        raise RuntimeError("boom")

    monkeypatch.setattr("publish.pdf.edition.lay_out_one_document", broken)
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "publish: internal error: RuntimeError: boom "
        "(run `publish --debug …` for the traceback, and report it)"
    )
    result = CliRunner().invoke(
        main, ["--debug", "build", str(folder), "--out", str(tmp_path / "o")]
    )
    assert isinstance(result.exception, RuntimeError)


PNG = (Path(__file__).parent / "manuscripts/rich/images/figure1.png").read_bytes()


def _images_in(result) -> tuple[int, list[str]]:
    """(images drawn in the PDF, image files in the EPUB)."""
    import pdfplumber

    with pdfplumber.open(result.written[0]) as pdf:
        drawn = sum(len(page.images) for page in pdf.pages)
    with zipfile.ZipFile(result.written[1]) as z:
        files = [n for n in z.namelist() if "/images/_embedded-" in n]
    return drawn, files


def test_data_urls_only_when_allowed(tmp_path):
    import base64

    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    chapter = f"# 章\n\n![内嵌图]({data_url})\n"
    refused = build(make_manuscript(tmp_path / "a", chapter), tmp_path / "a-out")
    assert [w.message.split(" refused")[1] for w in refused.book.warnings] == [
        ": only files inside the manuscript are used (allow with [security] allow-data-urls = true)"
    ]
    assert _images_in(refused) == (0, [])
    allowed = build(
        make_manuscript(
            tmp_path / "b", chapter, BOOK_TOML + "[security]\nallow-data-urls = true\n"
        ),
        tmp_path / "b-out",
    )
    assert allowed.book.warnings == []
    drawn, files = _images_in(allowed)
    assert drawn == 1 and len(files) == 1
    with zipfile.ZipFile(allowed.written[1]) as z:
        assert z.read(files[0]) == PNG
    assert epubcheck(allowed.written[1]) == []
    broken = make_manuscript(tmp_path / "c", "# 章\n\n![坏](data:image/png;base64,@@@@)\n",
                             BOOK_TOML + "[security]\nallow-data-urls = true\n")  # fmt: skip
    with pytest.raises(PublishError, match="data: URL image is not valid base64"):
        build(broken, tmp_path / "c-out")


def test_remote_images_only_when_allowed(tmp_path):
    """Fetched from a server on this machine's loopback; nothing else is contacted."""
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    (served / "pic.png").write_bytes(PNG)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        chapter = f"# 章\n\n![远程图]({base}/pic.png)\n"
        toml = BOOK_TOML + "[security]\nallow-remote-images = true\n"
        allowed = build(make_manuscript(tmp_path / "a", chapter, toml), tmp_path / "a-out")
        assert allowed.book.warnings == []
        drawn, files = _images_in(allowed)
        assert drawn == 1 and len(files) == 1
        missing = make_manuscript(tmp_path / "b", f"# 章\n\n![无]({base}/none.png)\n", toml)
        with pytest.raises(
            PublishError, match=r"image `http://127.0.0.1:\d+/none.png` could not be fetched"
        ):
            build(missing, tmp_path / "b-out")
        refused = build(make_manuscript(tmp_path / "c", chapter), tmp_path / "c-out")
        assert _images_in(refused) == (0, [])
    finally:
        server.shutdown()
