"""The EPUBs as readers see them: opened in foliate-js (a real reading system) in Chromium
with no system font, paged through, and looked at (tests/reading_system.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pypdf
import pytest

from conftest import ROOT, squash
from publish.build import build
from publish.check import _first_chapter_page, text_block_margins

pytestmark = pytest.mark.slow

VERTICAL = ROOT / "tests" / "manuscripts" / "vertical"
BOOKS = ROOT / "tests" / "books"


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    from reading_system import start

    yield from start(tmp_path_factory.mktemp("reader"))


@pytest.fixture(scope="module")
def books(tmp_path_factory, sample):
    """The sample (PDF and EPUB), the mdBook and GitBook fixtures (EPUB) and the vertical
    technical book (PDF and EPUB)."""
    out = tmp_path_factory.mktemp("reader-books")
    vertical = build(VERTICAL, out / "vertical")
    return {
        "sample": (sample.book, sample.epub, sample.pdf),
        "mdbook": (*_epub_only(BOOKS / "mdbook", out / "mdbook"), None),
        "gitbook": (*_epub_only(BOOKS / "gitbook", out / "gitbook"), None),
        "vertical": (vertical.book, vertical.written[1], vertical.written[0]),
        # The print edition's page breaks (what its layout learned; not in the model).
        "breaks": {"sample": sample.page_breaks, "vertical": vertical.page_breaks},
    }


def _epub_only(folder: Path, out: Path):
    result = build(folder, out, ("epub",))
    return result.book, result.written[0]


@pytest.mark.parametrize("name", ["sample", "mdbook", "gitbook", "vertical"])
def test_every_character_is_drawn_from_an_embedded_face(reader, books, name):
    """No tofu and no borrowed glyph: with no system font, each section, paged through,
    shows every character from a face the EPUB embeds."""
    _, epub, _ = books[name]
    opened = reader.open(epub)
    undrawn = {}
    for index, section in enumerate(opened["sections"]):
        reader.go(index)
        assert not reader.failed_faces(), section
        found = reader.undrawn()
        if found:
            undrawn[section] = sorted({(u.char, u.text, tuple(u.fonts)) for u in found})[:8]
        pages = reader.pages()
        for _ in range(min(pages, 3) - 1):  # page through: the reader stays in the section
            reader.next()
            assert reader.where()["index"] == index
    assert not undrawn


def test_vertical_book_turns_every_block(reader, books):
    """Right to left pages; code, maths and tables horizontal inside the vertical text;
    the callout's bar above it and the notes' rule on the right; two digits upright."""
    _, epub, _ = books["vertical"]
    opened = reader.open(epub)
    assert opened["dir"] == "rtl"
    reader.go(opened["sections"].index("EPUB/ch02.xhtml"))
    modes = reader.document(
        """doc => Object.fromEntries(['html', 'p', 'pre', 'table', 'math', 'div.math-display']
        .map(s => [s, getComputedStyle(doc.querySelector(s)).writingMode]))"""
    )
    assert modes == {"html": "vertical-rl", "p": "vertical-rl", "pre": "horizontal-tb",
                     "table": "horizontal-tb", "math": "horizontal-tb",
                     "div.math-display": "horizontal-tb"}  # fmt: skip
    # The words run across: a keyword of the code is wider than tall; so is the formula.
    shapes = reader.document(
        """doc => ['.tok-k', 'math'].map(s => {
          const r = doc.querySelector(s).getBoundingClientRect(); return r.width / r.height })"""
    )
    assert all(ratio > 1.2 for ratio in shapes), shapes  # sideways, it would be < 1
    # Han in a code comment stands upright: Chinese has no italic.
    assert reader.document("doc => getComputedStyle(doc.querySelector('.tok-c')).fontStyle") == (
        "normal"
    )
    reader.screenshot(reader.folder / "vertical-code.png")  # docs/reading-system/ keeps some
    reader.go(opened["sections"].index("EPUB/ch01.xhtml"))
    edges = reader.document(
        """doc => {
          const s = el => getComputedStyle(doc.querySelector(el))
          return { callout: [s('.callout').borderTopWidth, s('.callout').borderLeftWidth],
                   notes: [s('section.footnotes').borderRightWidth,
                           s('section.footnotes').borderTopWidth],
                   tcy: s('.tcy').textCombineUpright }
        }"""
    )
    assert edges["callout"][0] != "0px" and edges["callout"][1] == "0px", edges
    assert edges["notes"][0] == "1px" and edges["notes"][1] == "0px", edges
    assert edges["tcy"] == "all"
    reader.screenshot(reader.folder / "vertical-chapter.png")


#: How much of each page's width (the block direction of vertical text) the blocks on it
#: cover, section by section: their client rects, page by page, as a union of spans.
PAGE_FILL = """doc => {
  const html = getComputedStyle(doc.documentElement)
  const width = parseFloat(html.width) - parseFloat(html.paddingLeft)
    - parseFloat(html.paddingRight)
  const size = parseFloat(html.columnWidth) + parseFloat(html.columnGap)
  const spans = []
  for (const el of doc.querySelectorAll('body > section > *, section.footnotes > *'))
    for (const r of el.getClientRects())
      if (r.width * r.height > 0) {
        const page = Math.floor((r.top + r.bottom) / 2 / size)
        ;(spans[page] ??= []).push([r.left, r.right])
      }
  return [...spans].map(list => {
    let covered = 0, end = -Infinity
    for (const [a, b] of (list ?? []).sort((x, y) => x[0] - y[0])) {
      covered += Math.max(0, b - Math.max(a, end)); end = Math.max(end, b)
    }
    return covered / width
  })
}"""


def test_vertical_pages_are_filled(reader, books):
    """A vertical page is not left mostly empty before a horizontal block (a table, a
    display formula) that did not fit what remained of it: such blocks are kept narrow
    enough that the text goes on beside them. Every page of the technical chapter but its
    last is more than ⅗ covered (measured: 82% and 99%; before, a table taking 95% of
    a page's width left the page before it 37% covered and the chapter took 4 pages)."""
    _, epub, _ = books["vertical"]
    opened = reader.open(epub)
    reader.go(opened["sections"].index("EPUB/ch02.xhtml"))
    fill = reader.document(PAGE_FILL)
    assert len(fill) == reader.pages() == 3, fill
    assert all(share > 0.6 for share in fill[:-1]), fill
    # The table, narrowed, breaks its web addresses at their slashes, never inside a word.
    words = reader.document(
        """doc => [...doc.querySelectorAll('td')].map(td => {
          const range = doc.createRange(); range.selectNodeContents(td)
          const tops = [...range.getClientRects()].map(r => Math.round(r.top))
          return [td.textContent, new Set(tops).size] })"""
    )
    latin = [lines for text, lines in words if re.fullmatch("[A-Za-z]+", text)]
    assert latin and all(lines == 1 for lines in latin), words  # publish, WeasyPrint
    assert any(lines > 1 for text, lines in words if "://" in text), words
    for page in range(len(fill)):
        reader.screenshot(reader.folder / f"vertical-page-{page + 1}.png")
        reader.next()


def _dots(reader, selector: str) -> list[tuple[float, float, float, float]]:
    """The marks the reading system draws over `selector`'s text, as boxes (x, y, w, h) in
    page pixels: what changes in a screenshot when the marks turn transparent."""
    from PIL import Image, ImageChops

    frame = reader.frame()
    box = frame.locator(selector).first.bounding_box()
    pad = 20
    clip = {"x": box["x"] - pad, "y": box["y"] - pad, "width": box["width"] + 2 * pad,
            "height": box["height"] + 2 * pad}  # fmt: skip
    shots = []
    for colour in ("", "transparent"):  # the layout stays the same
        frame.eval_on_selector(selector, "(el, v) => { el.style.textEmphasisColor = v }", colour)
        path = reader.folder / f"dots-{colour or 'on'}.png"
        reader.page.screenshot(path=str(path), clip=clip)
        shots.append(Image.open(path).convert("L"))
    diff = ImageChops.difference(*shots).point(lambda v: 255 if v > 60 else 0)
    return [(clip["x"] + x, clip["y"] + y, w, h) for x, y, w, h in _blobs(diff)], box


def _blobs(image) -> list[tuple[int, int, int, int]]:
    """Bounding boxes of the connected white areas of a black-and-white image."""
    width, height = image.size
    pixels = image.load()
    seen = set()
    boxes = []
    for y in range(height):
        for x in range(width):
            if pixels[x, y] and (x, y) not in seen:
                stack, xs, ys = [(x, y)], [], []
                seen.add((x, y))
                while stack:
                    px, py = stack.pop()
                    xs.append(px)
                    ys.append(py)
                    for nx, ny in ((px + 1, py), (px - 1, py), (px, py + 1), (px, py - 1)):
                        inside = 0 <= nx < width and 0 <= ny < height
                        if inside and pixels[nx, ny] and (nx, ny) not in seen:
                            seen.add((nx, ny))
                            stack.append((nx, ny))
                boxes.append((min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1))
    return boxes


def test_emphasis_marks_are_dots_of_clreq_size_on_the_right_side(reader, books):
    """着重号: one round dot per character, ⅙–⅕ em wide (clreq), right of the characters
    in vertical text, under them in horizontal text."""
    _, epub, _ = books["vertical"]
    opened = reader.open(epub)
    reader.go(opened["sections"].index("EPUB/ch01.xhtml"))
    # Large enough for the dot's pixels to tell ⅙ em from ⅕ em.
    reader.frame().evaluate("document.querySelector('em').style.fontSize = '40px'")
    size = float(reader.frame().eval_on_selector("em", "el => getComputedStyle(el).fontSize")[:-2])
    characters = len(reader.frame().eval_on_selector("em", "el => el.textContent"))
    for mode in ("vertical-rl", "horizontal-tb"):
        reader.frame().evaluate("m => { document.documentElement.style.writingMode = m }", mode)
        reader.page.evaluate("settle()")
        dots, box = _dots(reader, "em")
        assert len(dots) == characters, (mode, dots)
        for x, y, w, h in dots:
            assert size / 6 - 1 <= w <= size / 5 + 1 and abs(w - h) <= 1, (mode, w, h, size)
            if mode == "vertical-rl":
                assert x > box["x"] + box["width"] * 0.6, (x, box)
            else:
                assert y > box["y"] + box["height"] * 0.6, (y, box)
    print(f"emphasis dot: {w}×{h} px at {size:g} px text ({w / size:.2f} em)")


def test_a_note_opens_in_a_popup(reader, books):
    """Tapping a note reference shows the note in foliate-js's popup, the page stays."""
    _, epub, _ = books["vertical"]
    opened = reader.open(epub)
    index = opened["sections"].index("EPUB/ch01.xhtml")
    reader.go(index)
    reader.frame().locator("a.noteref").first.click()
    reader.page.wait_for_function("window.popups.length > 0")
    popup = reader.page.evaluate("window.popups[0]")
    assert popup["type"] == "footnote" and popup["hidden"], popup
    assert squash(popup["text"]).endswith("脚注的横线应当在右侧。"), popup
    assert reader.where()["index"] == index


@pytest.mark.parametrize("name", ["sample", "vertical"])
def test_going_to_page_n_shows_the_text_of_printed_page_n(reader, books, name):
    """The reader's "go to page" (the page list) lands where the print edition's page
    begins: the text the printed page starts with is on the screen."""
    book, epub, pdf_path = books[name]
    opened = reader.open(epub)
    labels = [page["label"] for page in opened["pages"]]
    assert labels == [page.label for page in books["breaks"][name]]
    # Every printed page is a target, the front matter's and blank ones too.
    assert labels == pypdf.PdfReader(pdf_path).page_labels
    top, bottom = text_block_margins(book.settings.pdf)
    first_body = _first_chapter_page(pdf_path)
    with pdfplumber.open(pdf_path) as pdf:
        for entry in [entry for entry in opened["pages"] if entry["label"].isdigit()][:6]:
            label = entry["label"]
            page = pdf.pages[first_body + int(label) - 1]
            body = page.within_bbox((0, top, page.width, page.height - bottom))
            printed = re.sub(r"^(?:[•◦▪]|\d+\.)", "", squash(body.extract_text()))[:6]
            reader.go(entry["href"])
            # The page's marker is on the screen (a screen may show more than one printed
            # page), and so is the text the printed page begins with.
            marker = "id => where.range.comparePoint(contents()[0].doc.getElementById(id), 0)"
            assert reader.page.evaluate(marker, f"page-{label}") == 0, label
            shown = squash(reader.page.evaluate("where.range.toString()"))
            assert printed in shown, (label, printed, shown[:60])
    # The front matter's pages (title page, copyright page, TOC): their markers on the
    # screen, in the document the EPUB has their content in (the copyright page: none, it
    # stands after the title page).
    front = [entry for entry in opened["pages"] if not entry["label"].isdigit()]
    assert [entry["label"] for entry in front][:2] == ["i", "ii"]
    for entry in front:
        reader.go(entry["href"])
        assert reader.page.evaluate(marker, f"page-{entry['label']}") == 0, entry
    assert front[0]["href"].endswith("titlepage.xhtml#page-i")


def test_going_to_a_part_title_page_shows_the_part_title(reader, books):
    """A part's title page is a printed page of its own: "go to page" lands on the part's
    title, not on the next chapter's text."""
    book, epub, _ = books["mdbook"]
    parts = {c.part.id: c.part.title for c in book.chapters if c.part is not None}
    opened = reader.open(epub)
    part_of = {p["href"]: p["href"].split("/")[-1].split(".xhtml")[0] for p in opened["pages"]}
    targets = [p for p in opened["pages"] if part_of[p["href"]] in parts]
    assert len(targets) == len(parts) == 2
    for entry in targets:
        reader.go(entry["href"])
        shown = squash(reader.page.evaluate("where.range.toString()"))
        assert squash(parts[part_of[entry["href"]]]) in shown, (entry, shown[:60])


def test_notes_are_numbered_once_per_document(books):
    """A chapter made of a file and its sections (the mdBook's chapter 4) numbers its notes
    1, 2 in its one document, references and notes alike."""
    import zipfile

    import lxml.html

    book, epub, _ = books["mdbook"]
    for chapter in book.chapters:
        if len(chapter.footnotes) < 2:
            continue
        with zipfile.ZipFile(epub) as z:
            page = lxml.html.fromstring(z.read(f"EPUB/{chapter.id}.xhtml"))
        refs = [squash(a.text_content()) for a in page.xpath("//a[@class='noteref']")]
        backs = [squash(a.text_content()) for a in page.xpath("//a[@class='backlink']")]
        expected = [str(n) for n in range(1, len(chapter.footnotes) + 1)]
        assert refs == expected and backs == [f"{n}." for n in expected], (chapter.id, refs)
        break
    else:
        pytest.fail("the mdBook fixture has no chapter with two notes")
