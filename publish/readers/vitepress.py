"""A VitePress or VuePress site: the sidebar of its config (`.vitepress/config.{mts,ts,
mjs,js}` or `.vuepress/config.{ts,js}`, in the folder or its docs/) is the summary, its
`title`, `description` and `lang` the metadata. The config is code and is never run: the
sidebar is read when it is written as plain data (jsdata.py); when it is built by code
(imported, generated), one line says what to add: a SUMMARY.md beside the pages, which is
then read instead. Top-level groups (`{ text, items }`) are parts, their items chapters,
deeper items sections. The home page (`layout: home`, `home: true`) is the web site's,
not the book's. Our settings have no place there: the defaults are used."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import check_tables
from ..errors import PublishError
from ..model import Book, Warning
from . import files, jsdata
from .assemble import Assembler
from .common import (
    book_title,
    detect_language,
    first_heading,
    introduction,
    metadata,
    read_summary,
    route_file,
    summary_files,
    top_entries,
)
from .summary import Entry, Summary, SummaryPart

_CONFIGS = [f".vitepress/config.{e}" for e in ("mts", "ts", "mjs", "js")] + [
    f".vuepress/config.{e}" for e in ("ts", "js")
]


@dataclass
class Site:
    """Where a site's pages are, and its config file."""

    pages: Path
    config: Path

    @property
    def indexes(self) -> tuple[str, ...]:
        vuepress = self.config.parent.name == ".vuepress"
        return ("README.md", "index.md") if vuepress else ("index.md", "README.md")


def config_of(folder: Path) -> Site | None:
    for pages in (folder, folder / "docs"):
        for name in _CONFIGS:
            if (pages / name).is_file():
                return Site(pages, pages / name)
    return None


def _entry(item: Any, site: Site, line: int) -> Entry | None:
    """One sidebar item: a route, VuePress's `[route, title]`, or `{text|title,
    link|path, items|children}`."""
    if isinstance(item, str):
        return _page(item, None, site, line)
    if isinstance(item, list) and item and isinstance(item[0], str):
        return _page(item[0], item[1] if len(item) > 1 and isinstance(item[1], str) else None,
                     site, line)  # fmt: skip
    if not isinstance(item, dict):
        return None
    title = item.get("text", item.get("title"))
    link = item.get("link", item.get("path"))
    children = item.get("items", item.get("children")) or []
    base = item.get("base", "")
    entry = (
        _page(f"{base}{link}", title if isinstance(title, str) else None, site, line)
        if isinstance(link, str)
        else Entry(title if isinstance(title, str) else "", None, line)
    )
    if entry is None:
        return None
    for child in children if isinstance(children, list) else []:
        if base and isinstance(child, dict) and isinstance(child.get("link"), str):
            child = {**child, "link": base + child["link"]}
        made = _entry(child, site, line)
        if made is not None:
            entry.children.append(made)
    return entry


def _page(route: str, title: str | None, site: Site, line: int) -> Entry | None:
    name = route_file(route, site.pages, site.indexes)
    if name is None:
        return Entry(title or route, route, line)  # another site's: left out, with a warning
    file = site.pages / name.partition("#")[0]
    return Entry(title or first_heading(file, site.pages) or file.stem, name, line)


def _summary(data: Any, site: Site, line: int) -> Summary:
    """The sidebar as a summary: one sidebar, or several by path (`{'/guide/': […]}`),
    one after another."""
    groups: list[Any] = []
    if isinstance(data, dict):
        for value in data.values():
            value = value.get("items", []) if isinstance(value, dict) else value
            groups += value if isinstance(value, list) else []
    elif isinstance(data, list):
        groups = data
    parts: list[SummaryPart] = []
    for item in groups:
        entry = _entry(item, site, line)
        if entry is None:
            continue
        if entry.target is None and entry.children:  # a group: a part of the book
            parts.append(SummaryPart(entry.title or None, line, entry.children))
        else:
            if not parts or parts[-1].title is not None:
                parts.append(SummaryPart(None, None))
            parts[-1].chapters.append(entry)
    summary = Summary(None, [], parts, [])
    if not summary.entries():
        raise PublishError("the sidebar lists no page", site.config, line)
    return summary


_MODULE_SUFFIXES = ("", ".ts", ".mts", ".js", ".mjs", "/index.ts", "/index.js")


def _sidebar(site: Site, source: str, root: Path) -> tuple[Any, Path, int]:
    """The sidebar's data, the file it is written in and its line: in the config, or in
    the module the config imports it from (`import { sidebar } from './sidebar'`), read
    as data, never run."""
    where, path = site.config.relative_to(root).as_posix(), site.config
    ask = (f"add a SUMMARY.md in {site.pages.relative_to(root).as_posix() or '.'}/ listing "
           "the chapters (`- [第一章](guide/intro.md)`)")  # fmt: skip
    found = jsdata.find(source, "sidebar")
    name = None
    if found is None and re.search(r"[{,]\s*sidebar\s*[,}]", source):
        name = "sidebar"  # shorthand: { sidebar }
    elif found is not None and re.fullmatch(r"[A-Za-z_$][\w$]*", found.text):
        name = found.text
    if name is not None:
        found = jsdata.binding(source, name)
        origin = jsdata.imported(source, name) if found is None else None
        if origin is not None:
            module, exported = origin
            base = (site.config.parent / module).as_posix()
            path = next((Path(base + s) for s in _MODULE_SUFFIXES
                         if Path(base + s).is_file()), path)  # fmt: skip
            if path != site.config and files.is_file(path, root):
                text = files.read_text(path, root)
                found = jsdata.binding(text, exported)
                where = path.relative_to(root).as_posix()
    if found is None:
        raise PublishError(f"no sidebar written as data in {where}: {ask}", site.config)
    try:
        return jsdata.value(found), path, found.line
    except jsdata.NotData as exc:
        raise PublishError(
            f"the sidebar is {exc}, and it is never run: {ask}, or write the sidebar as a "
            "plain list",
            path,
            found.line,
        ) from None


def _is_home(path: Path, root: Path) -> bool:
    """A landing page (`layout: home`, VuePress's `home: true`): the site's, not the book's."""
    if not files.is_file(path, root):
        return False
    head = files.read_text(path, root)[:2000]
    match = re.match(r"---\n(.*?)\n---", head.replace("\r\n", "\n"), re.S)
    return bool(match and re.search(r"^(layout:\s*home|home:\s*true)\s*$", match[1], re.M))


def read(folder: Path, site: Site) -> Book:
    root = folder.resolve()
    pages = site.pages.resolve()
    site = Site(pages, site.config.resolve())
    warnings: list[Warning] = []
    source = files.read_text(site.config, root)
    own = pages / "SUMMARY.md"
    if files.is_file(own, root):  # what the one line below asks for, when the sidebar is code
        summary, summary_path = read_summary(own, root, "gitbook"), own
    else:
        data, summary_path, line = _sidebar(site, source, root)
        summary = _summary(data, site, line)
    base = pages if summary_path != own else summary_path.parent
    tops = top_entries(summary, summary_path, warnings)
    home = next((pages / i for i in site.indexes if files.is_file(pages / i, root)),
                pages / "index.md")  # fmt: skip
    if not _is_home(home, root):
        tops = introduction(tops, base / "_", home, root)

    raw: dict[str, Any] = {}
    for key, ours in (("title", "title"), ("description", "description"), ("lang", "language")):
        found = jsdata.find(source, key)
        try:
            value = jsdata.value(found) if found is not None else None
        except jsdata.NotData:
            value = None
        if isinstance(value, str) and value.strip():
            raw[ours] = value.strip()
    if not raw.get("title"):
        raw["title"] = book_title(summary, home, folder, warnings)
    if not raw.get("language"):
        raw["language"] = detect_language(summary_files(tops, base), warnings, site.config, root)
    named = {"output": {"name": root.name}}  # the book's folder, not .vitepress/
    config = check_tables(named, "", site.config, book_required=False)
    assembler = Assembler(root, config.settings, warnings, language=raw["language"], site=pages)
    chapters = assembler.chapters(tops, base / summary_path.name)  # targets: from `base`
    raw = check_tables({"book": raw}, "", site.config, book_required=False).book
    inputs = list(dict.fromkeys([site.config, summary_path]))
    return assembler.book(folder, metadata(raw), chapters, None, "VitePress", inputs)
