"""Body lines fall on the grid: `font-size × line-height` apart, as many to a page as the
grid the margins were snapped to (and 字数 on the copyright page counts), read from the PDF.
"""

from __future__ import annotations

from collections import defaultdict

import pdfplumber
import pytest

from conftest import ROOT, Built
from publish.build import build
from publish.pdf.geometry import geometry
from publish.units import PT_PER_MM

#: Beside the repository (or beside the folder of worktrees holding it).
CORPUS = next(
    (
        folder / "shared" / "corpus" / "sanguo-yanyi.txt"
        for folder in (ROOT.parent, ROOT.parent.parent)
        if (folder / "shared" / "corpus" / "sanguo-yanyi.txt").exists()
    ),
    ROOT.parent / "shared" / "corpus" / "sanguo-yanyi.txt",
)
#: Noto Serif CJK's ideographic em box: 0.88 em above the baseline, 0.12 em below.
EM_TOP, EM_BOTTOM = 0.88, 0.12


@pytest.fixture(scope="module")
def sanguo3(tmp_path_factory) -> Built:
    if not CORPUS.exists():
        pytest.skip("the corpus is not beside the repository")
    from publish.plaintext import import_text

    folder = tmp_path_factory.mktemp("sanguo3")
    import_text(CORPUS, folder / "manuscript", authors=["罗贯中"], max_chapters=3)
    result = build(folder / "manuscript", folder / "out", ("pdf",))
    return Built(result.book, result.written[0], None)


@pytest.fixture(params=["sample", "rich", "sanguo3"])
def book(request) -> Built:
    return request.getfixturevalue(request.param)


def body_lines(built: Built) -> list[list[float]]:
    """Per page, the baselines (pt from the top) of the lines set at the body size, which
    are the text's: running heads, folios and notes are smaller, headings larger."""
    size = built.book.settings.pdf.font_size
    pages = []
    with pdfplumber.open(built.pdf) as pdf:
        for page in pdf.pages:
            rows: dict[float, int] = defaultdict(int)
            for c in page.chars:
                if abs(c["size"] - size) < 0.01 and c["text"].strip():
                    rows[round(page.height - c["matrix"][5], 2)] += 1
            pages.append(sorted(rows))
    return pages


def test_body_lines_are_font_size_times_line_height_apart(book):
    """Two lines of one paragraph (or of paragraphs that follow each other) are exactly one
    pitch apart: 17.85 pt in the sample, whether the lines start with a Chinese character,
    a Latin word or a number (they were 18.3 pt, or 17.85 pt after a Latin start)."""
    settings = book.book.settings.pdf
    pitch = settings.font_size * settings.line_height
    gaps = [b - a for page in body_lines(book) for a, b in zip(page, page[1:], strict=False)]
    within = [gap for gap in gaps if gap < 1.2 * pitch]
    assert len(within) > 40
    assert all(abs(gap - pitch) < 0.01 for gap in within), sorted(set(within))


def test_pages_hold_the_grids_lines_from_its_top_to_its_bottom(sanguo3):
    """A page the text runs over holds the lines the grid promises (27 on the default A5),
    the first line's characters at the text block's top, the last line's at its bottom."""
    settings = sanguo3.book.settings.pdf
    g = geometry(settings)
    size, pitch = settings.font_size, settings.font_size * settings.line_height
    top, bottom = g.top * PT_PER_MM, (g.height - g.bottom) * PT_PER_MM
    pages = body_lines(sanguo3)
    full = [page for page in pages if len(page) == g.lines_per_page]
    assert len(full) >= 10 and max(map(len, pages)) == g.lines_per_page
    for page in full:
        assert page[0] - EM_TOP * size == pytest.approx(top, abs=0.1)
        assert page[-1] + EM_BOTTOM * size == pytest.approx(bottom, abs=0.1)
        assert page[-1] - page[0] == pytest.approx((g.lines_per_page - 1) * pitch, abs=0.05)


def test_the_grid_patch_refuses_changed_weasyprint_internals(monkeypatch):
    from publish.weasy import grid

    grid.check_internals()  # the pinned version passes
    monkeypatch.setattr(grid, "_split_text_box", lambda context, box, *args: (None, None, False))
    with pytest.raises(RuntimeError, match="internals changed"):
        grid.check_internals()
