"""EPUB profiles (`[epub] profile`): one EPUB per place readers read, each valid, each
accessible, each surviving Calibre's Kindle conversion with its writing mode."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile

import lxml.html
import pytest
from lxml import etree

from conftest import ROOT, epubcheck
from publish.build import build
from publish.epubprofiles import PROFILES
from publish.typography.textnodes import text_of

VERTICAL = ROOT / "tests" / "manuscripts" / "vertical"
OPF = {"opf": "http://www.idpf.org/2007/opf"}


def _with_profiles(tmp_path, value: str):
    folder = tmp_path / "vertical"
    shutil.copytree(VERTICAL, folder)
    toml = folder / "book.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("[epub]\n", f"[epub]\nprofile = {value}\n"),
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def profiles(tmp_path_factory) -> dict:
    """The vertical technical book built in every profile (`[epub] profile`): {profile:
    EPUB path}, and its model."""
    tmp = tmp_path_factory.mktemp("profiles")
    listed = "[" + ", ".join(f'"{p}"' for p in PROFILES) + "]"
    result = build(_with_profiles(tmp, listed), tmp / "out", ("epub",))
    names = [f"vertical-{p}.epub" for p in PROFILES[1:]]
    assert [path.name for path in result.written] == ["vertical.epub", *names]
    return {"book": result.book, "breaks": result.page_breaks,
            **dict(zip(PROFILES, result.written, strict=True))}  # fmt: skip


def test_an_unknown_profile_is_one_clear_line(tmp_path):
    from publish.errors import PublishError

    folder = _with_profiles(tmp_path, '"nook"')
    with pytest.raises(PublishError) as caught:
        build(folder, tmp_path / "out", ("epub",))
    assert "`profile` must be one of standard, apple, kindle, duokan, weread" in str(caught.value)
    assert caught.value.line == 14  # the line after [epub]


def read(epub, name: str) -> bytes:
    with zipfile.ZipFile(epub) as z:
        return z.read(name)


def chapter(epub, name: str = "EPUB/ch01.xhtml"):
    return lxml.html.fromstring(read(epub, name))


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_passes_epubcheck(profiles, profile):
    assert epubcheck(profiles[profile]) == []


@pytest.mark.slow
@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_passes_ace(profiles, profile, tmp_path):
    from test_ace import run_ace

    report = run_ace(profiles[profile], tmp_path / "ace")
    problems = [
        (x["earl:test"]["dct:title"], x["earl:result"]["dct:description"][:120])
        for document in report["assertions"]
        for x in document["assertions"]
    ]
    assert report["earl:result"]["earl:outcome"] == "pass", problems


def test_apple_books_is_told_to_use_the_embedded_faces(profiles):
    options = etree.fromstring(
        read(profiles["apple"], "META-INF/com.apple.ibooks.display-options.xml")
    )
    assert options.xpath("string(//platform[@name='*']/option[@name='specified-fonts'])") == "true"
    with zipfile.ZipFile(profiles["standard"]) as z:
        assert "META-INF/com.apple.ibooks.display-options.xml" not in z.namelist()


def test_kindle_gets_physical_edges_and_vertical_punctuation(profiles):
    css = read(profiles["kindle"], "EPUB/style/book.css").decode()
    assert "inline-start" not in css and "block-start" not in css
    assert "text-wrap" not in css and "hanging-punctuation" not in css
    # Vertical book: the callout's bar on top, the notes' rule on the right.
    assert "border-top: 0.25em solid" in css and "border-right: 1px solid #999" in css
    page = chapter(profiles["kindle"])
    body = "".join(page.xpath("//p[not(ancestor::pre)]//text()"))
    assert "︒" in body and "。" not in body, body[:80]
    code = "".join(chapter(profiles["kindle"], "EPUB/ch02.xhtml").xpath("//pre//text()"))
    assert "，" in code  # code keeps its characters


def test_duokan_and_weread_popup_notes(profiles):
    notes = profiles["book"].chapters[0].footnotes
    page = chapter(profiles["duokan"])
    ref = page.xpath("//a[contains(@class, 'duokan-footnote')]")[0]
    target = page.get_element_by_id(ref.get("href")[1:])
    assert target.tag == "li" and "duokan-footnote-item" in target.get("class")
    assert "duokan-footnote-content" in target.getparent().get("class")
    assert text_of(notes[0].html) in target.text_content()
    page = chapter(profiles["weread"])
    image = page.xpath("//a[contains(@class, 'qqreader-footnote')]/img")[0]
    assert "qqreader-footnote" in image.get("class")
    assert image.get("alt") == text_of(notes[0].html)
    assert read(profiles["weread"], "EPUB/" + image.get("src"))[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
@pytest.mark.parametrize("profile", PROFILES)
def test_calibre_kindle_conversion_keeps_the_writing_mode(profiles, profile, tmp_path):
    """EPUB → AZW3 → EPUB with Calibre's ebook-convert: still vertical, right to left."""
    convert = shutil.which("ebook-convert")
    assert convert, "Calibre's ebook-convert is installed by make test"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    azw3, back = tmp_path / "book.azw3", tmp_path / "back.epub"
    for source, target in ((profiles[profile], azw3), (azw3, back)):
        subprocess.run([convert, str(source), str(target)], env=env, check=True,
                       capture_output=True, timeout=300)  # fmt: skip
    with zipfile.ZipFile(back) as z:
        opf_name = next(n for n in z.namelist() if n.endswith(".opf"))
        package = etree.fromstring(z.read(opf_name))
        css = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".css"))
    mode = package.xpath(
        "string(//opf:meta[@name='primary-writing-mode']/@content)", namespaces=OPF
    )
    assert mode == "vertical-rl"
    assert package.find("opf:spine", OPF).get("page-progression-direction") == "rtl"
    assert "writing-mode: vertical-rl" in css


def test_navigation_and_package_for_every_reading_system(profiles):
    """Landmarks hidden (reading systems' menus use them; the contents page does not show
    them), the NCX's pageList for EPUB 2 readers, the writing mode Kindle's converters read."""
    epub = profiles["standard"]
    nav = lxml.html.fromstring(read(epub, "EPUB/nav.xhtml"))
    landmarks = [n for n in nav.iter("nav") if n.get("epub:type") == "landmarks"]
    assert landmarks and landmarks[0].get("hidden") is not None
    ncx = etree.fromstring(read(epub, "EPUB/toc.ncx"))
    ncx_ns = "{http://www.daisy.org/z3986/2005/ncx/}"
    targets = ncx.findall(f".//{ncx_ns}pageTarget")
    labels = [t.find(f"{ncx_ns}navLabel/{ncx_ns}text").text for t in targets]
    assert labels == [p.label for p in profiles["breaks"]] and labels[0] == "i"
    package = etree.fromstring(read(epub, "EPUB/content.opf"))
    mode = package.xpath(
        "string(//opf:meta[@name='primary-writing-mode']/@content)", namespaces=OPF
    )
    assert mode == "vertical-rl"
    assert package.find("opf:spine", OPF).get("page-progression-direction") == "rtl"


def test_straight_quotes_become_corner_brackets(profiles):
    """`quotes = "corner"` converts quotation marks typed straight, as running text has
    them (code keeps its own)."""
    text = chapter(profiles["standard"]).text_content()
    assert "他说：「这是直引号。」然后又说『单引号』。" in text.replace(":", "：")
    assert '"' not in text and "'" not in text
    code = "".join(chapter(profiles["standard"], "EPUB/ch02.xhtml").xpath("//pre//text()"))
    assert 'f"你好' in code
