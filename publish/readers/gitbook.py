"""A GitBook (or HonKit) book: SUMMARY.md, or the one book.json names through `root` and
`structure.summary`; metadata from book.json (title, author, description, language, isbn,
publisher, pubdate…); README.md the introduction (common.introduction). Our settings, if
any, in book.json's `"publish"` object, with the same tables as our book.toml (`"pdf": {…}`…)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..config import check_tables
from ..errors import PublishError
from ..model import Book, Warning
from . import files
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


def book_json(folder: Path) -> dict[str, Any]:
    path = folder / "book.json"
    if not path.exists() and not path.is_symlink():
        return {}
    try:
        data = json.loads(files.read_text(path, folder))
    except json.JSONDecodeError as exc:
        raise PublishError(f"invalid JSON: {exc.msg}", path, exc.lineno) from None
    except RecursionError:
        raise PublishError("invalid JSON: nested too deeply", path) from None
    if not isinstance(data, dict):
        raise PublishError("book.json must hold an object { … }", path)
    return data


def summary_of(folder: Path, data: dict[str, Any]) -> Path:
    """Where the book's SUMMARY.md is (book.json's `root` and `structure.summary`)."""
    where = folder / "book.json"
    base = data.get("root", ".")
    structure = data.get("structure", {})
    name = structure.get("summary", "SUMMARY.md") if isinstance(structure, dict) else None
    if not isinstance(base, str) or not isinstance(name, str):
        raise PublishError("`root` and `structure.summary` must be strings", where)
    return (folder / base / name).resolve()


def read(folder: Path) -> Book:
    root = folder.resolve()
    data = book_json(folder)
    where = folder / "book.json"
    warnings: list[Warning] = []
    summary_path = summary_of(folder, data)
    if not summary_path.is_relative_to(root):
        raise PublishError("the summary book.json names is outside the book folder", where)
    if not summary_path.is_file():
        raise PublishError(f"no {summary_path.name} here (a GitBook needs one)", summary_path)
    ours = data.get("publish", {})
    if not isinstance(ours, dict):
        raise PublishError("`publish` must be an object { … }", where)
    text = files.read_text(where, root) if data else ""
    config = check_tables(dict(ours), text, where, prefix="publish.", book_required=False)
    summary = read_summary(summary_path, root, "gitbook")
    tops = top_entries(summary, summary_path, warnings)
    structure = data.get("structure") if isinstance(data.get("structure"), dict) else {}
    readme_name = structure.get("readme", "README.md")
    if not isinstance(readme_name, str):
        raise PublishError("`structure.readme` must be a string", where)
    readme = summary_path.parent / readme_name
    tops = introduction(tops, summary_path, readme, root)

    raw: dict[str, Any] = dict(ours.get("book", {}))
    for key, ours_key in (("title", "title"), ("description", "description"),
                          ("language", "language"), ("publisher", "publisher"),
                          ("pubdate", "date")):  # fmt: skip
        value = data.get(key)
        if isinstance(value, str) and value.strip() and ours_key not in raw:
            raw[ours_key] = value.strip()
    if "authors" not in raw:
        author = data.get("author")
        raw["authors"] = [author] if isinstance(author, str) else list(author or [])
    isbn = data.get("isbn")
    if isinstance(isbn, str) and isbn.strip() and "identifier" not in raw:
        raw["identifier"] = "urn:isbn:" + isbn.strip().replace("-", "").replace(" ", "")
    if not raw.get("title"):
        raw["title"] = book_title(summary, readme, folder, warnings)

    if not raw.get("language"):
        paths = summary_files(tops, summary_path.parent)
        raw["language"] = detect_language(paths, warnings, summary_path, root)
    assembler = Assembler(root, config.settings, warnings, language=raw["language"])
    chapters = assembler.chapters(tops, summary_path)
    raw = check_tables({"book": raw}, text, where, prefix="publish.", book_required=False).book
    inputs = [p for p in (where,) if p.is_file()]
    return assembler.book(folder, metadata(raw), chapters, None, "GitBook",
                          [*inputs, summary_path])  # fmt: skip
