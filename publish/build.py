"""The build: read the manuscript once, hand the model to each renderer, write atomically.

An output file appears only when it is complete: each renderer writes a temporary file in
the output folder, which is renamed over the old output at the end. A failed or interrupted
build leaves the previous good files untouched and no partial files behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import PublishError
from .folders import check_own_folder, remove_own_files
from .progress import Progress, silent
from .renderers import DEFAULT_OUTPUTS, RENDERERS, Job, Rendered, renderer, run

if TYPE_CHECKING:
    from .config import Edition
    from .model import Book, Warning
    from .pdf.edition import PrintPlan
    from .pdf.pagination import PageBreak
    from .workers import Companion


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


#: A `.part` file of `atomic_output`: `.NAME.PID.XXXX.part`.
_PART = re.compile(r"^\..*\.(\d+)\.[^.]+\.part$")


def _remove_orphans(folder: Path) -> None:
    """Remove the `.part` files in `folder` whose build is no longer running: a build
    killed outright (SIGKILL: no `finally` runs) leaves its own behind."""
    remove_own_files(folder, _PART, lambda name: not _running(int(name.group(1))))


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
    #: The print edition's page breaks, as its layout found them (the EPUB's page list).
    page_breaks: list[PageBreak] = field(default_factory=list)


def _companion(
    channel,
    manuscript: Path,
    pieces: Path,
    segment_size: int | None,
    use_cache: bool,
    epub: bool,
    jobs: int | None,
) -> None:
    """The work beside the layout, in another process (workers.Companion). First the
    manuscript: the model, and the print edition's plan (pdf.edition.plan_print: with what
    laying it out in one document needs, if it is), so that markdown-it, the typography
    pass, fontconfig and Jinja run while the main process loads WeasyPrint; then the faces'
    coverage for the font check. Then, if `epub`, the EPUB's embedded fonts; then, given the
    print edition's page breaks and a path, the EPUB itself: the warnings it gave."""
    # late: this runs in the companion process; the main one need not import them first
    from .manuscript import read_manuscript
    from .pdf.edition import SEGMENT_SIZE, plan_print

    book = read_manuscript(manuscript)
    planned = plan_print(book, pieces, segment_size or SEGMENT_SIZE, use_cache, jobs)
    channel.send((True, (book, planned)))
    # The faces' coverage, read from the font files on a first build (~0.1 s a CJK face)
    # and kept in the user's cache, where the main process's font check finds it.
    # late: fontconfig and the faces, loaded in this process only
    from .fonts import coverage
    from .pdf.diagnostics import glyph_families

    for family in glyph_families(book.settings.pdf):
        coverage(family)
    if not epub:
        return
    from .epub import embedded_fonts, render_epub  # late: ebooklib, in this process only

    fonts = embedded_fonts(book) if book.settings.epub.embed_fonts else []
    page_breaks, targets = channel.recv()
    # The EPUB's own copy of the model, given the print edition's page breaks; one EPUB
    # per profile ([epub] profile), from the same faces.
    copy = replace(book, warnings=[])
    for profile, target in targets.items():
        render_epub(copy, target, fonts, page_breaks, profile)
    channel.send((True, copy.warnings))


def _lay_out_and_write(
    book: Book,
    planned: PrintPlan,
    out: Path,
    ordered: list[str],
    beside: Companion,
    *,
    strict: bool,
    cache: bool,
    progress: Progress,
    jobs: int | None,
    segment_size: int | None,
) -> tuple[list[Path], list[Rendered]]:
    """Run the renderers of the outputs asked for (the print edition's layout always: the
    EPUB, written by the process `beside`, takes its page breaks); the paths written and
    what each renderer learned."""
    _check_strict(book.warnings, strict)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot create the output folder: {exc.strerror}", out) from None
    if not os.access(out, os.W_OK):
        raise PublishError("the output folder is not writable", out)
    editions = _edition_books(book)
    # Each renderer's files, by key (its name; an EPUB profile's: epub:<profile>).
    outputs = {key: out / file for name in ordered for key, file in renderer(name).files(book)}
    targets = list(outputs.values())
    # All outputs, of every edition, are renamed into place together, after the last one
    # succeeded: a failed edition leaves the main edition's files as they were.
    with progress, contextlib.ExitStack() as stack:
        partial = {key: stack.enter_context(atomic_output(t)) for key, t in outputs.items()}
        options = {"pieces": out / PIECES, "jobs": jobs, "use_cache": cache,
                   "size": segment_size, "planned": planned}  # fmt: skip
        job = Job(book, out, partial, progress, stack, options, beside)
        results = run(job)
        for edition, copy in editions:
            progress.step(f"edition {edition.name}")
            files = {key: out / file for each in ordered
                     for key, file in renderer(each).files(copy)}  # fmt: skip
            partial = {key: stack.enter_context(atomic_output(t)) for key, t in files.items()}
            own = {**options, "pieces": out / PIECES / edition.name, "planned": None}
            edition_results = run(Job(copy, out, partial, progress, stack, own))
            targets += list(files.values())
            results += [Rendered(copy.warnings + r.warnings) for r in edition_results[:1]]
            results += [Rendered(r.warnings) for r in edition_results[1:]]
        _check_strict([*book.warnings, *(w for r in results for w in r.warnings)], strict)
    return targets, results


def _edition_books(book: Book) -> list[tuple[Edition, Book]]:
    """Each edition of `[editions]` and its model (editions.py), converted before anything
    is laid out: a missing face or a bad phrase stops the build before it costs time."""
    if not book.settings.editions:
        return []
    from .editions import check_faces, convert_book  # late: OpenCC, for books with editions

    for edition in book.settings.editions:
        check_faces(edition, book.root / "book.toml")
    return [(edition, convert_book(book, edition)) for edition in book.settings.editions]


def _load_layout_engine() -> None:
    """Import WeasyPrint and install the Chinese line composition (~0.25 s)."""
    from .weasy.cjk import install  # late: WeasyPrint, loaded here beside the companion

    install()


def _check_strict(warnings: list[Warning], strict: bool) -> None:
    if strict and warnings:
        first = warnings[0]
        raise PublishError(f"{first.message} (--strict)", first.path, first.line)


def build(
    manuscript: Path,
    out: Path,
    formats: tuple[str, ...] = DEFAULT_OUTPUTS,
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
    segments, `jobs` at a time (default: one per core; see pdf/segmented/). With
    `cover_if_configured` (`--format all`), the cover spread too if book.toml has `[cover]`.
    """
    from . import cache as build_cache  # late: hashes and fonts, after the options are read

    check_own_folder(Path(out) / PIECES, "cache folder")  # before any work: one line
    names = [r.name for r in RENDERERS]
    if cover_if_configured:  # the optional outputs too, if the book asks for them
        formats = (*formats, *(name for name in names if name not in formats))
    ordered = sorted(formats, key=names.index)  # in the order the files are listed
    if cache:  # the record of the last build tells, without reading the manuscript
        found = build_cache.unchanged(manuscript, out, ordered)
        if found is not None:
            _check_strict(found[1], strict)
            return BuildResult(None, found[0], cached=True, warnings=found[1])
    from .workers import Companion  # late: multiprocessing, only when a build runs

    progress = progress or silent()
    progress.step("reading the manuscript")
    beside = Companion(_companion, manuscript, out / PIECES, segment_size, cache,
                       "epub" in ordered, jobs)  # fmt: skip
    try:
        _load_layout_engine()
        book, planned = beside.receive()
        made = ordered
        if cover_if_configured:
            made = [name for name in ordered if renderer(name).configured(book)]
        targets, results = _lay_out_and_write(book, planned, out, made, beside, strict=strict,
                                              cache=cache, progress=progress, jobs=jobs,
                                              segment_size=segment_size)  # fmt: skip
    finally:
        beside.stop()
    # The one place the renderers' findings meet the model read: the book returned.
    for result in results:
        book.warnings.extend(result.warnings)
    build_cache.record(out, targets, book, ordered)
    return BuildResult(book, targets, warnings=book.warnings, page_breaks=results[0].page_breaks)
