"""Mathematics as books use it (publish/markup/maths.py), checked in the built PDF and EPUB
of tests/manuscripts/maths: every environment KaTeX and MathJax books use, Chinese in
`\\text{}`, tags, formulas too wide for the text block; and hostile or broken formulas."""

from __future__ import annotations

import os
import re
import time
import unicodedata
import zipfile
from pathlib import Path

import lxml.etree as etree
import pdfplumber
import pikepdf
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_fuzz import check
from test_scripts import notdef_glyphs

from conftest import ROOT, Built, _build, epubcheck, squash
from publish.build import build
from publish.check import text_block_margins
from publish.errors import PublishError
from publish.markup import maths
from publish.pdf.geometry import geometry
from publish.pdf.pagination import PageBreak, insert_page_breaks
from publish.sanitize import MATHML, MATHML_ATTRIBUTES
from publish.units import PT_PER_MM

MATHS = ROOT / "tests" / "manuscripts" / "maths"
TOML = (
    '[book]\ntitle = "公式"\nauthors = ["A"]\nlanguage = "zh-CN"\n'
    'identifier = "urn:uuid:00000000-0000-4000-8000-000000000023"\nchapters = ["a.md"]\n'
)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Built:
    return _build(MATHS, tmp_path_factory.mktemp("maths"))


def _chapters(epub: Path) -> dict[str, str]:
    with zipfile.ZipFile(epub) as archive:
        return {
            name: archive.read(name).decode()
            for name in archive.namelist()
            if re.search(r"ch\d+\.xhtml$", name)
        }


def _small_book(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "book.toml").write_text(TOML, encoding="utf-8")
    (folder / "a.md").write_text(f"# 公式\n\n{body}", encoding="utf-8")
    return folder


# --- the print edition -------------------------------------------------------------------


def test_the_pdf_shows_formulas_never_their_tex(book):
    assert book.book.warnings == []
    with pdfplumber.open(book.pdf) as pdf:
        pages = [(squash(page.extract_text() or ""), page) for page in pdf.pages]
        text = "".join(t for t, _ in pages)
        # Each formula is one path of its glyphs' outlines: their points, all together.
        points = sum(len(curve["pts"]) for _, page in pages for curve in page.curves)
        # Chinese in \text{} is set in the book's Han face, as text a reader can copy.
        han = {c["text"]: c["fontname"] for _, page in pages for c in page.chars}
    assert not re.search(r"\\[A-Za-z]", text), re.findall(r"\\[A-Za-z]+", text)
    assert "&" not in text and "$" not in text and "\\\\" not in text
    for word in ("好瓜", "否则", "样本", "青绿"):
        assert word in text
    for char in "好瓜否则样本":
        assert "CJK" in han[char], han[char]
    assert points > 20000  # the formulas' glyphs, drawn as outlines
    with pikepdf.open(book.pdf) as pdf:
        assert [notdef_glyphs(page) for page in pdf.pages] == [0] * len(pdf.pages)


def _drawn(page) -> list[dict]:
    """What a formula draws on a page: glyph outlines and rules (fraction bars, tables)."""
    return [*page.curves, *page.rects, *page.lines]


def test_no_formula_leaves_the_text_block(book):
    g = geometry(book.book.settings.pdf)
    top, bottom = text_block_margins(book.book.settings.pdf)
    checked = 0
    with pdfplumber.open(book.pdf) as pdf:
        for index, page in enumerate(pdf.pages):
            # Rectos (even indexes) have the inner margin on the left.
            left = (g.inner if index % 2 == 0 else g.outer) * PT_PER_MM
            right = page.width - (g.outer if index % 2 == 0 else g.inner) * PT_PER_MM
            drawn = _drawn(page)
            if not drawn:
                continue  # no formula here (the front matter)
            body = page.crop((0, top, page.width, page.height - bottom), strict=False)
            # Every character of the text lines but the punctuation hung past the line's
            # end (the house's 禁则), and every stroke of a formula.
            chars = [c for c in body.chars if unicodedata.category(c["text"][0])[0] != "P"]
            for thing in [*drawn, *chars]:
                assert left - 0.5 <= thing["x0"] and thing["x1"] <= right + 0.5, (index, thing)
            for thing in drawn:
                assert top <= thing["top"] and thing["bottom"] <= page.height - bottom, thing
                checked += 1
    assert checked > 40


def test_tags_stand_at_the_right_margin_and_wide_formulas_fit(book):
    g = geometry(book.book.settings.pdf)
    with pdfplumber.open(book.pdf) as pdf:
        index, page = next(
            (i, p) for i, p in enumerate(pdf.pages) if "带编号的" in (p.extract_text() or "")
        )
        following = pdf.pages[index + 1]
        right = following.width - (g.outer if (index + 1) % 2 == 0 else g.inner) * PT_PER_MM
        # (3.27) and (★) end at the text block's right edge.
        assert max(c["x1"] for c in following.curves) == pytest.approx(right, abs=1.5)
    # The formula too wide for a line is set in three rows, aligned on its relations.
    wide = (MATHS / "02-huanjing.md").read_text().split("$$")[-4].strip()
    rows = maths.at_relations(wide)
    assert rows is not None and rows.count("\\\\") == 2 and rows.count("&") == 3
    assert maths.at_relations("a = b") is None and maths.at_relations("a &= b \\\\ &= c") is None


@pytest.mark.slow
def test_a_tag_per_row_stands_level_with_its_row_at_the_right_margin(tmp_path):
    body = (
        "多行编号：\n\n$$\n\\begin{align}\na &= b + c \\tag{2.1} \\\\\n"
        "d &= \\frac{e}{f} \\tag{2.2} \\\\\ng &= h \\tag*{(★)}\n\\end{align}\n$$\n\n"
        "一行不能两个编号：\n\n$$\nx \\tag{1} \\tag{2}\n$$\n"
    )
    folder = _small_book(tmp_path / "book", body)
    built = build(folder, tmp_path / "out")
    # Two tags on one row is TeX's error too: one line naming the file, line and formula.
    [warning] = [w for w in built.warnings if "formula" in w.message]
    assert warning.line == 15 and "Multiple \\tag" in warning.message
    assert "\n" not in warning.message
    pdf_path = next((tmp_path / "out").glob("*.pdf"))
    g = geometry(built.book.settings.pdf)
    with pdfplumber.open(pdf_path) as pdf:
        index, page = next(
            (i, p) for i, p in enumerate(pdf.pages) if "多行编号" in (p.extract_text() or "")
        )
        right = page.width - (g.outer if index % 2 == 0 else g.inner) * PT_PER_MM
        left = (g.inner if index % 2 == 0 else g.outer) * PT_PER_MM
        top = next(c["bottom"] for c in page.chars if c["text"] == "多")
        bottom = next(c["top"] for c in page.chars if c["text"] == "一")
        curves = [c for c in page.curves if top < c["top"] and c["bottom"] < bottom]
    # The labels' closing parenthesis (or ★) ends each at the text block's right edge…
    ends = sorted({round(c["bottom"]) for c in curves if abs(c["x1"] - right) < 1.5})
    assert len(ends) == 3 and min(b - a for a, b in zip(ends, ends[1:], strict=False)) > 8, ends
    # …level with its row: each row's first glyph (a, d, g), left of the middle, stands
    # on the same line as its label.
    middle = (left + right) / 2
    for end in ends:
        row = [c for c in curves if c["x1"] < middle and abs(c["bottom"] - end) < 6]
        assert row, (end, ends)


@pytest.mark.slow
def test_what_pumpkin_book_broke_first(tmp_path):
    # A formula opening a paragraph that ends in a digit printed its TeX (mdit-py-plugins
    # looked for a digit before the `$` at src[-1]); a one-column `aligned` had
    # MathJax's columnspacing="" (EPUBCheck: RSC-005), in 10 places of the book.
    body = (
        "$\\theta_1$为作者笔误，由15.9\n\n"
        "$$\n\\begin{aligned}\nf_1(\\boldsymbol{x}_1)=1,f_4(\\boldsymbol{x}_2)=1\n"
        "\\end{aligned}\n$$\n\n价格是 $5 和 $6 元。\n"
    )
    folder = _small_book(tmp_path / "book", body)
    built = build(folder, tmp_path / "out")
    assert built.warnings == []
    pdf_path = next((tmp_path / "out").glob("*.pdf"))
    with pdfplumber.open(pdf_path) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert "theta" not in text and "为作者笔误" in text
    assert "$5" in squash(text)  # currency stays text
    epub = next((tmp_path / "out").glob("*.epub"))
    assert [m["ID"] for m in epubcheck(epub)] == []


def test_a_long_inline_formula_breaks_as_tex_breaks_it():
    html = maths.to_mathml(" + ".join(f"a_{{{i}}}" for i in range(60)), display=False)
    svg = maths.to_svg(f"<p>{html}</p>", block_em=20.0, han_font="Noto Serif CJK SC")
    widths = [float(w) for w in re.findall(r"width: ([\d.]+)em", svg)]
    assert len(widths) == 60 and max(widths) <= 20.0 and svg.count("<wbr") == 59
    assert "<math" not in svg
    # After relations and binary operators at the top level only, keeping their spacing.
    assert maths.inline_pieces("x^-1 = -y + \\frac{a+b}{2}") == [
        "x^-1 ={}",
        "-y +{}",
        "\\frac{a+b}{2}",
    ]
    assert maths.inline_pieces("\\left( a + b \\right)") is None
    # After the commas of a tuple too (pumpkin-book's `(x_1, x_2, \\cdots, x_k) \\in
    # \\mathbb{R}^k` spread its line to 1.5 em gaps), never inside a group.
    assert maths.inline_pieces("(x_1, x_{2,3}) \\in R") == ["(x_1,{}", "x_{2,3}) \\in R"]
    assert maths.inline_pieces("{\\bf x} + y") is None  # \\bf would not reach the next piece
    # A short one stays whole.
    short = maths.to_svg(maths.to_mathml("a + b", display=False), 20.0, "Noto Serif CJK SC")
    assert short.count("<svg") == 1


def test_a_path_drawn_again_gives_the_same_operators():
    from collections import deque

    import pydyf

    from publish.weasy import svgpaths

    class Node(dict):
        vertices: deque

    class Svg:
        def __init__(self):
            self.stream = pydyf.Stream()

        def point(self, x, y, font_size):
            return float(x), float(y)

    d = "M33 157Q33 258 109 349T280 441Q331 441 370 392H380V-10L40 0ZM351 328Q351 334 346 350Z"
    drawn = []
    for draw in (svgpaths._original, svgpaths._drawn_once, svgpaths._drawn_once):
        svg, node = Svg(), Node(d=d)
        node.vertices = deque()
        draw(svg, node, 12.0)
        drawn.append((svg.stream.stream, list(node.vertices)))
    assert drawn[0] == drawn[1] == drawn[2] and len(drawn[0][0]) > 5
    assert (d, 12.0) in svgpaths._kept


# --- the EPUB ------------------------------------------------------------------------------


def test_the_epub_holds_valid_mathml(book):
    assert epubcheck(book.epub) == []
    chapters = _chapters(book.epub)
    formulas = 0
    for name, chapter in chapters.items():
        root = etree.fromstring(chapter.encode())
        for math in root.iter("{http://www.w3.org/1998/Math/MathML}math"):
            formulas += 1
            assert math.get("alttext")
            for element in math.iter():
                local = etree.QName(element).localname
                assert element.tag.startswith("{http://www.w3.org/1998/Math/MathML}"), name
                assert local in MATHML, local
                assert set(element.attrib) <= MATHML_ATTRIBUTES, element.attrib
    assert formulas >= 30
    text = "".join(chapters.values())
    assert "<mtext>a&lt;b</mtext>" in text  # \text{a<b}, a legitimate formula
    assert "<mtext>好瓜</mtext>" in text
    assert "<mlabeledtr>" in text and "<mtext>(3.27)</mtext>" in text


def test_no_page_break_marker_falls_inside_a_formula():
    mathml = maths.to_mathml("x + y = z", display=False)
    body = f"<p>甲乙{mathml}丙丁</p>"
    # The third character of the paragraph's text: print has none inside the formula (an
    # SVG), so the marker goes after it, before 丙.
    out = insert_page_breaks(body, [PageBreak("9", "c1", 0, 2)])
    assert not re.search(r"<math\b(?:(?!</math>).)*pagebreak", out, re.S)
    assert re.search(r'</math><span epub:type="pagebreak"[^>]*>\s*</span>丙丁', out), out


# --- hostile and broken formulas -----------------------------------------------------------


def test_html_inside_a_formula_never_reaches_the_epub(tmp_path):
    source = (
        "$\\text{<img/src=http://127.0.0.1:9/pixel.png>}$ 与 $\\text{a<b}$ 与 "
        "$\\text{</math><script>alert(1)</script>}$ 与 $\\href{javascript:alert(1)}{x}$\n"
    )
    result = build(_small_book(tmp_path / "m", source), tmp_path / "out")
    epub = result.written[1]
    chapter = next(iter(_chapters(epub).values()))
    root = etree.fromstring(chapter.encode())
    xhtml = "{http://www.w3.org/1999/xhtml}"
    assert not list(root.iter(f"{xhtml}img", f"{xhtml}script"))
    # \\href is no command of ours: its TeX is shown as code, no attribute holds the URL.
    assert not [e for e in root.iter() for v in e.attrib.values() if "javascript:" in v]
    texts = [e.text for e in root.iter("{http://www.w3.org/1998/Math/MathML}mtext")]
    assert "<img/src=http://127.0.0.1:9/pixel.png>" in texts and "a<b" in texts
    assert epubcheck(epub) == []


def test_a_formula_that_cannot_be_converted_names_its_file_line_and_tex(tmp_path):
    long = " + ".join(f"a_{{{i}}}" for i in range(2000))
    source = f"甲 $\\nosuchcommand{{x}}$\n\n乙 $\\frac{{1}}{{$\n\n$$\n{long}\n$$\n"
    folder = _small_book(tmp_path / "m", source)
    result = build(folder, tmp_path / "out")
    warnings = [w for w in result.book.warnings if "formula" in w.message]
    assert [(w.path.name, w.line) for w in warnings] == [("a.md", 3), ("a.md", 5), ("a.md", 7)]
    assert "\\nosuchcommand" in warnings[0].message and "Undefined" in warnings[0].message
    assert "more than 8,000" in warnings[2].message and "a_{0} + a_{1}" in warnings[2].message
    assert all("\n" not in w.message and len(w.message) < 200 for w in warnings)
    with pytest.raises(PublishError) as error:
        build(folder, tmp_path / "strict", strict=True)
    assert str(error.value).startswith(f"{folder / 'a.md'}:3: formula not converted")


def test_a_formula_that_takes_too_long_is_stopped(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(maths, "TIMEOUT", 0.0001)
    with pytest.raises(maths.FormulaError, match="took more than"):
        maths.to_mathml(f"\\sum_{{i={os.getpid()}}}^n x_i", display=True)
    monkeypatch.setattr(maths, "TIMEOUT", 20.0)
    assert "<mi>x</mi>" in maths.to_mathml("x", display=False)  # a new process


def test_each_formula_is_converted_once_and_kept_on_disk(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(maths, "_memory", {})
    formulas = [f"x^{{{n}}} + \\text{{第{n}项}}" for n in range(5)]
    first = [maths.to_mathml(tex, display=False) for tex in formulas * 3]
    assert len(list((tmp_path / "cache" / "publish" / "maths").rglob("*.json.z"))) == 5
    # Another process (here: no memory, no converter) reads them from the disk.
    monkeypatch.setattr(maths, "_memory", {})
    monkeypatch.setattr(maths, "_converter", lambda: pytest.fail("converted again"))
    assert [maths.to_mathml(tex, display=False) for tex in formulas * 3] == first


def test_the_cache_forgets_what_no_build_used_and_stays_under_its_size(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(maths, "_memory", {})
    monkeypatch.setattr(maths, "_printed", {})
    monkeypatch.setattr(maths.glyphs, "_outlines", {})
    maths._glyph.cache_clear()  # glyphs met by an earlier test: kept in another folder
    folder = tmp_path / "cache" / "publish" / "maths"
    used, old = "x^{2}", "y^{3}"
    for tex in (used, old):
        maths.to_svg(maths.to_mathml(tex, display=False), 25.0, "Noto Serif CJK SC")
    kept = {p: p.stat().st_size for p in folder.rglob("*.z")}
    assert len(kept) == 4  # an answer and a drawing each
    glyph_files = sorted(folder.glob("glyphs/*.ops"))
    assert glyph_files
    # Four months pass; then a build uses `used` again (from the disk: a new process).
    months_ago = time.time() - 120 * 86400
    for path in kept:
        os.utime(path, (months_ago, months_ago))
    monkeypatch.setattr(maths, "_memory", {})
    monkeypatch.setattr(maths, "_printed", {})
    monkeypatch.setattr(maths, "_converter", lambda: pytest.fail("converted again"))
    maths.to_svg(maths.to_mathml(used, display=False), 25.0, "Noto Serif CJK SC")
    assert maths.prune() == 2
    left = sorted(folder.rglob("*.z"))
    assert len(left) == 2 and all(time.time() - p.stat().st_mtime < 60 for p in left)
    assert sorted(folder.glob("glyphs/*.ops")) == glyph_files  # outlines stay
    # Over the size allowed, the least recently used go first.
    monkeypatch.setattr(maths, "KEPT_BYTES", max(p.stat().st_size for p in left))
    os.utime(left[0], (months_ago + 86400 * 60, months_ago + 86400 * 60))
    assert maths.prune() == 1 and sorted(folder.rglob("*.z")) == left[1:]
    # A build prunes once a day at most: the stamp says when.
    (folder / "pruned").unlink(missing_ok=True)
    monkeypatch.setattr(maths, "prune", lambda: calls.append(1))
    calls: list[int] = []
    maths.prefetch([(used, False)])
    maths.prefetch([(used, False)])
    assert calls == [1] and (folder / "pruned").exists()


# --- random formulas -----------------------------------------------------------------------

commands = st.sampled_from(
    ["\\frac", "\\sqrt", "\\sum", "\\int", "\\text", "\\mathbb", "\\boldsymbol", "\\left(",
     "\\right)", "\\begin{aligned}", "\\end{aligned}", "\\begin{cases}", "\\end{cases}",
     "\\begin{pmatrix}", "\\end{pmatrix}", "\\\\", "&", "\\tag", "\\textcircled", "\\alpha",
     "\\operatorname", "\\xrightarrow", "\\nosuch", "\\def\\a{\\a}\\a", "\\newcommand",
     "\\href", "\\class", "\\unicode", "\\require", "<img src=x>", "</math>", "&amp;"]
)  # fmt: skip
pieces = st.one_of(
    commands, st.sampled_from(list("{}^_=+-<>()[]|,.'!#%~ ")), st.text("xyz好瓜12", max_size=3)
)
formulas = st.lists(pieces, max_size=25).map("".join)


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=os.environ.get("FUZZ_RANDOM") is None,
)
@given(formulas, st.booleans())
@example("\\def\\a{\\a}\\a", True)
@example("\\text{</math><img src=x>}", False)
@example("\\tag{1}\\tag{2}", True)
def test_random_formulas_give_mathml_and_svg_or_one_line(tex, display):
    try:
        mathml = maths.to_mathml(tex, display)
    except maths.FormulaError as error:
        assert str(error) and "\n" not in str(error)
        return
    root = etree.fromstring(mathml)
    assert {etree.QName(e).localname for e in root.iter()} <= MATHML
    svg = maths.to_svg(f"<p>{mathml}</p>", block_em=25.0, han_font="Noto Serif CJK SC")
    assert "<math" not in svg and "<svg" in svg
    assert not re.search(r"<(?:img|script)\b", svg)


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(formulas, min_size=1, max_size=6))
def test_random_formulas_in_a_book_give_a_valid_book_or_one_line(texts):
    check("\n\n".join(f"文字 ${tex}$ 与\n\n$$\n{tex}\n$$" for tex in texts))


# --- the text around formulas --------------------------------------------------------------


def test_straight_quotes_beside_formulas_take_the_house_marks(tmp_path):
    """pumpkin-book types `"…"` around Chinese words next to inline formulas: a formula
    inside, before or after the quoted words (and inline code beside them) is one object in
    the sentence, so the marks pair and take the house style (corner here); the quotes of
    code and of a formula's `\\text{}`, and of an English sentence, stay as they were."""
    source = (
        '称为"损失函数"$L(y,f(x))$，"$x$的取值"决定$x$"属于"正类，"$a$与$b$"相等。\n\n'
        '用"`print`"输出，`f"{x}"`是代码，$\\text{"a"}$ 是公式。\n\n'
        'He said "yes" to $x$.\n'
    )
    folder = _small_book(tmp_path / "m", source)
    with (folder / "book.toml").open("a", encoding="utf-8") as toml:
        toml.write('[typography]\nquotes = "corner"\n')
    result = build(folder, tmp_path / "out")
    root = etree.fromstring(next(iter(_chapters(result.written[1]).values())).encode())
    xhtml, mathml = "{http://www.w3.org/1999/xhtml}", "{http://www.w3.org/1998/Math/MathML}"
    texts = [e.text or "" for e in root.iter(f"{mathml}mtext")]
    for formula in root.iter(f"{mathml}math"):
        tail = formula.tail
        formula.clear()  # its alttext and annotation hold the TeX
        formula.text, formula.tail = "$", tail
    paragraphs = ["".join(p.itertext()) for p in root.iter(f"{xhtml}p")]
    assert paragraphs[0] == "称为「损失函数」$，「$的取值」决定$「属于」正类，「$与$」相等。"
    assert paragraphs[1] == '用「print」输出，f"{x}"是代码，$ 是公式。'
    assert paragraphs[2] == "He said “yes” to $."
    assert any('"a"' in text for text in texts), texts
    with pdfplumber.open(result.written[0]) as pdf:
        text = squash("".join(page.extract_text() or "" for page in pdf.pages))
    assert squash("称为「损失函数」") in text and squash("决定") in text
    assert '"' not in text.replace('f"{x}"', ""), text
