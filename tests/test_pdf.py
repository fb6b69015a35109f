"""The print edition, read back from the PDF as a reader (and a PDF viewer) sees it."""

from __future__ import annotations

import re

import pdfplumber
import pypdf
import pytest

from conftest import RICH, blocks_text, folio, outline, pdf_body_text, squash


def _toc_entries(book) -> list[tuple[int, str]]:
    entries = []

    def walk(headings, depth):
        for heading in headings:
            entries.append((depth, heading.title))
            walk(heading.children, depth + 1)

    walk(book.toc, 1)
    return entries


def _toc_page_numbers(pdf_path, titles: list[str]) -> dict[str, str]:
    """Each title's page number as printed on the TOC page(s)."""
    with pdfplumber.open(pdf_path) as pdf:
        text = ""
        for page in pdf.pages[:6]:
            page_text = page.extract_text() or ""
            if "目录" in page_text or text:
                text += page_text + "\n"
            if text and squash(titles[-1]) in squash(text):
                break
    flat = squash(text).replace("·", "").replace(".", "")
    starts, position = [], 0
    for title in titles:
        position = flat.index(squash(title), position)
        starts.append(position)
        position += len(squash(title))
    numbers = {}
    for index, title in enumerate(titles):
        end = starts[index + 1] if index + 1 < len(titles) else len(flat)
        segment = flat[starts[index] + len(squash(title)) : end]
        match = re.match(r"\d+", segment)
        assert match, f"no page number after {title!r} in the TOC"
        numbers[title] = match.group(0)
    return numbers


def test_every_chapter_text_is_in_the_pdf_in_order(built):
    """Every block of every chapter, in reading order, in the text of the PDF's pages."""
    pdf_text = pdf_body_text(built.pdf, built.book)
    position = 0
    for chapter in built.book.chapters:
        for block in [chapter.title, *blocks_text(chapter.body)]:
            found = pdf_text.find(block, position)
            assert found >= 0, f"{chapter.source.name}: {block!r} missing (or out of order)"
            position = found + len(block)


def test_toc_page_numbers_match_printed_folios(built):
    book = built.book
    titles = [title for _, title in _toc_entries(book)]
    numbers = _toc_page_numbers(built.pdf, titles)
    reader = pypdf.PdfReader(built.pdf)
    pages = {title: page for _, title, page in outline(reader)}
    with pdfplumber.open(built.pdf) as pdf:
        for title in titles:
            page = pdf.pages[pages[title]]
            assert squash(title)[:8] in squash(page.extract_text()), title
            assert folio(page) == numbers[title], (title, folio(page), numbers[title])


def test_bookmarks_mirror_the_toc(built):
    reader = pypdf.PdfReader(built.pdf)
    bookmarks = [(depth, title) for depth, title, _ in outline(reader)]
    assert bookmarks == _toc_entries(built.book)


def test_chapters_start_on_right_hand_pages_with_page_one_first(built):
    reader = pypdf.PdfReader(built.pdf)
    chapter_pages = [page for depth, _, page in outline(reader) if depth == 1]
    assert all(index % 2 == 0 for index in chapter_pages), chapter_pages  # odd page numbers
    with pdfplumber.open(built.pdf) as pdf:
        assert folio(pdf.pages[chapter_pages[0]]) == "1"


def _is_head_of(head: str, title: str) -> bool:
    """A running head is its title, or (too long for one line) the title's beginning cut
    with an ellipsis (typography/runninghead.py)."""
    return head == title or (head.endswith("…") and len(head) > 1 and title.startswith(head[:-1]))


def test_running_heads(built):
    """Book title over left pages, chapter title over right pages, none on chapter openings."""
    book = built.book
    reader = pypdf.PdfReader(built.pdf)
    starts = {page: title for depth, title, page in outline(reader) if depth == 1}
    seen_left = seen_right = False
    with pdfplumber.open(built.pdf) as pdf:
        chapter = None
        for index, page in enumerate(pdf.pages):
            if index in starts:
                chapter = starts[index]
                continue
            if chapter is None or not page.extract_text().strip():
                continue
            head = squash(page.within_bbox((0, 0, page.width, page.height * 0.09)).extract_text())
            if index % 2:  # a left-hand (even) page
                assert _is_head_of(head, squash(book.metadata.title)), (index, head)
                seen_left = True
            else:
                assert _is_head_of(head, squash(chapter)), (index, head)
                seen_right = True
    assert seen_left and seen_right


def test_metadata_and_language(built):
    meta = built.book.metadata
    reader = pypdf.PdfReader(built.pdf)
    info = reader.metadata
    assert info.title == meta.title
    assert info["/Author"] == ", ".join(meta.authors) or info["/Author"] in meta.authors
    assert reader.trailer["/Root"]["/Lang"] == meta.language
    if meta.description:
        assert info.subject == meta.description
    assert info["/CreationDate"].startswith("D:")


def test_page_size_is_a5_and_every_font_embedded(built):
    reader = pypdf.PdfReader(built.pdf)
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - 419.53) < 0.5 and abs(float(box.height) - 595.28) < 0.5
    fonts = set()
    for page in reader.pages:
        resources = page["/Resources"]
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
            fonts.add(font["/BaseFont"])
    assert any("Serif-CJK" in name for name in fonts)
    assert any("Sans-CJK" in name for name in fonts)


def test_footnotes_sit_at_the_foot_of_their_page(rich):
    with pdfplumber.open(rich.pdf) as pdf:
        for chapter in rich.book.chapters:
            for note in chapter.footnotes:
                text = squash(re.sub(r"<[^>]+>", "", note.html))[:12]
                hits = [p for p in pdf.pages if text in squash(p.extract_text())]
                assert hits, note.id
                page = hits[0]
                words = [w for w in page.extract_words() if w["text"].startswith(f"{note.label}.")]
                assert words and words[0]["top"] > page.height * 0.5, note.id


@pytest.mark.parametrize("size, expected", [("A4", (595.28, 841.89)), ("130 184", (368.5, 521.6))])
def test_page_size_setting(tmp_path, size, expected):
    from publish.build import build

    manuscript = tmp_path / "m"
    import shutil

    shutil.copytree(RICH, manuscript)
    toml = manuscript / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f'\n[pdf]\npage-size = "{size}"\n', "utf-8")
    (pdf,) = build(manuscript, tmp_path / "out", ("pdf",)).written
    box = pypdf.PdfReader(pdf).pages[0].mediabox
    assert abs(float(box.width) - expected[0]) < 0.5
    assert abs(float(box.height) - expected[1]) < 0.5


def test_page_labels_are_the_printed_folios(built):
    """A PDF viewer's page box shows i, ii, iii… then 1, 2, 3…, as printed."""
    reader = pypdf.PdfReader(built.pdf)
    labels = list(reader.page_labels)
    first = next(i for i, label in enumerate(labels) if label == "1")
    assert labels[:first] == ["i", "ii", "iii", "iv", "v", "vi"][:first]
    assert labels[first:] == [str(n) for n in range(1, len(labels) - first + 1)]
    with pdfplumber.open(built.pdf) as pdf:
        for page, label in zip(pdf.pages, labels, strict=True):
            printed = folio(page)
            if printed is not None and printed.isalnum():
                assert printed == label


def test_a_footnote_the_layout_loses_is_a_warning(rich):
    """The guard behind weasy/footnotes.py: a note no page's footnote area holds is a
    warning naming it and its chapter (test_footnote_pages builds the pitch that lost one)."""
    import copy

    from publish.pdf.diagnostics import lost_footnotes

    assert not [w for w in rich.book.warnings if "lost by the page layout" in w.message]
    book = copy.deepcopy(rich.book)
    placed = {note.id for chapter in book.chapters for note in chapter.footnotes}
    warnings = lost_footnotes(book.chapters, placed - {"fn-ch01-2"})
    lost = [w for w in warnings if "lost by the page layout" in w.message]
    assert [(w.message.split()[1], w.path.name) for w in lost] == [("2", "01-kaipian.md")]
