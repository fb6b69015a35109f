"""Incremental builds of a book kept as many files (issue 11 §7): editing one section file of
a GitBook folder lays out again only the segment holding that file's chapter; every other
segment's PDF is taken from the cache as the last build left it, and the book comes out with
the edit in both editions."""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path

import pdfplumber
import pytest

from publish.build import PIECES, build
from publish.manuscript import read_manuscript
from publish.pdf.segmented.piece import PieceCache

ROOT = Path(__file__).resolve().parents[1]
#: Small enough that the little book below is cut into several segments.
SEGMENT = 12_000
EDIT = "此处为增量构建测试补写的一句话。"


def _techbook():
    spec = importlib.util.spec_from_file_location("techbook", ROOT / "benchmarks" / "techbook.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["techbook"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _pieces(out: Path) -> dict[str, int]:
    """The laid-out pieces in the cache: file name → modification time (ns)."""
    return {p.name: p.stat().st_mtime_ns for p in (out / PIECES).glob("*.pdf")}


def _text(pdf: Path) -> str:
    with pdfplumber.open(pdf) as document:
        return "".join((page.extract_text() or "") for page in document.pages).replace("\n", "")


@pytest.mark.slow
def test_editing_one_section_lays_out_only_its_segment(tmp_path):
    folder = tmp_path / "book"
    _techbook().generate(folder, chapters=3, sections=2, appendix=1)
    out = tmp_path / "out"
    first = build(folder, out, segment_size=SEGMENT, jobs=2)
    plan = PieceCache(out / PIECES).read_plan()
    assert plan is not None and len(plan["segments"]) >= 3, "the book must be cut in segments"
    before = _pieces(out)

    # A section file of the second chapter, nested in it (not the chapter's README).
    book = read_manuscript(folder)
    edited = folder / "02_hello" / "02.md"
    chapter = next(
        i for i, c in enumerate(book.chapters) if c.source == edited.parent / "README.md"
    )
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace("\n\n", f"\n\n{EDIT}\n\n", 1), encoding="utf-8")
    second = build(folder, out, segment_size=SEGMENT, jobs=2)
    assert not second.cached

    after = _pieces(out)
    kept = {name for name in before if after.get(name) == before[name]}
    new = set(after) - set(before)
    # One piece replaced: the segment holding the edited chapter; the others (and the
    # front matter and folio samples, since the page count did not change) untouched.
    assert len(new) == 1, (new, set(before) - set(after))
    assert len(kept) == len(before) - 1
    assert PieceCache(out / PIECES).read_plan()["segments"] == plan["segments"]
    (piece,) = new
    assert EDIT in _text(out / PIECES / piece)
    holding = next(s for s in plan["segments"] if chapter in s)
    others = [s for s in plan["segments"] if s is not holding]
    assert others, "other segments exist and were not laid out again"

    # The book has the edit, in print and in the EPUB (the XHTML file of that chapter).
    pdf, epub = second.written
    assert first.written[0] == pdf
    assert EDIT in _text(pdf)
    with zipfile.ZipFile(epub) as archive:
        holding_files = [
            name
            for name in archive.namelist()
            if name.endswith(".xhtml") and EDIT in archive.read(name).decode("utf-8")
        ]
    assert len(holding_files) == 1
