"""Links on paper: the page an internal link leads to, and external addresses in footnotes.

A reader of the printed book cannot click. After an internal link's text the print edition
says where it leads — （见第 35 页）, from CSS `target-counter` — and, with
`[pdf] link-urls = "footnote"`, an external link's address is printed in a footnote. Footnote
calls and the table of contents (which has its own leaders and folios) are left alone. Only
the PDF does this; the EPUB keeps plain links.

A reference to the page it stands on prints its number too (a Chinese editor would rather
have 见本页 or nothing, but knowing it needs a second layout of the whole book: not worth
it for how rarely a book refers to the same page). A long book laid out in segments
(pdf/segmented/) cannot count pages across its pieces: there the number is given, written in
a `data-ref-page` attribute and printed by `given_css` in the same words: a roman folio as
it reads, a number of digits as zeros of its length, whose glyphs are replaced by the
number's in the laid-out pages once it is known (linkpages.py). Both print their figures
tabular, so that any digits take the zeros' room.
"""

from __future__ import annotations

import re

import lxml.etree as etree
import lxml.html

from ..model import NOTEREF_RE, Book
from ..typography import textnodes
from ..words import words

#: The words around the page number, by the book's language (words.py).
_PAGE_WORDS = ("page_ref.before", "page_ref.after")
_EXTERNAL = re.compile(r"^(?:https?:|mailto:)", re.I)


#: The class of the index's links to the places of a term (apparatus/index.py): printed
#: as the page alone (print.css), always.
INDEX_LOCATOR = "index-locator"
#: The class of a citation's links to its entries (apparatus/citations/): a number in
#: brackets, never followed by a page.
CITATION = "biblioref"


def pages_printed(book: Book) -> bool:
    """Whether the print edition prints pages after links: `[pdf] link-pages`, or an
    index (its locators)."""
    return book.settings.pdf.link_pages or any(c.kind == "index" for c in book.chapters)


def css(language: str) -> str:
    """The rule printing the page after a marked link, in the book's language."""
    before, after = (words(language)[key] for key in _PAGE_WORDS)
    quoted = [s.replace("\\", "\\\\").replace('"', '\\"') for s in (before, after)]
    return (
        f'a.page-ref::after {{ content: "{quoted[0]}" '
        f'target-counter(attr(href url), page) "{quoted[1]}"; white-space: nowrap; '
        "font-variant-numeric: tabular-nums; }\n"
    )


def given_css(language: str) -> str:
    """The rule printing a given page number (`data-ref-page`, linkpages.py) after a marked
    link, in the same words as `css`: it comes after the book's stylesheets, and wins."""
    before, after = (words(language)[key] for key in _PAGE_WORDS)
    quoted = [s.replace("\\", "\\\\").replace('"', '\\"') for s in (before, after)]
    return (
        f'a.page-ref[data-ref-page]::after {{ content: "{quoted[0]}" '
        f'attr(data-ref-page) "{quoted[1]}"; }}\n'
    )


def calls_as_printed(body: str, chapter: str) -> str:
    """A chapter's model body with its footnote calls numbered as `mark` numbers them in
    print with `link-urls = "footnote"` (the addresses' calls among the author's), each
    call written as its number: the text `publish check` expects."""

    seen: set[str] = set()

    def call(match: re.Match) -> str:
        note_id, ref_id, label = match.groups()
        if note_id in seen:
            return f'<a class="noteref-again" href="#{note_id}" id="{ref_id}">{label}</a>'
        seen.add(note_id)
        return f'<span class="footnote" id="{note_id}" data-label="{label}"></span>'

    root = lxml.html.fragment_fromstring(
        mark(NOTEREF_RE.sub(call, body), chapter, pages=False, urls=True), create_parent="div"
    )
    for note in [s for s in root.iter("span") if "footnote" in s.get("class", "").split()]:
        note.text = note.get("data-label")
        for child in list(note):
            note.remove(child)
    out = etree.tostring(root, encoding="unicode", method="xml")
    return re.sub(r"^<div>|</div>$", "", out)


def page_ref_pattern(language: str) -> re.Pattern[str]:
    """What `css` prints after a link, as it reads in the PDF's text without whitespace
    (publish check leaves it out when comparing the text with the manuscript): a folio of
    the text, or the front matter's in roman, or a vertical edition's in Chinese numerals."""
    before, after = (words(language)[key] for key in _PAGE_WORDS)
    strip = "".join(before.split()), "".join(after.split())
    folio = r"(?:\d+|[ivxlcdm]+|[〇一二三四五六七八九]+)"
    return re.compile(re.escape(strip[0]) + folio + re.escape(strip[1]))


def ids(html: str) -> set[str]:
    """Every id in an HTML text (the targets a layout of it can give a page for)."""
    return set(textnodes.ids(html))


def mark(
    body: str,
    chapter: str,
    *,
    pages: bool,
    urls: bool,
    targets: set[str] | None = None,
    numbers: dict[str, str] | None = None,
) -> str:
    """Chapter `chapter`'s print body (footnotes already inlined, html.py) with internal links
    marked for their page (`pages`; only those leading to `targets`, if given; with the
    page's number written in from `numbers`, if given: zeros stand for digits written in
    after layout, linkpages.shapes) and external addresses put in footnotes (`urls`; an
    address given again calls the same note), all footnotes then numbered in reading
    order."""
    if not (pages or urls or INDEX_LOCATOR in body) or "<a " not in body:
        return body
    root = lxml.html.fragment_fromstring(body, create_parent="div")
    notes: dict[str, str] = {}  # address → its note's id
    for link in list(root.iter("a")):
        href = link.get("href", "")
        classes = link.get("class", "").split()
        if any(c.startswith("noteref") for c in classes) or CITATION in classes:
            continue  # a footnote call, a citation
        # The index's locators print their pages whether other links do or not.
        if (pages or INDEX_LOCATOR in classes) and href.startswith("#") and len(href) > 1:
            if targets is None or href[1:] in targets:
                link.set("class", " ".join([*classes, "page-ref"]))
                if numbers is not None and href[1:] in numbers:
                    link.set("data-ref-page", numbers[href[1:]])
        elif urls and _EXTERNAL.match(href):
            address = re.sub(r"^mailto:", "", href, flags=re.I)
            text = "".join(link.itertext()).strip()
            if text.rstrip("/") == address.rstrip("/"):
                continue  # the address is printed already
            _add_note(link, address, notes, chapter)
    if notes:
        _renumber(root)
    out = etree.tostring(root, encoding="unicode", method="xml")
    return re.sub(r"^<div>|</div>$", "", out)


def _add_note(link, address: str, notes: dict[str, str], chapter: str) -> None:
    """The address as a footnote after `link` (in brackets when the link is already in a
    footnote: a note cannot have notes), or a call of its note if it had one already."""
    in_note = any("footnote" in a.get("class", "").split() for a in link.iterancestors("span"))
    if in_note:
        note = etree.Element("span")
        note.set("class", "url")
        note.text = f"（{address}）"
    elif address in notes:
        note = etree.Element("a")
        note.set("class", "noteref-again")
        note.set("href", "#" + notes[address])
    else:
        notes[address] = f"url-{chapter}-{len(notes) + 1}"
        note = etree.Element("span")
        note.set("class", "footnote url-note")
        note.set("id", notes[address])
        note.text = address
    note.tail, link.tail = link.tail, None
    link.addnext(note)


def _renumber(root) -> None:
    """Number the footnotes (the author's and the addresses) in the order they are read,
    and the repeated calls of a note with its new number."""
    numbers: dict[str, str] = {}
    for count, note in enumerate(
        (s for s in root.iter("span") if "footnote" in s.get("class", "").split()), start=1
    ):
        note.set("data-label", str(count))
        if note.get("id"):
            numbers[note.get("id")] = str(count)
    for again in root.iter("a"):
        if again.get("class") == "noteref-again":
            label = numbers.get(again.get("href", "")[1:])
            if label:
                again.text = label
