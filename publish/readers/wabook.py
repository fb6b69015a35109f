"""A WaBook: mdBook's layout (`SRC/SUMMARY.md`) configured in `book.ini` instead of
book.toml. Its `[book]` has mdBook's keys (title, authors, description, language, src),
written as TOML values (`title = "…"`, `authors = ["…", "…"]`); `[build]`, `[custom]`,
`[giscus]`, `[output.html]` are the web site's and are ignored. Our settings, if any, go in
`[output.publish.pdf]`… sections, as in an mdBook's book.toml; the mdBook reader does the
rest."""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path
from typing import Any

from ..errors import PublishError
from ..model import Book
from . import files, mdbook

CONFIG = "book.ini"


def _value(raw: str) -> Any:
    """A book.ini value: a TOML value (`"…"`, `[…]`, `true`, a number), or bare text."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw.strip().strip("\"'")


def read_ini(path: Path, root: Path) -> tuple[dict[str, Any], str]:
    """book.ini as nested tables (`[output.publish.pdf]` → data["output"]["publish"]["pdf"])
    and its text."""
    try:
        text = files.read_bytes(path, root).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PublishError(f"not UTF-8 text (byte {exc.start})", path) from None
    parser = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",))
    parser.optionxform = str  # keys as written (`page-size`, not lowered)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        message = exc.message.splitlines()[0] if hasattr(exc, "message") else str(exc)
        raise PublishError(f"not an INI file: {message}", path, line) from None
    data: dict[str, Any] = {}
    for section in parser.sections():
        table = data
        for name in section.split("."):
            table = table.setdefault(name.strip(), {})
        table.update({key: _value(value) for key, value in parser.items(section)})
    return data, text


def read(folder: Path) -> Book:
    data, text = read_ini(folder / CONFIG, folder.resolve())
    return mdbook.read(folder, data, text, CONFIG, "WaBook")
