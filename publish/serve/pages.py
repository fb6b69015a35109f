"""The preview's view of a built edition: the PDF's pages as images, its outline, and the
EPUB's chapters, all read from one snapshot of the output files.

Each page gets a key from its content (the raw bytes of its content streams and of the
images it draws), so that after a rebuild the browser fetches again only the pages whose
key changed. Raw streams need no decoding: the keys of 三国演义's 1,000 pages take ~60 ms,
where extracting their text would take seconds. A segment laid out from the cache and
joined again gives the same bytes, so an edit changes the keys of the pages it touches
(and of the pages after it, when the page count moved).

Images are rendered on demand, with pypdfium2, and kept by key; pdfium is not
thread-safe, so every call into it holds one lock.
"""

from __future__ import annotations

import hashlib
import io
import threading
import xml.etree.ElementTree as ET
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pikepdf
import pypdfium2

#: Pixels per PDF point of the page images (A5 → 630 px wide: sharp at the width shown).
SCALE = 1.5
#: Page images kept in memory (~150 KB each).
KEPT_IMAGES = 400

_PDFIUM = threading.Lock()


@dataclass(frozen=True)
class Page:
    key: str
    width: float  # PDF points
    height: float


@dataclass(frozen=True)
class Entry:
    """A line of the table of contents: its level (0: chapters) and 0-based page."""

    title: str
    level: int
    page: int


@dataclass
class Edition:
    """The outputs of one successful build, as the preview shows them."""

    pages: list[Page] = field(default_factory=list)
    toc: list[Entry] = field(default_factory=list)
    #: The EPUB's chapters, in reading order: (title, path inside the EPUB).
    chapters: list[tuple[str, str]] = field(default_factory=list)
    pdf: pypdfium2.PdfDocument | None = None
    epub: zipfile.ZipFile | None = None

    def close(self) -> None:
        with _PDFIUM:
            if self.pdf is not None:
                self.pdf.close()
                self.pdf = None


def page_keys(data: bytes) -> list[Page]:
    """The pages of the PDF `data`, keyed by their content."""
    drawn: dict[tuple[int, int], bytes] = {}  # images shared by several pages: read once
    pages = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            digest = hashlib.blake2b(digest_size=9)
            contents = page.obj.get("/Contents")
            streams = contents if isinstance(contents, pikepdf.Array) else [contents]
            for stream in streams:
                if stream is not None:
                    digest.update(stream.read_raw_bytes())
            xobjects = page.obj.get("/Resources", {}).get("/XObject", {})
            for name, xobject in sorted(xobjects.items()):
                if xobject.objgen not in drawn:
                    raw = xobject.read_raw_bytes() if isinstance(xobject, pikepdf.Stream) else b""
                    drawn[xobject.objgen] = hashlib.blake2b(raw, digest_size=9).digest()
                digest.update(name.encode() + drawn[xobject.objgen])
            box = [float(v) for v in page.mediabox]
            digest.update(repr(box).encode())
            pages.append(Page(digest.hexdigest(), box[2] - box[0], box[3] - box[1]))
    return pages


def open_edition(pdf_path: Path | None, epub_path: Path | None) -> Edition:
    """Read the outputs just written (they may be replaced by the next build meanwhile:
    each is read whole into memory at once)."""
    edition = Edition()
    if pdf_path is not None and pdf_path.exists():
        data = pdf_path.read_bytes()
        edition.pages = page_keys(data)
        with _PDFIUM:
            edition.pdf = pypdfium2.PdfDocument(data)
            edition.toc = [
                Entry(item.get_title(), item.level, _page_of(item))
                for item in edition.pdf.get_toc()
            ]
    if epub_path is not None and epub_path.exists():
        edition.epub = zipfile.ZipFile(io.BytesIO(epub_path.read_bytes()))
        edition.chapters = epub_chapters(edition.epub)
    return edition


def _page_of(item) -> int:
    dest = item.get_dest()
    return dest.get_index() if dest is not None else 0


_NS = {
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "opf": "http://www.idpf.org/2007/opf",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}


def epub_chapters(epub: zipfile.ZipFile) -> list[tuple[str, str]]:
    """The top-level entries of the EPUB's navigation document: (title, member path)."""
    container = ET.fromstring(epub.read("META-INF/container.xml"))
    opf_path = container.find(".//c:rootfile", _NS).get("full-path")
    opf = ET.fromstring(epub.read(opf_path))
    base = PurePosixPath(opf_path).parent
    nav = next(
        item.get("href")
        for item in opf.iterfind(".//opf:manifest/opf:item", _NS)
        if "nav" in (item.get("properties") or "").split()
    )
    nav_path = base / nav
    tree = ET.fromstring(epub.read(str(nav_path)))
    chapters = []
    for element in tree.iterfind(".//x:nav", _NS):
        if element.get(f"{{{_NS['epub']}}}type") != "toc":
            continue
        for anchor in element.iterfind("./x:ol/x:li/x:a", _NS):
            href = (anchor.get("href") or "").split("#")[0]
            title = "".join(anchor.itertext()).strip()
            chapters.append((title, str(nav_path.parent / href)))
    return chapters


class Images:
    """Page images (PNG) and page texts, rendered on demand and kept by page key."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def _get(self, kind: str, key: str) -> bytes | None:
        with self._lock:
            found = self._kept.get((kind, key))
            if found is not None:
                self._kept.move_to_end((kind, key))
            return found

    def _put(self, kind: str, key: str, data: bytes) -> None:
        with self._lock:
            self._kept[(kind, key)] = data
            while len(self._kept) > KEPT_IMAGES:
                self._kept.popitem(last=False)

    def image(self, edition: Edition, index: int, key: str) -> bytes | None:
        """The PNG of page `index` (0-based) if its key is `key`; None if it no longer is."""
        return self._page(edition, index, key, "png")

    def text(self, edition: Edition, index: int, key: str) -> bytes | None:
        """The text of page `index` (UTF-8), for the page's invisible text layer."""
        return self._page(edition, index, key, "txt")

    def _page(self, edition: Edition, index: int, key: str, kind: str) -> bytes | None:
        found = self._get(kind, key)
        if found is not None:
            return found
        if not 0 <= index < len(edition.pages) or edition.pages[index].key != key:
            return None
        with _PDFIUM:
            if edition.pdf is None:
                return None
            page = edition.pdf[index]
            try:
                if kind == "png":
                    buffer = io.BytesIO()
                    page.render(scale=SCALE).to_pil().save(buffer, "PNG", compress_level=1)
                    data = buffer.getvalue()
                else:
                    textpage = page.get_textpage()
                    data = textpage.get_text_range().encode("utf-8")
                    textpage.close()
            finally:
                page.close()
        self._put(kind, key, data)
        return data
