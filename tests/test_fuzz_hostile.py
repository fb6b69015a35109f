"""Hostile books made at random (issue #22): includes, raw HTML, headings and settings drawn
by Hypothesis, each book ending in an EPUB that reads nothing outside the book and carries
no image from elsewhere, or in one clear line.

Bounded in CI (HOSTILE_EXAMPLES, default 8); run more on demand, e.g.
`HOSTILE_EXAMPLES=200 .venv/bin/pytest tests/test_fuzz_hostile.py`. Beside test_fuzz.py
(random Markdown); the attacks themselves are pinned down in test_hostile.py.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from publish.build import build
from publish.errors import PublishError

SECRET = "SECRET-OUTSIDE-THE-BOOK"
TRACKER = "127.0.0.1:9"

# --- includes: every kind of target, and every kind of line range -------------------------------
targets = st.sampled_from(
    ["code.rs", "chapter.md", "missing.rs", "../../secret.md", "link-out.md", "pipe",
     "folder", "/etc/hostname", "big.txt", "code.rs:main", "code.rs:nope"]
)  # fmt: skip
ranges = st.one_of(
    st.just(""),
    st.integers(0, 10**6).map(lambda n: f":{n}"),
    st.integers(1, 6000).map(lambda n: ":" + "9" * n),  # 5,000-digit line numbers
    st.tuples(st.integers(0, 50), st.integers(0, 50)).map(lambda r: f":{r[0]}:{r[1]}"),
)
include = st.builds(
    lambda kind, target, span: f"{{{{#{kind} {target}{span}}}}}",
    st.sampled_from(["include", "rustdoc_include", "playground"]), targets, ranges,
)  # fmt: skip

# --- raw HTML: images as a parser reads them, and what the allow-list removes -------------------
sources = st.sampled_from(
    [f"http://{TRACKER}/p.png", f"//{TRACKER}/p.png", "data:image/png;base64,iVBORw0KGgo=",
     "file:///etc/passwd", "../../secret.md", "javascript:alert(1)", "hostile.svg",
     "image.png", "link-out.png", ""]
)  # fmt: skip
raw_html = st.one_of(
    st.builds(lambda src: f'<IMG SRC="{src}" ALT="图">', sources),
    st.builds(lambda src: f'<img alt=">" src="{src}">', sources),
    st.builds(lambda src: f"<img src='{src}' onerror=alert(1)>", sources),
    st.builds(lambda src: f"<img\nsrc={src}>", sources),
    st.sampled_from(
        ["<svg><script>alert(1)</script></svg>", "<iframe src=//x></iframe>",
         "<a href=javascript:alert(1)>x</a>", "<div>", "</div>", "<details><summary>答",
         "<img src=x", "<!-- <img src=x> -->", "<style>@import url(//x)</style>"]
    ),
)  # fmt: skip

# --- headings: short, long, over the limit -----------------------------------------------------
headings = st.builds(
    lambda level, text: "#" * level + " " + text,
    st.integers(1, 6),
    st.one_of(st.text("标题字 ab", min_size=1, max_size=40),
              st.integers(900, 40_000).map(lambda n: "长" * n)),
)  # fmt: skip

# --- maths: the place for formulas (publish/markup/maths.py's owner adds its strategy here) ---
maths = st.sampled_from(["$x^2$", "$$\\frac{1}{2}$$"])

# --- settings: numbers in and out of range --------------------------------------------------
numbers = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "1e9", "-5", "0", "1e308"]),
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
    st.integers(-10, 400).map(str),
)
pdf_settings = st.one_of(
    st.just(""),
    numbers.map(lambda n: f"margin = {n}\n"),
    st.tuples(numbers, numbers).map(lambda m: f"margin = [{m[0]}, {m[1]}]\n"),
    numbers.map(lambda n: f"line-height = {n}\n"),
    st.tuples(numbers, numbers).map(lambda s: f'page-size = "{s[0]} {s[1]}"\n'),
)
bom = st.sampled_from(["", "\ufeff"])

paragraph = st.text("正文，。字", min_size=1, max_size=20)
chapter = st.lists(st.one_of(include, raw_html, headings, maths, paragraph), max_size=12).map(
    "\n\n".join
)

HOSTILE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
    f'<script>alert(1)</script><image href="http://{TRACKER}/svg.png"/>'
    '<rect width="10" height="10"/></svg>'
)
PNG = (Path(__file__).parent / "manuscripts/rich/images/figure1.png").read_bytes()


def make_book(root: Path, text: str, pdf: str, mark: str) -> Path:
    """An mdBook whose chapter is `text`, with the files its includes and images name."""
    (root / "secret.md").write_text(f"# {SECRET}\n", encoding="utf-8")
    book = root / "home" / "book"
    src = book / "src"
    src.mkdir(parents=True)
    toml = f'{mark}[book]\ntitle = "随机"\nlanguage = "zh-CN"\n\n[output.publish.pdf]\n{pdf}'
    (book / "book.toml").write_text(toml, encoding="utf-8")
    (src / "SUMMARY.md").write_text("# Summary\n\n- [章](chapter.md)\n", encoding="utf-8")
    (src / "chapter.md").write_text(f"# 章\n\n{text}\n", encoding="utf-8")
    (src / "code.rs").write_text("// ANCHOR: main\nfn main() {}\n// ANCHOR_END: main\n")
    (src / "link-out.md").symlink_to(root / "secret.md")
    (src / "link-out.png").symlink_to(root / "secret.md")
    (src / "folder").mkdir()
    os.mkfifo(src / "pipe")
    with open(src / "big.txt", "wb") as handle:
        handle.truncate(40 * 1024 * 1024)  # sparse, over the 32 MiB cap
    (src / "hostile.svg").write_text(HOSTILE_SVG, encoding="utf-8")
    (src / "image.png").write_bytes(PNG)
    return book


def check_epub(path: Path) -> None:
    """Nothing from outside the book, no image but the book's own, no script."""
    with zipfile.ZipFile(path) as epub:
        names = set(epub.namelist())
        for name in names:
            data = epub.read(name)
            assert SECRET.encode() not in data, name
            assert TRACKER.encode() not in data or name.endswith(".xhtml"), name
            if name.endswith(".svg"):
                assert b"<script" not in data and b"onload" not in data, name
            if name.endswith(".xhtml"):
                root = etree.fromstring(data)
                for img in root.iter("{http://www.w3.org/1999/xhtml}img"):
                    src = img.get("src", "")  # a file of the EPUB, nothing else
                    member = posixpath.normpath(posixpath.join(posixpath.dirname(name), src))
                    assert ":" not in src and member in names, src
                assert not list(root.iter("{http://www.w3.org/1999/xhtml}script")), name


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "8")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(text=chapter, pdf=pdf_settings, mark=bom)
@example(text='<IMG SRC="http://127.0.0.1:9/p.png" ALT="图">\n\n<IMG SRC="hostile.svg">', pdf="",
         mark="")  # fmt: skip
@example(text="{{#include folder}}", pdf="", mark="")
def test_hostile_books_build_or_fail_in_one_line(text: str, pdf: str, mark: str) -> None:
    with tempfile.TemporaryDirectory(prefix="publish-hostile-") as folder:
        root = Path(folder)
        book = make_book(root, text, pdf, mark)
        try:
            result = build(book, root / "out", ("epub",))
        except PublishError as error:
            message = str(error)
            assert message and "\n" not in message and SECRET not in message, message
            return
        check_epub(result.written[0])
        for warning in result.book.warnings:
            assert SECRET not in str(warning)
