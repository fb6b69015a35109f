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
from .model import Book, Warning
from .progress import Progress, silent

if TYPE_CHECKING:
    from .pdf import Prepared

FORMATS = ("pdf", "epub")


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed to `target` only if the block succeeds."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


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


def _write_epub(book: Book, target: Path) -> list[Warning]:
    """Write the EPUB; the warnings it gave (it may run in another process)."""
    from .epub import render_epub

    before = len(book.warnings)
    render_epub(book, target)
    return book.warnings[before:]


def _read(
    manuscript: Path, pieces: Path, segment_size: int | None, use_cache: bool
) -> tuple[Book, Prepared | None]:
    """The model of `manuscript`, and what laying it out in one document needs if it is
    (markdown-it, the typography pass, fontconfig and Jinja run here, not after WeasyPrint
    is loaded)."""
    from .manuscript import read_manuscript
    from .segments import SEGMENT_SIZE, one_document

    book = read_manuscript(manuscript)
    return book, one_document(book, pieces, segment_size or SEGMENT_SIZE, use_cache)


def _load_layout_engine() -> None:
    """Import WeasyPrint and install the Chinese line composition (~0.25 s)."""
    from .weasy_cjk import install

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
) -> BuildResult:
    """Build the requested formats of `manuscript` into `out`.

    With `strict`, any warning (refused resource, removed raw HTML) fails the build. When
    nothing that goes into the outputs has changed since they were built (see cache.py),
    they are left as they are, unless `cache` is false. A long book is laid out in
    segments, `jobs` at a time (default: one per core; see segments.py).
    """
    from . import cache as build_cache

    ordered = sorted(formats, key=FORMATS.index)  # the PDF's layout first
    if cache:  # the record of the last build tells, without reading the manuscript
        found = build_cache.unchanged(manuscript, out, ordered)
        if found is not None:
            _check_strict(found[1], strict)
            return BuildResult(None, found[0], cached=True, warnings=found[1])
    from .workers import Background

    progress = progress or silent()
    progress.step("reading the manuscript")
    # Read in another process while this one loads WeasyPrint, which only layout needs.
    reading = Background(_read, manuscript, out / PIECES, segment_size, cache)
    try:
        _load_layout_engine()
        book, prepared = reading.result()
    finally:
        reading.stop()
    _check_strict(book.warnings, strict)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot create the output folder: {exc.strerror}", out) from None
    if not os.access(out, os.W_OK):
        raise PublishError("the output folder is not writable", out)
    targets = [out / f"{book.settings.output_name}.{fmt}" for fmt in ordered]
    from .segments import SEGMENT_SIZE, print_edition

    # All outputs are renamed into place together, after the last one succeeded.
    with progress, contextlib.ExitStack() as stack:
        partial = {
            fmt: stack.enter_context(atomic_output(target))
            for fmt, target in zip(ordered, targets, strict=True)
        }
        # The print edition is laid out even for the EPUB alone: its page list comes from
        # the print layout. The EPUB is then written beside the PDF, in another process.
        jobs_beside: list = []

        def laid_out(spawn) -> None:
            if "epub" in partial:
                progress.step("writing the PDF and the EPUB")
                jobs_beside.append(spawn(_write_epub, book, partial["epub"]))

        try:
            print_edition(
                book,
                partial.get("pdf"),
                out / PIECES,
                jobs=jobs,
                use_cache=cache,
                size=segment_size or SEGMENT_SIZE,
                progress=progress,
                laid_out=laid_out,
                prepared=prepared,
            )
            for job in jobs_beside:
                book.warnings.extend(job.result())
        finally:
            for job in jobs_beside:
                job.stop()
        _check_strict(book.warnings, strict)
    build_cache.record(out, targets, book, ordered)
    return BuildResult(book, targets, warnings=book.warnings)
