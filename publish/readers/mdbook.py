"""An mdBook: book.toml with mdBook's `[book]` (title, authors, description, language,
src) and SRC/SUMMARY.md. mdBook's own sections (`[build]`, `[rust]`, `[preprocessor.*]`,
`[output.*]`) are accepted and ignored; ours live in `[output.publish]`, with the same
tables as our book.toml (`[output.publish.pdf]`…), checked as strictly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import check_tables, key_line
from ..errors import PublishError
from ..model import Book, Warning
from .assemble import Assembler
from .common import (
    book_title,
    detect_language,
    introduction,
    metadata,
    read_summary,
    summary_files,
    top_entries,
)
from .manuscript import cover


def is_mdbook(data: dict[str, Any], folder: Path) -> bool:
    """A book.toml that is mdBook's rather than ours."""
    book = data.get("book", {})
    if isinstance(book, dict) and ("chapters" in book or "summary" in book):
        return False
    src = book.get("src", "src") if isinstance(book, dict) else "src"
    mdbook_sections = {"build", "rust", "preprocessor", "output"} & set(data)
    return (isinstance(src, str) and (folder / src / "SUMMARY.md").is_file()) or bool(
        mdbook_sections
    )


def read(
    folder: Path,
    data: dict[str, Any],
    text: str,
    config_file: str = "book.toml",
    kind: str = "mdBook",
) -> Book:
    """The book of an mdBook's configuration `data` (`text` as written, for line numbers),
    or of a clone's that reads the same keys (WaBook's book.ini: `config_file`, `kind`)."""
    toml = folder / config_file
    root = folder.resolve()
    warnings: list[Warning] = []
    book = data.get("book", {})
    if not isinstance(book, dict):
        raise PublishError("`book` must be a table: [book]", toml, key_line(text, "book"))
    ours = data.get("output", {}).get("publish", {}) if isinstance(data.get("output"), dict) else {}
    if not isinstance(ours, dict):
        raise PublishError("`publish` must be a table: [output.publish]", toml)
    config = check_tables(dict(ours), text, toml, prefix="output.publish.", book_required=False)

    def fail(message: str, key: str) -> PublishError:
        return PublishError(message, toml, key_line(text, key, "book"))

    src = book.get("src", "src")
    if not isinstance(src, str):
        raise fail("`src` must be a string in quotes", "src")
    summary_path = (root / src / "SUMMARY.md").resolve()
    if not summary_path.is_relative_to(root):
        raise fail(f"`src` “{src}” is outside the book folder", "src")
    if not summary_path.is_file():
        raise PublishError(f"no SUMMARY.md in `{src}` (an {kind} needs one)", toml)
    summary = read_summary(summary_path, root)
    tops = top_entries(summary, summary_path, warnings)
    readme = summary_path.parent / "README.md"
    tops = introduction(tops, summary_path, readme, root)

    raw: dict[str, Any] = dict(ours.get("book", {}))  # our [output.publish.book] first
    for key in ("title", "description", "language"):
        value = book.get(key)
        if value is not None and not isinstance(value, str):
            raise fail(f"`{key}` must be a string in quotes", key)
        if value and key not in raw:
            raw[key] = value
    authors = book.get("authors", [])
    if isinstance(authors, str):
        authors = [authors]
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        raise fail('`authors` must be a list of strings, like ["…", "…"]', "authors")
    raw.setdefault("authors", authors)
    if not raw.get("title"):
        raw["title"] = book_title(summary, readme, folder, warnings)

    if not raw.get("language"):
        paths = summary_files(tops, summary_path.parent)
        raw["language"] = detect_language(paths, warnings, toml, root)
    assembler = Assembler(
        root,
        config.settings,
        warnings,
        language=raw["language"],
    )
    chapters = assembler.chapters(tops, summary_path)
    checked = check_tables({"book": raw}, text, toml, prefix="output.publish.", book_required=False)
    raw = checked.book
    cover_resource = (
        cover(root, raw["cover"], toml, "output.publish.book") if raw.get("cover") else None
    )
    return assembler.book(
        folder, metadata(raw), chapters, cover_resource, kind, [toml, summary_path]
    )
