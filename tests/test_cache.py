"""Building again: nothing changed, nothing redone; anything changed, rebuilt."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from conftest import RICH
from publish.build import build
from publish.cli import main


def test_unchanged_rebuild_is_skipped_and_changes_are_not(tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(RICH, folder)
    out = tmp_path / "out"
    first = build(folder, out)
    assert not first.cached
    stamps = {p: p.stat().st_mtime_ns for p in first.written}
    again = build(folder, out)
    assert again.cached and again.written == first.written
    assert {p: p.stat().st_mtime_ns for p in again.written} == stamps

    # A chapter edited: rebuilt, and the new text is in the outputs.
    chapter = folder / "03-shiyu.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n新加的一段。\n", encoding="utf-8")
    edited = build(folder, out)
    assert not edited.cached
    assert any(p.stat().st_mtime_ns != stamps[p] for p in edited.written)
    assert build(folder, out).cached

    # An output replaced by hand: rebuilt.
    edited.written[0].write_bytes(b"not a pdf")
    assert not build(folder, out).cached
    # Other formats asked for: rebuilt.
    assert not build(folder, out, ("epub",)).cached
    # --force.
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(out), "--force"])
    assert result.exit_code == 0 and "wrote" in result.output
    result = CliRunner().invoke(main, ["build", str(folder), "--out", str(out)])
    assert result.exit_code == 0 and "up to date" in result.output


def test_warnings_are_given_again_when_nothing_is_rebuilt(tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(RICH, folder)
    chapter = folder / "02-tubiao.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(
        "![图一", "![](images/figure1.png)\n\n![图一"), encoding="utf-8")  # fmt: skip
    first = build(folder, tmp_path / "out")
    again = build(folder, tmp_path / "out")
    assert again.cached
    assert [str(w) for w in again.warnings] == [str(w) for w in first.warnings]
    assert any("no alt text" in w.message for w in again.warnings)


def test_fonts_installed_since_rebuild(tmp_path, monkeypatch):
    """A face installed or removed (fontconfig's caches change) may change the outputs."""
    import os

    from publish import cache

    fontconfig = tmp_path / "fontconfig"
    fontconfig.mkdir()
    monkeypatch.setattr(cache, "FONTCONFIG_CACHES", (fontconfig,))
    folder = tmp_path / "m"
    shutil.copytree(RICH, folder)
    out = tmp_path / "out"
    build(folder, out)
    assert build(folder, out).cached
    later = fontconfig.stat().st_mtime_ns + 10**9
    os.utime(fontconfig, ns=(later, later))
    assert not build(folder, out).cached
