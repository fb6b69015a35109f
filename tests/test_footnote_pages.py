"""Every footnote is printed once, at the foot of the page that holds its call, at any pitch.

Read from the PDF: a call is a run of superscript digits in the text above the page's notes;
a note begins with its label ("3.") at the notes' size, at the text's left edge. On every
page the calls and the notes must be the same labels, and each note's text must be on one
page only, the page of its label.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest

from conftest import RICH, ROOT, squash
from publish.build import build

FOOTNOTES = ROOT / "tests" / "manuscripts" / "footnotes"
LOST = "lost by the page layout"


@dataclass
class PageNotes:
    number: int
    calls: list[str]
    notes: list[str]
    text: str


def page_notes(pdf_path: Path, body_size: float) -> list[PageNotes]:
    """The call labels and note labels of each page of `pdf_path`."""
    note_size = body_size * 0.8
    pages = []
    with pdfplumber.open(pdf_path) as pdf:
        for index, page in enumerate(pdf.pages):
            chars = page.chars
            body = [c["x0"] for c in chars if abs(c["size"] - body_size) < 0.05]
            left = min(body, default=0.0)
            markers = [
                w
                for w in page.extract_words(extra_attrs=["size"])
                if abs(w["size"] - note_size) < 0.05
                and abs(w["x0"] - left) < 1.5
                and re.match(r"\d+\.", w["text"])
            ]
            area_top = min((w["top"] for w in markers), default=page.height)
            digits = sorted(
                (
                    c
                    for c in chars
                    if c["text"].isdigit() and c["size"] < body_size * 0.7 and c["top"] < area_top
                ),
                key=lambda c: (round(c["top"]), c["x0"]),
            )
            calls: list[str] = []
            previous = None
            for char in digits:
                joined = (
                    previous is not None
                    and abs(char["top"] - previous["top"]) < 1
                    and char["x0"] - previous["x1"] < 0.5
                )
                if joined:
                    calls[-1] += char["text"]
                else:
                    calls.append(char["text"])
                previous = char
            notes = [re.match(r"(\d+)\.", w["text"])[1] for w in markers]
            pages.append(PageNotes(index + 1, calls, notes, squash(page.extract_text() or "")))
    return pages


def assert_notes_with_their_calls(book, pdf: Path) -> int:
    """Assert every note of `book` is printed once in `pdf`, on its call's page, and that
    the build warned of no lost note; return how many notes there are."""
    pages = page_notes(pdf, book.settings.pdf.font_size)
    for page in pages:
        assert Counter(page.calls) == Counter(page.notes), (page.number, page.calls, page.notes)
    total = 0
    for chapter in book.chapters:
        for note in chapter.footnotes:
            total += 1
            text = note.label + "." + squash(re.sub(r"<[^>]+>", "", note.html))[:14]
            holding = [p for p in pages if text in p.text]
            assert len(holding) == 1, (note.id, [p.number for p in holding])
            assert note.label in holding[0].notes, (note.id, holding[0].number)
    assert sum(len(p.notes) for p in pages) == total
    assert not [w for w in book.warnings if LOST in w.message]
    return total


def _with_pdf_settings(source: Path, target: Path, settings: str) -> Path:
    shutil.copytree(source, target)
    toml = target / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f"\n[pdf]\n{settings}\n", "utf-8")
    return target


@pytest.mark.slow
@pytest.mark.parametrize("line_height", ["1.6555", "1.7", "1.75"])
def test_notes_stay_on_the_page_of_their_call(tmp_path, line_height):
    """Three long notes called in one paragraph, calls near page feet at three pitches, notes
    in a list item, a table cell and a quotation: each note on its call's page (and a note
    called in a smaller table cell is as large as the others, or it is not found)."""
    book = _with_pdf_settings(FOOTNOTES, tmp_path / "book", f"line-height = {line_height}")
    result = build(book, tmp_path / "out", ("pdf",), cache=False)
    (pdf,) = result.written
    assert assert_notes_with_their_calls(result.book, pdf) == 72


@pytest.mark.slow
def test_the_rich_book_keeps_its_notes_at_the_pitch_that_lost_one(tmp_path):
    """The rich book at line-height 1.6555 lost its second note and set its first two pages
    late (WeasyPrint 70, upstream #1564/#2432): in one document and in segments, no more."""
    book = _with_pdf_settings(RICH, tmp_path / "book", "line-height = 1.6555")
    for name, size in (("one", None), ("pieces", 1)):
        result = build(book, tmp_path / name, ("pdf",), segment_size=size, cache=False)
        (pdf,) = result.written
        assert assert_notes_with_their_calls(result.book, pdf) == 3


def test_the_rich_books_notes_stay_on_the_page_of_their_call(rich):
    assert assert_notes_with_their_calls(rich.book, rich.pdf) == 3


def test_the_footnote_patch_refuses_changed_weasyprint_internals(monkeypatch):
    from publish.weasy import footnotes

    footnotes.check_internals()  # the pinned version passes
    monkeypatch.setattr(footnotes, "ATTEMPT", "report = something else")
    with pytest.raises(RuntimeError, match="internals changed"):
        footnotes.check_internals()


def test_a_note_too_long_for_its_page_is_a_warning(tmp_path):
    """A note longer than a page cannot sit with its call (notes are not split): WeasyPrint
    sets it on the next page, and the build says so, naming it."""
    body = "正文的一段话，用来占据版面。" * 12
    chapter = ["# 一章\n", body + "\n", body + "这里有一条极长的注[^1]。" + body + "\n"]
    chapter += [body + "\n"] * 8 + ["[^1]: " + "这是一条极长的注文，" * 150 + "\n"]
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "book.toml").write_text(
        '[book]\ntitle = "长注"\nauthors = ["测试者"]\nlanguage = "zh-CN"\nchapters = ["a.md"]\n',
        "utf-8",
    )
    (tmp_path / "book" / "a.md").write_text("\n".join(chapter), "utf-8")
    result = build(tmp_path / "book", tmp_path / "out", ("pdf",), cache=False)
    warnings = [w.message for w in result.book.warnings if "footnote" in w.message]
    assert warnings == [
        "footnote 1 is too long for the page of its call and is set on a later page; "
        "shortening it keeps it with its call"
    ]
    (pdf,) = result.written
    pages = page_notes(pdf, result.book.settings.pdf.font_size)
    call = next(p.number for p in pages if "1" in p.calls)
    assert [p.number for p in pages if "这是一条极长的注文" in p.text] == [call + 1]
