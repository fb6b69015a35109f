"""Numbered figures, tables, equations and listings, and the words of references to them.

The reader left each labelled object with its id and the class `numbered`
(`<figure class="numbered" id="fig-press">`) and each reference as a link to it
(`<a class="xref" href="#fig-press">`). Here, in reading order, each object gets its
number (per chapter, 图 1-1, or through the book, 图 1), written before its caption (or
at the right of its display, for an equation), and each reference the object's word and
number (图 1-1, 式（1-1）, 第 2 章). A reference to no object keeps its place as `??`;
the reader has warned where it stands (readers/assemble.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.etree as etree

from ..model import Book, Chapter, Heading
from ..words import words as language_words

#: What a reference to no object prints.
MISSING = "??"
_KIND_RE = re.compile(r"^(fig|tbl|eq|lst)-")
#: `[crossref]`'s words, by the name of their word in words.py.
_SETTINGS_WORDS = {"fig": "figure", "tbl": "table", "eq": "equation", "lst": "listing",
                   "separator": "separator"}  # fmt: skip


def words(book: Book) -> dict[str, str]:
    """The apparatus's words for `book` (words.py: `crossref.fig` → `fig`…), with those
    `[crossref]` replaces."""
    table = language_words(book.metadata.language)
    found = {key[len("crossref.") :]: value for key, value in table.items()
             if key.startswith("crossref.")}  # fmt: skip
    for word, name in _SETTINGS_WORDS.items():
        given = getattr(book.settings.crossref, name)
        if given is not None:
            found[word] = given
    return found


@dataclass
class _Numbers:
    """What numbering found: each object's number by id, each heading by id."""

    objects: dict[str, tuple[str, str]] = field(default_factory=dict)  # id → (kind, number)
    headings: dict[str, tuple[str, bool]] = field(default_factory=dict)  # id → (title, chapter)
    chapter_numbers: dict[str, str] = field(default_factory=dict)


def chapter_numbers(book: Book) -> dict[str, str]:
    """The number of each chapter its objects' numbers begin with: 1, 2… for the text's
    chapters, A, B… for appendices; none for the rest."""
    numbers: dict[str, str] = {}
    counted = appendices = 0
    for chapter in book.chapters:
        if chapter.matter == "body" and chapter.kind == "chapter":
            counted += 1
            numbers[chapter.id] = str(counted)
        elif chapter.kind == "appendix":
            numbers[chapter.id] = chr(ord("A") + appendices % 26)
            appendices += 1
    return numbers


def number(book: Book) -> None:
    """Number every labelled object of `book` and write every reference's words."""
    said = words(book)
    by_book = book.settings.crossref.numbering == "book"
    found = _Numbers(chapter_numbers=chapter_numbers(book))
    counts: dict[str, int] = {}
    for chapter in book.chapters:
        _headings(chapter, found)
        if not by_book:
            counts = {}
        if "numbered" in chapter.body:
            root = parse(chapter.body)
            prefix = None if by_book else found.chapter_numbers.get(chapter.id)
            _number_objects(root, prefix, counts, said, found)
            chapter.body = serialize(root)
    _deep_headings(book, found)
    for chapter in book.chapters:
        if "xref" in chapter.body:
            chapter.body = _refer(chapter.body, said, found)
        for note in chapter.footnotes:
            if "xref" in note.html:
                note.html = _refer(note.html, said, found)


def _headings(chapter: Chapter, found: _Numbers) -> None:
    found.headings[chapter.id] = (chapter.title, True)
    pending: list[Heading] = list(chapter.sections)
    while pending:
        heading = pending.pop()
        found.headings[heading.id] = (heading.title, False)
        pending.extend(heading.children)


_XREF_RE = re.compile(r'<a class="xref[^"]*" href="#([^"]+)"')


def _deep_headings(book: Book, found: _Numbers) -> None:
    """Headings referred to but below the TOC's depth (not in the model's section tree):
    their titles, from the chapter holding them."""
    wanted = {
        target
        for chapter in book.chapters
        for text in (chapter.body, *(note.html for note in chapter.footnotes))
        for target in _XREF_RE.findall(text)
        if target not in found.objects and target not in found.headings
    }
    for chapter in book.chapters:
        if not wanted:
            return
        if not any(f'id="{target}"' in chapter.body for target in wanted):
            continue
        for element in parse(chapter.body).iter("h2", "h3", "h4", "h5", "h6"):
            if element.get("id") in wanted:
                found.headings[element.get("id")] = ("".join(element.itertext()).strip(), False)
                wanted.discard(element.get("id"))


def _number_objects(
    root, prefix: str | None, counts: dict[str, int], said: dict[str, str], found: _Numbers
) -> None:
    for element in root.iter():
        if not isinstance(element.tag, str) or "numbered" not in element.get("class", "").split():
            continue
        element_id = element.get("id", "")
        kind = _KIND_RE.match(element_id)
        if kind is None:
            continue
        if element_id in found.objects:  # defined twice: the reader warned; one id only
            del element.attrib["id"]
            element.set("class", element.get("class", "").replace("numbered", "").strip())
            continue
        kind_name = kind.group(1)
        counts[kind_name] = counts.get(kind_name, 0) + 1
        figure = str(counts[kind_name])
        text = f"{prefix}{said['separator']}{figure}" if prefix else figure
        found.objects[element_id] = (kind_name, text)
        if kind_name == "eq":
            for span in element.iter("span"):
                if span.get("class") == "equation-number":
                    span.text = said["equation"].format(text)
        else:
            _caption(element, kind_name, f"{said[kind_name]} {text}", said["caption_separator"])


def _caption(element, kind: str, label: str, separator: str) -> None:
    """`label` before the caption of `element` (a figure's or a table's, made if none)."""
    tag = "caption" if element.tag == "table" else "figcaption"
    caption = next((c for c in element if c.tag == tag), None)
    if caption is None:
        caption = etree.Element(tag)
        if tag == "caption" or kind == "lst":
            element.insert(0, caption)
        else:
            element.append(caption)
    span = etree.Element("span")
    span.set("class", "caption-label")
    span.text = label
    has_text = (caption.text or "").strip() or len(caption)
    span.tail = (separator if has_text else "") + (caption.text or "")
    caption.text = None
    caption.insert(0, span)


def _refer(body: str, said: dict[str, str], found: _Numbers) -> str:
    root = parse(body)
    for link in list(root.iter("a")):
        classes = link.get("class", "").split()
        if "xref" not in classes:
            continue
        target = link.get("href", "")[1:]
        words_of = _words(target, "bare" in classes, said, found)
        if words_of is None:
            missing = etree.Element("span")
            missing.set("class", "xref-missing")
            missing.text = MISSING
            missing.tail = link.tail
            link.getparent().replace(link, missing)
            continue
        for child in list(link):
            link.remove(child)
        link.text = words_of
    for group in root.iter("span"):
        if group.get("class") == "xrefs":  # `[@fig:a; @fig:b]`: 图 1-1、图 1-2
            for child in list(group)[:-1]:
                child.tail = said["and"] + (child.tail or "")
    return serialize(root)


def _words(target: str, bare: bool, said: dict[str, str], found: _Numbers) -> str | None:
    """What a reference to `target` reads (`bare`: its number alone), None if no object."""
    if target in found.objects:
        kind, text = found.objects[target]
        if kind == "eq":
            text = said["equation"].format(text)
            return text if bare else f"{said['eq']}{said['eq_join']}{text}"
        return text if bare else f"{said[kind]} {text}"
    if target in found.headings:
        title, is_chapter = found.headings[target]
        chapter = found.chapter_numbers.get(target)
        if is_chapter and chapter is not None:
            return chapter if bare else said["chapter"].format(chapter)
        return title if bare else said["section"].format(title)
    return None


# --- XHTML fragments --------------------------------------------------------------------


_ROOT = '<div xmlns:epub="http://www.idpf.org/2007/ops">'


def parse(fragment: str):
    """A model fragment (well-formed XHTML, sanitize.py; `epub:type` allowed) under a
    `<div>`."""
    return etree.fromstring(f"{_ROOT}{fragment}</div>")


def serialize(root) -> str:
    out = etree.tostring(root, encoding="unicode", method="xml")
    return re.sub(r"^<div[^>]*>|</div>$", "", out) if not out.endswith("/>") else ""
