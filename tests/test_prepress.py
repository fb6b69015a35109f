"""The print-ready interior: bleed and page boxes, PDF/X (OutputIntent, K-only black text,
no RGB anywhere), grey books, PDF/UA tags, and `publish check --print` catching each fault
a printer would find in files broken on purpose."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw

from conftest import RICH
from publish.build import build
from publish.cli import main
from publish.config import load_config
from publish.prepress import finish
from publish.prepress.colour import is_rgb_space
from publish.prepress.preflight import CoverSize, preflight

PT_PER_MM = 72 / 25.4
ICC = "/usr/share/color/icc/ghostscript"  # Debian's libgs-common
TRIM = (185.0, 260.0)  # 16K
SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120" viewBox="0 0 300 120">
  <defs><linearGradient id="g" x1="0" x2="1"><stop offset="0" stop-color="#1e6fd9"/>
  <stop offset="1" stop-color="#f2c230"/></linearGradient></defs>
  <rect x="5" y="5" width="140" height="110" fill="#d93a2b" stroke="#2b8a3e" stroke-width="4"/>
  <rect x="155" y="5" width="140" height="110" fill="url(#g)"/>
</svg>
"""
CHAPTER = """# 印刷与出血

一幅彩色的示意图（SVG），红色与渐变都要转成 CMYK：

![彩色示意图](images/diagram.svg)

一张高分辨率的照片：

![高分辨率照片](images/photo.png)

下一页是一张满版出血的插图。

![满版插图](images/plate.png){.full-bleed}

插图之后，正文继续。
"""


def _print_manuscript(folder: Path, pdf: str) -> Path:
    """The rich manuscript with a chapter of colour (SVG, a 2400-pixel photo with
    transparency, a full-bleed plate) and `pdf` as its [pdf] table."""
    shutil.copytree(RICH, folder)
    (folder / "images" / "diagram.svg").write_text(SVG, encoding="utf-8")
    photo = Image.new("RGBA", (2400, 1600), (40, 90, 160, 255))
    draw = ImageDraw.Draw(photo)
    for x in range(0, 2400, 100):
        draw.rectangle([x, 0, x + 50, 1600], fill=(220, 120, 40, 255))
    draw.ellipse([600, 300, 1800, 1300], fill=(250, 240, 200, 128))
    photo.save(folder / "images" / "photo.png")
    photo.convert("RGB").resize((600, 850)).save(folder / "images" / "plate.png")
    (folder / "04-print.md").write_text(CHAPTER, encoding="utf-8")
    toml = (folder / "book.toml").read_text(encoding="utf-8")
    toml = toml.replace('"03-shiyu.md"]', '"03-shiyu.md", "04-print.md"]')
    (folder / "book.toml").write_text(toml + "\n[pdf]\n" + pdf, encoding="utf-8")
    return folder


X4 = 'page-size = "16K"\nstandard = "pdf/x-4"\nbleed = 3\n'


@pytest.fixture(scope="module")
def x4(tmp_path_factory, epoch) -> tuple[Path, Path]:
    """(manuscript, PDF) of a PDF/X-4 book in 16K with 3 mm bleed, in one document."""
    root = tmp_path_factory.mktemp("x4")
    manuscript = _print_manuscript(root / "m", X4)
    result = build(manuscript, root / "out", ("pdf",), segment_size=10**9)
    return manuscript, result.written[0]


@pytest.fixture(scope="module")
def x4_segmented(tmp_path_factory, epoch) -> tuple[Path, Path]:
    """The same book laid out in segments of one chapter, joined."""
    root = tmp_path_factory.mktemp("x4seg")
    manuscript = _print_manuscript(root / "m", X4 + "marks = true\n")
    result = build(manuscript, root / "out", ("pdf",), segment_size=1, jobs=2)
    assert (root / "out" / ".publish-cache").is_dir()  # really laid out in pieces
    return manuscript, result.written[0]


def _mm(box) -> list[float]:
    return [float(v) / PT_PER_MM for v in box]


def _assert_boxes(pdf_path: Path, bleed: float = 3.0) -> None:
    with pikepdf.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            media = _mm(page.obj.MediaBox)
            trim, box = _mm(page.obj.TrimBox), _mm(page.obj.BleedBox)
            assert trim[2] - trim[0] == pytest.approx(TRIM[0], abs=0.05), number
            assert trim[3] - trim[1] == pytest.approx(TRIM[1], abs=0.05), number
            for side in range(4):
                sign = -1 if side < 2 else 1
                assert box[side] - trim[side] == pytest.approx(sign * bleed, abs=0.01), number
            assert media[0] <= box[0] + 1e-3 and media[1] <= box[1] + 1e-3, number
            assert media[2] >= box[2] - 1e-3 and media[3] >= box[3] - 1e-3, number


def _streams(pdf: pikepdf.Pdf):
    """Every content stream of the file with its resources: pages, forms, tiling
    patterns, soft masks, annotation appearances (each once)."""
    seen: set = set()

    def resources_of(found):
        if found is None:
            return
        for xobject in (found.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                yield xobject, xobject.get("/Resources")
                yield from resources_of(xobject.get("/Resources"))
        for pattern in (found.get("/Pattern") or {}).values():
            if isinstance(pattern, pikepdf.Stream) and pattern.objgen not in seen:
                seen.add(pattern.objgen)
                yield pattern, pattern.get("/Resources")
                yield from resources_of(pattern.get("/Resources"))
        for state in (found.get("/ExtGState") or {}).values():
            mask = state.get("/SMask")
            if isinstance(mask, pikepdf.Dictionary) and mask.G.objgen not in seen:
                seen.add(mask.G.objgen)
                yield mask.G, mask.G.get("/Resources")
                yield from resources_of(mask.G.get("/Resources"))

    for page in pdf.pages:
        yield page, page.obj.get("/Resources")
        yield from resources_of(page.obj.get("/Resources"))
        for annotation in page.obj.get("/Annots") or []:
            for state in (annotation.get("/AP") or {}).values():
                if isinstance(state, pikepdf.Stream):
                    yield state, state.get("/Resources")


def _assert_no_rgb(pdf_path: Path) -> None:
    """No RGB colour operator, colour space, image, shading or group anywhere."""
    with pikepdf.open(pdf_path) as pdf:
        for stream, resources in _streams(pdf):
            for operands, operator in pikepdf.parse_content_stream(stream):
                assert str(operator) not in ("rg", "RG"), (operator, operands)
                if str(operator) in ("cs", "CS"):
                    assert str(operands[0]) != "/DeviceRGB"
            if resources is None:
                continue
            for space in (resources.get("/ColorSpace") or {}).values():
                assert not is_rgb_space(space)
            for shading in (resources.get("/Shading") or {}).values():
                assert not is_rgb_space(shading.get("/ColorSpace"))
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                continue
            if obj.get("/Subtype") == "/Image":
                assert not is_rgb_space(obj.get("/ColorSpace")), obj.objgen
            if obj.get("/Type") == "/Group" or ("/S" in obj and obj.get("/S") == "/Transparency"):
                assert not is_rgb_space(obj.get("/CS")), obj.objgen
            if "/ShadingType" in obj:
                assert not is_rgb_space(obj.get("/ColorSpace")), obj.objgen


def _text_colours(pdf_path: Path) -> list[tuple[str, tuple]]:
    """The fill colour in force at every text show operator of every page."""
    found = []
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            fill: tuple[str, tuple] = ("initial", ())
            stack = []
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op in ("k", "g", "rg", "sc", "scn"):
                    fill = (op, tuple(float(v) for v in operands if isinstance(v, int | Decimal)))
                elif op == "q":
                    stack.append(fill)
                elif op == "Q" and stack:
                    fill = stack.pop()
                elif op in ("Tj", "TJ", "'", '"'):
                    found.append(fill)
    return found


def _run_check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--print", *args])
    return result.exit_code, result.output


# --- the built book ------------------------------------------------------------------


def test_x4_every_page_has_trim_and_bleed_boxes(x4):
    _assert_boxes(x4[1])


def test_x4_output_intent_and_version_keys(x4):
    with pikepdf.open(x4[1]) as pdf:
        assert pdf.pdf_version == "1.6"
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFX"
        assert int(intent.DestOutputProfile.N) == 4
        assert intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"
        assert pdf.docinfo.GTS_PDFXVersion == "PDF/X-4"
        assert pdf.docinfo.Trapped == "/False"
        xmp = str(pdf.open_metadata())
        assert re.search(r"<pdfxid:GTS_PDFXVersion[^>]*>PDF/X-4<", xmp), xmp
        assert pdf.trailer.ID  # PDF/X wants a file identifier


def test_x4_text_is_k_only_black(x4):
    _assert_k_only_text(x4[1])


def _assert_k_only_text(pdf_path: Path) -> None:
    """Every text show is under a CMYK fill: black text `0 0 0 1 k` (most of it),
    coloured text (highlighted code) converted, none of it four-colour black."""
    colours = _text_colours(pdf_path)
    assert len(colours) > 300
    assert {space for space, _ in colours} == {"k"}, set(colours)
    black = [values for _, values in colours if values == (0.0, 0.0, 0.0, 1.0)]
    assert len(black) > 0.9 * len(colours)
    for _, (c, m, y, k) in colours:
        assert not (k >= 0.5 and min(c, m, y) > 0.05), (c, m, y, k)  # no rich black


def test_x4_has_no_rgb_anywhere(x4):
    _assert_no_rgb(x4[1])


def test_x4_colours_converted_not_lost(x4):
    """The SVG's red is CMYK with magenta and yellow (not grey); the photo is CMYK."""
    with pikepdf.open(x4[1]) as pdf:
        fills = set()
        for stream, _ in _streams(pdf):
            for operands, _operator in pikepdf.parse_content_stream(stream, "k"):
                fills.add(tuple(float(v) for v in operands))
        assert any(m > 0.6 and y > 0.6 and c < 0.3 for c, m, y, _k in fills), fills
        images = [
            o for o in pdf.objects if _is_image(o) and int(o.Width) == 2400 and "/SMask" in o
        ]  # the photo (its soft mask is a grey image)
        assert images and all(image.ColorSpace == "/DeviceCMYK" for image in images)
        pixels = Image.frombytes("CMYK", (2400, 1600), images[0].read_bytes())
        c, m, y, k = pixels.getpixel((70, 10))  # a blue stripe
        assert c > m > y


def test_full_bleed_figure_reaches_the_bleed_box(x4):
    """The plate marked {.full-bleed} covers its page's BleedBox, and preflight accepts
    it (an image reaching beyond the trim is a background, not a safety-margin fault)."""
    pages = 0
    with pikepdf.open(x4[1]) as pdf:
        for page in pdf.pages:
            names = [n for n, x in (page.obj.Resources.get("/XObject") or {}).items()
                     if x.get("/Subtype") == "/Image" and int(x.Height) == 850]  # fmt: skip
            if not any(name.encode() + b" Do" in _content(page) for name in names):
                continue
            drawn = _image_box(page, names)
            bleed = [float(v) for v in page.obj.BleedBox]
            assert drawn[0] <= bleed[0] + 0.5 and drawn[1] <= bleed[1] + 0.5, (drawn, bleed)
            assert drawn[2] >= bleed[2] - 0.5 and drawn[3] >= bleed[3] - 0.5, (drawn, bleed)
            assert b"TJ" not in _content(page)  # no folio or running head over it
            pages += 1
    assert pages == 1
    assert preflight(x4[1], load_config(x4[0] / "book.toml").settings.pdf).ok


def _image_box(page, names) -> list[float]:
    """The box an image of `names` is drawn in (following cm, q and Q)."""
    from publish.prepress.preflight import IDENTITY, _apply, _multiply

    ctm, stack = IDENTITY, []
    for operands, operator in pikepdf.parse_content_stream(page, "q Q cm Do"):
        op = str(operator)
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop()
        elif op == "cm":
            ctm = _multiply(tuple(float(v) for v in operands), ctm)
        elif op == "Do" and str(operands[0]) in names:
            corners = [_apply(ctm, x, y) for x in (0, 1) for y in (0, 1)]
            xs, ys = [p[0] for p in corners], [p[1] for p in corners]
            return [min(xs), min(ys), max(xs), max(ys)]
    raise AssertionError("image not drawn")


def test_check_print_passes_on_the_x4_book(x4):
    code, output = _run_check(str(x4[0]), "--pdf", str(x4[1]))
    assert code == 0, output
    assert "0 error(s)" in output and "OK" in output
    code, output = _run_check(str(x4[0]))  # building the PDF itself
    assert code == 0, output
    assert output.startswith("rich.pdf: 1") and "0 error(s)" in output


@pytest.mark.slow
def test_the_configured_output_profile_is_used(tmp_path, epoch):
    """The printer's profile (here Ghostscript's, renamed) is the OutputIntent's."""
    profile = Path(f"{ICC}/default_cmyk.icc").read_bytes().replace(b"Artifex", b"Printer")
    manuscript = _print_manuscript(
        tmp_path / "m", 'standard = "pdf/x-4"\noutput-profile = "icc/press.icc"\n'
    )
    (manuscript / "icc").mkdir()
    (manuscript / "icc" / "press.icc").write_bytes(profile)
    pdf_path = build(manuscript, tmp_path / "out", ("pdf",)).written[0]
    with pikepdf.open(pdf_path) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert intent.DestOutputProfile.read_bytes() == profile
        # Not a registered condition: "Custom", the profile's description as its condition.
        assert str(intent.OutputConditionIdentifier) == "Custom"
        assert str(intent.OutputCondition) == "Printer CMYK SWOP Profile"
        assert "/RegistryName" not in intent
    _assert_no_rgb(pdf_path)
    # A new profile from the printer, book.toml unchanged: the PDF is built again with it.
    (manuscript / "icc" / "press.icc").write_bytes(profile.replace(b"Printer", b"Presses"))
    again = build(manuscript, tmp_path / "out", ("pdf",))
    assert not again.cached
    with pikepdf.open(pdf_path) as pdf:
        assert b"Presses" in pdf.Root.OutputIntents[0].DestOutputProfile.read_bytes()


@pytest.mark.slow
def test_segmented_x4_book_keeps_boxes_colour_and_passes(x4_segmented):
    manuscript, pdf_path = x4_segmented
    _assert_boxes(pdf_path)
    _assert_no_rgb(pdf_path)
    _assert_k_only_text(pdf_path)
    with pikepdf.open(pdf_path) as pdf:  # the plate's page got no folio stamped on it
        plates = [page for page in pdf.pages if any(
            x.get("/Subtype") == "/Image" and int(x.Height) == 850
            and name.encode() + b" Do" in _content(page)
            for name, x in (page.obj.Resources.get("/XObject") or {}).items())]  # fmt: skip
        assert len(plates) == 1 and b"/Folio" not in _content(plates[0])
    with pikepdf.open(pdf_path) as pdf:
        # the join added blank versos: they have their boxes too (checked above)
        assert any(b"TJ" not in _content(page) and b"Do" not in _content(page)
                   for page in pdf.pages)  # fmt: skip
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFX"
    code, output = _run_check(str(manuscript), "--pdf", str(pdf_path))
    assert code == 0, output


def test_crop_marks_lie_outside_the_bleed(x4, x4_segmented, tmp_path):
    """With marks, the MediaBox has room beyond the bleed and the marks are drawn there,
    at the trim lines; without, the MediaBox is the BleedBox."""
    import subprocess

    with pikepdf.open(x4[1]) as pdf:
        page = pdf.pages[0]
        assert _mm(page.obj.MediaBox) == pytest.approx(_mm(page.obj.BleedBox), abs=0.01)
    with pikepdf.open(x4_segmented[1]) as pdf:
        media, trim = _mm(pdf.pages[0].obj.MediaBox), _mm(pdf.pages[0].obj.TrimBox)
    assert trim[0] - media[0] == pytest.approx(12, abs=0.01)  # 2 × 3 mm bleed + 6 mm
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-f", "1", "-l", "1", "-png",
                    str(x4_segmented[1]), str(tmp_path / "p")], check=True)  # fmt: skip
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    scale = 150 / 25.4  # pixels per mm
    trim_x = round((trim[0] - media[0]) * scale)
    # A vertical crop mark at the trim's left edge, in the slug above the page (within 6 mm
    # of the sheet's edge), and nothing in the 3 mm bleed beside the trim's corner.
    column = [image.getpixel((x, y)) for x in range(trim_x - 2, trim_x + 3) for y in range(30)]
    assert min(column) < 100
    bleed = round(3 * scale)
    corner = [image.getpixel((x, y)) for x in range(trim_x - bleed, trim_x)
              for y in range(trim_x - bleed, trim_x)]  # fmt: skip
    assert min(corner) > 240


def test_default_build_stays_a_screen_pdf(rich):
    with pikepdf.open(rich.pdf) as pdf:
        assert "/OutputIntents" not in pdf.Root
        for page in pdf.pages:
            assert list(page.obj.TrimBox) == list(page.obj.MediaBox)
        ops = {str(op) for _, op in pikepdf.parse_content_stream(pdf.pages[0])}
        assert "k" not in ops


# --- X-1a, grey, PDF/UA ----------------------------------------------------------------


@pytest.mark.slow
def test_x1a_is_pdf14_without_transparency(tmp_path, epoch):
    manuscript = _print_manuscript(tmp_path / "m", 'page-size = "32K"\nstandard = "pdf/x-1a"\n')
    pdf_path = build(manuscript, tmp_path / "out", ("pdf",)).written[0]
    with pikepdf.open(pdf_path) as pdf:
        assert pdf.pdf_version == "1.4"
        assert pdf.docinfo.GTS_PDFXConformance == "PDF/X-1a:2003"
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                assert "/SMask" not in obj or obj.SMask == "/None", obj.objgen
                assert float(obj.get("/ca", 1)) == 1 and float(obj.get("/CA", 1)) == 1
                assert obj.get("/S") != "/Transparency"
    _assert_no_rgb(pdf_path)
    code, output = _run_check(str(manuscript), "--pdf", str(pdf_path))
    assert code == 0, output


@pytest.mark.slow
def test_grey_book_has_grey_images_and_grey_text(tmp_path, epoch):
    manuscript = _print_manuscript(tmp_path / "m", 'standard = "pdf/x-4"\ncolour = "grey"\n')
    pdf_path = build(manuscript, tmp_path / "out", ("pdf",)).written[0]
    _assert_no_rgb(pdf_path)
    with pikepdf.open(pdf_path) as pdf:
        spaces = {str(o.ColorSpace) for o in pdf.objects if isinstance(o, pikepdf.Stream)
                  and o.get("/Subtype") == "/Image"}  # fmt: skip
        assert spaces == {"/DeviceGray"}
        for stream, _ in _streams(pdf):
            for operands, _op in pikepdf.parse_content_stream(stream, "k K"):
                assert [float(v) for v in operands][:3] == [0, 0, 0]  # K only, if any
    assert {fill[0] for fill in _text_colours(pdf_path)} <= {"k", "g"}


@pytest.mark.slow
def test_pdf_ua_tags_survive_a_long_book(tmp_path, epoch):
    """A tagged book is laid out in one document even when it would be segmented: its
    structure tree has headings, paragraphs and figures with their alt text."""
    manuscript = _print_manuscript(tmp_path / "m", 'standard = "pdf/ua-1"\n')
    pdf_path = build(manuscript, tmp_path / "out", ("pdf",), segment_size=1).written[0]
    with pikepdf.open(pdf_path) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.Root.Lang) == "zh-CN"
        assert "pdfuaid" in str(pdf.open_metadata())
        kinds: dict[str, list] = {}

        def walk(element) -> None:
            if isinstance(element, pikepdf.Dictionary) and "/S" in element:
                kinds.setdefault(str(element.S), []).append(element)
            kids = element.get("/K") if isinstance(element, pikepdf.Dictionary) else None
            if isinstance(kids, pikepdf.Array):
                for kid in kids:
                    walk(kid)
            elif isinstance(kids, pikepdf.Dictionary):
                walk(kids)

        walk(pdf.Root.StructTreeRoot)
        assert {"/H1", "/P", "/Figure", "/Table", "/L"} <= kinds.keys(), kinds.keys()
        alts = {str(figure.get("/Alt", "")) for figure in kinds["/Figure"]}
        assert {"彩色示意图", "高分辨率照片", "满版插图"} <= alts
        parents = pdf.Root.StructTreeRoot.ParentTree
        assert len(pdf.pages) > 10 and "/Nums" in parents or "/Kids" in parents
        assert all("/StructParents" in page.obj for page in pdf.pages)
        assert not (tmp_path / "out" / ".publish-cache").exists() or not any(
            (tmp_path / "out" / ".publish-cache").glob("*.pdf")
        )


# --- the preflight on broken files -----------------------------------------------------


def _broken(source: Path, target: Path, edit) -> Path:
    with pikepdf.open(source) as pdf:
        edit(pdf)
        pdf.save(target)
    return target


def _body_page(pdf: pikepdf.Pdf) -> int:
    """Index of a right-hand page with text (the first chapter's opening)."""
    for index, page in enumerate(pdf.pages):
        if index % 2 == 0 and index > 2 and b"TJ" in _content(page):
            return index
    raise AssertionError


def _is_image(obj) -> bool:
    return isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"


def _content(page) -> bytes:
    contents = page.obj.Contents
    parts = contents if isinstance(contents, pikepdf.Array) else [contents]
    return b"\n".join(part.read_bytes() for part in parts)


def _replace_content(pdf: pikepdf.Pdf, index: int, change) -> None:
    page = pdf.pages[index]
    page.obj.Contents = pdf.make_stream(change(_content(page)))


def _messages(path: Path, manuscript: Path, cover: CoverSize | None = None) -> list[str]:
    settings = load_config(manuscript / "book.toml").settings.pdf
    return [str(finding) for finding in preflight(path, settings, cover).findings]


def test_preflight_catches_rgb_text(x4, tmp_path):
    manuscript, good = x4
    index = 0

    def edit(pdf):
        nonlocal index
        index = _body_page(pdf)
        _replace_content(pdf, index, lambda data: data.replace(b"0 0 0 1 k", b"0 0 0 rg"))

    broken = _broken(good, tmp_path / "rgb.pdf", edit)
    messages = _messages(broken, manuscript)
    assert f"error: page {index + 1}: text in RGB" in messages
    assert f"error: page {index + 1}: RGB colour (rg operator)" in messages
    code, output = _run_check(str(manuscript), "--pdf", str(broken))
    assert code == 1 and "text in RGB" in output


def test_preflight_catches_rich_black_text(x4, tmp_path):
    manuscript, good = x4
    index = 0

    def edit(pdf):
        nonlocal index
        index = _body_page(pdf)
        _replace_content(pdf, index, lambda data: data.replace(b"0 0 0 1 k", b"0.6 0.5 0.4 1 k"))

    messages = _messages(_broken(good, tmp_path / "rich.pdf", edit), manuscript)
    assert (
        f"error: page {index + 1}: text in four-colour black (0.6 0.5 0.4 1 k), not K only"
        in messages
    )


def test_preflight_catches_a_missing_trim_box(x4, tmp_path):
    manuscript, good = x4

    def edit(pdf):
        del pdf.pages[2].obj.TrimBox

    messages = _messages(_broken(good, tmp_path / "trim.pdf", edit), manuscript)
    assert messages == ["error: page 3: no TrimBox"] + [
        m for m in messages if m != "error: page 3: no TrimBox"
    ]
    assert "error: page 3: no TrimBox" in messages


def test_preflight_catches_short_bleed_and_wrong_trim(x4, tmp_path):
    manuscript, good = x4

    def edit(pdf):
        box = [float(v) for v in pdf.pages[4].obj.TrimBox]
        pdf.pages[4].obj.BleedBox = pikepdf.Array([box[0] - 2, box[1] - 8.5, box[2] + 8.5,
                                                   box[3] + 8.5])  # fmt: skip
        pdf.pages[5].obj.TrimBox = pikepdf.Array([0, 0, 500, 700])

    messages = _messages(_broken(good, tmp_path / "bleed.pdf", edit), manuscript)
    assert "error: page 5: bleed under the 3 mm configured: left 0.7 mm" in messages
    assert "error: page 6: TrimBox is 176.4 × 246.9 mm, not 185.0 × 260.0 mm" in messages


def test_preflight_catches_an_unembedded_font(x4, tmp_path):
    manuscript, good = x4
    name = ""

    def edit(pdf):
        nonlocal name
        font = next(iter(pdf.pages[0].obj.Resources.Font.values()))
        name = str(font.BaseFont).lstrip("/")
        descriptor = font.DescendantFonts[0].FontDescriptor
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            if key in descriptor:
                del descriptor[key]

    messages = _messages(_broken(good, tmp_path / "font.pdf", edit), manuscript)
    assert any(re.fullmatch(rf"error: page \d+: font {re.escape(name)} is not embedded \(pages [\d, ]+\)", m)
               for m in messages), messages  # fmt: skip


def test_preflight_warns_of_a_low_resolution_image(x4, tmp_path):
    manuscript, good = x4
    before = [m for m in _messages(good, manuscript) if "ppi" in m]  # the 600-pixel figures

    def edit(pdf):
        for obj in pdf.objects:
            if _is_image(obj) and int(obj.Width) == 2400:
                small = Image.new("CMYK", (240, 160), (80, 40, 0, 0))
                obj.write(small.tobytes())
                obj.Width, obj.Height = 240, 160

    broken = _broken(good, tmp_path / "lowres.pdf", edit)
    messages = _messages(broken, manuscript)
    low = [m for m in messages if "ppi" in m and m not in before]
    assert len(low) == 1 and low[0].startswith("warning: page "), low
    assert re.search(r" is 4\d ppi at its placed size, under 300 \(pages \d+\)$", low[0])
    code, output = _run_check(str(manuscript), "--pdf", str(broken))
    assert code == 0 and "under 300" in output  # a warning, not a failure


def test_preflight_catches_rgb_images(x4, tmp_path):
    manuscript, good = x4

    def edit(pdf):
        for obj in pdf.objects:
            if _is_image(obj) and int(obj.Width) == 2400:
                obj.write(Image.new("RGB", (2400, 1600), (200, 10, 10)).tobytes())
                obj.ColorSpace = pikepdf.Name.DeviceRGB

    messages = _messages(_broken(good, tmp_path / "rgbimage.pdf", edit), manuscript)
    assert any("RGB image /" in m for m in messages), messages


def test_preflight_catches_text_in_the_safety_margin(x4, tmp_path):
    manuscript, good = x4
    index = 0

    def edit(pdf):
        nonlocal index
        index = _body_page(pdf)
        # The whole page drawn 50 pt to the left: the text starts 2 mm from the trim.
        _replace_content(pdf, index, lambda data: b"q 1 0 0 1 -50 0 cm\n" + data + b"\nQ")

    messages = _messages(_broken(good, tmp_path / "margin.pdf", edit), manuscript)
    assert f"error: page {index + 1}: text within 3 mm of the trim edge (the safety margin)" in (
        messages
    )
    assert not [m for m in _messages(good, manuscript) if "safety" in m]


def test_preflight_catches_a_missing_output_intent(x4, tmp_path):
    manuscript, good = x4

    def edit(pdf):
        del pdf.Root.OutputIntents

    messages = _messages(_broken(good, tmp_path / "intent.pdf", edit), manuscript)
    assert messages[0] == "error: no PDF/X OutputIntent (the printer's colour profile)"
    code, output = _run_check(str(manuscript), "--pdf", str(tmp_path / "intent.pdf"))
    assert code == 1 and "1 problem(s)" in output


def _cover(path: Path, width_mm: float, height_mm: float, bleed: float) -> Path:
    """A cover-like PDF: one page, MediaBox = BleedBox = trim + bleed, K-only text inside."""
    with pikepdf.new() as pdf:
        w, h, b = (v * PT_PER_MM for v in (width_mm, height_mm, bleed))
        pdf.add_blank_page(page_size=(w + 2 * b, h + 2 * b))
        page = pdf.pages[0]
        page.obj.TrimBox = pikepdf.Array([b, b, b + w, b + h])
        page.obj.BleedBox = pikepdf.Array([0, 0, w + 2 * b, h + 2 * b])
        page.obj.Contents = pdf.make_stream(b"0 0 0 0.2 k 0 0 %f %f re f" % (w + 2 * b, h + 2 * b))
        pdf.save(path)
    return path


def test_preflight_checks_the_cover_width(x4, tmp_path):
    manuscript, interior = x4
    with pikepdf.open(interior) as pdf:
        pages = len(pdf.pages)
    # The default caliper, no board: under 3 mm, the cover is for saddle stitching.
    assert pages / 2 * 0.1 < 3
    spine = 0.0
    good = _cover(tmp_path / "good-cover.pdf", 2 * 185 + spine, 260, 3)
    wrong = _cover(tmp_path / "wrong-cover.pdf", 2 * 185 + spine + 2, 260, 3)
    settings = load_config(manuscript / "book.toml").settings.pdf
    for cover in (good, wrong):  # the cover goes through the same prepress step
        finish(cover, settings, bleed=3)
    size = CoverSize(185, 260, spine, 3)
    assert size.width == pytest.approx(2 * 185 + spine + 6)
    assert preflight(good, settings, size).ok
    report = preflight(wrong, settings, size)
    # The width measured, 2 mm too wide, is rounded to 0.1 mm (at a 0.05 boundary either way).
    expected = re.compile(
        r"error: page 1: cover width \(with bleed\) is ([\d.]+) mm, not "
        + re.escape(f"{size.width:.1f} mm (2 × 185 trim + {spine:.2f} spine + 2 × 3 bleed)")
    )
    found = [m for f in report.findings if (m := expected.fullmatch(str(f)))]
    assert found and abs(float(found[0][1]) - (size.width + 2)) < 0.06, report.findings
    code, output = _run_check(str(manuscript), "--pdf", str(interior), "--cover", str(wrong))
    assert code == 1 and "cover width (with bleed)" in output
    code, output = _run_check(str(manuscript), "--pdf", str(interior), "--cover", str(good))
    assert code == 0, output


# --- configuration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pdf", "message"),
    [
        ('standard = "pdf/x-3"', "`standard` must be one of"),
        ('standard = "pdf/x-4"\ncolour = "rgb"', '`colour` "rgb" is not allowed in PDF/X-4'),
        ('colour = "purple"', '`colour` must be "cmyk", "grey" or "rgb"'),
        ("bleed = 30", "`bleed` must be mm (0 to 20)"),
        ("bleed = { top = 3, left = 3 }", "`bleed` must be mm"),
        ('output-profile = "../x.icc"', "lies outside the manuscript folder"),
        ('output-profile = "nothere.icc"', "no such file"),
        ('output-profile = "01-kaipian.md"', "is not an ICC profile"),
        ('output-profile = "images/grey.icc"\ncolour = "cmyk"', "is a grey profile: it goes"),
        ('output-profile = "images/ps.icc"', "LittleCMS cannot convert colours with it"),
        ("marks = 1", "`marks` must be true or false"),
        ('output-condition = "FOGRA99"', "`output-condition` must be one of FOGRA39, FOGRA29"),
        ('output-condition = "FOGRA51"', "FOGRA51 has no free profile: give the printer's"),
        ("ink-limit = 500", "`ink-limit` must be a total ink in % (200 to 400)"),
    ],
)
def test_print_config_errors_are_one_line(tmp_path, pdf, message):
    manuscript = tmp_path / "m"
    shutil.copytree(RICH, manuscript)
    shutil.copy(f"{ICC}/sgray.icc", manuscript / "images" / "grey.icc")
    shutil.copy(f"{ICC}/ps_cmyk.icc", manuscript / "images" / "ps.icc")  # PostScript-only
    with open(manuscript / "book.toml", "a", encoding="utf-8") as handle:
        handle.write(f"\n[pdf]\n{pdf}\n")
    result = CliRunner().invoke(main, ["build", str(manuscript), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    line = result.output.strip()
    assert "\n" not in line and message in line and "book.toml" in line, line


def test_bleed_defaults_and_sides(tmp_path):
    manuscript = tmp_path / "m"
    shutil.copytree(RICH, manuscript)
    toml = manuscript / "book.toml"
    base = toml.read_text(encoding="utf-8")
    cases = {
        "": (0, 0, 0, 0),
        'standard = "pdf/ua-1"': (0, 0, 0, 0),
        'colour = "grey"': (3, 3, 3, 3),
        'standard = "pdf/x-4"': (3, 3, 3, 3),
        "marks = true\nbleed = [2, 5]": (2, 5, 2, 5),
        "bleed = { top = 3, outer = 3, bottom = 3 }": (3, 3, 3, 0),
    }
    for table, bleed in cases.items():
        toml.write_text(base + f"\n[pdf]\n{table}\n", encoding="utf-8")
        assert load_config(toml).settings.pdf.bleed == bleed, table


@pytest.mark.slow
def test_the_cover_goes_through_the_same_step(tmp_path, epoch):
    """A PDF/X-4 book's cover spread: CMYK, OutputIntent, boxes with 3 mm bleed all
    round, and the preflight of interior and cover passes (its width checked)."""
    manuscript = _print_manuscript(tmp_path / "m", X4)
    with open(manuscript / "book.toml", "a", encoding="utf-8") as handle:
        handle.write("\n[cover]\npaper-caliper = 0.5\n")
    result = build(manuscript, tmp_path / "out", ("pdf", "cover"))
    interior, cover = result.written
    assert cover.name == "rich-cover.pdf"
    _assert_no_rgb(cover)
    with pikepdf.open(cover) as pdf, pikepdf.open(interior) as book:
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFX"
        trim, bleed = _mm(pdf.pages[0].obj.TrimBox), _mm(pdf.pages[0].obj.BleedBox)
        spine = (len(book.pages) + len(book.pages) % 2) / 2 * 0.5
    assert trim[2] - trim[0] == pytest.approx(2 * 185 + spine, abs=0.05)
    assert bleed[2] - bleed[0] == pytest.approx(2 * 185 + spine + 6, abs=0.05)
    code, output = _run_check(str(manuscript), "--pdf", str(interior), "--cover", str(cover))
    assert code == 0, output
    assert "rich-cover.pdf: 1 pages, 0 error(s)" in output
