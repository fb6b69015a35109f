"""Code, callouts, maths, diagrams and emoji as technical books use them (publish/markup),
checked in the built PDF and EPUB of tests/manuscripts/markup."""

from __future__ import annotations

import html
import re
import subprocess
import zipfile
from pathlib import Path

import pdfplumber
import pytest

from conftest import ROOT, Built, _build, epubcheck, squash
from publish.check import text_block_margins
from publish.manuscript import read_manuscript
from publish.markup import callouts, diagrams, for_print, highlight, wrap
from publish.pdf.geometry import geometry
from publish.units import PT_PER_MM

MARKUP = ROOT / "tests" / "manuscripts" / "markup"
NOSPACE = "x" * 80 + "ABCDEFGHIJ" * 12
LABELS = ["注意", "提示", "重要", "警告", "小心", "危险", "说明"]


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Built:
    return _build(MARKUP, tmp_path_factory.mktemp("markup"))


def _xhtml(epub: Path, name: str) -> str:
    with zipfile.ZipFile(epub) as archive:
        text = archive.read(f"EPUB/{name}").decode("utf-8")
    return re.sub(r'<span epub:type="pagebreak"[^>]*/>', "", text)  # print page markers


def _pages_text(pdf: Path) -> list[str]:
    with pdfplumber.open(pdf) as document:
        return [squash(page.extract_text() or "") for page in document.pages]


# --- code ------------------------------------------------------------------------------


def test_tokens_have_their_own_colours_in_the_pdf(book):
    with pdfplumber.open(book.pdf) as pdf:
        page = next(p for p in pdf.pages if "fnmain" in squash(p.extract_text() or ""))
        code = [c for c in page.chars if "Mono" in c["fontname"]]
    colours = {tuple(round(v, 2) for v in c["non_stroking_color"]) for c in code}
    assert len(colours) >= 5, colours  # keyword, name, number, string, comment, plain
    # Every colour is dark enough to read in greyscale (luminance under 60 %).
    for colour in colours:
        grey = (
            colour[0]
            if len(colour) == 1
            else sum(w * v for w, v in zip((0.3, 0.59, 0.11), colour, strict=True))
        )
        assert grey < 0.6, colour


def test_tokens_are_classes_in_the_epub(book):
    chapter = _xhtml(book.epub, "ch01.xhtml")
    for kind in ("k", "s", "c", "m", "nf", "gp"):
        assert f'class="tok-{kind}"' in chapter, kind
    assert 'class="language-rust"' in chapter and 'class="language-dockerfile"' in chapter
    # An unknown language is plain text, and no warning.
    assert re.search(r'language-nosuchlanguage">plain text in an unknown language', chapter)
    assert not [w for w in book.book.warnings if "nosuchlanguage" in str(w)]
    assert "style=" not in re.sub(r"<(td|th)\b[^>]*>", "", chapter)  # colours are CSS


def test_hidden_rust_lines_are_left_out(book):
    text = "".join(_pages_text(book.pdf))
    chapter = _xhtml(book.epub, "ch01.xhtml")
    assert "hidden_setup" not in text and "hidden_setup" not in chapter
    assert "#literalhash" in text and "# literal hash" in chapter  # `##` is a literal `#`
    assert "fnmain(){" in text


def _code_glyphs(page) -> list[dict]:
    return [c for c in page.chars if "Mono" in c["fontname"] or c["text"] == "↪"]


def test_no_code_glyph_leaves_the_text_block(book):
    g = geometry(book.book.settings.pdf)
    checked = pages = 0
    with pdfplumber.open(book.pdf) as pdf:
        for index, page in enumerate(pdf.pages):
            # Rectos (even indexes) have the inner margin on the left.
            left = (g.inner if index % 2 == 0 else g.outer) * PT_PER_MM
            right = page.width - (g.outer if index % 2 == 0 else g.inner) * PT_PER_MM
            glyphs = _code_glyphs(page)
            pages += bool(glyphs)
            for char in glyphs:
                assert left - 0.5 <= char["x0"] and char["x1"] <= right + 0.5, (index, char)
                checked += 1
    assert pages >= 20 and checked > 20000, (pages, checked)


def test_long_lines_wrap_with_a_mark_and_lose_nothing(book):
    text = "".join(_pages_text(book.pdf))
    assert text.count("↪") > 300
    joined = text.replace("↪", "")
    assert NOSPACE + NOSPACE in joined  # 400 characters without a space, all there
    assert "delta=4&epsilon=5&zeta=6" in joined
    assert "也不会被截断。" in joined


def test_every_wrap_is_marked(book):
    """The PDF's code lines are the source lines plus the marked continuations: the
    stylesheet's last-resort wrapping (unmarked) never had to act."""
    body = for_print(book.book.chapters[0].body, book.book.settings.pdf)
    expected = 0
    for listing in re.findall(r"<pre\b.*?</pre>", body, re.S):
        text = html.unescape(re.sub(r"<[^>]+>", "", listing))
        expected += sum(1 for line in text.split("\n") if line.strip())
    lines = set()
    with pdfplumber.open(book.pdf) as pdf:
        started = False
        for index, page in enumerate(pdf.pages):
            text = squash(page.extract_text() or "")
            started = started or "Rust的隐藏行" in text  # chapter 1, after the TOC
            if "这是一条注意事项" in text:
                break  # chapter 2
            for char in page.chars if started else ():
                if "Mono" in char["fontname"] and char["text"].strip():
                    lines.add((index, round(char["top"])))
    assert len(lines) == expected
    assert expected > 400


def test_latin_is_half_as_wide_as_han_in_code(book):
    with pdfplumber.open(book.pdf) as pdf:
        page = next(p for p in pdf.pages if "中文注释" in squash(p.extract_text() or ""))
        code = [c for c in page.chars if "Mono" in c["fontname"]]
    han = [c["width"] for c in code if "\u4e00" <= c["text"] <= "\u9fff"]
    latin = [c["width"] for c in code if c["text"].isascii() and c["text"].isalpha()]
    assert han and latin
    assert max(latin) / min(han) == pytest.approx(0.5, abs=0.01)


def test_code_keeps_the_mono_grid_without_chinese_composition(book):
    """No Han–Latin gap, no punctuation compression in code: each glyph starts where the
    one before it ends, a half em (Latin) or a full em (Han, full-width marks) wide."""
    with pdfplumber.open(book.pdf) as pdf:
        page = next(p for p in pdf.pages if "中文English混排" in squash(p.extract_text() or ""))
        code = [c for c in page.chars if "Mono" in c["fontname"]]
    cell = min(c["width"] for c in code)
    pairs = 0
    for char, after in zip(code, code[1:], strict=False):
        if abs(char["top"] - after["top"]) > 1:
            continue  # another line
        assert round(char["width"] / cell) in (1, 2), char
        assert after["x0"] - char["x0"] == pytest.approx(char["width"], abs=0.05), (char, after)
        pairs += 1
    assert pairs > 100


def test_wrap_cuts_by_cells_and_keeps_spans_balanced():
    listing = '<code><span class="tok-s">"' + "汉" * 30 + '"</span>\nshort</code>'
    out = wrap.wrap_listing(listing, 20)
    lines = re.sub(r"<[^>]+>", "", out).split("\n")
    assert all(sum(wrap.width(c) for c in line) <= 20 for line in lines), lines
    assert lines[1].startswith("↪") and lines[-1] == "short"
    assert out.count("<span") == out.count("</span>")


def test_fence_language_and_hidden_lines():
    assert highlight.fence_language("rust,ignore") == "rust"
    assert highlight.fence_language("{.python}") == "python"
    assert highlight.fence_language("Dockerfile title=x") == "dockerfile"
    code = "# use std::io;\n#\nfn main() {}\n    # let hidden = 1;\n#[derive(Debug)]\n## not hidden"
    assert highlight.hide_rust_lines(code) == "fn main() {}\n#[derive(Debug)]\n# not hidden"


# --- callouts --------------------------------------------------------------------------


def test_every_callout_kind_is_labelled(book):
    chapter = _xhtml(book.epub, "ch02.xhtml")
    kinds = re.findall(
        r'<div class="callout callout-(\w+)" role="note">\s*<p class="callout-title">([^<]+)</p>',
        chapter,
    )
    assert kinds == [
        ("note", "注意"),
        ("tip", "提示"),
        ("important", "重要"),
        ("warning", "警告"),
        ("caution", "小心"),
        ("tip", "提示"),
        ("warning", "自定义标题"),
        ("danger", "危险"),
        ("info", "说明"),
        ("details", "点击展开"),
    ]
    assert "[!" not in chapter and ":::" not in chapter
    assert "<blockquote>" in chapter  # a plain quotation stays one
    text = "".join(_pages_text(book.pdf))
    for label in [*LABELS, "自定义标题", "点击展开"]:
        assert label in text
    assert "[!" not in text and ":::" not in text


def test_callout_labels_follow_the_language(tmp_path):
    (tmp_path / "book.toml").write_text(
        '[book]\ntitle = "T"\nauthors = ["A"]\nlanguage = "en"\n'
        'identifier = "urn:uuid:00000000-0000-4000-8000-000000000001"\nchapters = ["a.md"]\n'
    )
    (tmp_path / "a.md").write_text("# A\n\n> [!WARNING]\n> Careful.\n\n::: danger\nNo.\n:::\n")
    body = read_manuscript(tmp_path).chapters[0].body
    assert '<p class="callout-title">Warning</p>' in body
    assert '<p class="callout-title">Danger</p>' in body
    assert callouts.labels("zh-TW")["info"] == "說明"


@pytest.mark.slow
def test_a_callout_label_never_ends_a_page(tmp_path):
    """Callouts after paragraphs of every length: no page's last line is a label."""
    (tmp_path / "book.toml").write_text(
        '[book]\ntitle = "分页"\nauthors = ["甲"]\nlanguage = "zh-CN"\n'
        'identifier = "urn:uuid:00000000-0000-4000-8000-000000000002"\nchapters = ["a.md"]\n'
    )
    parts = ["# 分页\n"]
    for n in range(40):
        parts.append("这是用来填充版面的文字。" * (n % 9 + 1) + "\n")
        parts.append(f"> [!WARNING]\n> 第{n}条警告：" + "注意这里的内容。" * (n % 5 + 1) + "\n")
    (tmp_path / "a.md").write_text("\n".join(parts))
    built = _build(tmp_path, tmp_path / "out")
    _, bottom = text_block_margins(built.book.settings.pdf)
    ends = 0
    with pdfplumber.open(built.pdf) as pdf:
        for page in pdf.pages[1:]:
            body = page.within_bbox((0, 0, page.width, page.height - bottom))
            lines = (body.extract_text() or "").strip().splitlines()
            if lines:
                ends += 1
                assert squash(lines[-1]) != "警告", page.page_number
    assert ends >= 5


# --- maths -----------------------------------------------------------------------------


def test_formulas_are_paths_in_the_pdf_and_mathml_in_the_epub(book):
    with pdfplumber.open(book.pdf) as pdf:
        page = next(p for p in pdf.pages if "质能方程" in (p.extract_text() or ""))
        text = squash(page.extract_text())
        points = sum(len(curve["pts"]) for curve in page.curves)
    assert points >= 1000  # the glyphs of five formulas, drawn as outlines
    assert "mc2" not in text and "\\frac{-b" not in text  # not set as text or TeX
    assert "\\frac{1}{" in text  # the formula that failed shows its source
    chapter = _xhtml(book.epub, "ch03.xhtml")
    maths = re.findall(r"<math [^>]*>.*?</math>", chapter, re.S)
    assert len(maths) == 4
    assert all('alttext="' in m and 'encoding="application/x-tex"' in m for m in maths)
    assert "<mfrac>" in chapter and "<msqrt>" in chapter and "<munderover>" in chapter
    assert 'alttext="\\alpha + \\beta"' in chapter  # mdBook's \\( \\), unescaped
    assert '<code class="math-source">\\frac{1}{</code>' in chapter
    with zipfile.ZipFile(book.epub) as archive:
        opf = archive.read("EPUB/content.opf").decode()
    assert re.search(r'<item[^>]*href="ch03.xhtml"[^>]*properties="mathml"', opf)
    assert not re.search(r'<item[^>]*href="ch01.xhtml"[^>]*properties="mathml"', opf)
    failed = [w for w in book.book.warnings if "formula" in w.message]
    assert len(failed) == 1 and failed[0].line == 13 and failed[0].path.name == "03-shuxue.md"


# --- diagrams --------------------------------------------------------------------------


def test_mermaid_chinese_labels_show_in_both_editions(book):
    with pdfplumber.open(book.pdf) as pdf:
        page = next(p for p in pdf.pages if "质能方程" in (p.extract_text() or ""))
        text = squash(page.extract_text())
    for label in ("开始", "是否完成", "结束"):
        assert label in text
    assert "graphLR" not in text and "-->" not in text
    chapter = _xhtml(book.epub, "ch03.xhtml")
    image = re.search(
        r'<figure class="diagram"><img src="(images/_mermaid-\w+\.svg)" alt="([^"]+)"', chapter
    )
    assert image and "开始" in image.group(2)
    with zipfile.ZipFile(book.epub) as archive:
        svg = archive.read("EPUB/" + image.group(1)).decode()
        opf = archive.read("EPUB/content.opf").decode()
    assert "开始" in svg and "foreignObject" not in svg
    assert re.search(r'href="images/_mermaid-\w+\.svg"[^>]*media-type="image/svg\+xml"', opf)


def test_without_mermaid_the_blocks_stay_code_with_one_warning(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(diagrams, "TOOLS", tmp_path / "none")
    monkeypatch.setenv("PATH", "/nonexistent")
    (tmp_path / "book.toml").write_text(
        '[book]\ntitle = "T"\nauthors = ["A"]\nlanguage = "zh-CN"\n'
        'identifier = "urn:uuid:00000000-0000-4000-8000-000000000003"\nchapters = ["a.md"]\n'
    )
    diagram = "```mermaid\ngraph LR\n  A[甲] --> B[乙]\n```\n"
    (tmp_path / "a.md").write_text(f"# A\n\n{diagram}\n{diagram}")
    book = read_manuscript(tmp_path)
    assert book.chapters[0].body.count('<pre class="code"><code class="language-mermaid">') == 2
    warnings = [w for w in book.warnings if "mermaid" in w.message]
    assert len(warnings) == 1 and "not installed" in warnings[0].message
    assert warnings[0].line == 3


# --- emoji -----------------------------------------------------------------------------


def test_emoji_are_drawn_from_an_emoji_face(book, tmp_path):
    emoji = "✅❌💡📝⭐⚠🚀"
    with pdfplumber.open(book.pdf) as pdf:
        index, page = next(
            (i, p) for i, p in enumerate(pdf.pages) if "质能方程" in (p.extract_text() or "")
        )
        found = {c["text"][0]: c for c in page.chars if c["text"][0] in emoji}
    assert set(found) == set(emoji)
    assert all("Emoji" in c["fontname"] for c in found.values())
    assert not [w for w in book.book.warnings if "no installed font" in w.message]
    # Drawn, in colour: the rasterised glyph box has saturated pixels (a .notdef is a
    # grey box or nothing).
    for char in found.values():
        scale = 2
        subprocess.run(
            ["pdftoppm", "-r", str(72 * scale), "-f", str(index + 1), "-l", str(index + 1),
             "-x", str(int(char["x0"] * scale)), "-y", str(int(char["top"] * scale)),
             "-W", str(int(char["width"] * scale)), "-H", str(int(char["height"] * scale)),
             "-singlefile", str(book.pdf), str(tmp_path / "crop")],
            capture_output=True, check=True,
        )  # fmt: skip
        pixels = (tmp_path / "crop.ppm").read_bytes().split(b"\n", 3)[3]
        saturated = sum(
            1
            for i in range(0, len(pixels) - 2, 3)
            if max(pixels[i : i + 3]) - min(pixels[i : i + 3]) > 80
        )
        assert saturated > 10, char["text"]
    chapter = _xhtml(book.epub, "ch03.xhtml")
    assert "✅ 完成 ❌ 失败 💡 想法 📝 笔记 ⭐ 星标 ⚠️ 注意 🚀 发布" in chapter


# --- the EPUB as a whole ---------------------------------------------------------------


def test_epubcheck_finds_nothing(book):
    messages = epubcheck(book.epub)
    assert messages == [], messages


def test_rebuild_draws_no_diagram_again(book, monkeypatch):
    """The diagram comes from the cache: a second reading starts no mmdc."""

    def fail(source):
        raise AssertionError("mmdc run again")

    monkeypatch.setattr(diagrams, "_run_mmdc", fail)
    book_again = read_manuscript(MARKUP)
    assert any(r.href.startswith("images/_mermaid-") for r in book_again.resources)


def test_a_broken_diagram_is_code_with_its_line(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "book.toml").write_text(
        '[book]\ntitle = "T"\nauthors = ["A"]\nlanguage = "zh-CN"\n'
        'identifier = "urn:uuid:00000000-0000-4000-8000-000000000004"\nchapters = ["a.md"]\n'
    )
    (tmp_path / "a.md").write_text("# A\n\n```mermaid\ngraph LR\n  A[甲] --> --> -->\n```\n")
    book = read_manuscript(tmp_path)
    assert '<code class="language-mermaid">' in book.chapters[0].body
    warnings = [w for w in book.warnings if "mermaid" in w.message]
    assert (
        len(warnings) == 1 and "Mermaid failed: Error: Parse error on line 2" in warnings[0].message
    ), warnings
    assert warnings[0].line == 3
