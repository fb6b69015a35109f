"""Skipping a build whose inputs have not changed.

The key is a digest of everything that goes into the outputs: the manuscript's files
(book.toml, chapters, images, cover), the tool itself (its code, templates and styles),
WeasyPrint's version, the font files used (path, size, time), the formats asked for and
SOURCE_DATE_EPOCH. It is kept beside the outputs with their digests, so that an output
edited or replaced since is rebuilt too.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from .model import Book, Warning
from .render import STYLES

RECORD = ".publish-build.json"
_PACKAGE = Path(__file__).resolve().parent


def _digest_file(digest, path: Path) -> None:
    digest.update(str(path).encode())
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)


def font_files(book: Book) -> list[Path]:
    """The files of every face the book's settings name."""
    from .fonts import installed_faces

    settings = book.settings.pdf
    families = (settings.body_font, settings.heading_font, settings.latin_font, settings.mono_font)
    return sorted({face.path for family in families for face in installed_faces(family)})


def _weasyprint_version() -> str:
    # From the installed package's metadata folder: importing WeasyPrint, or even
    # importlib.metadata, would cost more than the whole check.
    for folder in sys.path:
        found = sorted(Path(folder or ".").glob("weasyprint-*.dist-info"))
        if found:
            return found[-1].name
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
    files = [book.root / "book.toml", *(c.source for c in book.chapters)]
    files += [r.path for r in book.resources if r.data is None]
    if book.cover is not None:
        files.append(book.cover.path)
    return files


def _context(manuscript: Path, formats: list[str], fonts: list[Path]) -> str:
    """What the outputs depend on besides the manuscript's files."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    where = manuscript.resolve()
    return hashlib.sha256(
        f"{_tool_and_fonts(fonts)}|{','.join(formats)}|{epoch}|{where}".encode()
    ).hexdigest()


def key(book: Book, formats: list[str]) -> str:
    digest = hashlib.sha256(f"{tool_digest(book)}|{','.join(formats)}|".encode())
    digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    for path in _input_files(book):
        _digest_file(digest, path)
    for resource in book.resources:
        if resource.data is not None:  # a data: URL or a download
            digest.update(resource.href.encode() + resource.data)
    return digest.hexdigest()


def _output_digest(path: Path) -> str:
    digest = hashlib.sha256()
    _digest_file(digest, path)
    return digest.hexdigest()


def fresh(out: Path, build_key: str, targets: list[Path], book: Book) -> bool:
    """True when `targets` were built from exactly these inputs and are untouched since;
    the warnings that build gave are put back on `book`."""
    try:
        record = json.loads((out / RECORD).read_text(encoding="utf-8"))
        if record["key"] != build_key:
            return False
        for target in targets:
            if record["outputs"].get(target.name) != _output_digest(target):
                return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    seen = {str(w) for w in book.warnings}
    for message, path, line in record.get("warnings", []):
        warning = Warning(message, Path(path) if path else None, line)
        if str(warning) not in seen:
            book.warnings.append(warning)
    return True


def unchanged(manuscript: Path, out: Path, formats: list[str]) -> tuple[list[Path], list] | None:
    """The outputs and warnings of the last build, if none of its input files, the tool,
    the fonts and the outputs have changed since; checked from the record alone, without
    reading the manuscript (a data: or downloaded image is not fetched again: --force).
    None when anything differs or is unknown."""
    try:
        record = json.loads((out / RECORD).read_text(encoding="utf-8"))
        fonts = [Path(path) for path in record["fonts"]]
        if record["context"] != _context(manuscript, formats, fonts):
            return None
        for path, digest in record["inputs"].items():
            if _output_digest(Path(path)) != digest:
                return None
        targets = [out / name for name in record["targets"]]
        for target in targets:
            if record["outputs"].get(target.name) != _output_digest(target):
                return None
        warnings = [
            Warning(message, Path(path) if path else None, line)
            for message, path, line in record["warnings"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return targets, warnings


def record(out: Path, build_key: str, targets: list[Path], book: Book, formats: list[str]) -> None:
    fonts = font_files(book)
    data = {
        "key": build_key,
        "context": _context(book.root, formats, fonts),
        "fonts": [str(path) for path in fonts],
        "inputs": {str(path): _output_digest(path) for path in _input_files(book)},
        "targets": [target.name for target in targets],
        "outputs": {target.name: _output_digest(target) for target in targets},
        "warnings": [[w.message, str(w.path) if w.path else None, w.line] for w in book.warnings],
    }
    path = out / RECORD
    temporary = path.with_suffix(".part")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, path)
