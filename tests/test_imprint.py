"""The printing house's side: the 版权页 with its computed figures, Chinese formats, front
and back matter, signature padding, and the cover spread (spine width, vertical spine
text, a barcode that scans to the ISBN). Everything is read from the built PDFs."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from click.testing import CliRunner

from conftest import SAMPLE, squash
from publish.build import build
from publish.cli import main
from publish.config import load_config

PT_PER_MM = 72 / 25.4
ISBN = "9787020002207"
ISBN_TEXT = "ISBN 978-7-02-000220-7"

CIP = """图书在版编目（CIP）数据
乌镇心得／佚名著．—北京：测试出版社，2026.11
ISBN 978-7-02-000220-7
Ⅰ．①乌…　Ⅱ．①佚…　Ⅲ．①互联网—研究　Ⅳ．①TP393.4

中国版本图书馆CIP数据核字（2026）第123456号"""


def make_book(folder: Path, page_size: str, *, chapters: int = 2, extra: str = "") -> Path:
    """A manuscript with full imprint data, a dedication, a preface and an appendix, the
    sample's two chapters (repeated `chapters` / 2 times)."""
    folder.mkdir(parents=True)
    names = []
    texts = [path.read_text(encoding="utf-8") for path in sorted(SAMPLE.glob("*.md"))]
    bodies = "\n\n".join(text.split("\n", 1)[1] for text in texts)
    for number in range(chapters):
        name = f"{number:02d}.md"
        # Long enough for full pages: both sample chapters' text under one title.
        text = texts[number % 2].split("\n", 1)[0] + "\n" + bodies
        (folder / name).write_text(text, encoding="utf-8")
        names.append(f'"{name}"')
    (folder / "dedication.md").write_text("# 献词\n\n献给我的父亲母亲\n", encoding="utf-8")
    (folder / "preface.md").write_text(
        "# 前言\n\n这是一本关于乌镇峰会的小书。编者整理文稿时保留了原文的措辞。\n",
        encoding="utf-8",
    )
    (folder / "appendix.md").write_text(
        "# 附录　大事记\n\n2023年11月8日，世界互联网大会乌镇峰会开幕。\n", encoding="utf-8"
    )
    (folder / "book.toml").write_text(
        f"""[book]
title = "乌镇心得"
authors = ["佚名"]
language = "zh-CN"
publisher = "测试出版社"
date = "2026-11-01"
description = "本书收录两篇心得体会，谈学习峰会致辞和乌镇峰会举办十周年的感悟。"
chapters = [
  {{file = "appendix.md", kind = "appendix"}},
  {", ".join(names)},
  {{file = "dedication.md", kind = "dedication"}},
  {{file = "preface.md", kind = "preface"}},
]

[imprint]
isbn = "978-7-02-000220-7"
price = "45.00元"
cip = \"\"\"{CIP}\"\"\"
editor = "张三"
designer = "李四"
proofreader = "王五"
publisher-address = "北京市东城区某某路1号"
printer = "北京某某印刷有限公司"
distributor = "新华书店"
edition = "2026年11月第1版"
printing = "2026年11月第1次印刷"
print-run = "1—3000册"

[pdf]
page-size = "{page_size}"
signature = 16

[cover]
paper-caliper = 0.1
board = 1
binding = "perfect"
{extra}""",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module", params=[("16开", 787, 1092, 16), ("大32开", 889, 1194, 32)])
def book16(request, tmp_path_factory):
    page_size, width, height, fold = request.param
    root = tmp_path_factory.mktemp("imprint")
    manuscript = make_book(root / "book", page_size, chapters=4)
    result = build(manuscript, root / "out", ("pdf", "cover"))
    pdf, cover = result.written
    return pdf, cover, (width, height, fold), result


def _lines(page) -> list[str]:
    return [squash(line) for line in (page.extract_text() or "").splitlines()]


def _grid(pdf, page_size: tuple[float, float]) -> tuple[int, int]:
    """The grid worked out from the page and the default type (10.5 pt on 1.7 lines,
    margins 20/16/20/18 mm): whole characters across, whole lines down; the characters
    across checked against the PDF's full lines (the commonest width)."""
    em = 10.5 / PT_PER_MM
    width, height = page_size
    chars = int((width - 16 - 18) / em)
    lines = int((height - 20 - 20 - em) / (em * 1.7)) + 1
    widths: Counter = Counter()  # line widths in em: most lines are full (flush both sides)
    for page in pdf.pages:
        body = [c for c in page.chars if round(c["size"], 1) == 10.5]
        for top in {round(c["top"], 1) for c in body}:
            line = [c for c in body if round(c["top"], 1) == top]
            widths[round((max(c["x1"] for c in line) - min(c["x0"] for c in line)) / 10.5, 1)] += 1
    assert widths.most_common(1)[0][0] == chars
    return chars, lines


def test_copyright_page_prints_the_computed_figures(book16):
    pdf_path, _, (width, height, fold), result = book16
    with pdfplumber.open(pdf_path) as pdf:
        pages = len(pdf.pages)
        lines = _lines(pdf.pages[1])  # the title page's verso
        first = pdf.pages[0]
        chars, rows = _grid(pdf, (first.width / PT_PER_MM, first.height / PT_PER_MM))
    assert pages % 16 == 0  # padded to the signature
    printed = pages + pages % 2
    record = {line.split("：")[0]: line.split("：", 1)[1] for line in lines if "：" in line}
    assert record["开本"] == squash(f"{width} mm × {height} mm 1/{fold}")
    assert record["印张"] == f"{printed / fold:.2f}"
    assert record["字数"] == f"{math.floor(chars * rows * printed / 1000 + 0.5)}千字"
    for label, value in [("责任编辑", "张三"), ("装帧设计", "李四"), ("责任校对", "王五"),
                         ("印刷者", "北京某某印刷有限公司"), ("发行者", "新华书店"),
                         ("版次", "2026年11月第1版"), ("印次", "2026年11月第1次印刷"),
                         ("印数", "1—3000册"), ("书号", squash(ISBN_TEXT)),
                         ("定价", "45.00元")]:  # fmt: skip
        assert record[label] == value
    assert record["出版者"] == "测试出版社（北京市东城区某某路1号）"
    # The rights line first, then the CIP block line by line as given.
    assert lines[0] == "©2026佚名"
    cip = [squash(line) for line in CIP.splitlines() if line.strip()]
    assert lines[1 : 1 + len(cip)] == cip
    added = [w for w in result.warnings if "signature" in w.message]
    assert len(added) == 1 and re.match(r"\d+ blank page", added[0].message)


def test_front_and_back_matter(book16):
    pdf_path, *_ = book16
    with pdfplumber.open(pdf_path) as pdf:
        texts = [squash(page.extract_text() or "") for page in pdf.pages]
        dedication = next(i for i, t in enumerate(texts) if "献给我的父亲母亲" in t)
        assert dedication % 2 == 0  # a recto (pages counted from 0)
        page = pdf.pages[dedication]
        chars = [c for c in page.chars if c["text"] in "献给我的父亲母亲"]
        middle = (min(c["x0"] for c in chars) + max(c["x1"] for c in chars)) / 2
        # Centred on the text block, as the rectos of the text measure it: lines start at
        # its left edge and most end at its right edge (punctuation may hang past it).
        block = [c for p in pdf.pages[::2] for c in p.chars if round(c["size"], 1) == 10.5]
        ends = Counter(
            round(max(c["x1"] for c in block if round(c["top"]) == top), 1)
            for top in {round(c["top"]) for c in block}
        )
        centre = (min(c["x0"] for c in block) + ends.most_common(1)[0][0]) / 2
        assert abs(middle - centre) < 1
        assert texts[dedication] == "献给我的父亲母亲"  # no heading, no folio
        preface = next(i for i, t in enumerate(texts) if t.startswith("前言这是"))
        assert preface % 2 == 0
        assert re.fullmatch(r"[ivx]+", (pdf.pages[preface].extract_text() or "").split()[-1])
        toc = next(i for i, t in enumerate(texts) if t.startswith("目录"))
        assert dedication < preface < toc
        toc_lines = _lines(pdf.pages[toc])
        assert re.fullmatch(r"前言[·]+[ivx]+", toc_lines[1])
        assert not any("献词" in line for line in toc_lines)
        appendix = next(i for i, t in enumerate(texts) if t.startswith("附录大事记"))
        last_text = max(i for i, t in enumerate(texts) if "三大倡导" in t or "十周年" in t)
        assert appendix > last_text
        assert toc_lines[-2].startswith("附录大事记")  # the last entry (the folio below)


def test_cover_spread_has_the_spine_of_the_interior(book16):
    pdf_path, cover_path, *_ = book16
    pages = len(pikepdf.open(pdf_path).pages)
    book = load_config(pdf_path.parent.parent / "book" / "book.toml")
    trim_w, trim_h = book.settings.pdf.page_size
    spine = pages / 2 * 0.1 + 1
    with pikepdf.open(cover_path) as cover:
        (page,) = cover.pages
        media = [float(v) for v in page.mediabox]
        trim = [float(v) for v in page.trimbox]
    assert media[2] - media[0] == pytest.approx((2 * trim_w + spine + 2 * 3) * PT_PER_MM, abs=0.01)
    assert media[3] - media[1] == pytest.approx((trim_h + 2 * 3) * PT_PER_MM, abs=0.01)
    assert trim[2] - trim[0] == pytest.approx((2 * trim_w + spine) * PT_PER_MM, abs=0.01)


def test_cover_back_has_a_barcode_that_scans_to_the_isbn(book16, tmp_path):
    _, cover_path, *_ = book16
    with pdfplumber.open(cover_path) as pdf:
        page = pdf.pages[0]
        text = squash(page.extract_text() or "")
        bars = [r for r in page.rects if r["non_stroking_color"] in ((0,), (0, 0, 0), [0, 0, 0])]
        height = page.height
    assert squash(ISBN_TEXT) in text and "定价：45.00元" in text
    book = load_config(cover_path.parent.parent / "book" / "book.toml")
    trim_w, _ = book.settings.pdf.page_size
    fold = (3 + trim_w) * PT_PER_MM  # the back's trim edge at the spine
    assert len(bars) >= 30
    assert fold - max(r["x1"] for r in bars) >= 15 * PT_PER_MM
    assert height - 3 * PT_PER_MM - max(r["bottom"] for r in bars) >= 15 * PT_PER_MM
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", str(cover_path), str(tmp_path / "cover")], check=True
    )
    (image,) = tmp_path.glob("cover*.png")
    scan = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True)
    assert scan.stdout.split() == [ISBN]


def test_spine_text_is_vertical(tmp_path):
    manuscript = make_book(tmp_path / "book", "16开", chapters=2, extra='back-text = "封底文字"\n')
    toml = manuscript / "book.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        .replace('title = "乌镇心得"', 'title = "乌镇心得2023 Web"')
        .replace("board = 1", "board = 12"),
        encoding="utf-8",
    )
    result = build(manuscript, tmp_path / "out", ("cover",))
    (cover,) = result.written
    trim_w = 185
    left, right = (3 + trim_w) * PT_PER_MM, (3 + trim_w + 12) * PT_PER_MM
    with pdfplumber.open(cover) as pdf:
        page = pdf.pages[0]
        spine = [c for c in page.chars if left <= c["x0"] and c["x1"] <= right + 1]
        assert "封底文字" in squash(page.extract_text() or "")
    title = [c for c in spine if c["text"] in "乌镇心得"][:4]
    assert "".join(c["text"] for c in title) == "乌镇心得"
    assert max(c["x0"] for c in title) - min(c["x0"] for c in title) < 0.5  # one column
    tops = [c["top"] for c in title]
    assert tops == sorted(tops) and tops[1] - tops[0] > title[0]["size"] * 0.9  # stacked
    latin = [c for c in spine if c["text"] in "2023Web"]
    assert latin and not any(c["upright"] for c in latin)  # turned
    assert min(c["top"] for c in latin) > max(tops)  # below the Han characters
    assert {c["text"] for c in spine} >= set("佚名测试出版社")


def test_cover_spine_text_omitted_when_thin(tmp_path):
    manuscript = make_book(tmp_path / "book", "大32开", chapters=2)
    toml = manuscript / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("board = 1", "board = 0"))
    result = build(manuscript, tmp_path / "out", ("cover",))
    assert any("too thin" in w.message for w in result.warnings)


def test_cover_width_follows_the_page_count(tmp_path):
    widths = {}
    for chapters in (2, 8):
        manuscript = make_book(tmp_path / f"b{chapters}", "大32开", chapters=chapters)
        result = build(manuscript, tmp_path / f"o{chapters}", ("pdf", "cover"))
        pdf, cover = result.written
        pages = len(pikepdf.open(pdf).pages)
        with pikepdf.open(cover) as spread:
            width = float(spread.pages[0].mediabox[2])
        assert width == pytest.approx((2 * 140 + pages / 2 * 0.1 + 1 + 6) * PT_PER_MM, abs=0.01)
        widths[pages] = width
    assert len(widths) == 2  # two page counts, two widths


def test_a_thin_book_is_saddle_stitched(tmp_path):
    """Under 3 mm of spine, the cover is made without one (a warning says so), with a
    single fold mark; `binding = "perfect"` keeps the spine and warns it is too thin."""
    from publish.prepress.filecheck import registration_strokes

    manuscript = make_book(tmp_path / "book", "大32开", chapters=2, extra="marks = true\n")
    toml = manuscript / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('binding = "perfect"\n', ""))
    result = build(manuscript, tmp_path / "out", ("pdf", "cover"))
    pdf, cover = result.written
    pages = len(pikepdf.open(pdf).pages)
    said = [w.message for w in result.warnings if "saddle stitching" in w.message]
    assert said and f"{pages / 2 * 0.1 + 1:.1f} mm (under 3 mm)" in said[0], said
    with pikepdf.open(cover) as spread:
        page = spread.pages[0]
        trim = [float(v) for v in page.trimbox]
        assert trim[2] - trim[0] == pytest.approx(2 * 140 * PT_PER_MM, abs=0.01)  # no spine
        folds = {round(x0, 1) for x0, _, x1, _, _ in registration_strokes(spread, page)
                 if abs(x0 - x1) < 0.01} - {round(trim[0], 1), round(trim[2], 1)}  # fmt: skip
    assert folds == {round(trim[0] + 140 * PT_PER_MM, 1)}
    perfect = 'board = 1\nbinding = "perfect"\n'
    toml.write_text(toml.read_text(encoding="utf-8").replace("board = 1\n", perfect))
    result = build(manuscript, tmp_path / "out2", ("cover",))
    assert any("too thin to perfect-bind" in w.message for w in result.warnings)


def test_segmented_book_gets_the_same_copyright_page(tmp_path):
    manuscript = make_book(tmp_path / "book", "16开", chapters=4)
    one = build(manuscript, tmp_path / "one", ("pdf",), segment_size=10**9)
    pieces = build(manuscript, tmp_path / "pieces", ("pdf",), segment_size=2000, jobs=1)
    texts = []
    for result in (one, pieces):
        with pdfplumber.open(result.written[0]) as pdf:
            texts.append((len(pdf.pages), _lines(pdf.pages[1])))
    assert texts[0] == texts[1]
    assert any(line.startswith("印张：") for line in texts[0][1])


def test_book_without_imprint_gets_a_short_copyright_page(tmp_path):
    folder = tmp_path / "book"
    folder.mkdir()
    shutil.copy(sorted(SAMPLE.glob("*.md"))[0], folder / "a.md")
    (folder / "book.toml").write_text(
        '[book]\ntitle = "短书"\nauthors = ["佚名"]\nlanguage = "zh-CN"\n'
        'date = "2023-11-08"\nchapters = ["a.md"]\n',
        encoding="utf-8",
    )
    result = build(folder, tmp_path / "out", ("pdf",))
    with pdfplumber.open(result.written[0]) as pdf:
        lines = _lines(pdf.pages[1])
    assert lines == ["©2023佚名", "书名：短书", "著者：佚名", "出版日期：2023-11-08"]


@pytest.mark.parametrize(
    ("table", "key", "message"),
    [
        ('[imprint]\nisbn = "978-7-02-000220-8"\n', "isbn", "not a valid ISBN"),
        ('[pdf]\nsheet = "787 1092"\n', "sheet", "parent sheet"),
        ("[pdf]\nsignature = 15\n", "signature", "even number"),
        ("[cover]\npaper-caliper = true\n", "paper-caliper", "number of mm"),
        ('[imprint]\nprice = ""\n', "price", "non-empty"),
    ],
)
def test_wrong_print_settings_name_the_key(tmp_path, table, key, message):
    folder = tmp_path / "book"
    folder.mkdir()
    shutil.copy(sorted(SAMPLE.glob("*.md"))[0], folder / "a.md")
    toml = '[book]\ntitle = "书"\nauthors = ["佚名"]\nlanguage = "zh-CN"\nchapters = ["a.md"]\n'
    (folder / "book.toml").write_text(toml + table, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    line = toml.count("\n") + table.count("\n")
    assert f"book.toml:{line}:" in result.output and f"`{key}`" in result.output
    assert message in result.output and "Traceback" not in result.output


def test_isbn_10_is_made_13_and_formats_have_sheets(tmp_path):
    folder = tmp_path / "book"
    folder.mkdir()
    toml = '[book]\ntitle = "书"\nauthors = ["佚名"]\nlanguage = "zh-CN"\nchapters = ["a.md"]\n'
    (folder / "book.toml").write_text(
        toml + '[imprint]\nisbn = "7-02-000220-X"\n[pdf]\npage-size = "大16开"\n',
        encoding="utf-8",
    )
    config = load_config(folder / "book.toml")
    assert config.settings.imprint.isbn == ISBN
    assert config.settings.pdf.page_size == (210, 285)
    assert config.settings.pdf.sheet.kaiben() == "889 mm × 1194 mm 1/16"
    (folder / "book.toml").write_text(
        toml + '[pdf]\npage-size = "150 220"\nsheet = "850 × 1168 1/32"\n', encoding="utf-8"
    )
    assert load_config(folder / "book.toml").settings.pdf.sheet.kaiben() == (
        "850 mm × 1168 mm 1/32"
    )
    (folder / "book.toml").write_text(toml + '[pdf]\npage-size = "150 220"\n', encoding="utf-8")
    assert load_config(folder / "book.toml").settings.pdf.sheet is None
    for name, size in [("16K", (185, 260)), ("32开", (130, 184)), ("A5", (148, 210))]:
        (folder / "book.toml").write_text(toml + f'[pdf]\npage-size = "{name}"\n')
        assert load_config(folder / "book.toml").settings.pdf.page_size == size


def test_epub_marks_the_chapter_kinds(tmp_path):
    import zipfile

    from conftest import epubcheck

    manuscript = make_book(tmp_path / "book", "16开", chapters=1)
    (epub,) = build(manuscript, tmp_path / "out", ("epub",)).written
    with zipfile.ZipFile(epub) as archive:
        texts = [archive.read(n).decode() for n in archive.namelist() if n.endswith(".xhtml")]
    kinds = {
        m for text in texts for m in re.findall(r'<section class="chapter" epub:type="(\w+)"', text)
    }
    assert kinds == {"dedication", "preface", "chapter", "appendix"}
    errors = [m for m in epubcheck(epub) if m["severity"] in ("ERROR", "FATAL")]
    assert errors == []


def test_padded_book_and_its_cover_pass_the_print_preflight(book16):
    """The blank pages a signature adds carry the trim and bleed boxes of the text's pages
    (they had none), so the whole book and its cover pass `check --print`."""
    pdf_path, cover_path, _, result = book16
    with pikepdf.open(pdf_path) as pdf:
        boxes = {(tuple(p.obj.TrimBox), tuple(p.obj.BleedBox)) for p in pdf.pages}
    assert len(boxes) == 1
    folder = result.book.root
    run = CliRunner().invoke(
        main, ["check", "--print", str(folder), "--pdf", str(pdf_path), "--cover", str(cover_path)]
    )
    assert run.exit_code == 0, run.output
