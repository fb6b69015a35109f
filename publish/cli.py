"""The `publish` command line."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from . import __version__
from .build import FORMATS, build
from .errors import PublishError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publish")
@click.option("--debug", is_flag=True, help="Show the full traceback of errors (for bug reports).")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Turn a Chinese manuscript (book.toml + Markdown) into a print PDF and an EPUB 3."""
    ctx.obj = {"debug": debug}


@main.command("build")
@click.argument("manuscript", default="manuscript", type=click.Path(path_type=Path))
@click.option(
    "--out", "out", default="build", type=click.Path(path_type=Path), show_default=True,
    help="Folder the outputs are written to.",
)  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice(["pdf", "epub", "all"]), default="all",
    show_default=True, help="Which edition to build.",
)  # fmt: skip
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.pass_context
def build_command(ctx: click.Context, manuscript: Path, out: Path, fmt: str, quiet: bool) -> None:
    """Build MANUSCRIPT (a folder with book.toml; default: manuscript) into OUT."""
    formats = FORMATS if fmt == "all" else (fmt,)
    start = time.perf_counter()
    try:
        written = build(manuscript, out, formats)
    except PublishError as error:
        if ctx.obj["debug"]:
            raise
        click.echo(f"publish: error: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("publish: interrupted; previous outputs left as they were", err=True)
        sys.exit(130)
    if not quiet:
        elapsed = time.perf_counter() - start
        for path in written:
            click.echo(f"wrote {path}")
        click.echo(f"done in {elapsed:.1f} s")
