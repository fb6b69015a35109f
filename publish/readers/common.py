"""What the readers of book folders share: a summary made into chapters, metadata filled
in from what the folder has, the language told from the text."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from ..errors import PublishError
from ..model import Metadata, Part, Warning
from ..typography.chars import HAN_RE
from ..words import words
from . import files
from .assemble import MAX_TITLE, TopEntry
from .summary import Entry, Summary, parse_summary

#: Summary titles that are no book's title.
_GENERIC_TITLES = {"summary", "table of contents", "contents", "目录", "目錄", "摘要", "大纲"}
#: First headings of a README that name a part of the book, not the book.
_README_HEADINGS = {"关于本书", "关于", "本书简介", "简介", "介绍", "前言", "序言", "导读", "说明",
                    "about", "about this book", "introduction", "preface", "readme", "overview",
                    "概述", "關於本書", "簡介"}  # fmt: skip


def read_summary(path: Path, root: Path, dialect: str = "mdbook") -> Summary:
    """The summary file `path` (inside the book `root`), parsed."""
    return parse_summary(files.read_text(path, root), path, dialect)


def top_entries(summary: Summary, path: Path, warnings: list[Warning]) -> list[TopEntry]:
    """The chapters a summary lists: prefix chapters as front matter, numbered ones in their
    parts, suffix chapters as back matter. Drafts are left out, with one warning."""
    tops = [TopEntry(entry, "front") for entry in summary.prefix if _kept(entry)]
    number = 0
    for part in summary.parts:
        model_part = None
        if part.title:
            number += 1
            model_part = Part(part.title, f"part{number}")
        tops += [TopEntry(entry, "body", model_part) for entry in part.chapters if _kept(entry)]
    tops += [TopEntry(entry, "back") for entry in summary.suffix if _kept(entry)]
    drafts = summary.drafts()
    if drafts:
        names = "、".join(f"“{entry.title}” (line {entry.line})" for entry in drafts)
        warnings.append(Warning(f"{len(drafts)} draft chapter(s) left out: {names}", path))
    external = summary.external()
    if external:
        names = "、".join(f"“{entry.title}” (line {entry.line})" for entry in external)
        warnings.append(
            Warning(f"{len(external)} link(s) to other sites left out of the book: {names}", path)
        )
    if not tops:
        raise PublishError("the summary lists no chapter with a file", path)
    return tops


def _kept(entry: Entry) -> bool:
    """A top-level entry makes a chapter if it, or one of its entries, has a file."""
    if entry.path and not entry.draft:
        return True
    return any(_kept(child) for child in entry.children)


def first_heading(path: Path, root: Path) -> str | None:
    """The text of a Markdown file's first `#` heading, if it has one (only a regular file
    inside the book `root` is read: a README linked to a file elsewhere gives nothing)."""
    try:
        text = files.read_text(path, root)
    except PublishError:
        return None
    match = re.search(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", text, re.M)
    return match.group(1).strip()[:MAX_TITLE] if match else None


def book_title(summary: Summary, readme: Path | None, folder: Path, warnings: list) -> str:
    """A title for a book whose configuration gives none."""
    title = first_heading(readme, folder) if readme is not None else None
    if title and title.strip().lower() in _README_HEADINGS:
        title = None  # `# 关于本书` is the introduction's title, not the book's
    if not title and summary.title and summary.title.strip().lower() not in _GENERIC_TITLES:
        title = summary.title
    if not title:
        # `mostly-adequate-guide` is one word to a line breaker: its words are set apart.
        title = re.sub(r"[-_]+", " ", folder.resolve().name).strip() or folder.resolve().name
        warnings.append(Warning(f"no title given: the folder's name “{title}” is used"))
    return title


def detect_language(paths: list[Path], warnings: list[Warning], where: Path, root: Path) -> str:
    """The language of the text (the first few files), with a warning saying it was
    guessed: mostly Han → zh-CN, kana → ja, hangul → ko, Latin letters → en."""
    han = kana = hangul = latin = 0
    for path in paths[:20]:
        try:
            text = files.read_bytes(path, root)[:60000].decode("utf-8", "replace")[:20000]
        except PublishError:
            continue
        # Code is Latin in a book of any language: only the prose tells.
        text = re.sub(r"^(```|~~~).*?^\1|`[^`\n]*`", "", text, flags=re.M | re.S)
        for char in text:
            if "\u3040" <= char <= "\u30ff":
                kana += 1
            elif "\uac00" <= char <= "\ud7af":
                hangul += 1
            elif unicodedata.category(char) == "Lo" and "CJK" in unicodedata.name(char, ""):
                han += 1
            elif char.isascii() and char.isalpha():
                latin += 1
    if kana > 0.05 * (han + kana):
        language = "ja"
    elif hangul > han:
        language = "ko"
    elif han and han * 4 >= latin:  # a Han character says about a word; code is Latin
        language = "zh-CN"
    else:
        language = "en"
    warnings.append(
        Warning(f"no language given: “{language}” told from the text (set it to be sure)", where)
    )
    return language


def metadata(raw: dict[str, Any]) -> Metadata:
    """The model's metadata from checked `[book]`-like values."""
    return Metadata(
        title=raw["title"].strip(),
        subtitle=(raw.get("subtitle") or "").strip() or None,
        authors=tuple(a.strip() for a in raw.get("authors", ()) if a.strip()),
        language=raw["language"],
        identifier=raw["identifier"],
        publisher=raw.get("publisher"),
        date=raw.get("date"),
        description=raw.get("description"),
        rights=raw.get("rights"),
        subjects=tuple(raw.get("subjects", ())),
    )


def summary_files(tops: list[TopEntry], base: Path) -> list[Path]:
    """The files the summary's entries name, in reading order (drafts and missing files
    left out): what the language is told from before the files are parsed."""
    files: list[Path] = []

    def walk(entry: Entry) -> None:
        if entry.path and not entry.draft:
            path = (base / entry.path).resolve()
            if path.is_file():
                files.append(path)
        for child in entry.children:
            walk(child)

    for top in tops:
        walk(top.entry)
    return files


def introduction(tops: list[TopEntry], summary: Path, readme: Path, root: Path) -> list[TopEntry]:
    """README.md is the book's introduction (front matter, first) unless the summary opens
    the book itself: with entries before its list (mdBook's prefix chapters: `[前言](preface.md)`),
    or with README.md in it. One opening, never two. Only a regular file inside the book
    `root` counts."""
    if not files.is_file(readme, root):
        return tops
    first = tops[0].entry
    if first.path and (summary.parent / first.path).resolve() == readme.resolve():
        if not first.children:
            tops[0].matter = "front"
            tops[0].part = None
        return tops
    listed = any(
        entry.path and (summary.parent / entry.path).resolve() == readme.resolve()
        for top in tops
        for entry in _walk(top.entry)
    )
    if listed or tops[0].matter == "front":
        return tops
    title = first_heading(readme, root) or _introduction_title(readme, root)
    name = readme.resolve().relative_to(summary.parent.resolve()).as_posix()
    return [TopEntry(Entry(title, name, 0), "front"), *tops]


def _introduction_title(readme: Path, root: Path) -> str:
    """The title of an introduction without a heading, in the text's language."""
    text = files.read_bytes(readme, root).decode("utf-8", "replace")
    return words("zh" if HAN_RE.search(text) else "en")["introduction"]


def _walk(entry: Entry):
    yield entry
    for child in entry.children:
        yield from _walk(child)


def route_file(route: str, base: Path, indexes: tuple[str, ...]) -> str | None:
    """A web site's route (`/guide/intro`, `guide/`, `#/guide?id=x`, `intro.html`) as the
    Markdown file it is served from, relative to the site's folder `base`, with its anchor
    (`?id=x`: docsify's). None for another site's address."""
    route = route.strip()
    if re.match(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)", route):
        return None
    route = route.removeprefix("#")  # docsify's hash router: #/guide
    route, _, anchor = route.partition("#")
    route, _, query = route.partition("?")
    anchor = anchor or next(
        (v for k, _, v in (p.partition("=") for p in query.split("&")) if k == "id"), ""
    )
    route = route.lstrip("/")
    if route.endswith(".html"):
        route = route[: -len(".html")]
    if route in ("", ".") or route.endswith("/"):
        name = next((route + i for i in indexes if (base / (route + i)).is_file()),
                    route + indexes[0])  # fmt: skip
    elif Path(route).suffix.lower() in (".md", ".markdown"):
        name = route
    else:
        name = route + ".md"
        if not (base / name).is_file() and (base / route).is_dir():
            name = next((f"{route}/{i}" for i in indexes if (base / route / i).is_file()),
                        f"{route}/{indexes[0]}")  # fmt: skip
    return name + (f"#{anchor}" if anchor else "")
