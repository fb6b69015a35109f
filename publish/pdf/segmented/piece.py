"""One piece of a long book: laid out alone (in a worker process or here) into a PDF of its
own, with what joining it needs to know; and the cache that keeps pieces by content."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ...folders import check_own_folder, remove_own_files
from ...model import Book
from ...units import PT_PER_PX
from ..engine import render_html
from ..html import Setup
from ..pagination import PageBreak, footnotes_apart, page_breaks, placed_footnotes
from . import placeholders


@dataclass
class Piece:
    """A laid-out document of the book: its PDF and what joining it needs to know.

    Positions are in PDF points from the page's bottom left; pages count from 0.
    """

    pages: int
    blank: list[bool]  # pages that get no folio
    breaks: list[PageBreak]  # labelled with page numbers counted within the piece
    anchors: dict[str, tuple[int, float, float]]
    #: Links to anchors in other pieces: page, anchor, rectangle.
    links: list[tuple[int, str, list[float]]]
    refused: list[str] = field(default_factory=list)
    #: The footnotes its pages hold (diagnostics.report_lost_footnotes).
    footnotes: list[str] = field(default_factory=list)
    #: The footnotes set on another page than their call's (diagnostics.report_lost_footnotes).
    footnotes_apart: list[str] = field(default_factory=list)
    #: Where the pages after links and the TOC's are to be written in.
    numbers: list[placeholders.Placement] = field(default_factory=list)


def lay_out(
    setup: Setup, html: str, extra_css: str, target: Path, faces: dict[str, tuple[Path, int]]
) -> Piece:
    """Lay out one piece and write its PDF to `target` (atomically: it is a cache entry).
    The faces in `faces` (PostScript name → file, index) get stub programs: join.py subsets
    them again for the whole book."""
    from ...sandbox import quiet_logging  # late: with WeasyPrint, loaded only to lay out
    from ...weasy.fonts import stub_programs  # late: imports WeasyPrint (~0.25 s)

    document, refused = render_html(setup, html, extra_css)
    anchors: dict[str, tuple[int, float, float]] = {}
    for number, page in enumerate(document.pages):
        height = page.height * PT_PER_PX
        for name, (x, y, *_) in page.anchors.items():
            anchors.setdefault(name, (number, x * PT_PER_PX, height - y * PT_PER_PX))
    links = []
    for number, page in enumerate(document.pages):
        height = page.height * PT_PER_PX
        kept = []
        for link in page.links:
            kind, name, (x1, y1, x2, y2), _box = link
            if kind == "internal" and name not in anchors:
                rect = [x1 * PT_PER_PX, height - y2 * PT_PER_PX]
                rect += [x2 * PT_PER_PX, height - y1 * PT_PER_PX]
                links.append((number, name, rect))
            else:
                kept.append(link)
        page.links[:] = kept  # the link is made when the pieces are joined
    drawn = placeholders.collect(document)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    with quiet_logging(), stub_programs(set(faces)):
        document.write_pdf(partial, pdf_identifier=None)
    numbers = placeholders.resolve(partial, drawn, faces) if drawn else []
    os.replace(partial, target)
    piece = Piece(
        pages=len(document.pages),
        # Pages without a folio: blank ones, and full-bleed plates (prepress, settings.css).
        blank=[
            page._page_box.page_type.blank or page._page_box.page_type.name == "full-bleed"
            for page in document.pages
        ],
        breaks=page_breaks(document),
        footnotes=sorted(placed_footnotes(document)),
        footnotes_apart=sorted(footnotes_apart(document)),
        anchors=anchors,
        links=links,
        refused=refused,
        numbers=numbers,
    )
    # A laid-out document is a graph of reference cycles (boxes and their parents), which
    # only a full collection frees, and Python's comes late. Freed now, a worker's memory
    # falls back between segments (a technical book's 61-page chapter: 286 MB after its
    # layout, 154 MB after the collection, which took ~0.3 s of CPU) instead of staying at
    # its highest, so that two workers hold their peaks together less often. A segment's
    # own peak is not lowered: a 61-page chapter of code still reaches ~420 MB.
    del document
    gc.collect()
    return piece


CACHE_FOLDER = "cache folder"
#: The names the cache writes: a piece's digest or a record's name, and its suffix.
_ENTRY = re.compile(r"^([0-9a-f]{32}|[a-z][a-z-]*)\.(?:pdf|json|part)$")


class PieceCache:
    """Laid-out pieces kept in a folder (beside the outputs), by a digest of their input.

    Entries not used by the latest build are removed when it ends.
    """

    def __init__(self, folder: Path, enabled: bool = True):
        check_own_folder(folder, CACHE_FOLDER)
        self.folder = folder
        self.enabled = enabled
        self.used: set[str] = set()

    def pdf(self, key: str) -> Path:
        return self.folder / f"{key}.pdf"

    def get(self, key: str) -> Piece | None:
        self.used.add(key)
        if not self.enabled or not self.pdf(key).exists():
            return None
        try:
            data = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            data["breaks"] = [PageBreak(**b) for b in data["breaks"]]
            data["anchors"] = {k: tuple(v) for k, v in data["anchors"].items()}
            data["links"] = [tuple(link) for link in data["links"]]
            data["numbers"] = [placeholders.Placement(*n) for n in data.get("numbers", [])]
            return Piece(**data)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, piece: Piece) -> None:
        path = self.folder / f"{key}.json"
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(asdict(piece), ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)

    def prune(self) -> None:
        """Remove the entries this build did not use, and what an interrupted one left:
        only regular files named as this cache names them (a link, a folder, a file of
        another name is left alone), in the folder itself (never through a link)."""
        check_own_folder(self.folder, CACHE_FOLDER)
        remove_own_files(
            self.folder, _ENTRY, lambda name: name.group(1) not in self.used | {"plan"}
        )

    def read_plan(self) -> dict | None:
        try:
            return json.loads((self.folder / "plan.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_plan(self, book: Book, size: int, segments: list[list[int]], pages: int) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"chapters": [str(c.source) for c in book.chapters], "size": size}
        data.update(segments=segments, pages=pages)
        (self.folder / "plan.json").write_text(json.dumps(data), encoding="utf-8")


def piece_key(common: str, html: str, extra_css: str, setup: Setup) -> str:
    digest = hashlib.sha256(common.encode())
    digest.update(repr((setup.stylesheets, setup.chinese_layout)).encode())
    digest.update(html.encode())
    digest.update(extra_css.encode())
    for resource in setup.resources:  # the images this piece shows
        if resource.href in html:
            digest.update(resource.href.encode())
            digest.update(hashlib.sha256(resource.content()).digest())
    return digest.hexdigest()[:32]
