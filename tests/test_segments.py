"""A book laid out in segments (in worker processes, or from the cache) is the same book as
one laid out in one document: same pages, text, folios, bookmarks, links and page list."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pypdf
import pytest

from conftest import RICH, outline, pdf_pages_text
from publish.build import PIECES, build
from publish.manuscript import read_manuscript
from publish.pdf.segmented.folios import FOLIO_RUN
from publish.pdf.segmented.plan import plan

WHOLE = 10**9  # a segment size no book reaches: one document


@pytest.fixture(scope="module")
def manuscript(tmp_path_factory) -> Path:
    """The rich manuscript, with a link from its last chapter to its first (a link between
    two segments)."""
    folder = tmp_path_factory.mktemp("segments") / "manuscript"
    shutil.copytree(RICH, folder)
    with open(folder / "03-shiyu.md", "a", encoding="utf-8") as handle:
        handle.write("\n回看[开篇一章](#ch01)，再读一遍。\n")
    # With the page it leads to printed after it (linkpages.py): both layouts must agree.
    with open(folder / "book.toml", "a", encoding="utf-8") as handle:
        handle.write("\n[pdf]\nlink-pages = true\n")
    return folder


@pytest.fixture(scope="module")
def builds(manuscript, epoch, tmp_path_factory):
    out = tmp_path_factory.mktemp("builds")
    one = build(manuscript, out / "one", segment_size=WHOLE)
    parallel = build(manuscript, out / "parallel", segment_size=1, jobs=2)
    serial = build(manuscript, out / "serial", segment_size=1, jobs=1)
    return {"one": one, "parallel": parallel, "serial": serial}


def _pdf(result) -> Path:
    return result.written[0]


def _page_images(pdf: Path, folder: Path) -> list[bytes]:
    folder.mkdir()
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(pdf), str(folder / "p")], check=True)
    return [path.read_bytes() for path in sorted(folder.iterdir())]


def test_segments_really_are_separate_pieces(builds):
    pieces = builds["parallel"].written[0].parent / PIECES
    assert len(list(pieces.glob("*.pdf"))) >= 3 + 1  # three chapters, the front matter…
    assert not (builds["one"].written[0].parent / PIECES / "plan.json").exists()


def test_same_pages_pixel_for_pixel(builds, tmp_path):
    one = _page_images(_pdf(builds["one"]), tmp_path / "one")
    parallel = _page_images(_pdf(builds["parallel"]), tmp_path / "parallel")
    assert len(one) == len(parallel) > 10
    different = [n + 1 for n, (a, b) in enumerate(zip(one, parallel, strict=True)) if a != b]
    assert different == []


def test_same_text_and_folios(builds):
    assert pdf_pages_text(_pdf(builds["parallel"])) == pdf_pages_text(_pdf(builds["one"]))


def _outline(pdf: Path) -> list[tuple[int, str, int]]:
    return outline(pypdf.PdfReader(pdf))


def _links(pdf: Path) -> list[tuple[int, int, tuple[int, ...]]]:
    """(page, target page, rectangle rounded) of each internal link."""
    found = []
    with pikepdf.open(pdf) as document:
        names = {}
        if "/Names" in document.Root and "/Dests" in document.Root.Names:
            tree = pikepdf.NameTree(document.Root.Names.Dests)
            names = {str(k): v for k, v in tree.items()}
        index = {page.objgen: n for n, page in enumerate(document.pages)}
        for n, page in enumerate(document.pages):
            for annot in page.obj.get("/Annots", []):
                dest = annot.get("/Dest")
                if dest is None:
                    continue
                if isinstance(dest, pikepdf.String):
                    dest = names[str(dest)]
                rect = sorted(round(float(v)) for v in annot.Rect)
                found.append((n, index[dest[0].objgen], tuple(rect)))
    return sorted(found)


def test_same_bookmarks(builds):
    one = _outline(_pdf(builds["one"]))
    assert _outline(_pdf(builds["parallel"])) == one
    assert [title for depth, title, _ in one if depth == 1] == [
        c.title for c in builds["one"].book.chapters
    ]


def test_same_links_including_between_segments(builds):
    one = _links(_pdf(builds["one"]))
    assert _links(_pdf(builds["parallel"])) == one
    chapter_one = _outline(_pdf(builds["one"]))[0][2]
    last_page = max(page for page, _, _ in one)
    # The TOC's links, and the last chapter's link back to the first.
    assert any(page >= last_page - 2 and target == chapter_one for page, target, _ in one)
    assert sum(1 for page, target, _ in one if page < chapter_one) >= 3


def test_same_page_list_labels_and_metadata(builds):
    assert builds["parallel"].page_breaks == builds["one"].page_breaks
    with pikepdf.open(_pdf(builds["one"])) as one, pikepdf.open(_pdf(builds["parallel"])) as two:
        assert dict(two.docinfo.items()) == dict(one.docinfo.items())
        assert str(two.Root.Lang) == str(one.Root.Lang)
        assert two.Root.PageLabels == one.Root.PageLabels
        assert two.pdf_version == one.pdf_version


def test_an_epub_alone_gets_the_same_page_list(builds, manuscript, tmp_path):
    alone = build(manuscript, tmp_path / "epub", ("epub",), segment_size=1, jobs=2)
    assert [p.name for p in alone.written] == ["rich.epub"]
    assert alone.page_breaks == builds["one"].page_breaks
    assert alone.written[0].read_bytes() == builds["one"].written[1].read_bytes()


def test_parallel_serial_and_cached_builds_are_byte_identical(builds, manuscript):
    parallel = _pdf(builds["parallel"])
    assert parallel.read_bytes() == _pdf(builds["serial"]).read_bytes()
    first = parallel.read_bytes()
    parallel.unlink()  # built again: every piece comes from the cache
    again = build(manuscript, parallel.parent, segment_size=1, jobs=2)
    assert not again.cached
    assert _pdf(again).read_bytes() == first


def test_one_font_program_per_face(builds):
    programs: dict[str, set] = {}
    with pikepdf.open(_pdf(builds["parallel"])) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                program = obj.get("/FontFile3") or obj.get("/FontFile2")
                programs.setdefault(str(obj.FontName), set()).add(program.objgen)
    assert programs and all(len(found) == 1 for found in programs.values()), programs


def _glyph_counts(pdf_path: Path) -> dict[str, int]:
    """Glyphs in each embedded font program, by font name."""
    from io import BytesIO

    from fontTools.ttLib import TTFont

    counts = {}
    with pikepdf.open(pdf_path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                program = (obj.get("/FontFile3") or obj.get("/FontFile2")).read_bytes()
                counts[str(obj.FontName)] = TTFont(BytesIO(program))["maxp"].numGlyphs
    return counts


def test_pieces_carry_stub_fonts_and_the_book_real_ones(builds):
    """Pieces are only read by the join, which subsets each face once for the whole book:
    they embed a stub (glyph 0 alone) of every face, and the joined book real subsets."""
    pieces = sorted((_pdf(builds["parallel"]).parent / PIECES).glob("*.pdf"))
    assert pieces
    for piece in pieces:
        counts = _glyph_counts(piece)
        assert counts and set(counts.values()) == {1}, (piece.name, counts)
    joined = _glyph_counts(_pdf(builds["parallel"]))
    assert joined and min(joined.values()) > 10, joined


def test_stub_fonts_refuse_changed_weasyprint_internals(monkeypatch):
    from publish.weasy import fonts as weasy_fonts

    weasy_fonts.check_internals()  # the pinned version passes
    monkeypatch.setattr(weasy_fonts._fonts.Font, "clean", lambda self, *args: None)
    with pytest.raises(RuntimeError, match="internals changed"):
        weasy_fonts.check_internals()


def test_an_edit_lays_out_only_its_segment_again(manuscript, epoch, tmp_path):
    copy = tmp_path / "manuscript"
    shutil.copytree(manuscript, copy)
    out = tmp_path / "out"
    build(copy, out, segment_size=1)
    pieces = out / PIECES
    before = {p.name: p.stat().st_mtime_ns for p in pieces.glob("*.pdf")}
    with open(copy / "02-tubiao.md", "a", encoding="utf-8") as handle:
        handle.write("\n补记一句：图表之后，正文照常接续。\n")
    edited = build(copy, out, segment_size=1)
    after = {p.name: p.stat().st_mtime_ns for p in pieces.glob("*.pdf")}
    new = set(after) - set(before)
    kept = {name for name in after if before.get(name) == after[name]}
    assert len(new) == 1, new  # the second chapter's segment; the front matter is unchanged
    assert len(kept) == len(after) - 1
    fresh = build(copy, tmp_path / "fresh", segment_size=WHOLE)
    assert pdf_pages_text(_pdf(edited)) == pdf_pages_text(_pdf(fresh))


def test_the_plan_keeps_its_segments_while_the_chapters_stay():
    book = read_manuscript(RICH)
    first = plan(book, 1)
    assert first == [[0], [1], [2]]
    assert plan(book, 10**6) == [[0, 1, 2]]
    previous = {
        "chapters": [str(c.source) for c in book.chapters],
        "size": 5,
        "segments": [[0, 1], [2]],
    }
    assert plan(book, 5, previous) == [[0, 1], [2]]
    previous["chapters"] = previous["chapters"][:2]
    assert plan(book, 5, previous) != [[0, 1], [2]]


def test_the_plan_gives_every_worker_as_much(long_book):
    """As many segments as the size asks for, rounded up to a multiple of the workers, and
    cut evenly: seven equal chapters in three segments' worth make four of two, two, two
    and one chapters, not three of three, three and one."""
    book = read_manuscript(long_book[0])
    total = sum(len(chapter.body) for chapter in book.chapters)
    assert plan(book, total // 3 + 1, jobs=2) == [[0, 1], [2, 3], [4, 5], [6]]
    assert plan(book, total // 3 + 1, jobs=1) == [[0, 1, 2], [3, 4], [5, 6]]


def test_workers_are_gone_after_a_build(builds):
    import multiprocessing

    assert multiprocessing.active_children() == []


def test_ctrl_c_stops_the_workers_and_leaves_the_old_outputs(tmp_path):
    """A real SIGINT to `publish build` while worker processes lay out a long book."""
    import signal
    import sys
    import time

    folder = tmp_path / "long"
    folder.mkdir()
    paragraph = "天下大势，分久必合，合久必分。" * 40
    names = []
    for number in range(1, 19):  # long enough to be laid out still seconds later
        names.append(f"{number:02d}.md")
        text = f"# 第{number}章\n\n" + "\n\n".join([paragraph] * 50) + "\n"
        (folder / names[-1]).write_text(text, encoding="utf-8")
    (folder / "book.toml").write_text(
        f'[book]\ntitle = "长书"\nauthors = ["佚名"]\nlanguage = "zh-CN"\nchapters = {names!r}\n'.replace(
            "'", '"'
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "long.pdf").write_bytes(b"the previous PDF")
    publish = Path(sys.executable).parent / "publish"
    command = [str(publish), "build", str(folder), "--out", str(out)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (out / PIECES).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the workers are laying out
    assert process.poll() is None, "the build ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert stderr.strip().splitlines()[-1].endswith("previous outputs left as they were")
    assert "Traceback" not in stderr
    assert (out / "long.pdf").read_bytes() == b"the previous PDF"
    assert [p.name for p in out.iterdir() if p.name.endswith(".part")] == []
    time.sleep(0.5)
    leftovers = subprocess.run(
        ["pgrep", "-f", f"publish build {folder}"], capture_output=True, text=True
    ).stdout.split()
    assert leftovers == []


def test_progress_counts_chapters_laid_out(manuscript, tmp_path):
    import io

    from publish.progress import Progress

    stream = io.StringIO()
    build(manuscript, tmp_path / "out", progress=Progress(stream), segment_size=1)
    shown = stream.getvalue()
    assert "laying out the print edition: chapter 1 of 3" in shown
    assert "laying out the print edition: chapter 3 of 3" in shown
    assert "writing the PDF and the EPUB" in shown


def test_weasyprint_loads_without_the_library_search():
    """weasy.load skips ctypes' library search; WeasyPrint still finds every library."""
    import sys

    script = (
        "import ctypes.util, time\n"
        "search = ctypes.util.find_library\n"
        "from publish.weasy.load import load\n"
        "load()\n"
        "from weasyprint.text import ffi\n"
        "assert ffi.pango and ffi.harfbuzz and ffi.harfbuzz_subset and ffi.fontconfig\n"
        "assert ctypes.util.find_library is search\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_sized_arrays_are_made_from_the_cached_type():
    """weasy.load makes WeasyPrint's `ffi.new("T[n]", …)` from the type `T[]` that cffi
    parsed once, not from a new type string for every length (pycparser, ~2 ms each)."""
    from publish.weasy.load import load

    load()
    from weasyprint.text.ffi import ffi

    assert list(ffi.new("hb_codepoint_t[4]", [7, 8])) == [7, 8, 0, 0]
    assert list(ffi.new("hb_codepoint_t[3]")) == [0, 0, 0]
    assert ffi.typeof(ffi.new("hb_codepoint_t[5]")) is ffi.typeof("hb_codepoint_t[]")


def test_internals_checks_do_without_tokenizing_weasyprint(monkeypatch):
    """The checks read each function's lines from its `def` (inspect.getsource would
    tokenize whole modules, ~45 ms a build); the pinned WeasyPrint passes that way."""
    import inspect

    from publish.weasy import cjk as weasy_cjk
    from publish.weasy import fonts as weasy_fonts

    def refuse(*args):
        raise AssertionError("inspect.getsource used")

    monkeypatch.setattr(inspect, "getsource", refuse)
    weasy_cjk._check_internals()
    weasy_fonts.check_internals()


def test_same_pages_with_another_page_size_and_type(manuscript, epoch, tmp_path):
    """Folio stamps and joined pages follow the page settings (here 32K, 12pt)."""
    copy = tmp_path / "manuscript"
    shutil.copytree(manuscript, copy)
    with open(copy / "book.toml", "a", encoding="utf-8") as handle:
        handle.write('page-size = "32K"\nfont-size = 12\nmargin = [15, 12]\n')  # in [pdf]
    one = build(copy, tmp_path / "one", segment_size=WHOLE)
    parallel = build(copy, tmp_path / "parallel", segment_size=1, jobs=2)
    pages_one = _page_images(_pdf(one), tmp_path / "img-one")
    pages_parallel = _page_images(_pdf(parallel), tmp_path / "img-parallel")
    assert len(pages_one) == len(pages_parallel)
    assert [a == b for a, b in zip(pages_one, pages_parallel, strict=True)] == [True] * len(
        pages_one
    )


@pytest.fixture(scope="module")
def long_book(tmp_path_factory, epoch) -> tuple[Path, Path]:
    """A book of some 110 body pages (folios of one, two and three digits), and its PDF
    laid out in one document."""
    folder = tmp_path_factory.mktemp("long") / "manuscript"
    folder.mkdir()
    paragraph = (
        "话说天下大势，分久必合，合久必分。周末七国分争，并入于秦；及秦灭之后，楚汉分争。" * 6
    )
    names = []
    for number in range(1, 8):
        names.append(f"{number:02d}.md")
        text = f"# 第{number}回\n\n" + "\n\n".join([paragraph] * 50) + "\n"
        (folder / names[-1]).write_text(text, encoding="utf-8")
    chapters = ", ".join(f'"{name}"' for name in names)
    (folder / "book.toml").write_text(
        f'[book]\ntitle = "长书"\nauthors = ["佚名"]\nlanguage = "zh-CN"\nchapters = [{chapters}]\n',
        encoding="utf-8",
    )
    one = build(folder, tmp_path_factory.mktemp("long-one"), segment_size=WHOLE)
    return folder, _pdf(one)


def _body_labels(pdf: Path) -> list[str]:
    return pypdf.PdfReader(pdf).page_labels


def test_folios_made_from_samples_are_the_laid_out_ones(long_book, tmp_path):
    """Past the sample pages (1–11, 100, 101…), a folio is the sample of its parity and
    length with its digits' glyphs replaced: pixel for pixel what WeasyPrint lays out."""
    folder, one = long_book
    parallel = _pdf(build(folder, tmp_path / "parallel", segment_size=1, jobs=2))
    assert 101 < int(_body_labels(parallel)[-1]) < 200
    pieces = [p.with_suffix(".json") for p in (parallel.parent / PIECES).glob("*.pdf")]
    assert all(json.loads(p.read_text())["pages"] != FOLIO_RUN for p in pieces)  # no runs
    assert pdf_pages_text(parallel) == pdf_pages_text(one)
    images = _page_images(one, tmp_path / "one"), _page_images(parallel, tmp_path / "par")
    assert [a == b for a, b in zip(*images, strict=True)] == [True] * len(images[0])


def test_folios_from_a_page_each_when_samples_will_not_do(long_book, tmp_path, monkeypatch):
    """Digits of different widths, or kerned, cannot be put in another's place: every
    folio is then laid out (in runs of FOLIO_RUN pages)."""
    from publish.pdf.segmented import layout as segments

    monkeypatch.setattr(segments, "folio_digits_of", lambda *args: None)
    folder, one = long_book
    parallel = _pdf(build(folder, tmp_path / "parallel", segment_size=1, jobs=2))
    pieces = [p.with_suffix(".json") for p in (parallel.parent / PIECES).glob("*.pdf")]
    assert any(json.loads(p.read_text())["pages"] == segments.FOLIO_RUN for p in pieces)
    images = _page_images(one, tmp_path / "one"), _page_images(parallel, tmp_path / "par")
    assert [a == b for a, b in zip(*images, strict=True)] == [True] * len(images[0])


def test_folio_digits_refuse_kerned_or_proportional_digits(builds):
    """folio_digits only allows digits drawn one glyph each, unkerned, all as wide."""
    import re

    from publish.pdf.segmented.folios import FOLIO_SAMPLES, folio_digits

    pieces = (_pdf(builds["parallel"]).parent / PIECES).glob("*.pdf")
    path = next(p for p in pieces if len(pikepdf.open(p).pages) == len(FOLIO_SAMPLES))
    with pikepdf.open(path) as sample:
        assert folio_digits(sample, FOLIO_SAMPLES) is not None
        assert folio_digits(sample, [n + 1 for n in FOLIO_SAMPLES]) is None  # other numbers
    with pikepdf.open(path) as sample:
        page = sample.pages[10]  # 11: two glyphs, the second kerned
        content = page.obj.Contents.read_bytes()
        page.obj.Contents.write(re.sub(rb">0\] TJ", b">-20] TJ", content))
        assert folio_digits(sample, FOLIO_SAMPLES) is None
    with pikepdf.open(path) as sample:
        for font in sample.pages[0].obj.Resources.Font.values():
            widths = font.DescendantFonts[0].W
            widths[1] = pikepdf.Array([float(w) + index for index, w in enumerate(widths[1])])
        assert folio_digits(sample, FOLIO_SAMPLES) is None
