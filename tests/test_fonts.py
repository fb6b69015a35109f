"""Faces: found through fontconfig, subset by HarfBuzz, gaps in them reported."""

from __future__ import annotations

from publish.build import build
from publish.fonts import coverage, installed_faces, missing_characters, style_faces
from publish.pdf.diagnostics import fast_subsetting

TOML = '[book]\ntitle = "缺字"\nauthors = ["佚名"]\nlanguage = "zh-CN"\nchapters = ["a.md"]\n'


def test_harfbuzz_subset_is_used():
    """WeasyPrint's fontTools fallback costs seconds per book; make installs HarfBuzz-subset."""
    assert fast_subsetting()


def test_configured_faces_are_found():
    faces = style_faces(installed_faces("Noto Serif"))
    assert (False, False) in faces and (True, False) in faces
    assert 0x4E2D in coverage("Noto Serif CJK SC")  # 中
    assert 0x4E2D not in coverage("Noto Serif")


def test_characters_no_font_has_are_reported_by_chapter(tmp_path):
    assert missing_characters("中文 Latin 𠀀😀", ("Noto Serif CJK SC", "Noto Serif")) == [
        "𠀀",
        "😀",
    ]
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "book.toml").write_text(TOML, encoding="utf-8")
    # 😀 is drawn from the emoji face (publish/markup/emoji.py), 🬀 from a fallback face
    # (publish/fallback.py); 𪚥 and 𠀀 are in no installed face.
    (folder / "a.md").write_text("# 缺字\n\n罕见字𪚥𠀀，还有😀🬀。\n", encoding="utf-8")
    result = build(folder, tmp_path / "out", ("pdf",))
    assert [str(w) for w in result.book.warnings] == [
        f"{folder / 'a.md'}: 2 character(s) no installed font has: 𪚥 (U+2A6A5) 𠀀 (U+20000)"
    ]


def test_pdf_font_subsets_are_kept_between_builds(tmp_path, monkeypatch):
    """The subsets WeasyPrint makes are kept in the user's cache by font file and glyphs:
    a second build of the same book takes them from there and gives the same PDF."""
    from weasyprint.pdf import fonts as weasy_fonts

    from conftest import RICH
    from publish import fonts
    from publish.build import build

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = build(RICH, tmp_path / "first", ("pdf",)).written[0]
    kept = list((tmp_path / "cache" / "publish" / "subsets").glob("*.bin"))
    assert len(kept) >= 3  # the CJK faces and the Latin one

    def refuse(*args):
        raise AssertionError("subset made again")

    monkeypatch.setattr(weasy_fonts.Font, "_harfbuzz_subset", refuse)
    second = build(RICH, tmp_path / "second", ("pdf",)).written[0]
    assert second.read_bytes() == first.read_bytes()

    monkeypatch.setattr(fonts, "KEPT_SUBSETS", 2)  # the least recently used go
    fonts.cached_subset(fonts.installed_faces("Noto Serif")[0].path, 0, "test", lambda: b"x")
    assert len(list((tmp_path / "cache" / "publish" / "subsets").glob("*.bin"))) == 2
