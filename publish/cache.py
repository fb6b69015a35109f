"""Skipping a build whose inputs have not changed.

A record beside the outputs keeps the digest of every file that went into them (book.toml,
chapters, images, cover) and of the context: the tool itself (its code, templates and
styles), WeasyPrint's version, the font files used and fontconfig's caches (path, size,
time), the formats asked for, SOURCE_DATE_EPOCH, the manuscript's place. It also keeps the
outputs' digests, so that an output edited or replaced since is rebuilt too. The check
reads only the record and those files: an unchanged build costs no more than starting up.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .render import STYLES

if TYPE_CHECKING:
    from .model import Book

BUILD_RECORD = ".publish-build.json"
_PACKAGE = Path(__file__).resolve().parent


def _digest_file(digest, path: Path) -> None:
    digest.update(str(path).encode())
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)


def font_files(book: Book) -> list[Path]:
    """The files of every face the settings of the book and its editions name."""
    from .fonts import installed_faces  # late: start-up time: loaded only when this runs

    every = [book.settings.pdf, *(edition.settings.pdf for edition in book.settings.editions)]
    families = {family for settings in every for family in (settings.body_font,
                settings.heading_font, settings.latin_font, settings.mono_font)}  # fmt: skip
    return sorted({face.path for family in families for face in installed_faces(family)})


def _weasyprint_version() -> str:
    # From the installed package's metadata folder: importing WeasyPrint, or even
    # importlib.metadata, would cost more than the whole check.
    for folder in sys.path:
        found = sorted(Path(folder or ".").glob("weasyprint-*.dist-info"))
        if found:
            return found[-1].name
    # late: standard library, loaded only when used (start-up time)
    from importlib.metadata import version

    return version("weasyprint")


def _tool_and_fonts(fonts: list[Path]) -> str:
    digest = hashlib.sha256(f"{_weasyprint_version()}|".encode())
    tool = sorted(_PACKAGE.rglob("*.py")) + sorted((_PACKAGE / "templates").iterdir())
    tool += sorted(STYLES.glob("*.css"))
    for path in tool:
        _digest_file(digest, path)
    for path in fonts:
        stat = path.stat()
        digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def tool_digest(book: Book) -> str:
    """A digest of what turns a manuscript into pages: this tool's code, templates and
    styles, WeasyPrint's version, the font files used."""
    return _tool_and_fonts(font_files(book))


def _input_files(book: Book) -> list[Path]:
    # A book read from a summary names every file it read (SUMMARY.md, book.json, each
    # section's file, includes); our own manuscript: book.toml and the chapters.
    files = list(book.inputs) or [book.root / "book.toml", *(c.source for c in book.chapters)]
    files += [r.path for r in book.resources if r.data is None]
    if book.cover is not None:
        files.append(book.cover.path)
    if book.settings.phrases_file is not None:
        files.append(book.settings.phrases_file)  # the editions' own phrases
    if book.settings.pdf.output_profile is not None:
        files.append(book.settings.pdf.output_profile)  # the printer's ICC profile
    return files


#: fontconfig's caches change when fonts are installed or removed (a new face of a
#: configured family changes the outputs, and is not among the recorded files).
FONTCONFIG_CACHES = (Path("/var/cache/fontconfig"), Path.home() / ".cache" / "fontconfig")


def _context(manuscript: Path, formats: list[str], fonts: list[Path]) -> str:
    """What the outputs depend on besides the manuscript's files."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    where = manuscript.resolve()
    caches = [f"{path}:{path.stat().st_mtime_ns}" for path in FONTCONFIG_CACHES if path.exists()]
    return hashlib.sha256(
        f"{_tool_and_fonts(fonts)}|{','.join(formats)}|{epoch}|{where}|{caches}".encode()
    ).hexdigest()


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    _digest_file(digest, path)
    return digest.hexdigest()


def unchanged(manuscript: Path, out: Path, formats: list[str]) -> tuple[list[Path], list] | None:
    """The outputs and warnings of the last build, if none of its input files, the tool,
    the fonts and the outputs have changed since; checked from the record alone, without
    reading the manuscript (a data: or downloaded image is not fetched again: --force).
    None when anything differs or is unknown."""
    try:
        record = json.loads((out / BUILD_RECORD).read_text(encoding="utf-8"))
        fonts = [Path(path) for path in record["fonts"]]
        if record["context"] != _context(manuscript, formats, fonts):
            return None
        for path, digest in record["inputs"].items():
            if _file_digest(Path(path)) != digest:
                return None
        targets = [out / name for name in record["targets"]]
        for target in targets:
            if record["outputs"].get(target.name) != _file_digest(target):
                return None
        warnings = []
        if record["warnings"]:
            from .model import Warning  # the model's modules only when there are some

            warnings = [
                Warning(message, Path(path) if path else None, line)
                for message, path, line in record["warnings"]
            ]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return targets, warnings


def record(out: Path, targets: list[Path], book: Book, formats: list[str]) -> None:
    """Keep what `unchanged` checks, after a build of `formats` of `book` into `targets`."""
    fonts = font_files(book)
    data = {
        "context": _context(book.root, formats, fonts),
        "fonts": [str(path) for path in fonts],
        "inputs": {str(path): _file_digest(path) for path in _input_files(book)},
        "targets": [target.name for target in targets],
        "outputs": {target.name: _file_digest(target) for target in targets},
        "warnings": [[w.message, str(w.path) if w.path else None, w.line] for w in book.warnings],
    }
    path = out / BUILD_RECORD
    temporary = path.with_suffix(".part")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, path)
