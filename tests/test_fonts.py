"""Faces: found through fontconfig, subset by HarfBuzz, gaps in them reported."""

from __future__ import annotations

from publish.build import build
from publish.fonts import coverage, installed_faces, missing_characters, style_faces
from publish.pdf import fast_subsetting

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
    (folder / "a.md").write_text("# 缺字\n\n罕见字𪚥𠀀，还有😀。\n", encoding="utf-8")
    result = build(folder, tmp_path / "out", ("pdf",))
    assert [str(w) for w in result.book.warnings] == [
        f"{folder / 'a.md'}: 3 character(s) no configured font has: "
        "𪚥 (U+2A6A5) 𠀀 (U+20000) 😀 (U+1F600)"
    ]
