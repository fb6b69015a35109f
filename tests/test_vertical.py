"""Vertical print (`[pdf] writing-mode = "vertical-rl"`, pdf/vertical.py), checked in the
built PDF as a reader sees it: columns top to bottom, right to left, Han upright, Latin
turned, 縦中横, ruby right of its base, folios in the fore-edge, pages turning right to left."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from click.testing import CliRunner

from publish.build import build
from publish.cli import main
from publish.pdf.vertical import tate_chu_yoko
from publish.units import PT_PER_MM

FIXTURE = Path(__file__).parent / "manuscripts" / "vertical-print"
#: The fixture's A5 page, in pt.
A5 = (148 * PT_PER_MM, 210 * PT_PER_MM)


@dataclass
class Built:
    pdf: Path
    manuscript: Path


@pytest.fixture(scope="module")
def vertical(tmp_path_factory) -> Built:
    manuscript = tmp_path_factory.mktemp("book") / "vertical-print"
    shutil.copytree(FIXTURE, manuscript)
    out = tmp_path_factory.mktemp("out")
    build(manuscript, out, formats=("pdf",))
    return Built(out / "vertical.pdf", manuscript)


def _chars(pdf: Path, index: int) -> list[dict]:
    with pdfplumber.open(pdf) as document:
        return [c for c in document.pages[index].chars if c["text"].strip()]


def columns(chars: list[dict], pitch: float) -> list[str]:
    """The page's text read as a reader reads a vertical page: columns right to left, each
    top to bottom (a character belongs to the column its centre is within half a `pitch`
    of: 縦中横 digits stand side by side in one)."""
    found: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: -(c["x0"] + c["x1"])):
        centre = (char["x0"] + char["x1"]) / 2
        if not found or centre < (found[-1][0]["x0"] + found[-1][0]["x1"]) / 2 - pitch / 2:
            found.append([])
        found[-1].append(char)
    return [
        "".join(c["text"] for c in sorted(column, key=lambda c: (c["top"], c["x0"])))
        for column in found
    ]


def _body_pages(pdf: Path) -> Iterator[int]:
    """The pages of the text: from the first chapter's first page on."""
    with pdfplumber.open(pdf) as document:
        texts = [page.extract_text() for page in document.pages]
    first = next(index for index, text in enumerate(texts) if "话说" in text)
    yield from range(first, len(texts))


def _source_paragraphs(manuscript: Path, name: str, calls: bool = False) -> list[str]:
    """The paragraphs of a chapter's source as printed: markup, ruby readings, link
    targets and notes' markers dropped (`calls`: the markers kept, `[^1]`)."""
    text = (manuscript / name).read_text(encoding="utf-8")
    paragraphs = []
    for block in text.split("\n\n"):
        block = block.strip()
        if not block or block.startswith(("#", "[^")):
            continue
        block = re.sub(r"\{([^|]+)\|[^}]+\}", r"\1", block)
        block = re.sub(r"!?\[([^\]]+)\]\([^)]+\)", r"\1", block)
        block = re.sub(r"\[\^(\d+)\]", r"[^\1]" if calls else "", block).replace("*", "")
        paragraphs.append(re.sub(r"\s+", "", block))
    return paragraphs


PITCH = 10.5 * 1.7  # the line pitch (pt): one column of the page


def _em(char: dict) -> float:
    """A character's size, turned or not (pdfplumber's `size` is a turned glyph's width)."""
    return max(char["x1"] - char["x0"], char["bottom"] - char["top"])


@pytest.mark.slow
def test_columns_right_to_left_top_down_give_the_source(vertical):
    text = ""
    for index in _body_pages(vertical.pdf):
        chars = [c for c in _chars(vertical.pdf, index) if _em(c) > 9]  # no ruby, notes
        text += "".join(columns(chars, PITCH))
    text = re.sub(r"（见第.页）", "", text)  # the page a link leads to
    for name in ("01-taoyuan.md", "02-shuzi.md"):
        for paragraph in _source_paragraphs(vertical.manuscript, name):
            assert paragraph in text, paragraph


@pytest.mark.slow
def test_text_extraction_gives_the_columns_in_order(vertical):
    """What a reader copies: the text layer in drawing order (`pdftotext -raw`) is the
    source's, column after column, note calls and 縦中横 numbers in their place (the
    margin's head and folio, the ruby's reading, the note and the pages after links left
    out)."""
    first = next(_body_pages(vertical.pdf)) + 1
    raw = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-f", str(first), str(vertical.pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    margin = re.compile(r"^(?:[〇一二三四五六七八九]+|竖排之书|hàn zì|hàn|zì|1\. .*)$")
    text = "".join(line for line in raw.split("\n") if not margin.match(line.strip()))
    text = re.sub(r"（见第.+?页）", "", re.sub(r"\s+", "", text))
    for name in ("01-taoyuan.md", "02-shuzi.md"):
        for paragraph in _source_paragraphs(vertical.manuscript, name, calls=True):
            assert re.sub(r"\[\^(\d+)\]", r"\1", paragraph) in text, paragraph


@pytest.mark.slow
def test_a_copied_column_keeps_its_tate_chu_yoko_numbers(vertical):
    """縦中横 numbers are glyphs of the column's text run: poppler and MuPDF give the
    column's text as one line, the numbers in place (not set apart as turned text)."""
    index = next(i for i in _body_pages(vertical.pdf) if "12" in _text(vertical.pdf, i))
    page = str(index + 1)
    poppler = ["pdftotext", "-enc", "UTF-8", "-f", page, "-l", page, str(vertical.pdf), "-"]
    mupdf = ["mutool", "draw", "-q", "-F", "txt", str(vertical.pdf), page]
    for command in (poppler, mupdf):
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        assert any("第3回写于12月8日，共有" in line for line in out.splitlines()), out[:200]
        assert "刘备只有3千人马。建安13年" in out, (command[0], out[:200])


@pytest.mark.slow
def test_pages_are_portrait_and_turn_right_to_left(vertical):
    with pikepdf.open(vertical.pdf) as pdf:
        assert pdf.Root.ViewerPreferences.Direction == pikepdf.Name.R2L
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.MediaBox)
            assert abs(x1 - x0 - A5[0]) < 0.5 and abs(y1 - y0 - A5[1]) < 0.5


def _ink(pdf: Path, index: int, box: tuple[float, float, float, float]) -> tuple[int, int]:
    """Width and height (px at 288 dpi) of the ink inside `box` (x0, top, x1, bottom, pt)."""
    scale = 4
    x0, top, x1, bottom = (round(v * scale) for v in box)
    with pdfplumber.open(pdf) as document:
        image = document.pages[index].to_image(resolution=72 * scale).original
    crop = image.convert("L").crop((x0, top, x1, bottom)).point(lambda v: 255 if v < 128 else 0)
    left, upper, right, lower = crop.getbbox() or (0, 0, 0, 0)
    return right - left, lower - upper


@pytest.mark.slow
def test_han_stands_upright_and_latin_lies_turned(vertical):
    index = next(_body_pages(vertical.pdf))
    chars = _chars(vertical.pdf, index)
    # 一 is one horizontal stroke: upright, its ink is wide and flat.
    one = next(c for c in chars if c["text"] == "一")
    width, height = _ink(vertical.pdf, index, (one["x0"], one["top"], one["x1"], one["bottom"]))
    assert width > 3 * height, (width, height)
    # A Latin word lies turned a quarter clockwise: its letters one below the other.
    word = [c for c in chars if c["text"] in "WeasyPrint"]
    w = next(i for i, c in enumerate(word) if c["text"] == "W")
    letters = word[w : w + len("WeasyPrint")]
    assert "".join(c["text"] for c in letters) == "WeasyPrint"
    assert all(b["top"] > a["top"] for a, b in zip(letters, letters[1:], strict=False))
    assert max(c["x0"] for c in letters) - min(c["x0"] for c in letters) < 2
    box = (letters[0]["x0"], letters[0]["top"], letters[-1]["x1"], letters[-1]["bottom"])
    width, height = _ink(vertical.pdf, index, box)
    assert height > 3 * width


@pytest.mark.slow
def test_vertical_marks_take_their_vertical_forms(vertical):
    """。 sits in the em box's top right, as vertical text sets it (horizontal: bottom left)."""
    index = next(_body_pages(vertical.pdf))
    chars = _chars(vertical.pdf, index)
    stop = next(c for c in chars if c["text"] == "。")
    x0, top, x1, bottom = stop["x0"], stop["top"], stop["x1"], stop["bottom"]
    mid_x, mid_y = (x0 + x1) / 2, (top + bottom) / 2
    assert _ink(vertical.pdf, index, (mid_x, top, x1, mid_y)) != (0, 0)  # top right
    assert _ink(vertical.pdf, index, (x0, mid_y, mid_x, bottom)) == (0, 0)  # bottom left


@pytest.mark.slow
def test_two_digits_stand_upright_side_by_side_four_lie_turned(vertical):
    """ "12" is one glyph an em square in the column, its two digits upright side by side,
    as poppler, MuPDF and Ghostscript draw it; "2024" lies turned, digit below digit."""
    index = next(i for i in _body_pages(vertical.pdf) if "12" in _text(vertical.pdf, i))
    chars = _chars(vertical.pdf, index)
    twelve = next(c for c in chars if c["text"] == "12")
    assert abs(twelve["x1"] - twelve["x0"] - 10.5) < 0.1
    assert abs(twelve["bottom"] - twelve["top"] - 10.5) < 0.1
    box = (twelve["x0"], twelve["top"], twelve["x1"], twelve["bottom"])
    for renderer in ("pdftoppm", "mutool", "gs"):
        digits = _ink_runs(vertical.pdf, index, box, renderer)
        assert len(digits) == 2, (renderer, digits)  # side by side
        for left, right, upper, lower in digits:
            assert lower - upper > 1.3 * (right - left), (renderer, digits)  # upright
    text = "".join(c["text"] for c in chars)
    digits = chars[text.index("2024") : text.index("2024") + 4]
    assert all(b["top"] > a["top"] + 2 for a, b in zip(digits, digits[1:], strict=False))


def _ink_runs(pdf: Path, index: int, box: tuple, renderer: str) -> list[tuple[int, ...]]:
    """The ink inside `box` (x0, top, x1, bottom, pt) as `renderer` draws the page at 288
    dpi, cut where a column of pixels is blank: [(left, right, upper, lower)] in px."""
    from PIL import Image

    scale = 4
    with tempfile.TemporaryDirectory() as folder:
        png = Path(folder) / "page.png"
        page = str(index + 1)
        command = {
            "pdftoppm": ["pdftoppm", "-r", "288", "-png", "-singlefile", "-f", page, "-l", page,
                         str(pdf), str(png.with_suffix(""))],
            "mutool": ["mutool", "draw", "-q", "-r", "288", "-o", str(png), str(pdf), page],
            "gs": ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=pnggray", "-r288",
                   f"-dFirstPage={page}", f"-dLastPage={page}", f"-sOutputFile={png}", str(pdf)],
        }[renderer]  # fmt: skip
        subprocess.run(command, capture_output=True, check=True)
        image = Image.open(png).convert("L")
    x0, top, x1, bottom = (round(v * scale) for v in box)
    crop = image.crop((x0, top, x1, bottom)).point(lambda v: 255 if v < 128 else 0)
    inked = [crop.crop((x, 0, x + 1, crop.height)).getbbox() for x in range(crop.width)]
    runs: list[tuple[int, ...]] = []
    for x, ink in enumerate(inked):
        if ink is None:
            continue
        if runs and inked[x - 1] is not None:
            left, _, upper, lower = runs[-1]
            runs[-1] = (left, x + 1, min(upper, ink[1]), max(lower, ink[3]))
        else:
            runs.append((x, x + 1, ink[1], ink[3]))
    return runs


def _text(pdf: Path, index: int) -> str:
    return "".join(c["text"] for c in _chars(pdf, index))


@pytest.mark.slow
def test_ruby_stands_right_of_its_base(vertical):
    index = next(i for i in _body_pages(vertical.pdf) if "hàn" in _text(vertical.pdf, i))
    chars = _chars(vertical.pdf, index)
    small = [c for c in chars if _em(c) < 9]
    text = "".join(c["text"] for c in small)
    reading = small[text.index("hàn") : text.index("hàn") + 3]
    top, bottom = reading[0]["top"], reading[-1]["bottom"]
    # 汉 is beside its reading, centred on it, and on its left: the reading on its right.
    bases = [c for c in chars if c["text"] == "汉" and _em(c) > 9]
    base = min(bases, key=lambda c: abs((c["top"] + c["bottom"]) - (top + bottom)))
    assert abs((base["top"] + base["bottom"]) / 2 - (top + bottom) / 2) < 1.5
    assert 0 <= reading[0]["x0"] - base["x1"] < PITCH - 10.5  # between the columns


@pytest.mark.slow
def test_emphasis_dots_stand_right_of_the_characters(vertical):
    index = next(i for i in _body_pages(vertical.pdf) if "着重号" in _text(vertical.pdf, i))
    chars = _chars(vertical.pdf, index)
    text = "".join(c["text"] for c in chars)
    for char in chars[text.index("着重号") : text.index("着重号") + 3]:
        x0, top, x1, bottom = char["x0"], char["top"], char["x1"], char["bottom"]
        assert _ink(vertical.pdf, index, (x1 + 0.2, top, x1 + 3, bottom)) != (0, 0)
        assert _ink(vertical.pdf, index, (x0 - 3, top, x0 - 0.2, bottom)) == (0, 0)


@pytest.mark.slow
def test_folios_and_running_heads_stand_in_the_fore_edge(vertical):
    with pdfplumber.open(vertical.pdf) as document:
        pages = list(document.pages)
        # The chapter's second page: an even page, on the right of its spread.
        index = next(i for i, p in enumerate(pages) if "竖排之书" in p.extract_text() and i > 2)
        page = pages[index]
        text_left = min(c["x0"] for c in page.chars if _em(c) > 10)
        text_right = max(c["x1"] for c in page.chars if _em(c) > 10)
        margin = [c for c in page.chars if c["x0"] > text_right]
        assert (index + 1) % 2 == 0 and margin  # even: the fore-edge on the right
        head = "".join(c["text"] for c in sorted(margin, key=lambda c: c["top"]))
        assert head.startswith("竖排之书") and head.endswith("二")  # head at the top, folio
        assert all(c["x0"] > text_left for c in margin)


@pytest.mark.slow
def test_bookmarks_and_links_lead_to_the_chapters(vertical):
    with pikepdf.open(vertical.pdf) as pdf:
        pages = {page.objgen: number for number, page in enumerate(pdf.pages)}
        titles = {}
        item = pdf.Root.Outlines.First
        while item is not None:
            titles[str(item.Title)] = pages[item.Dest[0].objgen]
            item = item.get("/Next")
    with pdfplumber.open(vertical.pdf) as document:
        for title, index in titles.items():
            assert title.split()[1] in document.pages[index].extract_text().replace(" ", "")
        # The TOC's links are where its entries are, on the portrait page.
        toc = next(p for p in document.pages if "目录" in p.extract_text())
        links = toc.annots
        assert links
        for link in links:
            assert 0 <= link["x0"] < link["x1"] <= A5[0] and 0 <= link["top"] < link["bottom"]
            inside = [c for c in toc.chars if link["x0"] <= (c["x0"] + c["x1"]) / 2 <= link["x1"]]
            assert inside


@pytest.mark.slow
def test_ghostscript_and_mupdf_read_it_without_complaint(vertical):
    result = subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=nullpage", str(vertical.pdf)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip()
    # MuPDF finds a CID-keyed face's glyphs by CID: the upright faces keep CID = glyph id.
    result = subprocess.run(
        ["mutool", "draw", "-q", "-o", "/dev/null", str(vertical.pdf)],
        capture_output=True, text=True,
    )  # fmt: skip
    complaints = [line for line in result.stderr.splitlines() if "ICC" not in line]
    assert result.returncode == 0 and not complaints, complaints[:3]


def test_tate_chu_yoko_marks_short_numbers_only():
    html = "<p>第3回，12月8日，2024年，v1.2，ab12，3.5</p><pre><code>x = 12</code></pre>"
    marked = tate_chu_yoko(html)
    assert marked.count('class="tcy"') == 3
    for number in ("3", "12", "8"):
        assert f'<span class="tcy">{number}</span>' in marked
    assert "<code>x = 12</code>" in marked and "2024年" in marked and "v1.2" in marked
    # Parsed text: a number split by inline tags is one, an entity's digits are none,
    # maths and SVG untouched.
    html = "<p><a>1</a>2 &#39;x&#39; <em>7</em>日 <svg><text>12</text></svg></p><math><mn>3</mn></math>"
    marked = tate_chu_yoko(html)
    assert marked.count('class="tcy"') == 1 and '<em><span class="tcy">7</span></em>' in marked
    assert "<text>12</text>" in marked and "<mn>3</mn>" in marked and "#<span" not in marked


def test_a_face_without_vertical_forms_is_one_line(tmp_path):
    manuscript = tmp_path / "book"
    shutil.copytree(FIXTURE, manuscript)
    toml = manuscript / "book.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("[pdf]\n", '[pdf]\nbody-font = "DejaVu Serif"\n'),
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["build", str(manuscript), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if "vertical" in line]
    assert len(lines) == 1 and "DejaVu Serif" in lines[0] and "vert" in lines[0]
    assert "Traceback" not in result.output


def test_an_unknown_writing_mode_is_one_line(tmp_path):
    manuscript = tmp_path / "book"
    shutil.copytree(FIXTURE, manuscript)
    toml = manuscript / "book.toml"
    text = toml.read_text(encoding="utf-8").replace('"vertical-rl"', '"vertical-lr"')
    toml.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(manuscript), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0 and "writing-mode" in result.output
    assert "book.toml" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_images_stand_upright(vertical):
    """upright.png: its top half black, its bottom left corner red, upright on the page."""
    with pdfplumber.open(vertical.pdf) as document:
        page = next(p for p in document.pages if p.images)
        box = page.images[0]
        image = page.to_image(resolution=72).original.convert("RGB")
    x0, top, x1, bottom = box["x0"], box["top"], box["x1"], box["bottom"]
    assert x1 - x0 > bottom - top  # 300 × 200 px: landscape on the page

    def colour(x: float, y: float) -> tuple[int, int, int]:
        return image.getpixel((round(x), round(y)))

    assert max(colour((x0 + x1) / 2, top + (bottom - top) / 4)) < 60  # black above
    red = colour(x0 + (x1 - x0) / 10, bottom - (bottom - top) / 4)
    assert red[0] > 150 and red[1] < 60  # red at the bottom left


@pytest.mark.slow
def test_publish_check_measures_the_columns_as_lines(vertical):
    """`publish check` reads a vertical edition in its turned frame: each column a line."""
    result = CliRunner().invoke(
        main, ["check", str(vertical.manuscript), "--pdf", str(vertical.pdf)]
    )
    assert "text: identical to the manuscript" in result.output, result.output
    assert "lines not flush with the right margin: 0" in result.output
    assert result.exit_code == 0, result.output
    printed = CliRunner().invoke(
        main, ["check", "--print", str(vertical.manuscript), "--pdf", str(vertical.pdf)]
    )
    assert printed.exit_code == 0, printed.output


@pytest.mark.slow
def test_print_file_bleeds_on_the_outer_side_of_a_right_to_left_book(tmp_path):
    """PDF/X-4 with bleed [3, 5, 3, 1]: page 1, a recto on the left of its spread, bleeds
    5 mm on its left (the fore-edge) and 1 mm on its right (the gutter); the preflight
    agrees."""
    manuscript = tmp_path / "book"
    shutil.copytree(FIXTURE, manuscript)
    toml = manuscript / "book.toml"
    settings = '[pdf]\nstandard = "pdf/x-4"\nmarks = true\nbleed = [3, 5, 3, 1]\n'
    toml.write_text(toml.read_text(encoding="utf-8").replace("[pdf]\n", settings), "utf-8")
    build(manuscript, tmp_path / "out", formats=("pdf",))
    pdf_path = tmp_path / "out" / "vertical.pdf"
    with pikepdf.open(pdf_path) as pdf:
        for index, (left, right) in ((0, (5, 1)), (1, (1, 5))):
            page = pdf.pages[index]
            trim = [float(v) for v in page.TrimBox]
            bleed = [float(v) for v in page.BleedBox]
            assert (trim[0] - bleed[0]) / PT_PER_MM == pytest.approx(left, abs=0.01)
            assert (bleed[2] - trim[2]) / PT_PER_MM == pytest.approx(right, abs=0.01)
            assert (trim[2] - trim[0], trim[3] - trim[1]) == pytest.approx(A5, abs=0.1)
    printed = CliRunner().invoke(
        main, ["check", "--print", str(manuscript), "--pdf", str(pdf_path)]
    )
    assert printed.exit_code == 0, printed.output


def _run(chars: list[dict], word: str) -> list[dict]:
    """The characters spelling `word` in drawing order on a page, or none."""
    texts = [c["text"] for c in chars]
    for start in range(len(texts) - len(word) + 1):
        if "".join(texts[start : start + len(word)]) == word:
            return chars[start : start + len(word)]
    return []


def _inside(char: dict, box: tuple[float, float, float, float]) -> bool:
    x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return box[0] < x < box[2] and box[1] < y < box[3]


@pytest.mark.slow
def test_code_tables_maths_and_svg_stand_upright(vertical):
    """Chapter 3's code, table, formula and SVG image read as horizontal blocks, upright on
    the page (a line's characters upright, at one height, left to right), beside the
    columns and not over them."""
    found = {}
    with pdfplumber.open(vertical.pdf) as document:
        for page in document.pages:
            chars = [c for c in page.chars if c["text"].strip()]
            column_chars = [c for c in chars if "vertical" in c["fontname"]]
            for word in ("greet(name):", "publish", "中文排版", "说明"):
                run = _run(chars, word)
                if not run:
                    continue
                found[word] = page.page_number
                assert all(c["upright"] for c in run), word
                assert max(c["top"] for c in run) - min(c["top"] for c in run) < 0.5, word
                lefts = [c["x0"] for c in run]
                assert lefts == sorted(lefts) and lefts[0] < lefts[-1], word
                block = [c for c in chars if c["upright"] and "vertical" not in c["fontname"]]
                box = (
                    min(c["x0"] for c in block), min(c["top"] for c in block),
                    max(c["x1"] for c in block), max(c["bottom"] for c in block),
                )  # fmt: skip
                assert not [c for c in column_chars if _inside(c, box)], word
            if "独立的公式也直立" in "".join(c["text"] for c in chars):
                # The formula's fraction bars lie across the page; the formula is beside
                # the columns.
                bars = [r for r in page.rects if min(r["width"], r["height"]) < 1]
                assert bars and all(r["width"] > r["height"] for r in bars)
                box = (
                    min(c["x0"] for c in page.curves), min(c["top"] for c in page.curves),
                    max(c["x1"] for c in page.curves), max(c["bottom"] for c in page.curves),
                )  # fmt: skip
                assert not [c for c in column_chars if _inside(c, box)]
                found["formula"] = page.page_number
            colours = {tuple(r["non_stroking_color"] or ()): r for r in page.rects}
            black, red = colours.get((0.0, 0.0, 0.0)), colours.get((1.0, 0.0, 0.0))
            if black and red and black["width"] > 100:  # arrow.svg: black above, red below left
                assert black["width"] > black["height"]
                assert red["top"] >= black["bottom"] - 0.5
                assert abs(red["x0"] - black["x0"]) < 0.5
                found["svg"] = page.page_number
    assert set(found) == {"greet(name):", "publish", "中文排版", "说明", "formula", "svg"}


def _pages_after_links(pdf: Path) -> list[str]:
    """The page numbers printed after links (`（见第…页）`), as the text layer reads."""
    raw = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return re.findall(r"（见第(.+?)页）", re.sub(r"\s+", "", raw))


@pytest.mark.slow
def test_a_long_book_prints_pages_after_links_as_a_short_one(vertical, tmp_path, monkeypatch):
    """Laid out in segments, each link laid out with a guessed page (〇s of its length):
    the join writes the Chinese numerals in (placeholders.py), as one document prints them,
    without laying the chapter out again."""
    from publish.pdf.segmented import join, linkpages
    from publish.pdf.segmented import runner as segments

    numbers = linkpages.Guess.numbers
    monkeypatch.setattr(
        linkpages.Guess, "numbers", lambda self, done: dict.fromkeys(numbers(self, done), "9")
    )
    written: list = []
    write = join.write_numbers
    monkeypatch.setattr(join, "write_numbers", lambda *a: written.extend(a[2]) or write(*a))
    laid: list[str] = []
    real = segments.lay_out
    monkeypatch.setattr(segments, "lay_out", lambda *args: laid.append(args[1]) or real(*args))
    manuscript = tmp_path / "book"
    shutil.copytree(FIXTURE, manuscript)
    build(manuscript, tmp_path / "out", formats=("pdf",), segment_size=1, jobs=1)
    long = _pages_after_links(tmp_path / "out" / "vertical.pdf")
    assert long == _pages_after_links(vertical.pdf) and long
    assert all(set(number) <= set("〇一二三四五六七八九") for number in long), long
    assert [p.numerals for p in written if p.digits] == ["〇一二三四五六七八九"]
    assert sum(html.count('data-ref-page="〇"') for html in laid) == 1  # laid out once


@pytest.mark.slow
def test_a_listing_longer_than_a_column_is_scaled_whole_onto_one_page(tmp_path):
    """60 lines of code, longer upright than a column: scaled down, on one page, inside it,
    every line upright, not split (a box out of the flow would be split across pages)."""
    manuscript = tmp_path / "book"
    shutil.copytree(FIXTURE, manuscript)
    lines = "\n".join(f"    total_{i} = compute(argument_{i}, other)  # 注释{i}" for i in range(60))
    chapter = manuscript / "03-kuai.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text + f"\n长代码：\n\n```python\ndef f():\n{lines}\n```\n\n完。\n", "utf-8")
    build(manuscript, tmp_path / "out", formats=("pdf",))
    with pdfplumber.open(tmp_path / "out" / "vertical.pdf") as document:
        pages = [
            page
            for page in document.pages
            if "compute(argument_" in "".join(c["text"] for c in page.chars)
        ]
        assert len(pages) == 1
        page = pages[0]
        chars = [c for c in page.chars if c["text"].strip()]
        for i in range(60):
            run = _run(chars, f"total_{i}=")
            assert run and all(c["upright"] for c in run), i
            assert abs(run[0]["top"] - run[-1]["top"]) < 0.5
        code = [c for c in chars if "Mono" in c["fontname"]]
        assert min(c["top"] for c in code) > 0 and max(c["bottom"] for c in code) < page.height
        assert min(c["x0"] for c in code) > 0 and max(c["x1"] for c in code) < page.width
