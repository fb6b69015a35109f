"""The index (索引): the places the text marks, sorted and grouped, as the book's last chapter.

Terms are marked in the text (`[活字]{.index}`, markup/crossref.py) or listed in a file
(`[index] terms = "index.txt"`), whose every occurrence in running text (not code, headings
or links) is marked here. An entry links to each place its term is marked (one link for a
section, however often it is named there): the EPUB shows the section's title, the print
edition the page (printlinks.py). Entries are sorted by pinyin (polyphones read as words:
pypinyin's phrases, and the book's own readings), by stroke count, or by radical
(Unihan, order.py), grouped under their letter, stroke count or radical, with sub-entries
(`term="印刷!活字"`) and cross-references (`see="…"`, `seealso="…"`). The EPUB's index is
an index document as EPUB Indexes 1.0 describes it (`epub:type` index, index-entry…).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import lxml.etree as etree

from ..config import key_line
from ..errors import PublishError
from ..model import Book, Chapter, IndexMark, Warning
from ..words import words as language_words
from .crossref import parse, serialize
from .order import Sorter, missing_data

#: The id of the index chapter (no chapter of a reader's is so named: assemble.py).
INDEX_ID = "book-index"
#: Where listed terms are not looked for.
_SKIP = {"pre", "code", "kbd", "samp", "a", "math", "svg", "h1", "h2", "h3", "h4", "h5", "h6"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def index_words(language: str) -> dict[str, str]:
    """The index's words in `language` (words.py `index.title` → `title`…)."""
    table = language_words(language)
    return {key[len("index.") :]: v for key, v in table.items() if key.startswith("index.")}


@dataclass
class Entry:
    """One entry of the index: its term, where it is (anchor, section title), its
    cross-references and sub-entries."""

    term: str
    sort_key: str | None = None
    locators: list[tuple[str, str, str]] = field(default_factory=list)  # anchor, section, id
    see: list[str] = field(default_factory=list)
    also: list[str] = field(default_factory=list)
    subs: dict[str, Entry] = field(default_factory=dict)


def make(book: Book) -> None:
    """Mark the listed terms and add the index chapter to `book`, if it has marks."""
    options = book.settings.index
    if options.terms:
        _mark_listed(book, options.terms)
    if not book.index_marks:
        return
    _check_order_data(book)
    sections = _sections(book)
    titles = {chapter.id: (chapter.title, chapter.id) for chapter in book.chapters}
    entries: dict[str, Entry] = {}
    for mark in book.index_marks:  # a mark in a footnote: its chapter
        _enter(entries, mark, sections.get(mark.anchor) or titles.get(mark.chapter, ("", "")))
    _check_references(book, entries)
    said = index_words(book.metadata.language)
    readings = {word: " ".join(s) for word, s in book.settings.typography.pinyin_overrides}
    readings.update(options.readings)  # the ruby's readings, then the index's own
    sorter = Sorter(options.order, readings, said)
    body = _render(entries, sorter, said)
    book.chapters.append(
        Chapter(
            len(book.chapters) + 1,
            INDEX_ID,
            book.root / "book.toml",
            said["title"],
            body,
            matter="back",
            kind="index",
        )  # fmt: skip
    )


def _check_order_data(book: Book) -> None:
    """Stroke and radical order need Unihan (Debian's unicode-data): without it the index
    could not be sorted, an error naming the setting and what to install."""
    order = book.settings.index.order
    missing = missing_data(order)
    if missing is None:
        return
    toml = book.root / "book.toml"
    text = toml.read_text(encoding="utf-8") if toml.is_file() else ""
    raise PublishError(
        f'[index] order = "{order}" needs Unihan\'s stroke and radical counts ({missing} '
        "not found): install the Debian package unicode-data (`make` installs it), or use "
        'order = "pinyin"',
        toml,
        key_line(text, "order", "index"),
    )


def _enter(entries: dict[str, Entry], mark: IndexMark, section: tuple[str, str]) -> None:
    attributes = mark.attributes
    path = [part.strip() for part in attributes.get("term", mark.text).split("!") if part.strip()]
    if not path:
        return
    entry = entries.setdefault(path[0], Entry(path[0]))
    if len(path) == 1 and attributes.get("key"):
        entry.sort_key = attributes["key"]
    for part in path[1:]:
        entry = entry.subs.setdefault(part, Entry(part))
    see = attributes.get("see")
    also = attributes.get("seealso") or attributes.get("see-also")
    if see:
        if see not in entry.see:
            entry.see.append(see)
        return  # a see-entry names no page (it sends the reader elsewhere)
    if also and also not in entry.also:
        entry.also.append(also)
    title, section_id = section
    if entry.locators and entry.locators[-1][2] == section_id:
        return  # one link for a section, however often it is named there
    entry.locators.append((mark.anchor, title, section_id))


def _check_references(book: Book, entries: dict[str, Entry]) -> None:
    """A `see` or `seealso` naming no entry: a warning where the first mark says it."""
    warned: set[str] = set()
    for mark in book.index_marks:
        for key in ("see", "seealso", "see-also"):
            target = mark.attributes.get(key)
            if target and target not in entries and target not in warned:
                warned.add(target)
                book.warnings.append(Warning(f"index: `{key}=\"{target}\"` names no entry of "
                                             "the index (printed as text)", mark.path,
                                             mark.line))  # fmt: skip


def _sections(book: Book) -> dict[str, tuple[str, str]]:
    """The section (title, id) each marked place stands in."""
    wanted = {mark.anchor for mark in book.index_marks}
    found: dict[str, tuple[str, str]] = {}
    for chapter in book.chapters:
        if 'class="index-term"' not in chapter.body:
            continue
        current = (chapter.title, chapter.id)
        for element in parse(chapter.body).iter():
            if not isinstance(element.tag, str):
                continue
            if element.tag in _HEADINGS and element.get("id"):
                current = ("".join(element.itertext()).strip() or chapter.title, element.get("id"))
            elif element.get("id") in wanted:
                found[element.get("id")] = current
    return found


# --- listed terms -----------------------------------------------------------------------


def read_terms(path: Path) -> list[tuple[str, str, int]]:
    """`index.txt`: a term a line (`#` comments), optionally `term | entry` where the entry
    is what the index lists it under (`泥活字 | 活字!泥活字`); (term, entry, line)."""
    terms = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        term, _, entry = (part.strip() for part in line.partition("|"))
        if term:
            terms.append((term, entry or term, number))
    return terms


def _mark_listed(book: Book, name: str) -> None:
    """Mark every occurrence of the listed terms in running text; warn of those found
    nowhere."""
    path = (book.root / name).resolve()
    if not path.is_relative_to(book.root.resolve()) or not path.is_file():
        why = "is outside the book" if not path.is_relative_to(book.root.resolve()) else "not found"
        book.warnings.append(Warning(f"[index] terms: `{name}` {why}", book.root / "book.toml"))
        return
    book.inputs.append(path)  # an edit of the list rebuilds the book (cache.py)
    terms = read_terms(path)
    if not terms:
        return
    entries = {term: entry for term, entry, _ in terms}
    pattern = re.compile("|".join(re.escape(t) for t in sorted(entries, key=len, reverse=True)))
    found: set[str] = set()
    marks: list[IndexMark] = []
    for chapter in book.chapters:
        if not pattern.search(chapter.body):
            continue
        root = parse(chapter.body)
        count = _mark_tree(root, pattern, chapter, entries, marks, found)
        if count:
            chapter.body = serialize(root)
    book.index_marks = sorted([*book.index_marks, *marks], key=_reading_order(book))
    for term, _entry, line in terms:
        if term not in found:
            book.warnings.append(Warning(f"index term `{term}` occurs nowhere in the text",
                                         path, line))  # fmt: skip


def _reading_order(book: Book):
    chapters = {chapter.id: number for number, chapter in enumerate(book.chapters)}
    positions: dict[str, int] = {}
    for chapter in book.chapters:
        for number, match in enumerate(
            re.finditer(r'class="index-term" id="([^"]+)"', chapter.body)
        ):
            positions[match.group(1)] = number
    return lambda mark: (chapters.get(mark.chapter, 0), positions.get(mark.anchor, 0))


def _mark_tree(root, pattern, chapter: Chapter, entries, marks: list, found: set) -> int:
    count = 0

    def split(text: str, parent, after) -> None:
        """Wrap the terms of `text` (standing at the start of `parent` when `after` is
        None, else as `after`'s tail) in marked spans."""
        nonlocal count
        pieces = list(pattern.finditer(text))
        if not pieces:
            return
        head = text[: pieces[0].start()]
        if after is None:
            parent.text = head
            position = 0
        else:
            after.tail = head
            position = parent.index(after) + 1
        for number, match in enumerate(pieces):
            count += 1
            anchor = f"ix-{chapter.id}-t{count}"
            span = etree.Element("span")
            span.set("class", "index-term")
            span.set("id", anchor)
            span.text = match.group(0)
            end = pieces[number + 1].start() if number + 1 < len(pieces) else len(text)
            span.tail = text[match.end() : end]
            parent.insert(position, span)
            position += 1
            found.add(match.group(0))
            marks.append(IndexMark(anchor, match.group(0), {"term": entries[match.group(0)]},
                                   chapter.id))  # fmt: skip

    def walk(element) -> None:
        if element.tag in _SKIP or "index-term" in element.get("class", "").split():
            return
        if element.text:
            split(element.text, element, None)
        for child in list(element):
            if isinstance(child.tag, str):
                walk(child)
            if child.tail:
                split(child.tail, element, child)

    walk(root)
    return count


# --- writing ----------------------------------------------------------------------------


def _render(entries: dict[str, Entry], sorter: Sorter, said: dict[str, str]) -> str:
    """The index chapter's body: groups of entries, each linking to its places."""
    ids = {term: f"ixe-{number}" for number, term in enumerate(entries, 1)}
    ordered = sorted(entries.values(), key=lambda e: sorter.key(e.sort_key or e.term))
    out = ['<div class="ix-columns">']
    group = None
    for entry in ordered:
        heading = sorter.group(entry.sort_key or entry.term)
        if heading != group:
            if group is not None:
                out.append("</ul></section>")
            group = heading
            out.append(
                '<section class="ix-group" epub:type="index-group">'
                f'<h2 class="ix-letter">{html.escape(heading)}</h2>'
                '<ul class="ix-entries" epub:type="index-entry-list">'
            )
        out.append(_entry(entry, sorter, said, ids, ids.get(entry.term)))
    out.append("</ul></section></div>")
    return "".join(out)


def _entry(entry: Entry, sorter: Sorter, said: dict[str, str], ids: dict[str, str],
           entry_id: str | None) -> str:  # fmt: skip
    id_attribute = f' id="{entry_id}"' if entry_id else ""
    parts = [
        f'<li class="ix-entry"{id_attribute} epub:type="index-entry">'
        f'<span class="ix-term" epub:type="index-term">{html.escape(entry.term)}</span>'
    ]
    for anchor, title, _section in entry.locators:
        parts.append(
            f'<span class="ix-sep">{said["separator"]}</span><a class="index-locator" '
            f'epub:type="index-locator" href="#{anchor}"><span class="ix-where">'
            f"{html.escape(title)}</span></a>"
        )
    for word, targets, kind in ((said["see"], entry.see, "preferred"),
                                (said["also"], entry.also, "related")):  # fmt: skip
        if not targets:
            continue
        links = []
        for target in targets:
            if target in ids:
                semantics = f'class="ix-xref" epub:type="index-xref-{kind}"'
                links.append(f'<a {semantics} href="#{ids[target]}">{html.escape(target)}</a>')
            else:
                links.append(html.escape(target))
        separator = said["separator"] if entry.locators or kind == "related" else " "
        parts.append(f'{separator}<span class="ix-see">{word} {"、".join(links)}</span>')
    if entry.subs:
        parts.append('<ul class="ix-entries" epub:type="index-entry-list">')
        for sub in sorted(entry.subs.values(), key=lambda e: sorter.key(e.sort_key or e.term)):
            parts.append(_entry(sub, sorter, said, ids, None))
        parts.append("</ul>")
    parts.append("</li>")
    return "".join(parts)
