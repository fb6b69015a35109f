"""Chinese typesetting, measured on the PDFs by `publish check` (issue: clreq)."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner

from conftest import ROOT, Built
from publish.build import build
from publish.check import check_pdf
from publish.cli import main

CORPUS = ROOT.parent / "shared" / "corpus" / "sanguo-yanyi.txt"


@pytest.fixture(scope="session")
def sanguo10(tmp_path_factory) -> Built:
    if not CORPUS.exists():
        pytest.skip("the corpus is not beside the repository")
    from publish.plaintext import import_text

    folder = tmp_path_factory.mktemp("sanguo10")
    import_text(CORPUS, folder / "manuscript", authors=["罗贯中"], max_chapters=10)
    result = build(folder / "manuscript", folder / "out", ("pdf",))
    return Built(result.book, result.written[0], None)


@pytest.fixture(params=["sample", "rich", "sanguo10"], scope="session")
def typeset(request) -> Built:
    return request.getfixturevalue(request.param)


def test_clreq_targets(typeset):
    report = check_pdf(typeset.book, typeset.pdf)
    assert report.justified_lines > 10
    assert report.findings == [], "\n".join(map(str, report.findings[:20]))
    assert report.text_identical
    if report.pair_advances:
        assert statistics.median(report.pair_advances) <= 0.55
    if report.han_latin_gaps:
        assert 0.2 <= statistics.median(report.han_latin_gaps) <= 0.3
    # Line adjustment (clreq 3.8): pushed in before pushed out, and no gap between
    # characters widened past ⅛ em on a line without a Latin word or other Western text
    # (三国演义's corpus has a few pages of GBK mojibake, `?⒎鸭洌？`, which counts as such).
    assert report.compressed_lines >= 1
    assert report.wide_lines == [], report.wide_lines[:5]


def test_the_checker_sees_what_plain_weasyprint_does(rich, tmp_path):
    """Without the Chinese layout the same book is ragged, uncompressed and cramped."""
    plain = tmp_path / "plain.pdf"
    code = (
        "import sys; from pathlib import Path; from publish.manuscript import read_manuscript;"
        "from publish.pdf.edition import print_edition;"
        "print_edition(read_manuscript(Path(sys.argv[1])), Path(sys.argv[2]), Path(sys.argv[3]),"
        " chinese_layout=False)"
    )
    cache = tmp_path / "cache"
    subprocess.run(
        [sys.executable, "-c", code, str(rich.book.root), str(plain), str(cache)], check=True
    )
    report = check_pdf(rich.book, plain)
    # Ragged only where a mark pushed a character out: the text block is a whole number of
    # ems wide, so a line of full-width characters fits exactly even without our layout.
    assert report.count("not flush") >= 2
    assert statistics.median(report.han_latin_gaps) < 0.1 or report.count("not flush")
    result = CliRunner().invoke(main, ["check", str(rich.book.root), "--pdf", str(plain)])
    assert result.exit_code == 1
    assert "not flush" in result.output and "problem(s)" in result.output


def test_publish_check_passes_on_the_sample():
    result = CliRunner().invoke(main, ["check", str(ROOT / "manuscript")])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("OK")
    assert "text: identical to the manuscript" in result.output


def test_uncompressed_pairs_and_violations_are_reported(sample, tmp_path):
    report = check_pdf(sample.book, sample.pdf)
    assert report.pair_advances and max(report.pair_advances) < 0.9


def _chars_between(pdf: Path, left: str, right: str) -> list[str]:
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            chars = [c["text"] for c in page.chars]
            text = "".join(chars)
            at = text.find(left)
            while at >= 0:
                end = text.find(right, at + len(left))
                if end >= 0 and end - at - len(left) < 6:
                    return chars[at + len(left) : end]
                at = text.find(left, at + 1)
    raise AssertionError(f"{left}…{right} not found")


def test_soft_line_breaks_between_chinese_vanish_and_stay_spaces_in_latin(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "book.toml").write_text(
        '[book]\ntitle = "换行"\nauthors = ["佚名"]\nlanguage = "zh-CN"\nchapters = ["a.md"]\n',
        encoding="utf-8",
    )
    (folder / "a.md").write_text(
        "# 换行\n\n作者习惯把中文硬折行甲\n乙这里不应出现空格。\n\n英文 quick\nbrown 之间应当保留空格。\n",
        encoding="utf-8",
    )
    result = build(folder, tmp_path / "out")
    pdf, epub = result.written
    assert _chars_between(pdf, "行甲", "这里") == ["乙"]
    assert _chars_between(pdf, "quick", "brown") == [" "]
    import zipfile

    with zipfile.ZipFile(epub) as z:
        chapter = z.read("EPUB/ch01.xhtml").decode()
    assert "硬折行甲乙这里" in chapter and "quick brown" in chapter


def test_weasyprint_internals_are_checked_before_patching(monkeypatch):
    import weasyprint

    from publish.weasy import cjk as weasy_cjk

    weasy_cjk._check_internals()  # the pinned version passes
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(RuntimeError, match="WeasyPrint 71.0 is not 70.x"):
        weasy_cjk._check_internals()
    monkeypatch.setattr(weasyprint, "__version__", "70.0")
    monkeypatch.setattr(weasy_cjk._inline, "get_next_linebox", lambda *a: None)
    with pytest.raises(RuntimeError, match="internals changed"):
        weasy_cjk._check_internals()


def _line_boxes(document) -> list[list[tuple[str, float, float, float]]]:
    """Every text box of every page: (text, x, y, width), in order."""
    from weasyprint.formatting_structure import boxes

    def walk(box, out):
        if isinstance(box, boxes.TextBox):
            out.append((box.text, round(box.position_x, 3), round(box.position_y, 3),
                        round(box.width, 3)))  # fmt: skip
        for child in getattr(box, "children", ()):
            walk(child, out)
        return out

    return [walk(page._page_box, []) for page in document.pages]


def test_shaping_less_text_per_line_breaks_the_same_lines(rich, monkeypatch):
    """split_first_line is given 1.5 lines' worth of Chinese text instead of WeasyPrint's
    four: every line of every page must come out the same (text, place, width)."""
    from dataclasses import replace

    from publish.pdf import engine as pdf_engine
    from publish.pdf import html as pdf_html
    from publish.weasy import cjk as weasy_cjk

    tricky = (
        "天下大势，分久必合，合久必分：“周末七国分争，并入于秦。”——及秦灭之后，"
        "楚、汉分争，又并入于汉……汉朝自高祖斩白蛇而起义，一统天下，后来光武中兴，"
        "传至献帝，遂分为三国。Latin words like typesetting and HarfBuzz sit among them，"
        "数字 2024 年与「引号」『双层』（括号）【方括号】《书名号》也在其中。"
    ) * 12
    book = rich.book
    chapter = replace(book.chapters[0], body=f"<p>{tricky}</p><p>{tricky[7:]}</p>")
    setup = pdf_html.setup(book)
    html = pdf_html.book_html(book, [chapter, *book.chapters[1:]])
    shaped_less, _ = pdf_engine.render_html(setup, html)
    monkeypatch.setattr(weasy_cjk, "CJK_LINES_SHAPED", 1000)  # never cut: WeasyPrint's own
    shaped_all, _ = pdf_engine.render_html(setup, html)
    assert _line_boxes(shaped_less) == _line_boxes(shaped_all)
    assert len(shaped_less.pages) > 5


def test_lines_drawn_from_the_layout_kept_since_breaking_them(rich, monkeypatch, tmp_path):
    """Drawing reuses a line's Pango layout from line breaking instead of building it
    again (WeasyPrint's reactivate): the PDF must be byte for byte the same."""
    from publish.pdf import engine as pdf_engine
    from publish.pdf import html as pdf_html
    from publish.weasy import cjk as weasy_cjk

    setup = pdf_html.setup(rich.book)
    html = pdf_html.book_html(rich.book)
    kept, _ = pdf_engine.render_html(setup, html)
    kept.write_pdf(tmp_path / "kept.pdf", pdf_identifier=None)
    monkeypatch.setattr(weasy_cjk._lb.Layout, "reactivate", weasy_cjk._ORIG["reactivate"])
    rebuilt, _ = pdf_engine.render_html(setup, html)
    rebuilt.write_pdf(tmp_path / "rebuilt.pdf", pdf_identifier=None)
    assert (tmp_path / "kept.pdf").read_bytes() == (tmp_path / "rebuilt.pdf").read_bytes()


def test_only_the_no_break_rules_pango_lacks_become_attributes(rich, monkeypatch):
    """Pango's own line breaking (UAX #14) already keeps most marks where clreq wants them;
    only the other 禁则 ranges are given to Pango as attributes (each one cuts the text into
    more shaping runs). The lines must come out as with every range given."""
    from dataclasses import replace

    from publish.pdf import engine as pdf_engine
    from publish.pdf import html as pdf_html
    from publish.weasy import cjk as weasy_cjk

    marks = "".join(sorted(weasy_cjk.NO_START | weasy_cjk.NO_END))
    contexts = [f"汉{m}字，{m}甲 {m}乙a{m}b。{m}" for m in marks]
    tricky = "".join(f"{c}天下大势分久必合{'合' * (i % 7)}" for i, c in enumerate(contexts))
    tricky += "间隔号如诸葛·亮、波浪～号、破折——号与省略……号，，……"
    book = rich.book
    chapter = replace(book.chapters[0], body=f"<p>{tricky * 3}</p><p>{tricky[5:] * 3}</p>")
    setup = pdf_html.setup(book)
    html = pdf_html.book_html(book, [chapter, *book.chapters[1:]])
    needed, _ = pdf_engine.render_html(setup, html)
    monkeypatch.setattr(
        weasy_cjk, "_needed_no_break_ranges", lambda _, t: weasy_cjk._no_break_ranges(t)
    )
    every, _ = pdf_engine.render_html(setup, html)
    assert _line_boxes(needed) == _line_boxes(every)
    monkeypatch.setattr(weasy_cjk, "_needed_no_break_ranges", lambda _, t: [])
    none, _ = pdf_engine.render_html(setup, html)
    assert _line_boxes(none) != _line_boxes(every)  # the ranges Pango lacks do matter here
