"""Editions ([editions]): the Taiwan and Hong Kong editions of a simplified book, checked in
the PDF and EPUB files a reader gets; the mistakes a user can make, one line each."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import lxml.etree
import opencc
import pdfplumber
import pikepdf
import pytest
from click.testing import CliRunner

from conftest import epubcheck, squash
from publish.build import build
from publish.cache import unchanged
from publish.cli import main
from publish.config import load_config
from publish.editions import convert_book
from publish.errors import PublishError
from publish.manuscript import read_manuscript

FIXTURE = Path(__file__).parent / "manuscripts" / "editions"
CORPUS = [
    tuple(line.split("\t"))
    for line in (FIXTURE / "corpus.tsv").read_text(encoding="utf-8").splitlines()
]
#: The book's own phrases (phrases.txt): what OpenCC alone would give instead.
OVERRIDES = {
    "视频": ("影音", "影片"),
    "博客": ("網誌", "部落格"),
    "网络协议": ("網際協定", "網路協議"),
}


@dataclass
class Editions:
    manuscript: Path
    out: Path

    def file(self, suffix: str) -> Path:
        return self.out / f"editions{suffix}"

    def pdf_text(self, suffix: str) -> str:
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(self.file(suffix)), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    def xhtml(self, suffix: str, name: str) -> str:
        with zipfile.ZipFile(self.file(suffix)) as epub:
            return epub.read(name).decode()


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> Editions:
    """The fixture book (a copy, which tests may change and restore), built once: the main
    edition, zh-TW and zh-HK."""
    manuscript = tmp_path_factory.mktemp("book") / "editions"
    shutil.copytree(FIXTURE, manuscript)
    out = tmp_path_factory.mktemp("out")
    result = build(manuscript, out)
    assert [p.name for p in result.written] == [
        "editions.pdf", "editions.epub", "editions.zh-HK.pdf", "editions.zh-HK.epub",
        "editions.zh-TW.pdf", "editions.zh-TW.epub",
    ]  # fmt: skip
    return Editions(manuscript, out)


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 300
    assert all(simplified != taiwan for simplified, taiwan in CORPUS)


@pytest.mark.slow
def test_taiwan_edition_has_taiwan_words_in_pdf_and_epub(editions):
    pdf = {squash(line).lstrip("•") for line in editions.pdf_text(".zh-TW.pdf").splitlines()}
    epub = _items(editions.xhtml(".zh-TW.epub", "EPUB/ch02.xhtml"))
    # A word holding one of the book's own phrases is theirs (博客 → 網誌, not 部落格).
    corpus = [(s, t) for s, t in CORPUS if not any(word in s for word in OVERRIDES)]
    assert len(corpus) >= 300
    missing_pdf = [t for _, t in corpus if squash(t) not in pdf]
    missing_epub = [t for _, t in corpus if t not in epub]
    assert not missing_pdf and not missing_epub, (missing_pdf[:5], missing_epub[:5])
    # The main edition keeps the simplified words.
    assert _items(editions.xhtml(".epub", "EPUB/ch02.xhtml")) == [s for s, _ in CORPUS]


def _items(xhtml: str) -> list[str]:
    """The text of each list item of an EPUB's XHTML document."""
    root = lxml.etree.fromstring(xhtml.encode())
    return [item.xpath("string()") for item in root.iterfind(".//{*}li")]


@pytest.mark.slow
def test_the_books_own_phrases_win_over_opencc(editions):
    text = squash(editions.pdf_text(".zh-TW.pdf"))
    epub = editions.xhtml(".zh-TW.epub", "EPUB/ch01.xhtml")
    for wanted, opencc_word in OVERRIDES.values():
        assert wanted in text and wanted in epub
        assert opencc_word not in text and opencc_word not in epub


@pytest.mark.slow
def test_no_simplified_leftovers_outside_code_and_names(editions):
    s2t = opencc.OpenCC("s2t").convert
    text = editions.pdf_text(".zh-TW.pdf")
    # What is kept on purpose: code, the URL and the name marked {.no-convert}.
    kept = ['print("软件与网络")', "example.com/软件/网络", "注释：软件", '"网络信息"', "钟发"]
    lines = [squash(line) for line in text.splitlines()]
    lines = [line for line in lines if not any(squash(k)[:4] in line for k in kept)]
    leftovers = [line for line in lines if s2t(line) != line]
    assert not leftovers, leftovers[:5]


@pytest.mark.slow
def test_code_urls_maths_and_no_convert_spans_untouched(editions):
    xhtml = editions.xhtml(".zh-TW.epub", "EPUB/ch01.xhtml")
    assert '<code>print("软件与网络")</code>' in xhtml
    # (the EPUB lets an address break at its slashes: epub._url_breaks)
    assert "https://example.com/软件/网络" in xhtml.replace("<wbr/>", "")
    assert '<span class="no-convert">钟发</span>' in xhtml
    assert "# 注释：软件" in xhtml and '"网络信息"' in xhtml
    assert 'alttext="a + b = c"' in xhtml
    text = squash(editions.pdf_text(".zh-TW.pdf"))
    assert 'print("软件与网络")' in text and "钟发" in text and "作者钟发在網誌裡" in text


@pytest.mark.slow
def test_corner_quotes_labels_and_imprint_in_traditional(editions):
    text = squash(editions.pdf_text(".zh-TW.pdf"))
    assert "他說：「這個軟體很好，『網路』也不錯。」" in text
    assert "目錄" in text and "責任編輯：李四" in text and "裝幀設計：王五" in text
    assert "書名：軟體與網路" in text and "資訊時代的印表機" in text and "圖1-1示意圖" in text
    assert "“" not in text and "目录" not in text and "责任编辑" not in text
    xhtml = editions.xhtml(".zh-TW.epub", "EPUB/ch01.xhtml")
    assert 'aria-label="註釋"' in xhtml and "註釋裡的軟體也要轉換" in xhtml
    assert 'alt="圖 1-1\u3000示意圖"' in xhtml
    nav = editions.xhtml(".zh-TW.epub", "EPUB/nav.xhtml")
    assert "第一章 軟體與網路" in nav and "詞語" in nav
    hk = squash(editions.pdf_text(".zh-HK.pdf"))
    assert "「這個軟件很好，『網絡』也不錯。」" in hk and "目錄" in hk


@pytest.mark.slow
def test_region_faces_and_language_tags(editions):
    for region, face in (("zh-TW", "CJK-TC"), ("zh-HK", "CJK-HK")):
        fonts = subprocess.run(["pdffonts", str(editions.file(f".{region}.pdf"))],
                               capture_output=True, text=True, check=True).stdout  # fmt: skip
        assert f"Noto-Serif-{face}" in fonts and f"Noto-Sans-{face}" in fonts
        assert "CJK-SC" not in fonts
        with pikepdf.open(editions.file(f".{region}.pdf")) as pdf:
            assert str(pdf.Root.Lang) == region
        opf = editions.xhtml(f".{region}.epub", "EPUB/content.opf")
        assert f"<dc:language>{region}</dc:language>" in opf
        assert f'xml:lang="{region}"' in editions.xhtml(f".{region}.epub", "EPUB/ch01.xhtml")
    with pikepdf.open(editions.file(".pdf")) as pdf:
        assert str(pdf.Root.Lang) == "zh-CN"


def _advance_after(path: Path, mark: str, following: str) -> float:
    """How far the pen moves after `mark` when `following` comes next, in ems."""
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            chars = page.chars
            for a, b in zip(chars, chars[1:], strict=False):
                if a["text"] == mark and b["text"] == following:
                    return (b["x0"] - a["x0"]) / a["size"]
    raise AssertionError(f"no {mark}{following}")


@pytest.mark.slow
def test_taiwan_does_not_compress_punctuation(editions):
    # The main (mainland) edition sets 。” in one and a half em; Taiwan 。」 in two.
    assert _advance_after(editions.file(".pdf"), "。", "”") == pytest.approx(0.5, abs=0.05)
    assert _advance_after(editions.file(".zh-TW.pdf"), "。", "」") == pytest.approx(1, abs=0.05)


@pytest.mark.slow
def test_edition_epub_passes_epubcheck(editions):
    messages = epubcheck(editions.file(".zh-TW.epub"))
    assert [m for m in messages if m["severity"] in ("ERROR", "FATAL", "WARNING")] == []


@pytest.mark.slow
def test_incremental_builds_know_the_editions(editions):
    formats = ["pdf", "epub"]
    found = unchanged(editions.manuscript, editions.out, formats)
    assert found is not None and len(found[0]) == 6
    phrases = editions.manuscript / "phrases.txt"
    original = phrases.read_text(encoding="utf-8")
    try:
        phrases.write_text(original + "软件 軟件\n", encoding="utf-8")
        assert unchanged(editions.manuscript, editions.out, formats) is None
    finally:
        phrases.write_text(original, encoding="utf-8")
    edition_pdf = editions.file(".zh-TW.pdf")
    kept = edition_pdf.read_bytes()
    try:
        edition_pdf.unlink()
        assert unchanged(editions.manuscript, editions.out, formats) is None
    finally:
        edition_pdf.write_bytes(kept)
    assert unchanged(editions.manuscript, editions.out, formats) is not None


@pytest.mark.slow
def test_a_failed_edition_leaves_every_output_as_it_was(editions):
    before = {p.name: p.read_bytes() for p in editions.out.glob("editions*")}
    toml = editions.manuscript / "book.toml"
    original = toml.read_text(encoding="utf-8")
    chapter = editions.manuscript / "01-text.md"
    text = chapter.read_text(encoding="utf-8")
    try:
        toml.write_text(original + 'body-font = "No Such Serif"\n', encoding="utf-8")
        chapter.write_text(text + "\n新的一段。\n", encoding="utf-8")
        result = CliRunner().invoke(main, ["build", str(editions.manuscript), "--out",
                                           str(editions.out)])  # fmt: skip
    finally:
        toml.write_text(original, encoding="utf-8")
        chapter.write_text(text, encoding="utf-8")
    assert result.exit_code == 1
    assert 'edition zh-TW: font "No Such Serif" (body-font) is not installed' in result.output
    assert "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in editions.out.glob("editions*")} == before


# Mistakes: one line each, naming the file and the line.


def _book(tmp_path: Path, extra: str, language: str = "zh-CN") -> Path:
    (tmp_path / "book.toml").write_text(
        f'[book]\ntitle = "软件"\nauthors = ["张三"]\nlanguage = "{language}"\n'
        f'chapters = ["a.md"]\n\n{extra}',
        encoding="utf-8",
    )
    (tmp_path / "a.md").write_text("# 软件\n\n“网络”软件。\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("extra", "line", "message"),
    [
        ("[editions]\nzh-SG = {}\n", 8, "unknown edition `zh-SG`; did you mean"),
        ("[editions.zh-XX.pdf]\nfont-size = 11\n", 7, "unknown edition `zh-XX`"),
        ("[editions.zh-TW.pdf]\nfont-sise = 11\n", 8,
         "unknown key in [editions.zh-TW.pdf] `font-sise`; did you mean `font-size`?"),
        ("[editions.zh-TW.pdf]\nfont-size = 99\n", 8,
         "edition zh-TW: `font-size` must be between 5pt and 30pt"),
        ("[editions.zh-TW.typography]\nquotes = \"angle\"\n", 8,
         'edition zh-TW: `quotes` must be "curly" or "corner"'),
        ("[editions.zh-TW.paper]\nx = 1\n", None, "unknown table in [editions.zh-TW] `paper`"),
        ('[editions]\nphrases = "../x.txt"\n', 8, "lies outside the manuscript folder"),
        ('[editions]\nphrases = "none.txt"\n', 8, "`phrases` 'none.txt': no such file"),
    ],
)  # fmt: skip
def test_bad_edition_settings_name_their_line(tmp_path, extra, line, message):
    with pytest.raises(PublishError) as caught:
        load_config(_book(tmp_path, extra) / "book.toml")
    assert message in caught.value.message
    assert caught.value.path == tmp_path / "book.toml"
    if line:
        assert caught.value.line == line


def test_a_malformed_phrase_line_names_the_file_and_line(tmp_path):
    book = _book(tmp_path, '[editions]\nzh-TW = {}\nphrases = "p.txt"\n')
    (book / "p.txt").write_text("# 简 繁\n软件 軟體\n\n网络 網路 多余\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(book), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"publish: error: {book / 'p.txt'}:4: a phrase line is two words, simplified then "
        "traditional (`软件 軟體`), not '网络 網路 多余'"
    ]


def test_a_traditional_book_asked_for_a_taiwan_edition_warns(tmp_path):
    book = read_manuscript(_book(tmp_path, "[editions]\nzh-TW = {}\nzh-CN = {}\n", "zh-Hant"))
    taiwan, mainland = book.settings.editions
    converted = convert_book(book, taiwan)
    assert [w.message for w in book.warnings] == [
        'edition zh-TW: the book is already in Traditional Chinese (language "zh-Hant"): '
        "nothing to convert but the region's variant forms (t2tw)"
    ]
    assert converted.metadata.language == "zh-TW"
    simplified = convert_book(book, mainland)
    assert simplified.chapters[0].title == "软件" and "“网络”软件" in simplified.chapters[0].body


def test_edition_defaults_follow_the_region(tmp_path):
    settings = load_config(
        _book(tmp_path, '[pdf]\nbody-font = "Noto Serif CJK SC"\n\n[editions]\nzh-HK = {}\n')
        / "book.toml"
    ).settings
    (hk,) = settings.editions
    assert hk.settings.output_name == f"{tmp_path.name}.zh-HK"
    assert hk.settings.pdf.body_font == "Noto Serif CJK HK"
    assert hk.settings.pdf.heading_font == "Noto Sans CJK HK"
    assert hk.settings.typography.quotes == "corner"
    assert hk.settings.typography.compress_punctuation is False
    assert settings.typography.compress_punctuation is True


@pytest.mark.slow
def test_an_edition_may_be_set_vertical_while_the_main_edition_stays_horizontal(tmp_path):
    (tmp_path / "book").mkdir()
    manuscript = _book(tmp_path / "book", '[editions.zh-TW.pdf]\nwriting-mode = "vertical-rl"\n')
    build(manuscript, tmp_path / "out", formats=("pdf",))
    main_pdf, taiwan_pdf = (tmp_path / "out" / f"book{s}.pdf" for s in ("", ".zh-TW"))
    with pikepdf.open(main_pdf) as pdf:
        assert "/ViewerPreferences" not in pdf.Root
    with pikepdf.open(taiwan_pdf) as pdf:
        assert pdf.Root.ViewerPreferences.Direction == "/R2L"
        fonts = {
            str(f.get("/BaseFont")) for page in pdf.pages for f in page.Resources.Font.values()
        }
    assert any("Noto-Serif-CJK-TC-Upright" in name for name in fonts), fonts
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(taiwan_pdf), "-"], capture_output=True, text=True
    ).stdout
    assert "「網路」軟體" in squash(text)
