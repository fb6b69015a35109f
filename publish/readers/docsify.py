"""A docsify site: its `_sidebar.md` (in the docs folder or its parent) is the summary,
README.md the home page, `index.html`'s `window.$docsify = {…}` the settings, read as
data, never run (jsdata.py): `name` the title, `loadSidebar` the sidebar's file name,
`alias` where the sidebar is served from, `subMaxLevel` the depth of the table of
contents, `coverpage` the title and subtitle. Sidebar links are routes (`/guide`,
`chapter1/`, `#/x?id=y`) and become files. `[x](file.md ':include')` embeds are expanded
in every file (includes.embed). docsify sites have no place for our settings: the
defaults are used."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any

import lxml.html

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
    route_file,
    summary_files,
    top_entries,
)
from .summary import Entry, parse_summary

SIDEBAR = "_sidebar.md"
_INDEXES = ("README.md", "index.md")


def docs_of(folder: Path) -> Path | None:
    """The docsify site's folder: `folder` or its docs/, whichever has a sidebar or an
    index.html that sets `window.$docsify`."""
    root = folder.resolve()
    for docs in (folder, folder / "docs"):
        if files.is_file(docs / SIDEBAR, root) or "$docsify" in _index_text(docs, root):
            return docs
    return None


def _index_text(docs: Path, root: Path) -> str:
    """index.html's text (only a regular file inside the book `root`), or nothing."""
    index = docs / "index.html"
    try:
        return files.read_text(index, root) if files.is_file(index, root) else ""
    except PublishError:
        return ""


def _settings(
    docs: Path, warnings: list[Warning], root: Path
) -> tuple[dict[str, Any], str | None, str | None]:
    """`window.$docsify`'s data, and index.html's `lang` and `<title>`."""
    text = _index_text(docs, root)
    if not text.strip():
        return {}, None, None
    page = lxml.html.fromstring(text)
    lang = page.get("lang")
    title = (page.findtext(".//title") or "").strip() or None
    for script in page.iter("script"):
        found = jsdata.find(script.text or "", "$docsify")
        if found is None:
            continue
        try:
            data = jsdata.value(found)
        except jsdata.NotData as exc:
            warnings.append(Warning(f"window.$docsify is {exc}: its settings are not read",
                                    docs / "index.html"))  # fmt: skip
            return {}, lang, title
        return (data if isinstance(data, dict) else {}), lang, title
    return {}, lang, title


def _sidebar(docs: Path, settings: dict[str, Any]) -> Path:
    """The sidebar file: `loadSidebar`'s name (through `alias`), here or one folder up."""
    load = settings.get("loadSidebar")
    name = load if isinstance(load, str) and load.strip() else SIDEBAR
    route = "/" + name.lstrip("/")
    aliases = settings.get("alias") if isinstance(settings.get("alias"), dict) else {}
    for pattern, target in aliases.items():
        try:
            if isinstance(target, str) and re.fullmatch(pattern, route):
                route = target
                break
        except re.error:
            continue
    for folder in (docs, docs.parent):
        path = folder / route.lstrip("/")
        if path.is_file():
            return path
    where = docs / "index.html"
    raise PublishError(
        f"no {route.lstrip('/')} here nor in the folder above: add one listing the chapters "
        "(`- [第一章](chapter1.md)`), as docsify's `loadSidebar: true` reads",
        where if where.is_file() else docs,
    )


def _routes(entries: list[Entry], docs: Path, sidebar: Path) -> None:
    """Sidebar targets (routes of the site at `docs`) as files relative to the sidebar."""
    for entry in entries:
        if entry.target:
            name = route_file(entry.target, docs, _INDEXES)
            if name is not None:
                file, _, anchor = name.partition("#")
                relative = Path(_relative(docs / file, sidebar.parent))
                entry.target = relative.as_posix() + (f"#{anchor}" if anchor else "")
        _routes(entry.children, docs, sidebar)


def _relative(path: Path, base: Path) -> str:
    return os.path.relpath(path, base)


def _coverpage(docs: Path, settings: dict[str, Any], root: Path) -> tuple[str | None, str | None]:
    """The cover page's title (its heading, without `<small>` version) and subtitle (its
    first quotation or paragraph)."""
    cover = settings.get("coverpage")
    if not cover:
        return None, None
    name = cover if isinstance(cover, str) else "_coverpage.md"
    path = docs / name.lstrip("/")
    if not files.is_file(path, root):
        return None, None
    text = files.read_text(path, root)
    title = first_heading(path, root)
    if title:
        title = re.sub(r"<small>.*?</small>|<[^>]+>", "", title).strip() or None
    subtitle = None
    for line in text.splitlines():
        stripped = line.strip().lstrip(">").strip()
        if stripped and not re.match(r"^(#|!\[|\[|-|\*|<|\|)", stripped):
            subtitle = stripped
            break
    return title, subtitle


def _homepage_is_empty(readme: Path, root: Path) -> bool:
    """A home page with nothing but remote embeds and badges (nothing of the book's)."""
    text = files.read_text(readme, root)
    text = re.sub(r"\[[^\]]*\]\(\s*(?:https?:)?//[^)]*\)", "", text)
    return not text.strip()


def read(folder: Path, docs: Path) -> Book:
    root = folder.resolve()
    docs = docs.resolve()
    warnings: list[Warning] = []
    settings, lang, html_title = _settings(docs, warnings, root)
    sidebar = _sidebar(docs, settings).resolve()
    if not sidebar.is_relative_to(root):
        raise PublishError("the sidebar is outside the book folder", sidebar)
    text = files.read_text(sidebar, root)
    summary = parse_summary(text, sidebar, "gitbook")
    for part in summary.parts:
        _routes(part.chapters, docs, sidebar)
    _routes(summary.prefix + summary.suffix, docs, sidebar)
    tops = top_entries(summary, sidebar, warnings)
    home = settings.get("homepage")
    readme = docs / (home if isinstance(home, str) and "//" not in home else "README.md")
    if files.is_file(readme, root) and _homepage_is_empty(readme, root):
        warnings.append(Warning("the home page only embeds remote files: left out", readme))
    else:
        tops = introduction(tops, sidebar, readme, root)

    named = {"output": {"name": root.name}}  # the book's folder, not docs/
    ours = check_tables(named, "", docs / "index.html", book_required=False).settings
    depth = settings.get("subMaxLevel")
    if isinstance(depth, int) and not isinstance(depth, bool) and depth > 0:
        # The sidebar's headings under each page (h2 for 2): the printed TOC's depth.
        pdf = dataclasses.replace(ours.pdf, toc_depth=min(depth - 1, 3))
        ours = dataclasses.replace(ours, pdf=pdf)
    raw: dict[str, Any] = {}
    cover_title, subtitle = _coverpage(docs, settings, root)
    name = settings.get("name")
    if isinstance(name, str) and name.strip():
        name = lxml.html.fromstring(f"<p>{name}</p>").text_content().strip()
    raw["title"] = (name if isinstance(name, str) and name else None) or cover_title or html_title
    if subtitle and subtitle != raw["title"]:
        raw["subtitle"] = subtitle
    if not raw["title"]:
        raw["title"] = book_title(summary, readme, docs, warnings)
    paths = summary_files(tops, sidebar.parent)
    told = detect_language(paths, [], sidebar, root)
    if lang and lang[:2].lower() == told[:2]:
        raw["language"] = lang  # docsify's template says "en" on many Chinese sites
    else:
        raw["language"] = detect_language(paths, warnings, sidebar, root)
    assembler = Assembler(root, ours, warnings, language=raw["language"], site=docs)
    chapters = assembler.chapters(tops, sidebar)
    raw = check_tables({"book": raw}, "", docs / "index.html", book_required=False).book
    inputs = [p for p in (docs / "index.html",) if p.is_file()]
    return assembler.book(folder, metadata(raw), chapters, None, "docsify", [*inputs, sidebar])
