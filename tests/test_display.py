"""Display lines, 着重号, ruby and the house styles, measured on built PDFs and EPUBs
(issue 13, sections 1, 4, 5 and 6). The test book `tests/manuscripts/display` is written
to provoke each rule: a 回目, long titles and headings, a long caption, emphasis in
Chinese and Latin, ruby in shorthand and in HTML, nested quotation marks."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from click.testing import CliRunner
from PIL import Image

from conftest import ROOT, epubcheck
from publish.build import build
from publish.check import check_pdf
from publish.cli import main
from publish.typography.display import Measure, balance, phrases

pytestmark = pytest.mark.slow  # three books built, EPUBCheck run four times: ~3 minutes

MANUSCRIPT = ROOT / "tests" / "manuscripts" / "display"
BODY = 10.5  # pt, the default [pdf] font-size
HAN_RE = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


class Edition:
    def __init__(self, folder: Path, typography: str) -> None:
        manuscript = folder / "manuscript"
        shutil.copytree(MANUSCRIPT, manuscript)
        toml = manuscript / "book.toml"
        text = toml.read_text(encoding="utf-8")
        toml.write_text(text.split("[typography]")[0] + typography, encoding="utf-8")
        result = build(manuscript, folder / "out", ("pdf", "epub"))
        self.book = result.book
        self.pdf, self.epub = result.written
        self.warnings = [str(w) for w in result.book.warnings]

    def xhtml(self, name: str) -> str:
        with zipfile.ZipFile(self.epub) as archive:
            return archive.read(f"EPUB/{name}").decode()


@pytest.fixture(scope="module")
def dots(tmp_path_factory) -> Edition:
    return Edition(tmp_path_factory.mktemp("dots"), '[typography]\nquotes = "corner"\n')


@pytest.fixture(scope="module")
def kai(tmp_path_factory) -> Edition:
    return Edition(
        tmp_path_factory.mktemp("kai"),
        '[typography]\nemphasis = "kai"\nquotes = "curly"\nhanging-punctuation = true\n',
    )


@pytest.fixture(scope="module")
def pinyin(tmp_path_factory) -> Edition:
    return Edition(
        tmp_path_factory.mktemp("pinyin"),
        '[typography]\npinyin = true\n[typography.pinyin-overrides]\n"重庆" = "chóng qìng"\n',
    )


def lines_of_size(page, size: float) -> list[list[dict]]:
    """The characters of `size` pt on `page`, in lines by baseline, left to right."""
    chars = [c for c in page.chars if abs(c["size"] - size) < 0.05 and c["text"].strip()]
    lines: dict[float, list[dict]] = {}
    for c in chars:
        baseline = round(page.height - c["matrix"][5], 1)
        key = next((b for b in lines if abs(b - baseline) < 1), baseline)
        lines.setdefault(key, []).append(c)
    return [sorted(lines[b], key=lambda c: c["x0"]) for b in sorted(lines)]


def text(line: list[dict]) -> str:
    return "".join(c["text"] for c in line)


def page_with(pdf, needle: str, start: int = 0):
    for page in pdf.pages[start:]:
        if needle in re.sub(r"\s+", "", page.extract_text() or ""):
            return page
    raise AssertionError(f"no page shows {needle!r}")


# --------------------------------------------------------------------------
# 1. Display lines


def test_a_huimu_breaks_at_its_space(dots):
    with pdfplumber.open(dots.pdf) as pdf:
        page = page_with(pdf, "宴桃园豪杰三结义", 3)
        lines = [text(line) for line in lines_of_size(page, 1.6 * BODY)]
    # Plain WeasyPrint leaves 功 alone: `第一回 宴桃园豪杰三结义 斩黄巾英雄首立` / `功`.
    assert lines == ["第一回宴桃园豪杰三结义", "斩黄巾英雄首立功"]


@pytest.mark.parametrize(
    ("what", "size", "needle", "start"),
    [
        ("book title", 1.9 * BODY, "关于认真", 0),
        ("subtitle", 1.2 * BODY, "一本为检验", 0),
        ("section heading", 1.25 * BODY, "全面落实", 3),
        ("caption", 0.9 * BODY, "一幅用于", 3),
        ("TOC entry", BODY, "全面落实", 1),
    ],
)
def test_display_lines_are_balanced_and_break_between_phrases(dots, what, size, needle, start):
    with pdfplumber.open(dots.pdf) as pdf:
        page = page_with(pdf, needle, start)
        lines = lines_of_size(page, size)
    first = next(i for i, line in enumerate(lines) if text(line).startswith(needle))
    block = [lines[first]]
    for line in lines[first + 1 :]:  # the lines that follow at the same size and pitch
        if line[0]["top"] - block[-1][0]["top"] > 2 * size:
            break
        block.append(line)
    if what == "TOC entry":  # without the leader and the folio
        block = [[c for c in line if c["text"] not in "·0123456789"] for line in block[:2]]
    shown = [text(line) for line in block]
    assert len(shown) == 2, f"{what}: {shown}"
    widths = [line[-1]["x1"] - line[0]["x0"] for line in block]
    assert min(widths) / max(widths) >= 0.7, f"{what} not balanced: {shown}"
    assert len(shown[-1]) >= 3
    # Each break falls between two of the segmenter's phrases.
    whole = "".join(shown)
    cuts = {0}
    for phrase in phrases(whole):
        cuts.add(max(cuts) + len(phrase))
    assert len(shown[0]) in cuts, f"{what} broken inside a phrase: {shown}"


def test_a_title_longer_than_the_measure_breaks_where_it_must():
    measure = Measure("Noto Sans CJK SC", True, 16.8, 16.8 * 10)
    lines, forced = balance("Pneumonoultramicroscopicsilicovolcanoconiosis 之谜", measure)
    assert forced and len(lines) > 1
    lines, forced = balance("第一回 宴桃园豪杰三结义 斩黄巾英雄首立功", measure)
    assert not forced and all(len(line) >= 3 for line in lines)
    # import-text writes 回目 with ideographic spaces: the break is there too.
    measure = Measure("Noto Sans CJK SC", True, 16.8, 16.8 * 16)
    lines, _ = balance("第二回\u3000张翼德怒鞭督邮\u3000何国舅谋诛宦竖", measure)
    assert lines == ["第二回\u3000张翼德怒鞭督邮", "何国舅谋诛宦竖"]


def test_the_epub_breaks_headings_between_phrases(dots):
    chapter = dots.xhtml("ch01.xhtml")
    assert "斩<wbr/>黄巾英雄<wbr/>首立功</h1>" in chapter.replace("斩黄巾英雄", "斩<wbr/>黄巾英雄")
    assert "<wbr/>" in chapter.split("<h2")[1].split("</h2>")[0]
    css = dots.xhtml("style/book.css")
    assert "text-wrap: balance" in css and "word-break: keep-all" in css


# --------------------------------------------------------------------------
# 4. Emphasis


def _ink_below(image: Image.Image, char: dict, page_height: float, scale: float) -> list[int]:
    """x (px) of the dark pixels in the band 0.15–0.5 em under the character's baseline,
    ¼ em either side of its centre (a comma's tail is further left)."""
    em = char["size"]
    baseline = page_height - char["matrix"][5]
    centre = (char["x0"] + char["x1"]) / 2
    xs = range(int((centre - 0.25 * em) * scale), int((centre + 0.25 * em) * scale))
    ys = range(int((baseline + 0.15 * em) * scale), int((baseline + 0.5 * em) * scale))
    return [x for y in ys for x in xs if image.getpixel((x, y)) < 128]


def test_emphasis_dots_are_drawn_under_each_han_character_only(dots, tmp_path):
    with pdfplumber.open(dots.pdf) as pdf:
        page = page_with(pdf, "非常重要", 3)
        number = page.page_number
        chars = [c for c in page.chars if abs(c["size"] - BODY) < 0.05]
        height = page.height
    subprocess.run(
        ["pdftoppm", "-r", "144", "-png", "-f", str(number), "-l", str(number),
         str(dots.pdf), str(tmp_path / "p")],
        check=True,
    )  # fmt: skip
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    line = "".join(c["text"] for c in chars)
    emphasised = set()
    for first, last in (("非常重要", "非常重要"), ("务必记住", "的区别")):
        span = range(line.index(first), line.index(last) + len(last))
        emphasised |= {i for i in span if HAN_RE.match(line[i])}
    first_line_end = line.index("。引文") + 30
    for index, char in enumerate(chars[:first_line_end]):
        ink = _ink_below(image, char, height, 2)
        if index in emphasised:
            assert ink, f"no dot under {char['text']}"
            centre = (sum(ink) / len(ink)) / 2
            assert abs(centre - (char["x0"] + char["x1"]) / 2) < 0.15 * char["size"]
        elif HAN_RE.match(char["text"]) or char["text"] in "，。":
            assert not ink, f"a mark under {char['text']}"
    # The dots are drawings, not text: the page's text is the manuscript's.
    assert "●" not in line and "•" not in line
    assert check_pdf(dots.book, dots.pdf).text_identical


def test_no_han_character_is_slanted_and_latin_keeps_its_italic(dots, kai):
    for edition in (dots, kai):
        with pdfplumber.open(edition.pdf) as pdf:
            chars = [c for page in pdf.pages for c in page.chars]
    han = [c for c in chars if HAN_RE.match(c["text"])]
    assert han
    for c in han:
        a, b, c_, d, _, _ = c["matrix"]
        assert b == 0 and c_ == 0 and a == d, f"{c['text']} sheared: {c['matrix']}"
    for edition in (dots, kai):
        with pdfplumber.open(edition.pdf) as pdf:
            words = page_with(pdf, "Python", 3).chars
        python = [c for c in words if c["text"] in "Python" and c["text"].isalpha()]
        assert python and all("Italic" in c["fontname"] for c in python[:6])


def test_kai_emphasis_sets_han_in_a_kai_face(kai):
    with pdfplumber.open(kai.pdf) as pdf:
        chars = page_with(pdf, "非常重要", 3).chars
    fonts = {c["text"]: c["fontname"] for c in chars if c["text"] in "非常" and c["size"] > 10}
    assert fonts and all("UKai" in name for name in fonts.values()), fonts


def test_epub_emphasis_css(dots, kai):
    css = dots.xhtml("style/book.css")
    for rule in (
        "text-emphasis: filled dot",
        "-epub-text-emphasis: filled dot",
        "text-emphasis-position: under right",
        "-epub-text-emphasis-position: under right",
    ):
        assert rule in css
    # Latin inside emphasis: italic, without dots.
    assert '<span class="em-latin">Python</span>' in dots.xhtml("ch01.xhtml")
    assert "em .em-latin {\n  font-style: italic;\n  text-emphasis: none;" in css
    assert "UKai" in kai.xhtml("style/book.css")
    assert "text-emphasis" not in kai.xhtml("style/book.css")


# --------------------------------------------------------------------------
# 5. Ruby


def test_ruby_is_centred_over_its_base_at_half_size_without_changing_the_pitch(dots):
    with pdfplumber.open(dots.pdf) as pdf:
        page = page_with(pdf, "小朋友读", 3)
        body = lines_of_size(page, BODY)
        ruby = lines_of_size(page, BODY / 2)
        plain = lines_of_size(page_with(pdf, "话说天下", 3), BODY)
    grid = plain[1][0]["matrix"][5] - plain[2][0]["matrix"][5]  # a page without ruby
    bases: dict[str, dict] = {}
    for c in (c for line in body for c in line):
        bases.setdefault(c["text"], c)  # the first on the page
    syllables = []
    for line in ruby:
        word: list[dict] = []
        for c in line:
            if word and c["x0"] - word[-1]["x1"] > 0.1 * BODY:
                syllables.append(word)
                word = []
            word.append(c)
        syllables.append(word)
    reading = {text(s): s for s in syllables}
    for syllable, base in [("hàn", "汉"), ("zì", "字"), ("běi", "北"), ("zhuàng", "壮")]:
        chars, under = reading[syllable], bases[base]
        centre = (chars[0]["x0"] + chars[-1]["x1"]) / 2
        assert abs(centre - (under["x0"] + under["x1"]) / 2) < 0.1 * BODY, syllable
        assert chars[-1]["bottom"] <= under["top"] + 0.2 * BODY  # above its base
        assert abs(chars[0]["size"] - BODY / 2) < 0.05
    # Group ruby over 长江 (its annotation is one word), centred over both characters.
    group = reading["chángjiāng"]
    first = body[0] if "江" in text(body[0]) else body[1]
    right = bases["江"]
    left = first[first.index(right) - 1]
    centre = (group[0]["x0"] + group[-1]["x1"]) / 2
    assert abs(centre - (left["x0"] + right["x1"]) / 2) < 0.1 * BODY
    # Neighbouring annotations at least 1/4 em apart (the bases are spaced for them).
    order = ["chuāng", "chuáng", "zhuāng", "zhuàng"]
    for one, two in zip(order, order[1:], strict=False):
        assert reading[two][0]["x0"] - reading[one][-1]["x1"] >= 0.25 * BODY - 0.3
    # The line pitch is that of the grid, on the lines with ruby too.
    baselines = [page.height - line[0]["matrix"][5] for line in body]
    pitches = [b - a for a, b in zip(baselines, baselines[1:], strict=False)]
    assert all(abs(pitch - grid) < 0.05 for pitch in pitches), (grid, pitches)


def test_copied_text_is_the_base_text(dots):
    reader = pypdf.PdfReader(dots.pdf)
    copied = "".join(page.extract_text() for page in reader.pages)
    squashed = re.sub(r"\s+", "", copied)
    assert "小朋友读汉字，读到重庆，再读长江。手写的标记是北京" in squashed
    assert "汉hàn" not in squashed and "hàn汉" not in squashed
    report = check_pdf(dots.book, dots.pdf)
    assert report.text_identical, report.findings


def test_the_epub_keeps_ruby_markup_and_passes_epubcheck(dots, kai):
    chapter = dots.xhtml("ch02.xhtml")
    assert "<ruby>汉<rp>(</rp><rt>hàn</rt><rp>)</rp>字<rp>(</rp><rt>zì</rt><rp>)</rp></ruby>" in (
        chapter
    )
    assert "<ruby>长江<rp>(</rp><rt>chángjiāng</rt><rp>)</rp></ruby>" in chapter
    assert "<rt>běi</rt>" in chapter  # the manuscript's own <ruby>
    for edition in (dots, kai):
        assert epubcheck(edition.epub) == []


def test_automatic_pinyin_with_overrides(pinyin):
    chapter = pinyin.xhtml("ch01.xhtml")
    assert "话<rp>(</rp><rt>huà</rt>" in chapter
    # 重庆 from the book's overrides; the manuscript's own ruby is left as it is.
    assert "<rt>chóng</rt>" in pinyin.xhtml("ch02.xhtml")
    assert "<ruby><ruby>" not in pinyin.xhtml("ch02.xhtml")
    assert epubcheck(pinyin.epub) == []
    with pdfplumber.open(pinyin.pdf) as pdf:
        page = page_with(pdf, "话说天下", 3)
        annotations = text(sum(lines_of_size(page, BODY / 2), []))
    assert "huàshuōtiānxià" in annotations


def test_pinyin_for_some_chapters_only(tmp_path):
    edition = Edition(tmp_path, '[typography]\npinyin = ["02-zhuyin.md"]\n')
    assert "<rt>" not in edition.xhtml("ch01.xhtml")
    assert "这<rp>(</rp><rt>zhè</rt>" in edition.xhtml("ch02.xhtml")


# --------------------------------------------------------------------------
# 6. House styles


def test_quotes_in_the_house_style_in_both_editions(dots, kai):
    corner = "「外层的引号『内层的引号』外层结束」"
    curly = "“外层的引号‘内层的引号’外层结束”"
    with pdfplumber.open(dots.pdf) as pdf:
        printed = re.sub(r"\s+", "", "".join((page.extract_text() or "") for page in pdf.pages))
    assert corner in printed and "don’t" in printed
    assert corner in dots.xhtml("ch01.xhtml") and "don’t" in dots.xhtml("ch01.xhtml")
    with pdfplumber.open(kai.pdf) as pdf:
        printed = re.sub(r"\s+", "", "".join((page.extract_text() or "") for page in pdf.pages))
    assert curly in printed
    assert "“外层的引号‘内层的引号’外层结束”" in kai.xhtml("ch01.xhtml")


def _line_ends(edition: Edition) -> tuple[list[str], float, float]:
    """The page with the hanging test paragraph: its lines' last characters, the right
    edge of the text block (where the justified lines end), and the furthest x1."""
    with pdfplumber.open(edition.pdf) as pdf:
        page = page_with(pdf, "甲乙丙丁", 3)
        lines = lines_of_size(page, BODY)
    start = next(i for i, line in enumerate(lines) if text(line).startswith("甲乙丙丁"))
    lines = lines[start:-1]  # the paragraph's lines, its last aside
    edges = sorted(line[-1]["x1"] for line in lines)
    return [line[-1]["text"] for line in lines], edges[len(edges) // 2], edges[-1]


def test_hanging_punctuation_only_when_asked(dots, kai):
    ends, edge, furthest = _line_ends(dots)
    assert furthest <= edge + 0.5  # nothing past the measure
    assert ends[0] != "，"  # 六， went down to the next line
    ends, edge, furthest = _line_ends(kai)
    assert ends[0] == "，"  # …五六， hangs
    assert furthest >= edge + 0.4 * BODY
    assert check_pdf(kai.book, kai.pdf).findings == []  # a hung mark is flush
    assert "hanging-punctuation" not in dots.xhtml("style/book.css")
    assert "hanging-punctuation: allow-end" in kai.xhtml("style/book.css")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('emphasis = "italic"', '`emphasis` must be "dots" or "kai" or "bold"'),
        ('quotes = "guillemets"', '`quotes` must be "curly" or "corner"'),
        ('pinyin = ["09-none.md"]', "`pinyin`: `09-none.md` is none of the chapters"),
        ("pinyin = 1", "`pinyin` must be true, false or a list of chapter files"),
        ("hanging-punctuation = 1", "`hanging-punctuation` must be true or false"),
        ('[typography.pinyin-overrides]\n"重庆" = "chongqing"', "one syllable per character"),
    ],
)
def test_typography_keys_are_checked(tmp_path, setting, message):
    manuscript = tmp_path / "m"
    shutil.copytree(MANUSCRIPT, manuscript)
    toml = manuscript / "book.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").split("[typography]")[0] + "[typography]\n" + setting,
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["build", str(manuscript), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert message in result.output and "book.toml" in result.output
    assert len(result.output.strip().splitlines()) == 1


def _breaks_between_phrases(lines: list[str]) -> bool:
    whole = "".join(lines)
    cuts = {0}
    for phrase in phrases(whole):
        cuts.add(max(cuts) + len(phrase))
    position = 0
    for line in lines[:-1]:
        position += len(line)
        if position not in cuts:
            return False
    return True


def test_the_sample_book_titles_break_between_words(sample):
    """The issue's cases: `…心得体 / 会（两篇）` on the title page, `全落 / 实` and
    `三大倡 / 导”` in chapter titles and the TOC."""
    with pdfplumber.open(sample.pdf) as pdf:
        pages = {
            "title": (pdf.pages[0], 1.9 * BODY),
            "toc": (page_with(pdf, "目录"), BODY),
            "chapter": (page_with(pdf, "乌镇峰会", 3), 1.6 * BODY),
        }
        for what, (page, size) in pages.items():
            lines = [text([c for c in line if c["text"] not in "·0123456789"]) for line in
                     lines_of_size(page, size)]  # fmt: skip
            lines = [line for line in lines if line and line != "目录"]
            if what == "toc":
                lines = lines[:2]  # the first entry
            assert len(lines) >= 2, (what, lines)
            assert _breaks_between_phrases(lines), (what, lines)
            assert all(len(line) >= 3 for line in lines), (what, lines)
