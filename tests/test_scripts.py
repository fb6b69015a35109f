"""Scripts the book's faces lack (Arabic, Hebrew, Devanagari, Thai, symbols) are drawn from
fallback faces chosen per script, without moving the Chinese text around them."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from publish.build import build

TOML = (
    '[book]\ntitle = "文字"\nauthors = ["佚名"]\nlanguage = "zh-CN"\nchapters = ["a.md", "b.md"]\n'
)
EXOTIC = (
    "阿拉伯文的“你好”写作 السلام عليكم，在中文段落里从右往左排。希伯来文 שלום 也是。"
    "天城文 नमस्ते 需要字形组合，泰文 สวัสดี 也要。\n\n"
    "符号：◄ 上一页 ► 下一页，✗ 错误，⌘ 命令键。\n\n"
)
CHINESE = (
    "这是一个较长的段落，其中的中文字符应当保持原来的位置与断行，不因为上面的那些文字而改变。"
    "排版的人看的是整页：行距一样，字距一样，每一行的字都落在同一个格子里。" * 3
)
#: The face each script must be drawn from (PostScript names, as WeasyPrint embeds them).
FACES = {
    "سلامعيك": "Naskh-Arabic",
    "שלום": "Serif-Hebrew",
    "नमस्ते": "Serif-Devanagari",
    "สวัสดี": "Serif-Thai",
    "◄►✗": "Symbols2",
}


def _book(folder: Path, first: str) -> Path:
    folder.mkdir()
    (folder / "book.toml").write_text(TOML, encoding="utf-8")
    (folder / "a.md").write_text(f"# 各种文字\n\n{first}{CHINESE}\n", encoding="utf-8")
    (folder / "b.md").write_text("# 缺字\n\n没有哪个字体有的字：𠀀𠀀。\n", encoding="utf-8")
    return folder


def notdef_glyphs(page: pikepdf.Page) -> int:
    """How many .notdef glyphs (glyph 0: WeasyPrint writes glyph ids, Identity-H) the page
    draws."""
    count = 0
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) not in ("Tj", "TJ"):
            continue
        items = operands[0] if str(operator) == "TJ" else [operands[0]]
        for item in items:
            if isinstance(item, pikepdf.String):
                data = bytes(item)
                count += sum(data[i : i + 2] == b"\0\0" for i in range(0, len(data), 2))
    return count


def _page(pdf, text: str) -> int:
    return next(i for i, page in enumerate(pdf.pages) if text in (page.extract_text() or ""))


def _body_lines(page) -> list[list[dict]]:
    """The page's body lines (Song face), each as its Han characters, top to bottom, keyed
    by baseline (the text matrix's y)."""
    lines: dict[float, list[dict]] = {}
    for char in page.chars:
        if "Serif-CJK" in char["fontname"]:
            lines.setdefault(round(char["matrix"][5], 1), []).append(char)
    return [lines[y] for y in sorted(lines, reverse=True)]


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    base = tmp_path_factory.mktemp("scripts")
    exotic = build(_book(base / "exotic", EXOTIC), base / "out-exotic", ("pdf", "epub"))
    plain = build(_book(base / "plain", ""), base / "out-plain", ("pdf",))
    return exotic, plain


def test_every_character_is_drawn_by_a_face_that_has_it(books):
    exotic, _ = books
    warnings = [str(w) for w in exotic.book.warnings]
    # Only the character no installed face has is reported, in its chapter.
    assert len(warnings) == 1 and "b.md: 1 character(s)" in warnings[0] and "𠀀" in warnings[0]
    path = exotic.written[0]
    with pdfplumber.open(path) as pdf:
        index = _page(pdf, "较长的段落")
        missing = _page(pdf, "没有哪个")
        chars = pdf.pages[index].chars
        lost = [c["text"] for c in pdf.pages[missing].chars]
    with pikepdf.open(path) as pdf:
        assert notdef_glyphs(pdf.pages[index]) == 0
    # A character no face has is not drawn at all (WeasyPrint leaves Pango's empty box
    # out): so every character of the text must be on the page, in a face that has it.
    assert "𠀀" not in lost and "：" in lost
    shown = {c["text"][0] for c in chars if c["text"]}
    assert set(EXOTIC.replace(" ", "").replace("\n", "")) - {"\u094d"} <= shown
    for letters, face in FACES.items():
        drawn = [c for c in chars if c["text"] and c["text"][0] in letters]
        assert {c["text"][0] for c in drawn} >= set(letters) - {"\u094d"}, letters
        assert all(face in c["fontname"] for c in drawn), {c["fontname"] for c in drawn}


def test_the_epub_carries_the_fallback_faces(books):
    """An e-reader may have no Devanagari face and no ◄: the EPUB embeds the same faces as
    the PDF, subset, after the book's own in the font list."""
    from fontTools.ttLib import TTFont

    from conftest import epubcheck

    exotic, _ = books
    path = next(p for p in exotic.written if p.suffix == ".epub")
    assert epubcheck(path) == []
    with zipfile.ZipFile(path) as epub:
        css = epub.read("EPUB/style/book.css").decode()
        fonts = [n for n in epub.namelist() if n.startswith("EPUB/fonts/fallback-")]
        names, cmaps = set(), set()
        for name in fonts:
            font = TTFont(io.BytesIO(epub.read(name)))
            names.add(font["name"].getDebugName(1))
            cmaps |= set(font.getBestCmap())
    assert {"Noto Naskh Arabic", "Noto Serif Hebrew", "Noto Sans Symbols2"} <= names
    assert {ord(c) for c in "".join(FACES)} <= cmaps
    # The embedded faces first (the emphasis mark's, then the book's own, then the
    # fallbacks: epubfonts.py), the system's names after them.
    body = re.findall(r"body \{\s*font-family: ([^;]*);", css)[-1]  # the last rule wins
    assert body.startswith('"publish mark", "publish serif", "publish fallback 1"')
    assert body.index('"publish fallback 5"') < body.index('"Noto Serif CJK SC"')
    code = re.findall(r"pre, code, kbd, samp \{\s*font-family: ([^;]*);", css)[-1]
    assert code.startswith('"publish mark", "publish mono", "publish fallback 1"')


def test_right_to_left_text_is_ordered_inside_the_chinese_line(books):
    exotic, _ = books
    with pdfplumber.open(exotic.written[0]) as pdf:
        chars = pdf.pages[_page(pdf, "较长的段落")].chars
    arabic = [c for c in chars if "\u0600" <= c["text"][:1] <= "\u06ff"]
    before = next(c for c in chars if c["text"] == "作")
    after = next(c for c in chars if c["text"] == "，")
    assert all(before["x1"] <= c["x0"] and c["x1"] <= after["x0"] + 0.01 for c in arabic)
    # السلام عليكم: its first letter (ا) is drawn rightmost, its last (م) leftmost.
    by_x = sorted(arabic, key=lambda c: (c["x0"], c["x1"]))
    assert by_x[0]["text"] == "م" and by_x[-1]["text"] == "ا"


def test_the_chinese_text_keeps_its_lines_and_grid(books):
    exotic, plain = books
    with pdfplumber.open(exotic.written[0]) as a, pdfplumber.open(plain.written[0]) as b:
        ours = _body_lines(a.pages[_page(a, "较长的段落")])
        theirs = _body_lines(b.pages[_page(b, "较长的段落")])
    # Every line, those with Arabic, Devanagari or Thai too, one pitch (as in the book
    # without them) below the one above.
    pitch = theirs[0][0]["matrix"][5] - theirs[1][0]["matrix"][5]
    baselines = [line[0]["matrix"][5] for line in ours]
    assert all(abs(x - y - pitch) < 0.05 for x, y in zip(baselines, baselines[1:], strict=False))
    # The Chinese paragraph breaks and spaces its lines as it does without those lines.
    tail = [[(c["text"], round(c["x0"], 2)) for c in line] for line in ours[-len(theirs) :]]
    assert tail == [[(c["text"], round(c["x0"], 2)) for c in line] for line in theirs]
