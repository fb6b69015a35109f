"""The outputs a build can make, each a renderer: a name (`--format`), the file it writes
and a `render` method. build.py and the CLI loop over `RENDERERS`: adding an output is one
line there.

A renderer takes the model as it is and returns what it learned (`Rendered`: pages, page
breaks, warnings) instead of writing it into the model; where one needs what another
learned (the EPUB's page list comes from the print layout, the cover's spine from the
interior's page count), the build hands it over in the `Job`.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .model import Book, Warning
from .progress import Progress


@dataclass
class Rendered:
    """What a renderer learned: the print edition's page count and page breaks (for the
    EPUB's page list), and the warnings of every renderer."""

    warnings: list[Warning] = field(default_factory=list)
    pages: int = 0
    page_breaks: list = field(default_factory=list)


@dataclass
class Job:
    """What one build hands its renderers: the model, where each output is written (a
    temporary path, renamed into place when all succeeded), and what the print layout
    learned once it is known."""

    book: Book
    out: Path
    partial: dict[str, Path]
    progress: Progress
    stack: contextlib.ExitStack
    #: The print layout's options: jobs, use_cache, size, and the decision made ahead.
    options: dict[str, Any]
    #: The process beside the layout (build._companion), which writes the EPUB.
    beside: Any = None
    #: The interior PDF, once written (the print edition's, or a scratch one for the cover).
    interior: Path | None = None
    printed: Rendered | None = None

    def wants(self, name: str) -> bool:
        return name in self.partial


class Renderer:
    """One output. `render` writes it to `target` and returns what it learned."""

    #: The `--format` name, and the file's suffix unless `file_name` says otherwise.
    name: str = ""
    #: Made by `publish build` without `--format`.
    default: bool = True
    #: Made by another process beside the layout: collected after the others.
    beside: bool = False
    #: Needs the interior PDF (laid out to a scratch file when the PDF is not wanted).
    needs_interior: bool = False

    def file_name(self, output_name: str) -> str:
        return f"{output_name}.{self.name}"

    def files(self, book: Book) -> list[tuple[str, str]]:
        """The files it writes, by key (the first keyed by its name)."""
        return [(self.name, self.file_name(book.settings.output_name))]

    def configured(self, book: Book) -> bool:
        """Whether `--format all` makes it for this book."""
        return True

    def laid_out(self, job: Job, page_breaks: list) -> None:
        """Told the print edition's page breaks as soon as they are known."""

    def render(self, job: Job, target: Path | None) -> Rendered:
        raise NotImplementedError


class PrintRenderer(Renderer):
    """The print edition (pdf/edition.py). It is laid out for every build, even without its
    PDF: the EPUB's page list and the cover's spine come from it."""

    name = "pdf"

    def render(self, job: Job, target: Path | None) -> Rendered:
        # late: the print side loads WeasyPrint's helpers; `publish --help` need not
        from .pdf.edition import SEGMENT_SIZE, print_edition

        if target is None and any(r.needs_interior for r in _wanted(job)):
            scratch = job.stack.enter_context(
                tempfile.TemporaryDirectory(dir=job.out, prefix=".cover.")
            )
            target = Path(scratch) / "interior.pdf"
        options = job.options

        def laid_out(page_breaks: list) -> None:
            for renderer in _wanted(job):
                renderer.laid_out(job, page_breaks)

        result = print_edition(
            job.book,
            target,
            options["pieces"],
            jobs=options["jobs"],
            use_cache=options["use_cache"],
            size=options["size"] or SEGMENT_SIZE,
            progress=job.progress,
            laid_out=laid_out,
            planned=options["planned"],
        )
        job.interior = target
        job.printed = Rendered(result.warnings, result.pages, result.page_breaks)
        return job.printed


class EpubRenderer(Renderer):
    """The EPUB (epub.py), written by the process beside the layout once the print
    edition's page breaks are known (its page list)."""

    name = "epub"
    beside = True

    def files(self, book: Book) -> list[tuple[str, str]]:
        """One EPUB per `[epub] profile`: <name>.epub for the first, then
        <name>-<profile>.epub (keyed epub:<profile>)."""
        first, *others = book.settings.epub.profiles
        name = book.settings.output_name
        return [(self.name, f"{name}.epub")] + [(f"epub:{p}", f"{name}-{p}.epub") for p in others]

    def laid_out(self, job: Job, page_breaks: list) -> None:
        if job.beside is not None:
            job.progress.step("writing the PDF and the EPUB")
            job.beside.send((page_breaks, self._targets(job)))

    def _targets(self, job: Job) -> dict[str, Path]:
        """Where each profile's EPUB is written (the first profile's: the renderer's own)."""
        first, *others = job.book.settings.epub.profiles
        targets = {first: job.partial[self.name]}
        targets.update((p, job.partial[f"epub:{p}"]) for p in others)
        return targets

    def render(self, job: Job, target: Path | None) -> Rendered:
        if job.beside is not None:
            return Rendered(job.beside.receive())
        # No process beside (another edition of the book): written here, after the layout.
        from .epub import embedded_fonts, render_epub  # late: ebooklib, for an EPUB only

        assert target is not None and job.printed is not None
        copy = replace(job.book, warnings=[])
        fonts = embedded_fonts(copy) if copy.settings.epub.embed_fonts else []
        for profile, path in self._targets(job).items():
            render_epub(copy, path, fonts, job.printed.page_breaks, profile)
        return Rendered(copy.warnings)


class CoverRenderer(Renderer):
    """The print cover spread (imprint/spread.py): back, spine and front, the spine as
    thick as the interior's pages; made with `--format cover`, or by `--format all` when
    book.toml has `[cover]`."""

    name = "cover"
    default = False
    needs_interior = True

    def file_name(self, output_name: str) -> str:
        return f"{output_name}-cover.pdf"

    def configured(self, book: Book) -> bool:
        return book.settings.cover is not None

    def render(self, job: Job, target: Path | None) -> Rendered:
        # late: pikepdf and WeasyPrint load only for a cover (start-up time)
        from .imprint.padding import page_count
        from .imprint.spread import cover_marks, render_cover
        from .prepress import finish

        assert target is not None and job.interior is not None
        job.progress.step("writing the cover")
        book = replace(job.book, warnings=[])  # its own copy: its warnings are returned
        geometry = render_cover(book, page_count(job.interior), target)
        # The interior's colour standard (PDF/X, CMYK or grey), bleed all round; crop
        # marks and the spine's fold marks as `[cover] marks` (else `[pdf] marks`) says.
        marks = cover_marks(book.settings)
        folds = geometry.folds() if marks else ()
        finish(target, book.settings.pdf, bleed=geometry.bleed, marks=marks, folds=folds)
        return Rendered(book.warnings)


#: Every output, in the order their files are listed (the print edition first: the
#: others need what its layout learns).
RENDERERS: tuple[Renderer, ...] = (PrintRenderer(), EpubRenderer(), CoverRenderer())
#: What `publish build` makes without `--format`.
DEFAULT_OUTPUTS = tuple(renderer.name for renderer in RENDERERS if renderer.default)


def renderer(name: str) -> Renderer:
    return next(r for r in RENDERERS if r.name == name)


def names() -> list[str]:
    return [r.name for r in RENDERERS]


def _wanted(job: Job) -> list[Renderer]:
    return [r for r in RENDERERS if job.wants(r.name)]


def run(job: Job) -> list[Rendered]:
    """Run the renderers `job` wants: the print layout first (always), then the others,
    those made beside it last (they were working meanwhile). What each learned, in order."""
    first = RENDERERS[0]
    results = [first.render(job, job.partial.get(first.name))]
    rest = [r for r in _wanted(job) if r is not first]
    for each in [r for r in rest if not r.beside] + [r for r in rest if r.beside]:
        results.append(each.render(job, job.partial[each.name]))
    return results
