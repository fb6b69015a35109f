"""The `publish` command line."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from . import __version__
from .build import build
from .errors import PublishError
from .progress import Progress
from .renderers import DEFAULT_OUTPUTS, RENDERERS
from .report import grouped


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publish")
@click.option("--debug", is_flag=True, help="Show the full traceback of errors (for bug reports).")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Turn a Chinese manuscript (book.toml + Markdown) into a print PDF and an EPUB 3."""
    ctx.obj = {"debug": debug}


@main.command("build", short_help="Build the print PDF and the EPUB of a manuscript.")
@click.argument("manuscript", default="manuscript", type=click.Path(path_type=Path))
@click.option(
    "--out", "out", default="build", type=click.Path(path_type=Path), show_default=True,
    help="Folder the outputs are written to.",
)  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice([*(r.name for r in RENDERERS), "all"]), default="all",
    show_default=True,
    help="Which edition to build (cover: the printed cover spread; `all` makes it when "
    "book.toml has [cover]).",
)  # fmt: skip
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors and warnings.")
@click.option("--strict", is_flag=True, help="Fail on warnings (refused resources, removed HTML).")
@click.option("--force", is_flag=True, help="Rebuild even if nothing has changed.")
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=None,
    help="Processes laying out a long book at once (default: one per core).",
)  # fmt: skip
@click.pass_context
def build_command(
    ctx: click.Context,
    manuscript: Path,
    out: Path,
    fmt: str,
    quiet: bool,
    strict: bool,
    force: bool,
    jobs: int | None,
) -> None:
    """Build MANUSCRIPT (a folder with book.toml; default: manuscript) into OUT.

    \b
    Example:
      publish build mybook --out build
    """
    formats = DEFAULT_OUTPUTS if fmt == "all" else (fmt,)
    start = time.perf_counter()
    # A status line only where someone watches: a terminal, and not --quiet.
    progress = Progress(enabled=not quiet and sys.stderr.isatty())
    result = guarded(
        ctx,
        lambda: build(
            manuscript,
            out,
            formats,
            strict=strict,
            cache=not force,
            progress=progress,
            jobs=jobs,
            cover_if_configured=fmt == "all",
        ),  # fmt: skip
    )
    if not quiet and result.book is not None:
        click.echo(f"read {describe(result.book)}")
    for line in grouped(result.warnings):  # one line per kind of repeated warning
        click.echo(f"publish: warning: {line}", err=True)
    if not quiet:
        elapsed = time.perf_counter() - start
        verb = "up to date" if result.cached else "wrote"
        for path in result.written:
            click.echo(f"{verb} {path}")
        click.echo(f"done in {elapsed:.1f} s")


def describe(book) -> str:
    """Which kind of book folder was read, and what it held."""
    from .readers import KINDS  # late: start-up time: loaded only when this runs

    parts = len({chapter.part for chapter in book.chapters if chapter.part is not None})
    files = sum(len(chapter.sources) or 1 for chapter in book.chapters)
    held = f"{len(book.chapters)} chapters from {files} files"
    return f"{KINDS.get(book.kind, book.kind)}: " + (f"{parts} parts, " if parts else "") + held


def guarded(ctx: click.Context, action):
    """Run `action`; user errors become one line and exit 1, never a traceback."""
    try:
        return action()
    except PublishError as error:
        if ctx.obj["debug"]:
            raise
        click.echo(f"publish: error: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("publish: interrupted; previous outputs left as they were", err=True)
        sys.exit(130)
    except Exception as error:
        if ctx.obj["debug"]:
            raise
        reason = str(error).splitlines()[0][:200] if str(error) else ""
        click.echo(
            f"publish: internal error: {type(error).__name__}: {reason} "
            "(run `publish --debug …` for the traceback, and report it)",
            err=True,
        )
        sys.exit(2)


@main.command("check", short_help="Measure the Chinese typesetting of the PDF.")
@click.argument("manuscript", default="manuscript", type=click.Path(path_type=Path))
@click.option(
    "--pdf", "pdf", type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="Check this PDF of the manuscript instead of building one.",
)  # fmt: skip
@click.option("--all", "show_all", is_flag=True, help="List every finding, not the first 40.")
@click.option(
    "--print", "for_print", is_flag=True,
    help="A printer's preflight instead: boxes, bleed, colour, fonts, images, safety margin.",
)  # fmt: skip
@click.option(
    "--cover", "cover", type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="With --print: also check this cover spread PDF.",
)  # fmt: skip
@click.pass_context
def check_command(
    ctx: click.Context,
    manuscript: Path,
    pdf: Path | None,
    show_all: bool,
    for_print: bool,
    cover: Path | None,
) -> None:
    """Measure the Chinese typesetting of MANUSCRIPT's PDF; exit 1 if anything is off.

    Reads the PDF's character boxes: lines not flush, 禁则 violations, split ——/……,
    uncompressed punctuation pairs, Han–Latin gaps, text differing from the manuscript,
    fonts not embedded.

    With --print: a preflight for the printing house of the PDF (and --cover) per the
    book's [pdf] settings: fonts embedded, TrimBox/BleedBox and bleed, for PDF/X the
    OutputIntent, no RGB and K-only black text, image resolution (warning under 300 ppi),
    nothing but backgrounds within 3 mm of the trim, the cover's width.

    \b
    Example:
      publish check mybook --pdf build/mybook.pdf
      publish check --print mybook --pdf build/mybook.pdf --cover build/mybook-cover.pdf
    """
    import tempfile  # late: standard library, loaded only when used (start-up time)

    if for_print:
        _check_print(ctx, manuscript, pdf, cover, show_all)
        return
    if cover is not None:
        raise click.UsageError("--cover goes with --print")

    from .check import check_pdf  # late: start-up time: loaded only when this runs
    from .manuscript import read_manuscript  # late: start-up time: loaded only when this runs

    def run():
        book = read_manuscript(manuscript)
        if pdf is not None:
            return check_pdf(book, pdf)
        with tempfile.TemporaryDirectory(prefix="publish-check-") as folder:
            result = build(manuscript, Path(folder), ("pdf",))
            report = check_pdf(result.book, result.written[0])
            report.pdf = Path(result.written[0].name)
            return report

    report = guarded(ctx, run)
    _echo_findings(report.summary(), report.findings, show_all)
    click.echo("OK" if report.ok else f"{len(report.findings)} problem(s)")
    sys.exit(0 if report.ok else 1)


def _check_print(
    ctx: click.Context, manuscript: Path, pdf: Path | None, cover: Path | None, show_all: bool
) -> None:
    """`check --print`: preflight the given PDF (or one built now) and the cover."""
    import tempfile  # late: standard library, loaded only when used (start-up time)

    from .check import check_print  # late: start-up time: loaded only when this runs
    from .readers import read_book  # late: start-up time: loaded only when this runs

    def run():
        if pdf is not None:  # the settings of any kind of book folder (an mdBook's too)
            return check_print(read_book(manuscript).settings, pdf, cover)
        with tempfile.TemporaryDirectory(prefix="publish-check-") as folder:
            result = build(manuscript, Path(folder), ("pdf",))
            reports = check_print(result.book.settings, result.written[0], cover)
            reports[0].path = Path(result.written[0].name)
            return reports

    reports = guarded(ctx, run)
    problems = 0
    for report in reports:
        _echo_findings(report.summary(), report.findings, show_all)
        problems += len(report.errors)
    click.echo("OK" if not problems else f"{problems} problem(s)")
    sys.exit(1 if problems else 0)


@main.command("import-text", short_help="Turn a plain-text book into a manuscript.")
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--title", help="Book title (default: the text's first line).")
@click.option("--author", "authors", multiple=True, help="An author (repeat for several).")
@click.option("--language", default="zh-CN", show_default=True, help="BCP 47 language tag.")
@click.option("--chapters", "max_chapters", type=int, help="Import only the first N chapters.")
@click.option("--name", "output_name", help="File name of the outputs ([output] name).")
@click.pass_context
def import_text_command(
    ctx: click.Context,
    source: Path,
    target: Path,
    title: str | None,
    authors: tuple[str, ...],
    language: str,
    max_chapters: int | None,
    output_name: str | None,
) -> None:
    """Turn the plain-text book SOURCE into a manuscript folder TARGET.

    \b
    Example:
      publish import-text sanguo-yanyi.txt sanguo --author 罗贯中
    """
    from .plaintext import import_text  # late: start-up time: loaded only when this runs

    toml = guarded(
        ctx,
        lambda: import_text(
            source,
            target,
            title=title,
            authors=list(authors) or None,
            language=language,
            max_chapters=max_chapters,
            output_name=output_name,
        ),
    )
    click.echo(f"wrote {toml}")


@main.command("new", short_help="Start a new book: book.toml and two sample chapters.")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--title", default="新书", show_default=True, help="The book's title.")
@click.option("--author", "authors", multiple=True, help="An author (repeat for several).")
@click.option("--language", default="zh-CN", show_default=True, help="BCP 47 language tag.")
@click.pass_context
def new_command(
    ctx: click.Context, folder: Path, title: str, authors: tuple[str, ...], language: str
) -> None:
    """Start a new book in FOLDER (new or empty): book.toml and two sample chapters.

    \b
    Example:
      publish new mybook --title 我的书 --author 张三
      publish build mybook
    """
    from .new import new_book  # late: start-up time: loaded only when this runs

    written = guarded(
        ctx,
        lambda: new_book(folder, title=title, authors=list(authors) or None, language=language),
    )
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(f"next: publish serve {folder}  (or publish build {folder})")


@main.command("serve", short_help="Preview the printed book in the browser, following saves.")
@click.argument("manuscript", default="manuscript", type=click.Path(path_type=Path))
@click.option(
    "--out", "out", default="build", type=click.Path(path_type=Path), show_default=True,
    help="Folder each good build's outputs are written to.",
)  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (not loopback: the network sees the book).")  # fmt: skip
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in the browser.")
@click.pass_context
def serve_command(
    ctx: click.Context, manuscript: Path, out: Path, port: int, host: str, open_browser: bool
) -> None:
    """Preview MANUSCRIPT as it will print, in the browser, following every save.

    Each save of a chapter, book.toml, an image or a stylesheet rebuilds the book (only
    what changed) into OUT and updates the page in the browser; errors show in the page.

    \b
    Example:
      publish serve mybook --open
    """
    from .serve import serve  # late: start-up time: loaded only when this runs

    guarded(ctx, lambda: serve(manuscript, out, host=host, port=port, open_browser=open_browser,
                               echo=lambda line: click.echo(line, err=True)))  # fmt: skip


def run() -> None:
    """The `publish` command: `main`, then an immediate exit. Once the outputs are written
    nothing is left to do, and tearing the interpreter down (freeing every box and Pango
    layout of the laid-out book) would cost 0.1–0.2 s more."""
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


def _echo_findings(summary: str, findings: list, show_all: bool) -> None:
    """A check's summary and its findings (the first 40 unless --all)."""
    click.echo(summary)
    shown = findings if show_all else findings[:40]
    for finding in shown:
        click.echo(f"  {finding}")
    if len(shown) < len(findings):
        click.echo(f"  … and {len(findings) - len(shown)} more (--all lists them)")
