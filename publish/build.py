"""The build: read the manuscript once, hand the model to each renderer, write atomically.

An output file appears only when it is complete: each renderer writes a temporary file in
the output folder, which is renamed over the old output at the end. A failed or interrupted
build leaves the previous good files untouched and no partial files behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import PublishError
from .progress import Progress, silent

if TYPE_CHECKING:
    from .model import Book, Warning
    from .pdf import Prepared
    from .workers import Companion

FORMATS = ("pdf", "epub")
#: Every output, in the order made: the cover needs the interior's page count.
ORDER = ("pdf", "epub", "cover")


def target_name(name: str, fmt: str) -> str:
    """The file an output is written to: `<name>.pdf`, `<name>.epub`, `<name>-cover.pdf`."""
    return f"{name}-cover.pdf" if fmt == "cover" else f"{name}.{fmt}"


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed to `target` only if the block succeeds.
    Its name holds the process id: what a killed build (SIGKILL: no `finally` runs) left
    is removed by the next one."""
    _remove_orphans(target.parent)
    prefix = f".{target.name}.{os.getpid()}."
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=target.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _remove_orphans(folder: Path) -> None:
    """Remove the `.part` files in `folder` (`.NAME.PID.XXXX.part`) whose build is no
    longer running: a build killed outright leaves its own behind."""
    for part in folder.glob(".*.part"):
        pid = part.name.rsplit(".", 3)[1]
        if not pid.isdigit() or _running(int(pid)):
            continue  # not ours, or another build writing now
        with contextlib.suppress(OSError):
            if part.is_file() and not part.is_symlink():
                part.unlink()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


#: Laid-out pieces of long books are kept in this folder of the output folder.
PIECES = ".publish-cache"


@dataclass
class BuildResult:
    #: The model read (None when the record showed nothing had changed: it was not read).
    book: Book | None
    written: list[Path]
    #: True when nothing had changed and the outputs were left as they were.
    cached: bool = False
    warnings: list[Warning] = field(default_factory=list)


def _companion(
    channel, manuscript: Path, pieces: Path, segment_size: int | None, use_cache: bool, epub: bool
) -> None:
    """The work beside the layout, in another process (workers.Companion). First the
    manuscript: the model, and what laying it out in one document needs if it is (so that
    markdown-it, the typography pass, fontconfig and Jinja run while the main process loads
    WeasyPrint); then the faces' coverage for the font check. Then, if `epub`, the EPUB's
    embedded fonts; then, given the print edition's page breaks and a path, the EPUB
    itself: the warnings it gave."""
    from .manuscript import read_manuscript
    from .segments import SEGMENT_SIZE, one_document

    book = read_manuscript(manuscript)
    prepared = one_document(book, pieces, segment_size or SEGMENT_SIZE, use_cache)
    channel.send((True, (book, prepared)))
    # The faces' coverage, read from the font files on a first build (~0.1 s a CJK face)
    # and kept in the user's cache, where the main process's font check finds it.
    from .fonts import coverage
    from .pdf import glyph_families

    for family in glyph_families(book.settings.pdf):
        coverage(family)
    if not epub:
        return
    from .epub import embedded_fonts, render_epub

    fonts = embedded_fonts(book) if book.settings.epub.embed_fonts else []
    book.page_breaks, target = channel.recv()
    before = len(book.warnings)
    render_epub(book, target, fonts)
    channel.send((True, book.warnings[before:]))


def _lay_out_and_write(
    book: Book,
    prepared: Prepared | None,
    out: Path,
    ordered: list[str],
    beside: Companion,
    *,
    strict: bool,
    cache: bool,
    progress: Progress,
    jobs: int | None,
    segment_size: int | None,
) -> list[Path]:
    """Lay out the print edition and write the outputs asked for (the EPUB by the process
    `beside`, once the page breaks are known); the paths written."""
    _check_strict(book.warnings, strict)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot create the output folder: {exc.strerror}", out) from None
    if not os.access(out, os.W_OK):
        raise PublishError("the output folder is not writable", out)
    targets = [out / target_name(book.settings.output_name, fmt) for fmt in ordered]
    from .segments import SEGMENT_SIZE, print_edition

    # All outputs are renamed into place together, after the last one succeeded.
    with progress, contextlib.ExitStack() as stack:
        partial = {
            fmt: stack.enter_context(atomic_output(target))
            for fmt, target in zip(ordered, targets, strict=True)
        }

        # The print edition is laid out even for the EPUB alone: its page list comes from
        # the print layout. The EPUB is then written beside the PDF.
        def laid_out() -> None:
            if "epub" in partial:
                progress.step("writing the PDF and the EPUB")
                beside.send((book.page_breaks, partial["epub"]))

        interior = partial.get("pdf")
        if "cover" in partial and interior is None:  # the cover needs the page count
            scratch = stack.enter_context(tempfile.TemporaryDirectory(dir=out, prefix=".cover."))
            interior = Path(scratch) / "interior.pdf"
        print_edition(
            book,
            interior,
            out / PIECES,
            jobs=jobs,
            use_cache=cache,
            size=segment_size or SEGMENT_SIZE,
            progress=progress,
            laid_out=laid_out,
            prepared=prepared,
        )
        if "cover" in partial:
            from .imprint.padding import page_count
            from .imprint.spread import render_cover

            progress.step("writing the cover")
            geometry = render_cover(book, page_count(interior), partial["cover"])
            from .prepress import finish

            # The interior's colour standard (PDF/X, CMYK or grey), bleed all round.
            finish(partial["cover"], book.settings.pdf, bleed=geometry.bleed)
        if "epub" in partial:
            book.warnings.extend(beside.receive())
        _check_strict(book.warnings, strict)
    return targets


def _load_layout_engine() -> None:
    """Import WeasyPrint and install the Chinese line composition (~0.25 s)."""
    from .weasy.cjk import install

    install()


def _check_strict(warnings: list[Warning], strict: bool) -> None:
    if strict and warnings:
        first = warnings[0]
        raise PublishError(f"{first.message} (--strict)", first.path, first.line)


def build(
    manuscript: Path,
    out: Path,
    formats: tuple[str, ...] = FORMATS,
    *,
    strict: bool = False,
    cache: bool = True,
    progress: Progress | None = None,
    jobs: int | None = None,
    segment_size: int | None = None,
    cover_if_configured: bool = False,
) -> BuildResult:
    """Build the requested formats of `manuscript` into `out`.

    With `strict`, any warning (refused resource, removed raw HTML) fails the build. When
    nothing that goes into the outputs has changed since they were built (see cache.py),
    they are left as they are, unless `cache` is false. A long book is laid out in
    segments, `jobs` at a time (default: one per core; see segments.py). With
    `cover_if_configured` (`--format all`), the cover spread too if book.toml has `[cover]`.
    """
    from . import cache as build_cache

    if cover_if_configured and "cover" not in formats:
        formats = (*formats, "cover")
    ordered = sorted(formats, key=ORDER.index)  # the PDF's layout first
    if cache:  # the record of the last build tells, without reading the manuscript
        found = build_cache.unchanged(manuscript, out, ordered)
        if found is not None:
            _check_strict(found[1], strict)
            return BuildResult(None, found[0], cached=True, warnings=found[1])
    from .workers import Companion

    progress = progress or silent()
    progress.step("reading the manuscript")
    beside = Companion(_companion, manuscript, out / PIECES, segment_size, cache, "epub" in ordered)
    try:
        _load_layout_engine()
        book, prepared = beside.receive()
        made = ordered
        if cover_if_configured and book.settings.cover is None:
            made = [fmt for fmt in ordered if fmt != "cover"]
        targets = _lay_out_and_write(book, prepared, out, made, beside, strict=strict,
                                     cache=cache, progress=progress, jobs=jobs,
                                     segment_size=segment_size)  # fmt: skip
    finally:
        beside.stop()
    build_cache.record(out, targets, book, ordered)
    return BuildResult(book, targets, warnings=book.warnings)
