"""Joining the pieces of a long book (layout.py) into one PDF, with pikepdf.

Each piece is a PDF WeasyPrint wrote on its own: its pages, its named destinations and
bookmarks, and its own subset of every font. Joined, the book gets blank versos where a
piece ends on a recto, its folios stamped on, links between pieces, the front matter's
metadata, page labels, and one subset of each font instead of one per piece.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ...fonts import cached_subset, cid_widths, faces_by_name, postscript_name
from ...prepress.boxes import add_blank_page
from ...render import build_time
from .folios import Folios
from .piece import Piece
from .placeholders import write_numbers

if TYPE_CHECKING:
    import pikepdf

#: Tables WeasyPrint leaves out of the font subsets it embeds (pdf/fonts.py).
DROPPED_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH",
                  "PCLT", "SVG ")  # fmt: skip


@dataclass
class PlacedPiece:
    """A piece's PDF and where its pages are in the whole (index of its first page)."""

    path: Path
    piece: Piece
    first: int = 0


def join(
    target: Path,
    front: PlacedPiece,
    body: list[PlacedPiece],
    folio_pages: list[tuple[Path, list[int]]],
    font_files: list[Path],
    book_parts: list[tuple[str, list[str]]] | None = None,
    link_numbers: dict[str, str] | None = None,
) -> None:
    """Write the front matter and the body pieces as one PDF at `target`.

    `folio_pages` are PDFs of folio-only pages, each with the numbers its pages show; the
    body's page n (from 1) that is not blank gets folio n, made from them (see Folios).
    `font_files` are the files the book's faces may come from (to make one subset of
    each). `book_parts`: the book's parts, each with its chapters' titles (see _nest_parts).
    `link_numbers`: the page each link's target is on, written in where the pieces hold
    placeholders (placeholders.write_numbers)."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    # late: pikepdf loads only when used (start-up time)
    from pikepdf import Array, Dictionary, Name

    with contextlib.ExitStack() as stack:
        pdf = stack.enter_context(pikepdf.new())
        front_pdf = stack.enter_context(pikepdf.open(front.path))
        parts = [front, *body]
        for index, part in enumerate(parts):
            part.first = len(pdf.pages)
            source = front_pdf if index == 0 else stack.enter_context(pikepdf.open(part.path))
            pdf.add_pages_from(source)
            if part.piece.pages % 2 and index < len(body):
                # A blank verso: the boxes of the versos before it, a content stream that
                # decodes (the padding's helper; prepress/boxes.py).
                add_blank_page(pdf)

        first_body = body[0].first
        folios = Folios(
            pdf,
            [(stack.enter_context(pikepdf.open(path)), numbers) for path, numbers in folio_pages],
        )
        for part in body:
            for page, blank in enumerate(part.piece.blank):
                if not blank:
                    number = part.first + page - first_body + 1
                    _stamp(pdf, pdf.pages[part.first + page], folios.form(number))

        anchors: dict[str, tuple[int, float, float]] = {}
        for part in parts:
            for name, (page, x, y) in part.piece.anchors.items():
                anchors.setdefault(name, (part.first + page, x, y))
        for part in parts:
            for page, name, rect in part.piece.links:
                if name not in anchors:
                    continue  # as WeasyPrint does: no link to a missing anchor
                to_page, x, y = anchors[name]
                link = Dictionary(
                    Type=Name.Annot,
                    Subtype=Name.Link,
                    Rect=Array(rect),
                    BS=Dictionary(W=0),
                    Dest=Array([pdf.pages[to_page].obj, Name.XYZ, x, y, 0]),
                )
                page_obj = pdf.pages[part.first + page].obj
                if "/Annots" not in page_obj:
                    page_obj.Annots = Array()
                page_obj.Annots.append(pdf.make_indirect(link))

        # After the links are made: a number a digit longer stretches its link's box.
        for part in parts:
            if part.piece.numbers:
                write_numbers(pdf, part.first, part.piece.numbers, link_numbers or {})

        for name, value in front_pdf.docinfo.items():
            pdf.docinfo[name] = value
        date = build_time().strftime("D:%Y%m%d%H%M%SZ")
        pdf.docinfo["/CreationDate"] = pdf.docinfo["/ModDate"] = date
        if "/Lang" in front_pdf.Root:
            pdf.Root.Lang = front_pdf.Root.Lang
        labels = [0, Dictionary(S=Name.r)] if first_body else []
        pdf.Root.PageLabels = Dictionary(
            Nums=Array([*labels, first_body, Dictionary(S=Name.D, St=1)])
        )
        if book_parts:
            _nest_parts(pdf, book_parts)
        share_fonts(pdf, font_files)
        pdf.save(
            target,
            deterministic_id=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            min_version=front_pdf.pdf_version,
        )


def _nest_parts(pdf: pikepdf.Pdf, parts: list[tuple[str, list[str]]]) -> None:
    """Put back under their part the chapters of a piece that began inside a part: that
    piece's bookmarks start at the top level, its part's bookmark being in another piece."""
    with pdf.open_outline() as outline:
        root = []
        pending = list(parts)
        current = None  # the part bookmark, and its chapters' titles still to come
        for item in outline.root:
            if pending and item.title == pending[0][0]:
                current = (item, list(pending.pop(0)[1]))
                root.append(item)
                continue
            if current is not None and item.title in current[1]:
                current[1].remove(item.title)
                current[0].children.append(item)
                continue
            if current is not None and item.title not in current[1]:
                current = None
            root.append(item)
        outline.root[:] = root


def _stamp(pdf: pikepdf.Pdf, page: pikepdf.Page, form: pikepdf.Stream) -> None:
    """Draw `form` (a folio) over `page`, under a fixed resource name (pikepdf's
    add_overlay picks a random one: the output would differ from build to build)."""
    from pikepdf import Dictionary  # late: pikepdf loads only when used (start-up time)

    # WeasyPrint gives all the pages of a document one resource dictionary: this page
    # gets its own, which names its folio.
    resources = Dictionary(dict(page.obj.get("/Resources", Dictionary()).items()))
    resources.XObject = Dictionary(dict(resources.get("/XObject", Dictionary()).items()))
    resources.XObject.Folio = form
    page.obj.Resources = resources
    page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
    page.contents_add(pdf.make_stream(b"\nQ q /Folio Do Q\n"))


# --- one subset of each font -----------------------------------------------------------


def _font_dictionaries(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every Type 0 font of the document (pages and the folios' form XObjects)."""
    found: dict[tuple[int, int], pikepdf.Dictionary] = {}

    def visit(resources) -> None:
        if resources is None:
            return
        for font in (resources.get("/Font") or {}).values():
            if font.get("/Subtype") == "/Type0" and font.is_indirect:
                found.setdefault(font.objgen, font)
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                visit(xobject.get("/Resources"))

    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        visit(page.obj.get("/Resources"))
    return list(found.values())


def _subset(path: Path, index: int, glyphs: set[int]) -> bytes | None:
    """The face reduced to `glyphs`, glyph ids kept, as WeasyPrint subsets it (kept in the
    user's cache: a rebuild with the same glyphs takes it from there)."""
    import uharfbuzz as hb  # late: HarfBuzz loads only when used (start-up time)

    what = f"join|uharfbuzz {hb.__version__}|" + ",".join(map(str, sorted(glyphs | {0})))
    return cached_subset(path, index, what, lambda: _make_subset(path, index, glyphs)) or None


def _make_subset(path: Path, index: int, glyphs: set[int]) -> bytes:
    import uharfbuzz as hb  # late: HarfBuzz loads only when used (start-up time)

    face = hb.Face(hb.Blob.from_file_path(str(path)), index)
    wanted = hb.SubsetInput()
    wanted.glyph_set.update(glyphs | {0})
    wanted.flags = (
        hb.SubsetFlags.RETAIN_GIDS
        | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
        | hb.SubsetFlags.DESUBROUTINIZE
        | hb.SubsetFlags.NO_HINTING
        | hb.SubsetFlags.NO_LAYOUT_CLOSURE
        | hb.SubsetFlags.NOTDEF_OUTLINE
    )
    drop = wanted.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    drop.update(int.from_bytes(tag.encode(), "big") for tag in DROPPED_TABLES)
    result = hb.subset(face, wanted)
    return result.blob.data if result is not None else b""


def share_fonts(pdf: pikepdf.Pdf, font_files: list[Path]) -> None:
    """Give the pieces' subsets of one face a single font program with every glyph they
    use: WeasyPrint keeps glyph ids when subsetting, so each piece's widths and Unicode
    map stay right. A face whose file is not found keeps its subsets."""
    from pikepdf import Name  # late: pikepdf loads only when used (start-up time)

    groups: dict[str, list] = {}
    for font in _font_dictionaries(pdf):
        descendant = font.DescendantFonts[0]
        descriptor = descendant.get("/FontDescriptor")
        if descriptor is None or "/FontFile3" not in descriptor and "/FontFile2" not in descriptor:
            continue
        groups.setdefault(str(font.BaseFont), []).append(descendant)
    faces = faces_by_name(tuple(font_files))
    for fonts in groups.values():
        key = "/FontFile3" if "/FontFile3" in fonts[0].FontDescriptor else "/FontFile2"
        name = postscript_name(fonts[0].FontDescriptor[key].read_bytes())
        if name not in faces:
            continue
        glyphs: set[int] = set()
        for descendant in fonts:
            glyphs |= cid_widths(descendant.get("/W") or []).keys()
        program = _subset(*faces[name], glyphs)
        if program is None:
            continue
        if key == "/FontFile3":
            stream = pdf.make_stream(program, Subtype=Name.OpenType)
        else:
            stream = pdf.make_stream(program, Length1=len(program))
        for descendant in fonts:
            descendant.FontDescriptor[key] = stream
