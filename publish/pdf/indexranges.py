"""Page ranges in the printed index: a term's places on consecutive pages are printed as one
range, 23–25, as Chinese indexes (and makeindex) set them; places on one page, as that page.

Each place stays a link of its own in the index's HTML (apparatus/index.py): a locator
inside a range but not at its ends is hidden with its separator (`ix-hide`), the range's
last is printed after an en dash (`ix-to`, print.css). Which is which depends on the pages,
so the print edition decides it from the pages it knows or guesses before layout, then
checks it against the pages laid out (`roles` of both must agree: edition.py, and in
segments the index laid out with its numbers exact, layout.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import lxml.etree as etree
import lxml.html

from ..model import Book

#: The cache entry keeping the pages the last build's index locators led to.
INDEX_PAGES_ENTRY = "index-pages"
_LOCATOR_RE = re.compile(r'<a class="index-locator"[^>]*?href="#([^"]+)"')


def index_chapter(book: Book):
    """The book's index chapter (apparatus/index.py), if it has one."""
    return next((chapter for chapter in book.chapters if chapter.kind == "index"), None)


def locator_targets(book: Book) -> set[str]:
    """The places the index's locators lead to."""
    chapter = index_chapter(book)
    return set(_LOCATOR_RE.findall(chapter.body)) if chapter is not None else set()


def _page(pages: dict[str, str], target: str) -> int | None:
    """A target's page as a number, if it is one (not a roman folio, nor zeros: unknown)."""
    page = pages.get(target, "")
    return int(page) if page.isdigit() and page.strip("0") else None


def roles(body: str, pages: dict[str, str]) -> dict[str, str]:
    """Each locator's part in a range given `pages` (target → printed page): `hide` (on the
    page before it, or inside a range), `to` (a range's last page); locators printed as
    they are are left out."""
    found: dict[str, str] = {}
    root = lxml.html.fragment_fromstring(body, create_parent="div")
    for entry in root.iter("li"):
        run: list[tuple[str, int]] = []  # the current range's locators printed so far
        for link in entry.iterchildren("a"):
            if "index-locator" not in link.get("class", "").split():
                continue
            target = link.get("href", "")[1:]
            page = _page(pages, target)
            last = run[-1][1] if run else None
            if page is not None and last is not None and page == last:
                found[target] = "hide"  # the same page again
                continue
            if page is not None and last is not None and page == last + 1:
                if len(run) > 1:
                    found[run[-1][0]] = "hide"  # no longer the range's end
                found[target] = "to"
                run.append((target, page))
                continue
            run = [(target, page)] if page is not None else []
    return found


def merged(body: str, pages: dict[str, str]) -> str:
    """The index chapter's print body with its locators' parts in ranges (`roles`)."""
    parts = roles(body, pages)
    if not parts:
        return body
    root = lxml.html.fragment_fromstring(body, create_parent="div")
    for link in root.iter("a"):
        role = parts.get(link.get("href", "")[1:])
        if role is None or "index-locator" not in link.get("class", "").split():
            continue
        separator = link.getprevious()
        for element in (link, separator):
            if element is not None and (element is link or element.get("class") == "ix-sep"):
                element.set("class", f"{element.get('class')} ix-{role}")
    out = etree.tostring(root, encoding="unicode", method="xml")
    return re.sub(r"^<div>|</div>$", "", out)


def read_record(folder: Path) -> dict[str, str]:
    """The pages the last build's index locators led to (empty if not kept)."""
    try:
        data = json.loads((folder / f"{INDEX_PAGES_ENTRY}.json").read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def write_record(folder: Path, pages: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{INDEX_PAGES_ENTRY}.json"
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(pages, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    partial.replace(path)
