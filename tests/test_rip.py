"""What a printer's RIP makes of the print files: every variant (plain, PDF/X-4, PDF/X-1a,
grey, the cover, padded to a signature, a long book laid out in segments and joined)
rendered by Ghostscript and MuPDF without an error or a warning, separated by
Ghostscript's tiffsep (text on the black plate only, total ink within the limit), and
`publish check --print` failing on files broken in each way a printer's preflight would
catch, and passing the good ones."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image

from conftest import SAMPLE
from publish.build import build
from publish.cli import main
from publish.prepress.filecheck import registration_strokes

PT_PER_MM = 72 / 25.4
ISBN = "9787020002207"
#: Each variant's [pdf] table (and the cover's settings).
VARIANTS = {
    "plain": "signature = 16\n",
    "x4": 'standard = "pdf/x-4"\nbleed = 3\nmarks = true\nsignature = 16\n',
    "x1a": 'standard = "pdf/x-1a"\nbleed = 3\nmarks = true\nsignature = 16\n',
    "grey": 'standard = "pdf/x-4"\ncolour = "grey"\nbleed = 3\nsignature = 16\n',
}
#: MuPDF's own build says this of every file (Debian builds it without LittleCMS).
MUPDF_BUILD_NOTE = "warning: ICC support is not available"


def _variant(source: Path, folder: Path, pdf: str, extra: str = "") -> Path:
    shutil.copytree(source, folder)
    with open(folder / "book.toml", "a", encoding="utf-8") as handle:
        handle.write(f"\n[pdf]\n{pdf}{extra}")
    return folder


def _build_all(root: Path, source: Path, extra: str = "", **options) -> dict[str, dict]:
    """Each variant of `source` built once: its manuscript, interior and cover."""
    built = {}
    for name, pdf in VARIANTS.items():
        manuscript = _variant(source, root / name, pdf, extra)
        toml = (manuscript / "book.toml").read_text(encoding="utf-8")
        isbn = f'isbn = "{ISBN}"\n'
        toml = (
            toml.replace("[imprint]\n", "[imprint]\n" + isbn)
            if "[imprint]" in toml
            else (toml + "\n[imprint]\n" + isbn)
        )
        toml += "\n[cover]\npaper-caliper = 0.1\n"
        (manuscript / "book.toml").write_text(toml, encoding="utf-8")
        result = build(manuscript, root / f"{name}-out", ("pdf", "cover"), **options)
        interior, cover = result.written
        built[name] = {"manuscript": manuscript, "pdf": interior, "cover": cover}
    return built


@pytest.fixture(scope="module")
def sample_variants(tmp_path_factory, epoch) -> dict[str, dict]:
    """The sample book (16 pages once padded) in every variant, with its cover."""
    return _build_all(tmp_path_factory.mktemp("rip-sample"), SAMPLE)


LONG_PARAGRAPH = (
    "话说天下大势，分久必合，合久必分。周末七国分争，并入于秦；及秦灭之后，楚汉分争。" * 6
)


@pytest.fixture(scope="module")
def long_book(tmp_path_factory, epoch) -> dict[str, dict]:
    """A book of some 112 pages (over 50,000 characters: laid out in segments and joined,
    chapters ending on rectos get blank versos) with links, in every variant."""
    root = tmp_path_factory.mktemp("rip-long")
    source = root / "source"
    source.mkdir()
    names = []
    for number in range(1, 8):
        names.append(f"{number:02d}.md")
        text = f"# 第{number}回\n\n" + "\n\n".join([LONG_PARAGRAPH] * (39 + number))
        text += f"\n\n回看[第一回](#{'ch01'})。\n"
        (source / names[-1]).write_text(text, encoding="utf-8")
    chapters = ", ".join(f'"{name}"' for name in names)
    (source / "book.toml").write_text(
        f'[book]\ntitle = "长书"\nauthors = ["佚名"]\nlanguage = "zh-CN"\n'
        f"chapters = [{chapters}]\n",
        encoding="utf-8",
    )
    built = _build_all(root, source, segment_size=20_000, jobs=2)
    assert (root / "x4-out" / ".publish-cache").is_dir()  # really laid out in pieces
    return built


def _ghostscript(path: Path) -> str:
    done = subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=nullpage", str(path)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return (done.stdout + done.stderr).strip()


def _mupdf(path: Path) -> list[str]:
    said = []
    for command in (["draw", "-q", "-o", "/dev/null"], ["info"]):
        done = subprocess.run(
            ["mutool", *command, str(path)], capture_output=True, text=True, timeout=600
        )
        said += [
            line
            for line in (done.stdout + done.stderr).splitlines()
            if re.match(r"(warning|error)", line) and line != MUPDF_BUILD_NOTE
        ]
    return said


def _poppler(path: Path, tmp_path: Path) -> str:
    done = subprocess.run(
        ["pdftoppm", "-r", "10", "-png", str(path), str(tmp_path / "poppler")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return done.stderr.strip()


def _assert_renders(path: Path, tmp_path: Path) -> None:
    assert _ghostscript(path) == "", path
    assert _mupdf(path) == [], path
    assert _poppler(path, tmp_path) == "", path


def _check(manuscript: Path, pdf: Path, cover: Path | None = None) -> tuple[int, str]:
    args = ["check", "--print", "--all", str(manuscript), "--pdf", str(pdf)]
    if cover is not None:
        args += ["--cover", str(cover)]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("part", ["pdf", "cover"])
def test_the_sample_renders_cleanly_and_passes_the_preflight(
    sample_variants, variant, part, tmp_path
):
    """Ghostscript, MuPDF and poppler render every page (the padded blank pages too) with
    nothing to say, and the preflight passes."""
    built = sample_variants[variant]
    _assert_renders(built[part], tmp_path)
    code, output = _check(built["manuscript"], built["pdf"], built["cover"])
    assert code == 0, output


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
def test_a_long_segmented_book_renders_cleanly_and_passes(long_book, variant, tmp_path):
    built = long_book[variant]
    with pikepdf.open(built["pdf"]) as pdf:
        assert len(pdf.pages) == 112  # 7 signatures, the last padded
        for page in pdf.pages:  # the join's blank versos and the padding have boxes
            assert "/TrimBox" in page.obj and "/BleedBox" in page.obj
    _assert_renders(built["pdf"], tmp_path)
    _assert_renders(built["cover"], tmp_path)
    code, output = _check(built["manuscript"], built["pdf"], built["cover"])
    assert code == 0, output


def test_blank_signature_pages_have_content_that_decodes(sample_variants):
    with pikepdf.open(sample_variants["plain"]["pdf"]) as pdf:
        assert len(pdf.pages) == 16
        last = pdf.pages[-1]
        assert last.obj.Contents.read_bytes().strip() == b"q Q"
        assert list(last.obj.TrimBox) == list(last.obj.MediaBox)  # no bleed: the page
    with pikepdf.open(sample_variants["x4"]["pdf"]) as pdf:
        for index in (-2, -1):  # a verso's and a recto's boxes, each as its side's
            blank, model = pdf.pages[index].obj, pdf.pages[index - 2].obj
            assert list(blank.BleedBox) == list(model.BleedBox)
            assert list(blank.TrimBox) == list(model.TrimBox)


def test_pdf_x_keys_fonts_and_metadata(sample_variants):
    with pikepdf.open(sample_variants["x1a"]["pdf"]) as pdf:
        assert pdf.pdf_version == "1.4"
        assert str(pdf.docinfo.GTS_PDFXVersion) == "PDF/X-1:2003"
        assert str(pdf.docinfo.GTS_PDFXConformance) == "PDF/X-1a:2003"
        subtypes = {
            str(o.FontFile3.Subtype)
            for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary) and "/FontFile3" in o
        }
        assert subtypes == {"/CIDFontType0C"}
        assert all("/Annots" not in page.obj for page in pdf.pages)
    with (
        pikepdf.open(sample_variants["x4"]["pdf"]) as pdf,
        pikepdf.open(sample_variants["plain"]["pdf"]) as plain,
    ):
        meta = pdf.open_metadata()
        assert meta["xmpMM:DocumentID"].startswith("uuid:")
        assert meta["xmpMM:RenditionClass"] == "default" and meta["xmpMM:VersionID"] == "1"
        assert str(pdf.docinfo.ModDate)[2:16] == meta["xmp:ModifyDate"][:19].translate(
            str.maketrans("", "", "-T:")
        )
        assert "/ID" in pdf.trailer and "/ID" in plain.trailer
        intent = pdf.Root.OutputIntents[0]
        assert str(intent.OutputConditionIdentifier) == "FOGRA39"
        assert str(intent.RegistryName) == "http://www.color.org"
        links = sum(len(page.obj.get("/Annots") or []) for page in plain.pages)
        assert links > 0  # the screen edition keeps its links; X-4 has none
        assert all("/Annots" not in page.obj for page in pdf.pages)
        for page in pdf.pages:
            spaces = (page.obj.Resources.get("/ColorSpace") or {}).values()
            assert not any(isinstance(s, pikepdf.Array) and s[0] == "/Lab" for s in spaces)


def test_every_pdf_has_a_file_identifier(rich, sample_variants):
    """The screen PDF of a book laid out in one document (no padding) too."""
    for path in (rich.pdf, sample_variants["plain"]["cover"], sample_variants["x4"]["pdf"]):
        with pikepdf.open(path) as pdf:
            assert "/ID" in pdf.trailer, path


@pytest.mark.slow
def test_a_named_condition_and_x1a_2001(tmp_path, epoch):
    """`output-condition = "FOGRA29"` (uncoated): its registry name in the OutputIntent and
    its profile, made from icc-profiles-free's data; X-1a:2001 is PDF 1.3 with its keys."""
    pdf = 'standard = "pdf/x-1a:2001"\noutput-condition = "fogra29"\n'
    manuscript = _variant(SAMPLE, tmp_path / "m", pdf)
    path = build(manuscript, tmp_path / "out", ("pdf",)).written[0]
    with pikepdf.open(path) as pdf:
        assert pdf.pdf_version == "1.3"
        assert str(pdf.docinfo.GTS_PDFXVersion) == "PDF/X-1:2001"
        assert str(pdf.docinfo.GTS_PDFXConformance) == "PDF/X-1a:2001"
        intent = pdf.Root.OutputIntents[0]
        assert str(intent.OutputConditionIdentifier) == "FOGRA29"
        assert (
            str(intent.Info) == "Uncoated FOGRA29 (ISO 12647-2:2004/Amd 1, paper type 4, uncoated)"
        )
    _assert_renders(path, tmp_path)
    code, output = _check(manuscript, path)
    assert code == 0, output


def test_subset_tags_differ_between_interior_and_cover(sample_variants):
    def tags(path: Path) -> dict[str, bytes]:
        with pikepdf.open(path) as pdf:
            return {
                str(o.FontName): o.get("/FontFile3", o.get("/FontFile2")).read_raw_bytes()
                for o in pdf.objects
                if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/FontDescriptor"
            }

    interior, cover = tags(sample_variants["x4"]["pdf"]), tags(sample_variants["x4"]["cover"])
    for name in interior.keys() & cover.keys():
        assert interior[name] == cover[name], name  # a shared tag is the same subset


def _separations(path: Path, folder: Path, first: int, last: int, dpi: int = 50) -> dict:
    """tiffsep's plates of pages first..last: {(page, ink): image (255 = no ink)}."""
    folder.mkdir(exist_ok=True)
    subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep", f"-r{dpi}",
         f"-dFirstPage={first}", f"-dLastPage={last}", f"-sOutputFile={folder}/p%03d.tif",
         str(path)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    plates = {}
    for tif in folder.glob("p*(*).tif"):
        match = re.fullmatch(r"p(\d+)\((\w+)\)\.tif", tif.name)
        assert match, tif.name
        plates[(int(match[1]) + first - 1, match[2])] = Image.open(tif).convert("L")
    return plates


def _inside_bleed(path: Path, page: int, dpi: int) -> tuple[int, int, int, int]:
    """The BleedBox of `page` in pixels of a rendering at `dpi` (top-left origin)."""
    with pikepdf.open(path) as pdf:
        obj = pdf.pages[page - 1].obj
        media, bleed = [float(v) for v in obj.MediaBox], [float(v) for v in obj.BleedBox]
    scale = dpi / 72
    return (
        round((bleed[0] - media[0]) * scale) + 1,
        round((media[3] - bleed[3]) * scale) + 1,
        round((bleed[2] - media[0]) * scale) - 1,
        round((media[3] - bleed[1]) * scale) - 1,
    )


@pytest.mark.parametrize("variant", ["x4", "x1a", "grey"])
def test_separations_text_on_black_only_marks_on_every_plate(sample_variants, variant, tmp_path):
    """Inside the bleed, the text pages of the sample print on the black plate only;
    the crop marks (registration colour) are on all four plates."""
    path = sample_variants[variant]["pdf"]
    plates = _separations(path, tmp_path / "sep", 1, 10)
    text_pages = 0
    for page in range(1, 11):
        box = _inside_bleed(path, page, 50)
        text_pages += plates[(page, "Black")].crop(box).getextrema()[0] < 128
        for ink in ("Cyan", "Magenta", "Yellow"):
            assert plates[(page, ink)].crop(box).getextrema()[0] == 255, (page, ink)
            if variant != "grey":  # marks, outside the bleed
                assert plates[(page, ink)].getextrema()[0] < 255, (page, ink)
    assert text_pages >= 7


@pytest.fixture(scope="module")
def colour_book(tmp_path_factory, epoch) -> tuple[Path, Path]:
    """The rich manuscript's colour chapter (a saturated photo, a gradient) and a night
    photo (RGB black: 329 % of ink through FOGRA39) in PDF/X-4 with a 280 % ink limit."""
    from test_prepress import _print_manuscript

    root = tmp_path_factory.mktemp("rip-colour")
    pdf = 'standard = "pdf/x-4"\nbleed = 3\nink-limit = 280\n'
    manuscript = _print_manuscript(root / "m", pdf)
    night = Image.new("RGB", (900, 600), (0, 0, 0))
    night.paste((25, 15, 35), (450, 0, 900, 600))
    night.save(manuscript / "images" / "night.png")
    with open(manuscript / "04-print.md", "a", encoding="utf-8") as handle:
        handle.write("\n夜景：\n\n![夜景](images/night.png)\n")
    return manuscript, build(manuscript, root / "out", ("pdf",)).written[0]


@pytest.mark.slow
def test_total_ink_stays_within_the_limit_on_every_plate(colour_book, tmp_path):
    """The images' and colours' total ink inside the bleed (the marks outside are on all
    four plates), as Ghostscript separates them, reaches the 280 % limit and stays there."""
    manuscript, path = colour_book
    with pikepdf.open(path) as pdf:
        count = len(pdf.pages)
    plates = _separations(path, tmp_path / "sep", 1, count, dpi=20)
    highest = 0.0
    for page in range(1, count + 1):
        box = _inside_bleed(path, page, 20)
        inks = [plates[(page, ink)].crop(box) for ink in ("Cyan", "Magenta", "Yellow", "Black")]
        pixels = zip(*(i.tobytes() for i in inks), strict=True)
        highest = max(highest, max(sum(255 - p for p in pixel) for pixel in pixels) / 2.55)
    assert 270 < highest <= 281, highest
    code, output = _check(manuscript, path)
    assert code == 0, output


# --- the preflight on broken files -------------------------------------------------------


def _empty_stream(pdf: pikepdf.Pdf) -> None:
    """What pikepdf's add_blank_page made: qpdf compresses an empty stream to no bytes."""
    pdf.pages[3].obj.Contents = pdf.make_stream(b"")


def _wrong_key(pdf: pikepdf.Pdf) -> None:
    pdf.docinfo.GTS_PDFXVersion = "PDF/X-1a:2003"


def _opentype_font(pdf: pikepdf.Pdf) -> None:
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and "/FontFile3" in obj:
            obj.FontFile3.Subtype = pikepdf.Name.OpenType


def _link_in_trim(pdf: pikepdf.Pdf) -> None:
    page = pdf.pages[3]
    link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[100, 100, 200, 120],
        Border=[0, 0, 0], A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI="https://example.org"),
    )  # fmt: skip
    page.obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(link)]))


def _image(pdf: pikepdf.Pdf, mode: str, colour: tuple) -> None:
    page = pdf.pages[3]
    picture = Image.new(mode, (40, 40), colour)
    space = {"RGB": pikepdf.Name.DeviceRGB, "CMYK": pikepdf.Name.DeviceCMYK}[mode]
    image = pdf.make_stream(
        zlib.compress(picture.tobytes()), Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image, Width=40, Height=40, ColorSpace=space,
        BitsPerComponent=8, Filter=pikepdf.Name.FlateDecode,
    )  # fmt: skip
    resources = page.obj.Resources
    if "/XObject" not in resources:
        resources.XObject = pikepdf.Dictionary()
    resources.XObject["/Broken"] = image
    page.contents_add(pdf.make_stream(b"q 100 0 0 100 150 300 cm /Broken Do Q\n"))


def _grey_group(pdf: pikepdf.Pdf) -> None:
    """A form blending in DeviceGray, as WeasyPrint writes them for translucent drawings."""
    page = pdf.pages[3]
    form = pdf.make_stream(
        b"0.5 g 0 0 50 50 re f\n", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
        BBox=[0, 0, 50, 50], Group=pikepdf.Dictionary(
            Type=pikepdf.Name.Group, S=pikepdf.Name.Transparency, CS=pikepdf.Name.DeviceGray
        ),
    )  # fmt: skip
    resources = page.obj.Resources
    if "/XObject" not in resources:
        resources.XObject = pikepdf.Dictionary()
    resources.XObject["/Translucent"] = form
    page.contents_add(pdf.make_stream(b"q 1 0 0 1 150 300 cm /Translucent Do Q\n"))


def _dates_apart(pdf: pikepdf.Pdf) -> None:
    date = str(pdf.docinfo.ModDate)
    pdf.docinfo.ModDate = date[:14] + f"{(int(date[14:16]) + 3) % 60:02d}" + date[16:]


BROKEN = {
    "empty stream": ("x4", _empty_stream, r"content stream \d+ is empty"),
    "wrong key": ("x1a", _wrong_key, "GTS_PDFXVersion/GTS_PDFXConformance are 'PDF/X-1a:2003'"),
    "OpenType in X-1a": ("x1a", _opentype_font, r"embedded as OpenType .* in a PDF 1.4"),
    "link in the trim": ("x4", _link_in_trim, "Link annotation inside the BleedBox"),
    "RGB image": ("x4", lambda pdf: _image(pdf, "RGB", (200, 30, 30)), "RGB image /Broken"),
    "ink-heavy image": (
        "x4",
        lambda pdf: _image(pdf, "CMYK", (255, 255, 255, 255)),
        "image /Broken reaches 400 % total ink, above the 300 % limit",
    ),
    "dates apart": ("x4", _dates_apart, r"Info ModDate \(.*\) differs from XMP xmp:ModifyDate"),
    "grey group": ("grey", _grey_group, "form /Translucent blends in DeviceGray"),
}


@pytest.mark.parametrize("fault", BROKEN)
def test_check_print_catches_each_broken_file(sample_variants, fault, tmp_path):
    variant, edit, message = BROKEN[fault]
    built = sample_variants[variant]
    broken = tmp_path / f"{variant}.pdf"
    with pikepdf.open(built["pdf"]) as pdf:
        edit(pdf)
        pdf.save(broken)  # (qpdf writes an empty stream as zero bytes of Flate data)
    code, output = _check(built["manuscript"], broken)
    assert code == 1, output
    assert re.search(message, output), output
    others = [m for f, (_, _, m) in BROKEN.items() if f != fault and re.search(m, output)]
    assert not others, output  # its own message, not another fault's


# --- the cover ---------------------------------------------------------------------------


def test_cover_has_crop_and_fold_marks_and_a_barcode_that_reads(sample_variants, tmp_path):
    with pikepdf.open(sample_variants["x4"]["cover"]) as pdf:
        page = pdf.pages[0]
        trim = [float(v) for v in page.obj.TrimBox]
        strokes = registration_strokes(pdf, page)
    vertical = {round(x0, 1) for x0, _, x1, _, _ in strokes if abs(x0 - x1) < 0.01}
    assert {round(trim[0], 1), round(trim[2], 1)} <= vertical  # crop marks
    fold = trim[0] + (trim[2] - trim[0]) / 2  # 16 pages: saddle-stitched, one fold
    assert any(abs(x - fold) < 0.2 for x in vertical), (fold, vertical)
    assert all(0.25 <= width <= 0.3 for *_, width in strokes)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-gray", "-png", str(sample_variants["x4"]["cover"]),
         str(tmp_path / "cover")], check=True, timeout=300,
    )  # fmt: skip
    image = next(tmp_path.glob("cover*.png"))
    done = subprocess.run(
        ["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True, timeout=300
    )
    assert done.stdout.strip() == ISBN, done.stderr
    with pikepdf.open(sample_variants["plain"]["cover"]) as pdf:  # no marks asked: none drawn
        assert registration_strokes(pdf, pdf.pages[0]) == []
