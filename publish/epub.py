"""E-book renderer: the model → EPUB 3 (ebooklib), one XHTML file per chapter.

The navigation document and the NCX come from the same TOC tree the PDF uses. Works around
ebooklib's known traps: page-list guessing from any `epub:type` (off), media types of
resources (set explicitly), and `dcterms:modified` (from the build time).
"""

from __future__ import annotations

import re
from pathlib import Path

from ebooklib import epub

from . import __version__
from .model import Book, Chapter, Heading
from .render import build_time, labels, stylesheet, template

_NOTEREF_RE = re.compile(r'<a class="noteref" href="#(fn-[^"]+)" id="(fnref-[^"]+)">([^<]*)</a>')


def chapter_file(chapter: Chapter) -> str:
    return f"{chapter.id}.xhtml"


def _chapter_xhtml(book: Book, chapter: Chapter) -> str:
    body = _NOTEREF_RE.sub(
        r'<a class="noteref" epub:type="noteref" role="doc-noteref" href="#\1" id="\2">\3</a>',
        chapter.body,
    )
    notes = []
    for note in chapter.footnotes:
        backlink = (
            f'<a class="backlink" href="#{note.ref_id}" role="doc-backlink">{note.label}.</a> '
        )
        html = note.html
        html = (
            html.replace("<p>", "<p>" + backlink, 1)
            if html.startswith("<p>")
            else (f"<p>{backlink}</p>{html}")
        )
        notes.append({"id": note.id, "html": html})
    return template("epub-chapter.xhtml").render(
        chapter=chapter, body=body, notes=notes, labels=labels(book.metadata.language)
    )


def _toc_entry(heading: Heading, href: str):
    link_href = href if heading.level == 1 else f"{href}#{heading.id}"
    if not heading.children:
        return epub.Link(link_href, heading.title, heading.id)
    return (
        epub.Section(heading.title, href=link_href),
        [_toc_entry(child, href) for child in heading.children],
    )


def make_epub(book: Book) -> epub.EpubBook:
    """The ebooklib book for the model (not yet written)."""
    meta = book.metadata
    language = meta.language
    ebook = epub.EpubBook()
    ebook.set_identifier(meta.identifier)
    ebook.set_title(meta.title)
    ebook.set_language(language)
    for number, author in enumerate(meta.authors, start=1):
        ebook.add_author(author, uid=f"creator{number}")
    if meta.subtitle:
        ebook.add_metadata("DC", "title", meta.subtitle, {"id": "subtitle"})
        ebook.add_metadata(
            None, "meta", "subtitle", {"refines": "#subtitle", "property": "title-type"}
        )
    for name in ("publisher", "date", "description", "rights"):
        value = getattr(meta, name)
        if value:
            ebook.add_metadata("DC", name, value)
    for subject in meta.subjects:
        ebook.add_metadata("DC", "subject", subject)
    ebook.add_metadata(None, "meta", "", {"name": "generator", "content": f"publish {__version__}"})

    css = epub.EpubItem(
        uid="style",
        file_name="style/book.css",
        media_type="text/css",
        content=(stylesheet("base.css") + "\n" + stylesheet("epub.css")).encode("utf-8"),
    )
    ebook.add_item(css)

    titlepage = epub.EpubHtml(
        uid="titlepage", file_name="titlepage.xhtml", title=meta.title, lang=language
    )
    titlepage.content = template("epub-titlepage.xhtml").render(meta=meta)
    titlepage.add_item(css)
    ebook.add_item(titlepage)

    documents = []
    for chapter in book.chapters:
        item = epub.EpubHtml(
            uid=chapter.id, file_name=chapter_file(chapter), title=chapter.title, lang=language
        )
        item.content = _chapter_xhtml(book, chapter)
        item.add_item(css)
        ebook.add_item(item)
        documents.append(item)

    for resource in book.resources:
        ebook.add_item(
            epub.EpubItem(
                uid="res-" + re.sub(r"[^A-Za-z0-9_.-]", "-", resource.href),
                file_name=resource.href,
                media_type=resource.media_type,
                content=resource.path.read_bytes(),
            )
        )

    ebook.toc = [_toc_entry(chapter.heading, chapter_file(chapter)) for chapter in book.chapters]
    ebook.add_item(epub.EpubNcx())
    nav = epub.EpubNav(title=labels(language)["toc"])
    nav.add_item(css)
    ebook.add_item(nav)
    ebook.spine = [titlepage, nav, *documents]
    return ebook


def render_epub(book: Book, target: Path) -> None:
    """Write the EPUB of the book to `target`."""
    epub.write_epub(
        str(target),
        make_epub(book),
        {"epub3_pages": False, "mtime": build_time(), "play_order": {"enabled": True}},
    )
