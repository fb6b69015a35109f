"""Line adjustment and 孤字/孤行 (issue 13, clreq 3.4 and 3.8), from PDFs of manuscripts
written to provoke each rule, read the way `publish check` reads them."""

from __future__ import annotations

import random
import re

import pdfplumber
import pytest

from conftest import Built
from publish import check as check_module
from publish.build import build
from publish.check import ORPHAN, ORPHAN_CHAR, STRANDED, WIDOW, check_pdf
from publish.manuscript import read_manuscript
from publish.pdf import html as pdf_module
from publish.pdf.engine import render_html
from publish.pdf.html import book_html, setup

#: Characters of the default measure (A5, 10.5 pt: 30), first-line indent 2.
CHARS = 30
INDENT = 2
_POOL = (
    "天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏闰余成岁律吕调阳云腾致雨露结为霜"
    "金生丽水玉出昆冈剑号巨阙珠称夜光果珍李柰菜重芥姜海咸河淡鳞潜羽翔龙师火帝鸟官人皇"
)


def han(count: int, seed: int = 0) -> str:
    """`count` Han characters, no punctuation (break anywhere between them)."""
    return "".join(_POOL[(seed * 7 + i) % len(_POOL)] for i in range(count))


#: Near misses (line 1 holds CHARS - INDENT = 28 ems).
#: 27 ems of text, then 字。 — overflows by 1 em; ，+ the line-end 。 give 1 em: push in.
PUSH_IN = han(12) + "，" + han(14, 1) + "字。" + han(40, 2)
#: The same without the comma: only ½ em to give, so 字。 goes down and the line expands.
PUSH_OUT = han(27, 3) + "字。" + han(40, 4)
#: PUSH_IN with the character that overflows in bold, or followed by a footnote call
#: (whose number takes a third of an em more: a second comma gives it): what decides is
#: in another box than the line's text.
PUSH_IN_BOLD = han(12, 8) + "，" + han(14, 9) + "**粗**。" + han(40, 10)
PUSH_IN_NOTE = han(6, 11) + "，" + han(7, 12) + "，" + han(12, 13) + "注[^near]。" + han(40, 14)
#: A ， that just overflows: 、 and the line-end ， give the 1 em it lacks.
COMMA = han(10, 5) + "、" + han(17, 6) + "，" + han(40, 7)


def _paragraph_ends() -> list[str]:
    """Paragraphs, list items, table cells and footnotes of every length around two
    lines: without care some end with a line of one character."""
    body = ["# 孤字", ""]
    for n in range(2 * CHARS - INDENT - 3, 2 * CHARS - INDENT + 3):
        body += [han(n, n) + "。", ""]
    for n in range(2 * CHARS - 5, 2 * CHARS + 3):
        body.append(f"- {han(n, n + 1)}。")
    body += ["", "| 表格 |", "| --- |"]
    for n in range(2 * CHARS - 6, 2 * CHARS + 2):
        body.append(f"| {han(n, n + 2)}。 |")
    body.append("")
    notes = []
    for k, n in enumerate(range(34, 42), 1):
        body += [f"{han(20, k)}[^n{k}]。", ""]
        notes.append(f"[^n{k}]: {han(n, k + 3)}。")
    return body + notes


#: Paragraphs whose last character sits in inline markup, each kind with its own last
#: character: bold, emphasis (着重号) before a closing quote, a link, a footnote call.
INLINE_ENDS = {
    "粗": "{}**粗**。",
    "点": "「{}*点*」",
    "链": "{}[链](https://example.com/)。",
    "注": "{}注[^{}]",
}


def _inline_ends() -> list[str]:
    """Paragraphs of every length around two lines ending in each kind of inline markup:
    without care some end with a line of one character."""
    body, notes = ["# 行内", ""], []
    for kind, form in INLINE_ENDS.items():
        for n in range(2 * CHARS - INDENT - 3, 2 * CHARS - INDENT + 3):
            if kind == "注":
                body += [form.format(han(n - 1, n), f"m{n}"), ""]
                notes.append(f"[^m{n}]: {han(10, n)}。")
            else:
                body += [form.format(han(n - 1, n)), ""]
    return body + notes


def _page_feet() -> list[str]:
    """Paragraphs of one to four lines and headings, in an order that puts every kind of
    line at some page foot."""
    rng = random.Random(13)
    body = ["# 孤行", ""]
    for k in range(70):
        if k % 5 == 3:
            body += [f"{'##' if k % 2 else '###'} 第{k}节{han(rng.randint(3, 9), k)}", ""]
        lines = rng.choice((1, 2, 2, 3, 4))
        body += [han(CHARS * lines - INDENT - rng.randint(4, 20), k) + "。", ""]
    return body


@pytest.fixture(scope="module")
def provoking(tmp_path_factory) -> Built:
    folder = tmp_path_factory.mktemp("provoking")
    manuscript = folder / "manuscript"
    manuscript.mkdir()
    (manuscript / "book.toml").write_text(
        '[book]\ntitle = "排版挑衅"\nauthors = ["测试"]\nlanguage = "zh-CN"\n'
        'chapters = ["1.md", "2.md", "3.md", "4.md"]\n',
        encoding="utf-8",
    )
    near = ["# 推入", "", PUSH_IN, "", PUSH_OUT, "", COMMA, "", PUSH_IN_BOLD, "", PUSH_IN_NOTE, ""]
    near += ["[^near]: 脚注。", ""]
    (manuscript / "1.md").write_text("\n".join(near), encoding="utf-8")
    (manuscript / "2.md").write_text("\n".join(_paragraph_ends()), encoding="utf-8")
    (manuscript / "3.md").write_text("\n".join(_page_feet()), encoding="utf-8")
    (manuscript / "4.md").write_text("\n".join(_inline_ends()), encoding="utf-8")
    result = build(manuscript, folder / "out", ("pdf",))
    return Built(result.book, result.written[0], None)


def _first_lines(built: Built, paragraph: str) -> tuple[str, str, list[float]]:
    """The printed first and second line of `paragraph` and the gaps (em) between the
    characters of the first (footnote calls, superscripts, left out)."""
    body = built.book.settings.pdf.font_size
    top, bottom = check_module.text_block_margins(built.book.settings.pdf)
    with pdfplumber.open(built.pdf) as pdf:
        for page in pdf.pages:
            lines = check_module._lines_of_page(page, top, bottom, body)
            small = check_module.SUPERSCRIPT * body
            lines = [[c for c in line if c["size"] >= small] for line in lines]
            texts = ["".join(c["text"] for c in line) for line in lines]
            for k, text in enumerate(texts[:-1]):
                if paragraph.startswith(text + texts[k + 1]):
                    chars = lines[k]
                    gaps = [
                        (b["x0"] - a["x1"]) / a["size"]
                        for a, b in zip(chars, chars[1:], strict=False)
                    ]
                    return text, texts[k + 1], gaps
    raise AssertionError(f"not printed: {paragraph[:10]}…")


def test_push_in_keeps_the_character_on_the_line(provoking):
    first, _, gaps = _first_lines(provoking, PUSH_IN)
    assert first == PUSH_IN[: CHARS - INDENT + 1]  # …字。 stayed
    assert first.endswith("字。")
    # The comma gave up its blank half (-0.5 em) before the 。 did more than that.
    comma = first.index("，")
    assert gaps[comma] == pytest.approx(-0.5, abs=0.02)
    assert max(gaps) < 0.01, "a pushed-in line is not expanded"


@pytest.mark.parametrize("paragraph", [PUSH_IN_BOLD, PUSH_IN_NOTE], ids=["bold", "note"])
def test_push_in_looks_past_inline_markup(provoking, paragraph):
    """The character that overflows is in bold or carries a footnote call: the line is
    still pushed in, not broken before it and expanded."""
    text = re.sub(r"\*\*|\[\^near\]", "", paragraph)
    first, _, gaps = _first_lines(provoking, text)
    assert first == text[: CHARS - INDENT + 1], first  # …字。 stayed
    assert gaps[first.index("，")] < -0.25  # the comma gave up (most of) its blank half
    gaps[first.index("注") if "注" in first else 0] = 0.0  # where the call's number sits
    assert max(gaps) < 0.01, "a pushed-in line is not expanded"


def test_a_closing_comma_that_just_overflows_is_pushed_in(provoking):
    first, second, gaps = _first_lines(provoking, COMMA)
    assert first.endswith("，") and first == COMMA[: len(first)]
    assert not second.startswith("，")
    assert gaps[first.index("、")] == pytest.approx(-0.5, abs=0.02)


def test_push_out_when_compression_is_not_enough(provoking):
    first, second, gaps = _first_lines(provoking, PUSH_OUT)
    assert second.startswith("字。")
    assert len(first) == CHARS - INDENT - 1
    # One em spread over the line: well under the ⅛ em clreq tolerates.
    assert 0.02 < max(gaps) < 0.125


def test_check_is_clean_and_counts_the_adjustments(provoking):
    report = check_pdf(provoking.book, provoking.pdf)
    assert report.findings == [], "\n".join(map(str, report.findings[:20]))
    assert report.text_identical
    assert report.compressed_lines >= 2 and report.expanded_lines >= 1
    assert report.wide_lines == []
    assert report.pages >= 8  # chapter 3 puts lines of every kind at page feet
    summary = report.summary()
    assert "pushed in" in summary and "孤字" in summary and "widows: 0" in summary


def test_the_check_sees_orphan_characters_without_the_keep(provoking, tmp_path, monkeypatch):
    """Built without keeping paragraph ends together, the same book has one-character last
    lines in paragraphs, list items, table cells and footnotes, and the check says so."""
    monkeypatch.setattr(pdf_module, "keep_paragraph_ends", lambda html: html)
    monkeypatch.setattr(pdf_module, "keep_end", lambda html: html)
    book = read_manuscript(provoking.book.root)
    document, _ = render_html(setup(book), book_html(book))
    loose = tmp_path / "loose.pdf"
    document.write_pdf(loose)
    report = check_pdf(book, loose)
    found = [f for f in report.findings if f.kind == ORPHAN_CHAR]
    assert len(found) >= 4, report.summary()
    assert any("footnote" in f.detail for f in found)
    # Each kind of inline markup at a paragraph's end provokes one (the keep sees
    # through them all: test_check_is_clean_and_counts_the_adjustments).
    for last in INLINE_ENDS:
        assert any(f.detail.lstrip("…|").startswith(last) for f in found), (last, found)


def test_the_check_sees_widows_orphans_and_stranded_headings(provoking, tmp_path):
    """With orphans/widows 1 and headings free to end a page, the check finds each kind."""
    book = read_manuscript(provoking.book.root)
    loose_css = "p { orphans: 1; widows: 1 } h1, h2, h3 { break-after: auto }"
    document, _ = render_html(setup(book), book_html(book), loose_css)
    loose = tmp_path / "loose.pdf"
    document.write_pdf(loose)
    report = check_pdf(book, loose)
    kinds = {f.kind for f in report.findings}
    assert {WIDOW, ORPHAN} <= kinds, report.summary()
    assert STRANDED in kinds or report.count(ORPHAN) >= 1


def test_cli_check_exits_1_on_orphan_lines(provoking, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from publish.cli import main

    monkeypatch.setattr(pdf_module, "keep_paragraph_ends", lambda html: html)
    book = read_manuscript(provoking.book.root)
    document, _ = render_html(setup(book), book_html(book))
    loose = tmp_path / "loose.pdf"
    document.write_pdf(loose)
    result = CliRunner().invoke(main, ["check", str(book.root), "--pdf", str(loose)])
    assert result.exit_code == 1
    assert re.search(r"孤字 \(one-character last lines\): [1-9]", result.output)
    assert re.search(r"p\. \d+: 孤字", result.output)


@pytest.mark.parametrize(
    ("html", "kept"),
    [
        ("<p>天地玄黄<b>宇宙</b>。</p>", "<b>宇宙</b>。"),
        ("<p>天地<b>玄黄宇宙</b>。</p>", "<b>宇宙</b>。"),
        (
            '<p>天地<em class="em-dots"><span class="em-dot">玄</span></em>」</p>',
            '地<em class="em-dots"><span class="em-dot">玄</span></em>」',
        ),
        ('<p>天地<a href="#x" id="r">玄黄</a>。</p>', '<a href="#x" id="r">玄黄</a>。'),
        (
            '<p>天地玄<span class="footnote" id="n1">注。</span></p>',
            '地玄<span class="footnote" id="n1">注。</span>',
        ),
        ("<li>天地<br />玄</li>", None),
    ],
)
def test_the_keep_is_well_formed_and_holds_two_characters(html, kept):
    """The keep holds the paragraph's last two characters (a footnote's floated text
    taking no room), closes and reopens what it cuts, never repeats an id, and changes
    no text; after a forced break there is nothing to keep."""
    import lxml.etree

    from publish.typography.lastline import keep_paragraph_ends

    out = keep_paragraph_ends(html)
    text = "".join(lxml.etree.fromstring(f"<div>{out}</div>").itertext())
    assert text == "".join(lxml.etree.fromstring(f"<div>{html}</div>").itertext())
    assert out.count('id="') == html.count('id="')
    if kept is None:
        assert out == html
    else:
        assert out.count('class="keep"') == 1 and f'<span class="keep">{kept}</span>' in out
