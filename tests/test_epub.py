"""The e-book edition: valid for EPUBCheck 5, and agreeing with the PDF."""

from __future__ import annotations

import re
import zipfile

import pypdf
from lxml import etree

from conftest import epubcheck, squash

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _opf(path):
    with zipfile.ZipFile(path) as z:
        container = etree.fromstring(z.read("META-INF/container.xml"))
        name = container.find(".//{*}rootfile").get("full-path")
        return name, etree.fromstring(z.read(name))


def test_epubcheck_reports_nothing(built):
    messages = epubcheck(built.epub)
    assert messages == [], [(m["ID"], m["message"], m["locations"][:1]) for m in messages]


def test_opf_metadata_matches_book_toml(built):
    meta = built.book.metadata
    _, opf = _opf(built.epub)
    md = opf.find("opf:metadata", NS)
    titles = [e.text for e in md.findall("dc:title", NS)]
    assert titles[0] == meta.title
    assert [e.text for e in md.findall("dc:creator", NS)] == list(meta.authors)
    assert md.find("dc:language", NS).text == meta.language
    assert md.find("dc:identifier", NS).text == meta.identifier
    modified = md.find("opf:meta[@property='dcterms:modified']", NS).text
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", modified)
    for name in ("publisher", "date", "description", "rights"):
        value = getattr(meta, name)
        element = md.find(f"dc:{name}", NS)
        assert (element.text if element is not None else None) == value, name
    assert [e.text for e in md.findall("dc:subject", NS)] == list(meta.subjects)
    if meta.subtitle:
        assert meta.subtitle in titles


def test_same_title_author_language_as_the_pdf(built):
    _, opf = _opf(built.epub)
    md = opf.find("opf:metadata", NS)
    info = pypdf.PdfReader(built.pdf)
    assert md.find("dc:title", NS).text == info.metadata.title
    assert md.find("dc:creator", NS).text in info.metadata["/Author"]
    assert md.find("dc:language", NS).text == info.trailer["/Root"]["/Lang"]


def _nav_tree(ol, depth=1):
    entries = []
    for li in ol.findall("x:li", NS):
        label = li.find("x:a", NS)
        if label is None:
            label = li.find("x:span", NS)
        entries.append((depth, "".join(label.itertext()).strip(), label.get("href")))
        child = li.find("x:ol", NS)
        if child is not None:
            entries.extend(_nav_tree(child, depth + 1))
    return entries


def _toc_entries(book):
    entries = []

    def walk(headings, depth, file):
        for heading in headings:
            href = file if depth == 1 else f"{file}#{heading.id}"
            entries.append((depth, heading.title, href))
            walk(heading.children, depth + 1, file)

    for chapter in book.chapters:
        walk([chapter.heading], 1, f"{chapter.id}.xhtml")
    return entries


def test_navigation_document_and_ncx_follow_the_toc(built):
    opf_name, opf = _opf(built.epub)
    base = opf_name.rsplit("/", 1)[0] + "/"
    nav_href = opf.find("opf:manifest/opf:item[@properties='nav']", NS).get("href")
    with zipfile.ZipFile(built.epub) as z:
        nav = etree.fromstring(z.read(base + nav_href))
        ncx_href = opf.find("opf:manifest/opf:item[@media-type='application/x-dtbncx+xml']", NS)
        ncx = etree.fromstring(z.read(base + ncx_href.get("href")))
    toc_nav = nav.find(".//x:nav[@epub:type='toc']", NS)
    assert _nav_tree(toc_nav.find("x:ol", NS)) == _toc_entries(built.book)

    def ncx_walk(parent, depth=1):
        out = []
        for point in parent.findall("ncx:navPoint", NS):
            out.append((depth, point.find("ncx:navLabel/ncx:text", NS).text,
                        point.find("ncx:content", NS).get("src")))  # fmt: skip
            out.extend(ncx_walk(point, depth + 1))
        return out

    assert ncx_walk(ncx.find("ncx:navMap", NS)) == _toc_entries(built.book)


def test_one_document_per_chapter_each_with_its_language(built):
    opf_name, opf = _opf(built.epub)
    base = opf_name.rsplit("/", 1)[0] + "/"
    language = built.book.metadata.language
    manifest = {i.get("id"): i.get("href") for i in opf.find("opf:manifest", NS)}
    spine = [manifest[r.get("idref")] for r in opf.find("opf:spine", NS)]
    chapters = [f"{c.id}.xhtml" for c in built.book.chapters]
    assert [h for h in spine if h in chapters] == chapters
    with zipfile.ZipFile(built.epub) as z:
        for href in spine:
            doc = etree.fromstring(z.read(base + href))
            assert doc.get("lang") == language and doc.get(XML_LANG) == language, href
        for chapter in built.book.chapters:
            doc = etree.fromstring(z.read(base + f"{chapter.id}.xhtml"))
            text = squash("".join(doc.find("x:body", NS).itertext()))
            assert squash(chapter.title) in text
            plain = squash(re.sub(r"<[^>]+>", "", chapter.body))
            plain = plain.replace("&quot;", '"').replace("&amp;", "&")
            assert plain[:30] in text and plain[-30:] in text


def test_footnotes_link_both_ways(rich):
    with zipfile.ZipFile(rich.epub) as z:
        for chapter in rich.book.chapters:
            doc = etree.fromstring(z.read(f"EPUB/{chapter.id}.xhtml"))
            refs = doc.findall(".//x:a[@epub:type='noteref']", NS)
            notes = doc.findall(".//x:aside[@epub:type='footnote']", NS)
            assert len(notes) == len(chapter.footnotes)
            ids = {n.get("id") for n in notes}
            for ref in refs:
                assert ref.get("href")[1:] in ids
            for note in notes:
                back = note.find(".//x:a[@role='doc-backlink']", NS)
                assert doc.find(f".//*[@id='{back.get('href')[1:]}']") is not None


def test_web_addresses_break_at_their_slashes(rich):
    """A web address in the text may break after `//` and before `/` and `.` (a narrow
    column breaks it there, not inside a word); its text is unchanged, code untouched."""
    with zipfile.ZipFile(rich.epub) as z:
        xhtml = z.read("EPUB/ch01.xhtml").decode()
    assert "https://<wbr/>www<wbr/>.w3<wbr/>.org<wbr/>/TR<wbr/>/clreq/" in xhtml
    doc = etree.fromstring(xhtml.encode())
    assert "https://www.w3.org/TR/clreq/" in "".join(doc.itertext())
    assert not doc.findall(".//x:pre//x:wbr", NS) and not doc.findall(".//x:code//x:wbr", NS)


def test_images_are_in_the_manifest_with_their_type(rich):
    _, opf = _opf(rich.epub)
    items = {i.get("href"): i.get("media-type") for i in opf.find("opf:manifest", NS)}
    assert items["images/figure1.png"] == "image/png"
    assert items["style/book.css"] == "text/css"
