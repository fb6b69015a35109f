"""Joining the pieces of a long book (segments.py) into one PDF, with pikepdf.

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

from .fonts import faces_by_name, postscript_name
from .render import build_time

if TYPE_CHECKING:
    import pikepdf

    from .segments import Piece

#: Tables WeasyPrint leaves out of the font subsets it embeds (pdf/fonts.py).
DROPPED_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH",
                  "PCLT", "SVG ")  # fmt: skip


@dataclass
class Part:
    """A piece's PDF and where its pages are in the whole (index of its first page)."""

    path: Path
    piece: Piece
    first: int = 0


def join(
    target: Path,
    front: Part,
    body: list[Part],
    folio_runs: list[Path],
    run_length: int,
    font_files: list[Path],
) -> None:
    """Write the front matter and the body pieces as one PDF at `target`.

    `folio_runs` are PDFs of folio-only pages, `run_length` page numbers each; the body's
    page n (from 1) that is not blank gets page n of them. `font_files` are the files the
    book's faces may come from (to make one subset of each)."""
    import pikepdf
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
                box = pdf.pages[-1].mediabox
                pdf.add_blank_page(page_size=(float(box[2]), float(box[3])))

        first_body = body[0].first
        runs = [stack.enter_context(pikepdf.open(path)) for path in folio_runs]
        for part in body:
            for page, blank in enumerate(part.piece.blank):
                if not blank:
                    number = part.first + page - first_body  # from 0
                    run = runs[number // run_length]
                    _stamp(pdf, pdf.pages[part.first + page], run.pages[number % run_length])

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
        share_fonts(pdf, font_files)
        pdf.save(
            target,
            deterministic_id=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            min_version=front_pdf.pdf_version,
        )


def _stamp(pdf: pikepdf.Pdf, page: pikepdf.Page, stamp: pikepdf.Page) -> None:
    """Draw `stamp` (a page of the same size) over `page`, under a fixed resource name
    (pikepdf's add_overlay picks a random one: the output would differ from build to
    build)."""
    from pikepdf import Dictionary

    form = pdf.copy_foreign(stamp.as_form_xobject())
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


def _glyphs(widths) -> set[int]:
    """The glyph ids a CID font's /W array gives widths for."""
    import pikepdf

    glyphs: set[int] = set()
    items = list(widths)
    index = 0
    while index < len(items):
        first = int(items[index])
        following = items[index + 1]
        if isinstance(following, pikepdf.Array):
            glyphs.update(range(first, first + len(following)))
            index += 2
        else:
            glyphs.update(range(first, int(following) + 1))
            index += 3
    return glyphs


def _subset(path: Path, index: int, glyphs: set[int]) -> bytes | None:
    """The face reduced to `glyphs`, glyph ids kept, as WeasyPrint subsets it."""
    import uharfbuzz as hb

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
    return result.blob.data if result is not None else None


def share_fonts(pdf: pikepdf.Pdf, font_files: list[Path]) -> None:
    """Give the pieces' subsets of one face a single font program with every glyph they
    use: WeasyPrint keeps glyph ids when subsetting, so each piece's widths and Unicode
    map stay right. A face whose file is not found keeps its subsets."""
    from pikepdf import Name

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
            glyphs |= _glyphs(descendant.get("/W") or [])
        program = _subset(*faces[name], glyphs)
        if program is None:
            continue
        if key == "/FontFile3":
            stream = pdf.make_stream(program, Subtype=Name.OpenType)
        else:
            stream = pdf.make_stream(program, Length1=len(program))
        for descendant in fonts:
            descendant.FontDescriptor[key] = stream
