"""Citations and the list of references (参考文献), GB/T 7714 (gb7714.py).

The reader left each citation as a span (markup/citations.py) and listed it in the model
(`book.citation_marks`). Here, in reading order, each cited entry of the bibliography
(`[book] bibliography`, sources.py) gets its number at its first citation; each citation
becomes, in a numeric style, the superscript `[1]`, `[2-4]`, `[1,3]`, `[1]29` (a page
locator after the bracket), or `[1]` on the line for `@key` in a sentence (the standard's
“由文献[8]可知”); in an author-date style `（陈登原，2000）`, `陈登原（2000）`, the page
superscript after it. Every number or name links to its entry. The list is the book's
last chapter before the index (`epub:type="bibliography"`, each entry a `biblioentry`),
or, with `[book] bibliography-scope = "chapter"`, a section closing each chapter, its
numbers starting again at 1.

A `.csl` file as the style (APA, IEEE…: not GB/T 7714, which no CSL processor prints
right) is citeproc-py's (csl.py): its citations as it writes them, each linking to its
entry, its list in the style's order.

Bad input is a warning naming its place, the text kept visible: a key not in the
bibliography prints `[?key]`; a malformed entry names its file and line; an unknown
style name, or a .csl file citeproc-py cannot use, falls back to gb7714-2015-numeric.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import lxml.etree as etree

from ...model import Book, Chapter, CitationMark, Warning
from ...words import words as language_words
from ..crossref import parse, serialize
from ..order import Sorter
from . import csl, gb7714, sources
from .sources import Reference

#: The id of the book's list of references (no chapter of a reader's is so named).
REFERENCES_ID = "book-references"
#: Author-date lists sort names and titles by pinyin (Latin by its letters), as indexes do.
_SORTER = Sorter("pinyin", {}, {})


def make(book: Book) -> None:
    """Write every citation of `book` and add its list (or lists) of references."""
    options = book.settings.citations
    if not options.bibliography:
        return
    references = _bibliography(book)
    language = book.metadata.language
    title = language_words(language).get("citations.title", "References")
    marks = {mark.anchor: mark for mark in book.citation_marks}
    groups = (
        [[chapter] for chapter in book.chapters]
        if options.scope == "chapter"
        else [list(book.chapters)]
    )
    if book.csl_style is not None and references is not None:
        try:
            made = [_csl_scope(group, marks, book.csl_style.text, references, _prefix(book, group))
                    for group in groups]  # fmt: skip
        except csl.CslError as error:
            book.warnings.append(csl.warning(book.csl_style.path, error))
        else:
            for group, (rendered, entries) in zip(groups, made, strict=True):
                _write(group, marks, lambda mark, r=rendered: r.get(mark.anchor, ""), book,
                       references)  # fmt: skip
                _add_list(book, group, entries, title, "csl")
            return
    style = _style(book)
    for group in groups:
        scope = _Scope(_prefix(book, group), style, references)
        for chapter in group:
            _number_in_reading_order(chapter, marks, scope)
        _write(group, marks, lambda mark, s=scope: _citation(mark, s, language), book,
               references)  # fmt: skip
        kind = "author-date" if style.author_date else "numeric"
        _add_list(book, group, _entries(scope), title, kind)


def _prefix(book: Book, group: list[Chapter]) -> str:
    """What the ids of a list's entries start with after `ref-`: its chapter's id and `-`
    for a chapter's own list."""
    return f"{group[0].id}-" if book.settings.citations.scope == "chapter" else ""


def _add_list(book: Book, group: list[Chapter], entries: list[str], title: str, kind: str) -> None:
    """The list of `group`'s references: closing its chapter, or the book's last chapter."""
    if not entries:
        return
    listed = f'<ul class="references {kind}">' + "".join(entries) + "</ul>"
    if book.settings.citations.scope == "chapter":
        heading = f'<h2 class="references-title">{html.escape(title)}</h2>'
        group[0].body += (
            f'<section class="chapter-references" epub:type="bibliography">{heading}{listed}'
            "</section>"
        )
        return
    book.chapters.append(
        Chapter(
            len(book.chapters) + 1,
            REFERENCES_ID,
            book.root / "book.toml",
            title,
            listed,
            matter="back",
            kind="bibliography",
        )  # fmt: skip
    )


@dataclass
class _Scope:
    """The references of one list: each cited key's number, in order of first citation."""

    prefix: str
    style: gb7714.Style
    references: dict[str, Reference] | None
    order: list[str] = field(default_factory=list)
    #: Author-date: the year's letter of each key that needs one (made when first asked).
    suffixes: dict[str, str] | None = None

    def number(self, key: str) -> int:
        if key not in self.order:
            self.order.append(key)
        return self.order.index(key) + 1

    def anchor(self, key: str) -> str:
        return f"ref-{self.prefix}{self.number(key)}"


# --- settings and the bibliography ------------------------------------------------------


def _style(book: Book) -> gb7714.Style:
    """The book's GB/T 7714 style (another name: the default; the reader warned)."""
    return gb7714.STYLES.get(book.settings.citations.style, gb7714.STYLES[gb7714.DEFAULT])


def _bibliography(book: Book) -> dict[str, Reference] | None:
    """The bibliography's references by key; None if the reader could not read the file
    (it warned)."""
    if book.bibliography is None:
        return None
    return sources.parse(book.bibliography.text, book.bibliography.path, book.warnings)


# --- citations ---------------------------------------------------------------------------


def _write(
    group: list[Chapter], marks: dict[str, CitationMark], render, book: Book,
    references: dict[str, Reference] | None,
) -> None:  # fmt: skip
    """Each citation span of `group`'s chapters (and notes) replaced by `render(mark)`, with
    `[?key]` for keys not in the bibliography (a warning at their place)."""
    for chapter in group:
        for holder, attribute in [(chapter, "body"), *((n, "html") for n in chapter.footnotes)]:
            text = getattr(holder, attribute)
            if 'class="citation"' not in text:
                continue
            root = parse(text)
            for span in list(root.iter("span")):
                mark = marks.get(span.get("id", ""))
                if span.get("class") != "citation" or mark is None:
                    continue
                _replace(span, parse(render(mark) + _missing(mark, book, references)))
            setattr(holder, attribute, serialize(root))


def _missing(mark: CitationMark, book: Book, references: dict[str, Reference] | None) -> str:
    out = ""
    for key, _locator, _year in mark.cites:
        if references is not None and key in references:
            continue
        out += f'<span class="citation-missing">[?{html.escape(key)}]</span>'
        if references is not None:  # (else the bibliography could not be read: warned)
            book.warnings.append(Warning(f"citation `@{key}`: no such key in the bibliography "
                                         "(printed as [?key])", mark.path, mark.line))  # fmt: skip
    return out


def _reading_order(chapter: Chapter) -> list[str]:
    """The anchors of the chapter's citations as a reader meets them: a footnote's where
    its call stands in the text."""
    notes = {note.id: _CITATION_RE.findall(note.html) for note in chapter.footnotes}
    order: list[str] = []
    for match in _NOTEREF_RE.finditer(chapter.body):
        order += notes.pop(match.group(1), []) if match.group(1) else [match.group(2)]
    for anchors in notes.values():  # a note no call leads to (none, as the reader makes them)
        order += anchors
    return order


_CITATION_RE = re.compile(r'<span class="citation" id="([^"]+)"')
_NOTEREF_RE = re.compile(
    r'<a class="noteref" href="#(fn-[^"]+)"|<span class="citation" id="([^"]+)"'
)


def _number_in_reading_order(
    chapter: Chapter, marks: dict[str, CitationMark], scope: _Scope
) -> None:
    """Number the chapter's cited entries as a reader meets them."""
    for anchor in _reading_order(chapter):
        mark = marks.get(anchor)
        for key, _locator, _year in mark.cites if mark is not None else []:
            if scope.references is not None and key in scope.references:
                scope.number(key)


def _replace(span, made) -> None:
    """Put the children (and text) of `made` where `span` stands."""
    parent = span.getparent()
    position = parent.index(span)
    tail = span.tail or ""
    lead = made.text or ""
    children = list(made)
    if position == 0:
        parent.text = (parent.text or "") + lead
    else:
        previous = parent[position - 1]
        previous.tail = (previous.tail or "") + lead
    parent.remove(span)
    for offset, child in enumerate(children):
        parent.insert(position + offset, child)
    if children:
        children[-1].tail = (children[-1].tail or "") + tail
    elif position == 0:
        parent.text = (parent.text or "") + tail
    else:
        parent[position - 1].tail = (parent[position - 1].tail or "") + tail


def _citation(mark: CitationMark, scope: _Scope, language: str) -> str:
    """The XHTML a citation becomes (its keys not in the bibliography aside: `_missing`)."""
    found = [(key, _locator(locator), year_only) for key, locator, year_only in mark.cites
             if scope.references is not None and key in scope.references]  # fmt: skip
    if not found:
        return ""
    if scope.style.author_date:
        return _author_date(found, mark.mode, scope, language)
    return _numeric(found, mark.mode, scope)


def _locator(text: str) -> str:
    """`第 12 页`, `p. 12`, `pp. 12–15` → `12`, `12-15`; another locator as it is."""
    text = text.strip()
    match = re.fullmatch(r"(?:第\s*)?([\dIVXLCivxlc][\w\s,，\-–—~]*?)\s*页", text) or re.fullmatch(
        r"(?:pp?\.|pages?|S\.)\s*(.+)", text
    )
    found = match.group(1) if match else text
    return re.sub(r"\s*(?:--|–|—|~|～)\s*", "-", found)


#: A citation's link to its entry (EPUB and DPUB-ARIA semantics).
_LINK = '<a class="biblioref" epub:type="biblioref" role="doc-biblioref" href="#{}">'


def _link(scope: _Scope, key: str, text: str) -> str:
    return _LINK.format(scope.anchor(key)) + f"{html.escape(text)}</a>"


def _numeric(found: list[tuple[str, str, bool]], mode: str, scope: _Scope) -> str:
    """`[1]`, `[2-4]`, `[1,3]`, `[1]29`: superscript, or on the line for `@key`."""
    numbers = [(scope.number(key), key, locator) for key, locator, _ in found]
    if any(locator for _, _, locator in numbers):
        parts = [f"[{_link(scope, key, str(n))}]{html.escape(locator)}"
                 for n, key, locator in numbers]  # fmt: skip
        inner = ",".join(parts)
    else:
        inner = "[" + _compress(sorted(set((n, key) for n, key, _ in numbers)), scope) + "]"
    if mode == "text":
        return f'<span class="cite cite-text">{inner}</span>'
    return f'<sup class="cite">{inner}</sup>'


def _compress(numbers: list[tuple[int, str]], scope: _Scope) -> str:
    """`1,2,3,5` → `1-3,5` (two in a row too: `255-256`, as the standard prints)."""
    runs: list[list[tuple[int, str]]] = []
    for number, key in numbers:
        if runs and runs[-1][-1][0] + 1 == number:
            runs[-1].append((number, key))
        else:
            runs.append([(number, key)])
    out = []
    for run in runs:
        first = _link(scope, run[0][1], str(run[0][0]))
        out.append(
            first if len(run) == 1 else f"{first}-{_link(scope, run[-1][1], str(run[-1][0]))}"
        )
    return ",".join(out)


def _author_date(
    found: list[tuple[str, str, bool]], mode: str, scope: _Scope, language: str
) -> str:
    """`（陈登原，2000）`, `陈登原（2000）`, `（2000）` for `-@key`; a page locator
    superscript after the parenthesis (the standard's `（张三，1984）²⁶⁰`)."""
    assert scope.references is not None
    chinese = language.lower().startswith(("zh", "ja", "ko"))
    left, right, comma, semicolon = ("（", "）", "，", "；") if chinese else ("(", ")", ", ", "; ")
    items = []
    for key, locator, year_only in found:
        reference = scope.references[key]
        when = gb7714.year(reference) or ("无日期" if chinese else "n.d.")
        when += _suffix(scope, key)
        page = f"<sup>{html.escape(locator)}</sup>" if locator else ""
        if mode == "text" and not year_only:  # 陈登原（2000）
            who = gb7714.cited_name(reference, scope.style)
            items.append(f"{_link(scope, key, who)}{left}{when}{right}{page}")
        elif mode == "text":
            items.append(f"{left}{_link(scope, key, when)}{right}{page}")
        else:
            who = "" if year_only else gb7714.cited_name(reference, scope.style) + comma
            items.append((_link(scope, key, who + when), page))
    if mode == "text":
        return '<span class="cite cite-text">' + ("、" if chinese else ", ").join(items) + "</span>"
    if len(items) == 1:
        return f'<span class="cite">{left}{items[0][0]}{right}</span>{items[0][1]}'
    inner = semicolon.join(link + page for link, page in items)
    return f'<span class="cite">{left}{inner}{right}</span>'


def _suffix(scope: _Scope, key: str) -> str:
    """`a`, `b`… for works of one author and year (by their order in the list)."""
    if scope.suffixes is None:
        scope.suffixes = _assign_suffixes(scope)
    return scope.suffixes.get(key, "")


def _assign_suffixes(scope: _Scope) -> dict[str, str]:
    suffixes: dict[str, str] = {}
    groups: dict[tuple[str, str], list[Reference]] = {}
    cited = [scope.references[key] for key in scope.order] if scope.references else []
    for reference in cited:  # (all numbered before any citation is written)
        who = gb7714.names(gb7714.main_names(reference), scope.style, reference.cjk)
        groups.setdefault((who, gb7714.year(reference)), []).append(reference)
    for group in groups.values():
        if len(group) > 1 and gb7714.main_names(group[0]):
            group.sort(key=lambda r: _SORTER.key(r.get("title")))  # by title, in pinyin
            for letter, reference in zip("abcdefghijklmnopqrstuvwxyz", group, strict=False):
                suffixes[reference.key] = letter
    return suffixes


# --- the list ----------------------------------------------------------------------------


def _ordered(scope: _Scope) -> list[tuple[int, Reference]]:
    """The cited references with their numbers: by first citation (numeric), or by
    language (Chinese first), first author's pinyin or letters, and year (author-date)."""
    assert scope.references is not None
    cited = [(number, scope.references[key]) for number, key in enumerate(scope.order, 1)]
    if not scope.style.author_date:
        return cited
    return sorted(cited, key=lambda item: (
        not item[1].cjk,
        _SORTER.key(gb7714.cited_name(item[1], scope.style)),
        gb7714.year(item[1]),
        _suffix(scope, item[1].key),
    ))  # fmt: skip


def _entries(scope: _Scope) -> list[str]:
    """The list's entries, each with its number hanging before it (numeric)."""
    if scope.references is None:
        return []
    out = []
    for number, reference in _ordered(scope):
        pieces = gb7714.entry(reference, scope.style, _suffix(scope, reference.key))
        body = "".join(
            f'<a href="{html.escape(link)}">{html.escape(text)}</a>' if link else html.escape(text)
            for text, link in pieces
        )
        label = "" if scope.style.author_date else f'<span class="ref-label">[{number}]</span>'
        out.append(f'<li class="ref-entry" id="ref-{scope.prefix}{number}" '
                   f'epub:type="biblioentry">{label}{body}</li>')  # fmt: skip
    return out


# --- a .csl style ----------------------------------------------------------------------------


def _csl_scope(
    group: list[Chapter], marks: dict[str, CitationMark], text: str,
    references: dict[str, Reference], prefix: str,
) -> tuple[dict[str, str], list[str]]:  # fmt: skip
    """The citations (XHTML by anchor) and the list's entries of `group` in a .csl style."""
    processor = csl.Processor(text, references)
    cited: list[CitationMark] = []
    for chapter in group:
        for anchor in _reading_order(chapter):
            mark = marks.get(anchor)
            known = (
                [(k, _locator(loc)) for k, loc, _ in mark.cites if k in references] if mark else []
            )
            if mark is not None and known:
                processor.register(anchor, known)
                cited.append(mark)
    processor.finish()
    rendered = {}
    for mark in cited:
        first = next(key for key, _, _ in mark.cites if key in references)
        target = f"ref-{prefix}{processor.number(first)}"
        rendered[mark.anchor] = (
            f'<span class="cite">{_LINK.format(target)}{_xhtml(processor.cite(mark.anchor))}'
            "</a></span>"
        )
    entries = [
        f'<li class="ref-entry" id="ref-{prefix}{number}" epub:type="biblioentry">'
        f"{_xhtml(made)}</li>"
        for number, (_key, made) in enumerate(processor.entries(), 1)
    ]
    return rendered, entries


def _xhtml(made: str) -> str:
    """citeproc-py's HTML, if it is well-formed XHTML; else its text, escaped."""
    try:
        parse(made)
    except etree.XMLSyntaxError:
        return html.escape(re.sub(r"<[^>]+>", "", made))
    return made
