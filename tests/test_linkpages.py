"""Pages after links in a book laid out in segments (linkpages.py): every printed number is
the page the link leads to, in one segment or across them, the same as in one document,
and an edit that moves a target renumbers the links to it in the other segments."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pypdf
import pytest

from conftest import pdf_internal_links
from publish.build import PIECES, build

WHOLE = 10**9  # a segment size no book reaches: one document
PARAGRAPH = "话说天下大势，分久必合，合久必分。周末七国分争，并入于秦；及秦灭之后，楚汉分争。" * 4


def _chapter(number: int, paragraphs: int, links: str = "", section_at: int = 0) -> str:
    """Chapter `number`: `paragraphs` paragraphs, a section 节N (id 节N) after
    `section_at` of them (default: half), and `links` as the first paragraph."""
    section_at = section_at or paragraphs // 2
    body = [f"# 第{number}回", links] if links else [f"# 第{number}回"]
    body += [PARAGRAPH] * section_at + [f"## 节{number}"] + [PARAGRAPH] * (paragraphs - section_at)
    return "\n\n".join(body) + "\n"


@pytest.fixture(scope="module")
def manuscript(tmp_path_factory) -> Path:
    """Seven chapters (one segment each when forced small) and a preface (front matter):
    links forward and back between chapters, to a section of their own chapter pages
    later, to the preface (a roman folio), with one- and two-digit page numbers."""
    folder = tmp_path_factory.mktemp("linkpages") / "manuscript"
    folder.mkdir()
    files = {
        "preface.md": "# 前言\n\n" + "\n\n".join([PARAGRAPH] * 3) + "\n",
        "01.md": _chapter(1, 14, "先看[第六回的一节](#节6)，再看[第七回](#ch08)。"),
        "02.md": _chapter(2, 18),
        "03.md": _chapter(3, 30, "本回[后面一节](#节3)在几页之后；亦见[前言](#ch01)。"),
        "04.md": _chapter(4, 12),
        "05.md": _chapter(5, 20),
        "06.md": _chapter(6, 24, "回看[第一回的一节](#节1)与[第三回](#ch04)。"),
        "07.md": _chapter(7, 10, "[第二回的一节](#节2)，[第六回那一节](#节6)。"),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    chapters = ", ".join(
        '{file = "preface.md", kind = "preface"}' if name == "preface.md" else f'"{name}"'
        for name in files
    )
    (folder / "book.toml").write_text(
        f'[book]\ntitle = "长书"\nauthors = ["佚名"]\nlanguage = "zh-CN"\n'
        f"chapters = [{chapters}]\n",
        encoding="utf-8",
    )
    return folder


def printed_links(pdf: Path) -> list[tuple[str, str, str, str]]:
    """(page's label, text, printed number, label of the page the link leads to) of each
    internal link
    (outside the TOC) that prints a page after its text, in reading order. WeasyPrint
    gives a link two annotations ending at the same place (its box and the page number's
    box after its text): each link is counted once."""
    found: dict[tuple, tuple[str, str, str, str]] = {}
    labels = pypdf.PdfReader(pdf).page_labels
    for n, text, target, y2, x2 in pdf_internal_links(pdf):
        text = re.sub(r"\s+", "", text)
        number = re.search(r"（见第(\w+)页）$", text)
        if number:
            where = (n, round(y2), round(x2))
            text = text[: number.start()]
            if where in found:  # the longer: the link's box, not the number's
                text = max(text, found[where][1], key=len)
            found[where] = (labels[n], text, number.group(1), labels[target])
    return [found[where] for where in sorted(found, key=lambda w: (w[0], -w[1], w[2]))]


def _pdf(result) -> Path:
    return result.written[0]


def _built_with_guess(monkeypatch, copy: Path, out: Path, chapter: str, number: str):
    """`copy` built in one-chapter segments with `chapter`'s page guessed as `number`: the
    PDF, and the HTML of each layout."""
    from publish.pdf.segmented import linkpages
    from publish.pdf.segmented import runner as segments

    numbers = linkpages.Guess.numbers
    monkeypatch.setattr(
        linkpages.Guess, "numbers", lambda self, done: {**numbers(self, done), chapter: number}
    )
    laid: list[str] = []
    real = segments.lay_out
    monkeypatch.setattr(segments, "lay_out", lambda *args: laid.append(args[1]) or real(*args))
    return _pdf(build(copy, out, ("pdf",), segment_size=1, jobs=1)), laid


@pytest.fixture(scope="module")
def builds(manuscript, epoch, tmp_path_factory):
    out = tmp_path_factory.mktemp("builds")
    return {
        "one": _pdf(build(manuscript, out / "one", ("pdf",), segment_size=WHOLE)),
        "segments": _pdf(build(manuscript, out / "segments", ("pdf",), segment_size=1, jobs=2)),
    }


def test_every_printed_number_is_the_page_the_link_leads_to(builds):
    links = printed_links(builds["segments"])
    assert len(links) == 8  # every link in the text, none left plain
    assert [link for link in links if link[2] != link[3]] == []
    numbers = {number for _, _, number, _ in links}
    assert any(len(n) == 1 for n in numbers) and any(len(n) == 2 for n in numbers)
    assert "iii" in numbers  # the preface's page, in roman as it is folioed


def test_a_link_within_its_segment_and_across_them(builds):
    pieces = list((builds["segments"].parent / PIECES).glob("*.pdf"))
    assert len(pieces) >= 7  # a segment for each chapter
    links = {
        text: (int(page), target) for page, text, _, target in printed_links(builds["segments"])
    }
    # 第三回 to its own section, pages later: within one segment.
    page, target = links["后面一节"]
    assert page + 2 <= int(target) < page + 10
    # Forward and back across segments.
    assert links["第六回的一节"][0] < int(links["第六回的一节"][1])
    assert links["第一回的一节"][0] > int(links["第一回的一节"][1])


def test_one_document_and_segments_print_the_same_numbers(builds):
    one, segments = printed_links(builds["one"]), printed_links(builds["segments"])
    assert segments == one
    text = [pypdf.PdfReader(pdf).pages for pdf in (builds["one"], builds["segments"])]
    assert [p.extract_text() for p in text[1]] == [p.extract_text() for p in text[0]]


def test_publish_check_reads_the_text_as_the_manuscript(builds, manuscript):
    """The numbers after links, roman ones too, are not taken for text differing from the
    manuscript."""
    from publish.check import check_pdf
    from publish.readers import read_book

    for pdf in builds.values():
        assert check_pdf(read_book(manuscript), pdf).text_identical


def test_an_edit_moving_a_target_renumbers_links_in_other_segments(manuscript, epoch, tmp_path):
    copy = tmp_path / "manuscript"
    shutil.copytree(manuscript, copy)
    out = tmp_path / "out"
    before = printed_links(_pdf(build(copy, out, ("pdf",), segment_size=1, jobs=2)))
    pieces_before = {p.name for p in (out / PIECES).glob("*.pdf")}
    # Four paragraphs more before 第六回's section move it a page on; 第一回 and 第七回
    # (other segments) link to it.
    text = (copy / "06.md").read_text(encoding="utf-8")
    (copy / "06.md").write_text(
        text.replace("## 节6", "\n\n".join([PARAGRAPH] * 4) + "\n\n## 节6"), encoding="utf-8"
    )
    after = printed_links(_pdf(build(copy, out, ("pdf",), segment_size=1, jobs=2)))
    assert [link for link in after if link[2] != link[3]] == []
    # 第一回's and 第七回's links to it (other segments) print the next page.
    changed = {
        a[1]: int(a[2]) - int(b[2]) for a, b in zip(after, before, strict=True) if a[2].isdigit()
    }
    assert changed["第六回的一节"] == changed["第六回那一节"] == 1
    # 32 → 33, a number of the same length: its digits are written into the pages of
    # 第一回 and 第七回 as they were laid out, and into the TOC's. Only the edited chapter
    # is laid out again.
    laid_again = {p.name for p in (out / PIECES).glob("*.pdf")} - pieces_before
    assert len(laid_again) == 1
    # The same numbers as the edited book laid out afresh, in one document.
    fresh = _pdf(build(copy, tmp_path / "fresh", ("pdf",), segment_size=WHOLE))
    assert after == printed_links(fresh)


def test_numbers_are_laid_out_as_they_read_when_digits_cannot_be_written_in(
    manuscript, epoch, tmp_path, monkeypatch
):
    """A face whose digits are not all as wide (or one the join cannot find) cannot take
    another number's digits in place of the zeros: those numbers are laid out as they read,
    and still printed right."""
    from publish.pdf.segmented import placeholders

    monkeypatch.setattr(placeholders, "_digits_of", lambda path, index, numerals: None)
    links = printed_links(_pdf(build(manuscript, tmp_path, ("pdf",), segment_size=1, jobs=1)))
    assert len(links) == 8
    assert [link for link in links if link[2] != link[3]] == []


def test_a_first_build_lays_out_no_segment_twice_when_the_lengths_were_guessed_right(
    manuscript, epoch, tmp_path, monkeypatch
):
    """The zeros laid out take any digits: a number guessed wrong but of the right length
    costs no second layout of the segments linking to it."""
    from publish.pdf.segmented import runner as segments

    calls = []
    real = segments.lay_out

    def counted(setup, html, css, target, faces):
        calls.append(target.name)
        return real(setup, html, css, target, faces)

    monkeypatch.setattr(segments, "lay_out", counted)
    build(manuscript, tmp_path, ("pdf",), segment_size=1, jobs=1)
    laid = len(calls)
    # Seven chapters, the front matter and the folio samples, each once: the guesses of
    # this book have the right lengths (checked by the numbers being right, above).
    assert laid == 9


def test_a_number_a_digit_longer_than_guessed_takes_the_room_its_line_has(
    manuscript, epoch, tmp_path, monkeypatch
):
    """A link at the end of a short line, laid out with a one-digit guess for a page that
    turns out to be 11: the digits are written in and the rest of the line moved by one
    figure, without laying the chapter out again, and nothing overlaps."""
    import pdfplumber

    from publish.pdf.segmented import linkpages

    copy = tmp_path / "manuscript"
    shutil.copytree(manuscript, copy)
    text = (copy / "01.md").read_text(encoding="utf-8")
    (copy / "01.md").write_text(
        text.replace("先看[第六回的一节](#节6)，再看[第七回](#ch08)。", "见[第三回](#ch04)。"),
        encoding="utf-8",
    )
    numbers = linkpages.Guess.numbers  # the real guesses, given back below
    pdf, laid = _built_with_guess(monkeypatch, copy, tmp_path / "out", "ch04", "9")
    # 第一回 (id ch02), holding the link, was laid out once. (The front matter was laid out
    # again: its TOC had the same guess, and a TOC line has no room to give.)
    assert sum('data-chapter="ch02"' in html for html in laid) == 1
    links = {text: (number, target) for _, text, number, target in printed_links(pdf)}
    assert links["第三回"] == ("11", "11")
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            text = "".join(c["text"] for c in page.chars)
            if "见第三回（见第11页）。" not in text.replace(" ", ""):
                continue
            at = text.index("第三回")
            chars = page.chars[at : at + len("第三回（见第11页）。")]
            assert "".join(c["text"] for c in chars) == "第三回（见第11页）。"
            # In order, none on another (a bracket before 。 is set half its width).
            for before, after in zip(chars, chars[1:], strict=False):
                assert after["x0"] - before["x0"] >= 0.45 * (before["x1"] - before["x0"])
            break
        else:
            raise AssertionError("the link's line is not in the PDF")
    # Built again with the guesses right (the last build's pages), and a sentence more in
    # 第二回: 第一回, laid out for a one-digit number whose two digits fitted, is kept.
    monkeypatch.setattr(linkpages.Guess, "numbers", numbers)
    laid.clear()
    text = (copy / "02.md").read_text(encoding="utf-8")
    (copy / "02.md").write_text(text.replace("## 节2", "又一句。\n\n## 节2"), encoding="utf-8")
    again = _pdf(build(copy, tmp_path / "out", ("pdf",), segment_size=1, jobs=1))
    assert sum('data-chapter="ch02"' in html for html in laid) == 0
    assert sum('data-chapter="ch03"' in html for html in laid) == 1
    links = {text: (number, target) for _, text, number, target in printed_links(again)}
    assert links["第三回"] == ("11", "11")


def test_a_number_a_digit_shorter_than_laid_out_is_set_in_the_middle_of_its_room(
    manuscript, epoch, tmp_path, monkeypatch
):
    """A link inside a justified line, laid out for a three-digit page (a guess just below
    100 is laid out a digit longer) that turns out to be 11: the digits are written in the
    middle of the zeros' width, the chapter is not laid out again, and the rest of the
    line stays where it was laid out."""
    import pdfplumber

    from publish.pdf.segmented import linkpages

    assert (linkpages.lengthened(8), linkpages.lengthened(96), linkpages.lengthened(899)) == (
        "10", "100", "899",
    )  # fmt: skip
    copy = tmp_path / "manuscript"
    shutil.copytree(manuscript, copy)
    text = (copy / "01.md").read_text(encoding="utf-8")
    (copy / "01.md").write_text(
        text.replace("先看[第六回的一节](#节6)，再看[第七回](#ch08)。",
                     "见[第三回](#ch04)。" + PARAGRAPH),
        encoding="utf-8",
    )  # fmt: skip
    pdf, laid = _built_with_guess(monkeypatch, copy, tmp_path / "out", "ch04", "100")
    assert sum('data-chapter="ch02"' in html for html in laid) == 1
    links = {text: (number, target) for _, text, number, target in printed_links(pdf)}
    assert links["第三回"] == ("11", "11")
    with pdfplumber.open(pdf) as document:
        page = next(p for p in document.pages if "见第三回" in "".join(c["text"] for c in p.chars))
        chars = sorted(page.chars, key=lambda c: (round(c["top"]), c["x0"]))
        at = "".join(c["text"] for c in chars).index("第11页）。")
        before, one, two, after, bracket, stop = chars[at : at + 6]
        gap_before, gap_after = one["x0"] - before["x1"], after["x0"] - two["x1"]
        # The text after the number stands where it was laid out (its own text matrix):
        # the 。 after the bracket, which the number's text shows, is set as it was, half
        # a bracket on (compressed), not overlapped nor pushed apart.
        size = before["x1"] - before["x0"]
        assert abs(stop["x0"] - bracket["x0"] - size / 2) < 0.3
        assert gap_before > 0.5 and abs(gap_before - gap_after) < 0.5  # in the middle


@pytest.mark.slow
def test_a_short_book_with_many_links_forward_is_laid_out_in_segments(tmp_path, epoch):
    """In one document WeasyPrint lays out again every page holding a link forward, to
    print its page: a book short enough for one document but with FORWARD_LINKS links
    forward is laid out in segments (the numbers given, their digits written in), and
    prints the same numbers; one with fewer stays one document."""
    from publish.pdf.edition import FORWARD_LINKS

    for links, segmented in ((FORWARD_LINKS, True), (3, False)):
        folder = tmp_path / f"book{links}"
        folder.mkdir()
        refs = "，".join(f"[段{n % 6}](#段{n % 6})" for n in range(links))
        (folder / "a.md").write_text(f"# 甲\n\n参看{refs}。\n\n" + PARAGRAPH + "\n", "utf-8")
        (folder / "b.md").write_text(_chapter(2, 6), encoding="utf-8")
        sections = "\n\n".join(f"## 段{n}\n\n{PARAGRAPH}\n\n{PARAGRAPH}" for n in range(6))
        (folder / "c.md").write_text(f"# 丙\n\n{sections}\n", encoding="utf-8")
        (folder / "book.toml").write_text(
            '[book]\ntitle = "短书"\nauthors = ["佚名"]\nlanguage = "zh-CN"\n'
            'chapters = ["a.md", "b.md", "c.md"]\n',
            encoding="utf-8",
        )
        pdf = _pdf(build(folder, tmp_path / f"out{links}", ("pdf",), jobs=2))
        assert (tmp_path / f"out{links}" / PIECES / "plan.json").exists() == segmented
        printed = printed_links(pdf)
        assert len(printed) == links
        assert [link for link in printed if link[2] != link[3]] == []
