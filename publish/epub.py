"""E-book renderer: the model → EPUB 3 (ebooklib), one XHTML file per chapter.

The navigation document and the NCX come from the same TOC tree the PDF uses. Works around
ebooklib's known traps: page-list guessing from any `epub:type` (off), media types of
resources (set explicitly), and `dcterms:modified` (from the build time).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from ebooklib import epub
from lxml import etree
from markupsafe import Markup

from . import __version__
from .images import RASTER_SUFFIXES
from .model import NOTEREF_RE, Book, Chapter, Heading, Part, Warning
from .pdf.pagination import (
    COPYRIGHT_PAGE,
    TITLE_PAGE,
    TOC,
    PageBreak,
    insert_page_breaks,
    marker_html,
)
from .render import build_time, labels, stylesheet, template
from .typography import textnodes
from .typography.display import phrase_breaks, phrase_headings
from .typography.emphasis import epub_emphasis
from .typography.housestyle import epub_css
from .typography.ruby import hoist_out_of_ruby
from .typography.textnodes import text_of


def chapter_file(chapter: Chapter) -> str:
    return f"{chapter.id}.xhtml"


#: A page-break marker put after a figure's caption, inside the figure (not allowed there).
_FIGURE_END_MARKER_RE = re.compile(r"</figcaption>(<span [^>]*(?:/>|></span>))</figure>")
_TCY_RE = re.compile(r"(?<![0-9A-Za-z.,])([0-9]{1,2})(?![0-9A-Za-z.,%])")


def _upright_digits(html: str) -> str:
    """In vertical text, wrap runs of one or two digits so they stand upright (縦中横)."""
    from .typography.textnodes import map_text  # late: start-up time: loaded only when this runs

    return map_text(
        html, lambda text, before, after: _TCY_RE.sub(r'<span class="tcy">\1</span>', text)
    )


#: A web address in running text (escaped XHTML: its `&` are entities, left whole).
_URL_RE = re.compile(r"https?://[^\s<>\"'，。、；：）」』]+")
#: Where an address may break: after `//`, before `/`, `.`, `?` and `=` (not at its end).
_URL_BREAK_RE = re.compile(r"(?<=//)(?=[^/])|(?<=[^/:])(?=[/.?=].)")


def _url_breaks(html: str) -> str:
    """Web addresses in the text with break opportunities (`<wbr/>`) where the Chicago
    Manual breaks them, so that a narrow column (a table's cell, a phone's line) breaks a
    long address there rather than cut a word or leave a gap."""
    from .typography.textnodes import map_text  # late: start-up time: loaded only when this runs

    def rule(text: str, before: str, after: str) -> str:
        return _URL_RE.sub(lambda m: _URL_BREAK_RE.sub("<wbr/>", m.group(0)), text)

    return map_text(html, rule)


_FRAGMENT_HREF_RE = re.compile(r'href="#([^"]+)"')


def anchor_files(book: Book) -> dict[str, str]:
    """The EPUB file holding each id of the book (chapters, parts, headings, notes)."""
    files: dict[str, str] = {}
    for chapter in book.chapters:
        name = chapter_file(chapter)
        if chapter.part is not None:
            files.setdefault(chapter.part.id, part_file(chapter.part))
        files[chapter.id] = name
        for html in (chapter.body, *(note.html for note in chapter.footnotes)):
            for found in textnodes.ids(html):
                files.setdefault(found, name)
    return files


def _cross_file_links(html: str, own: str, files: dict[str, str]) -> str:
    """`href="#id"` of the model → `file.xhtml#id` where the id is in another file."""

    def replace(match: re.Match) -> str:
        target = files.get(match.group(1))
        if target is None or target == own:
            return match.group(0)
        return f'href="{target}#{match.group(1)}"'

    return _FRAGMENT_HREF_RE.sub(replace, html)


def part_file(part: Part) -> str:
    return f"{part.id}.xhtml"


def _chapter_xhtml(
    book: Book,
    chapter: Chapter,
    vertical: bool = False,
    files: dict[str, str] | None = None,
    page_breaks: Sequence[PageBreak] = (),
    profile: str = "standard",
) -> str:
    # late: loaded only when the EPUB is written (start-up time)
    from .epubprofiles import noteref, vertical_punctuation

    texts = {note.id: text_of(note.html) for note in chapter.footnotes}
    numbers = _note_numbers(chapter)
    body = NOTEREF_RE.sub(
        lambda m: noteref(profile, m.group(1), m.group(2), numbers.get(m.group(1), m.group(3)),
                          texts.get(m.group(1), "")),
        chapter.body,
    )  # fmt: skip
    notes = []
    for note in chapter.footnotes:
        label = numbers.get(note.id, note.label)
        backlink = f'<a class="backlink" href="#{note.ref_id}" role="doc-backlink">{label}.</a> '
        html = note.html
        html = (
            html.replace("<p>", "<p>" + backlink, 1)
            if html.startswith("<p>")
            else (f"<p>{backlink}</p>{html}")
        )
        notes.append({"id": note.id, "html": html})
    if files:
        own = chapter_file(chapter)
        body = _cross_file_links(body, own, files)
        for note in notes:
            note["html"] = _cross_file_links(note["html"], own, files)
    pages = [page for page in page_breaks if page.chapter == chapter.id]
    body = insert_page_breaks(body, [p for p in pages if p.block is not None and not p.after])
    body = _FIGURE_END_MARKER_RE.sub(r"</figcaption></figure>\1", hoist_out_of_ruby(body))
    body = _url_breaks(body)
    for note in notes:
        note["html"] = _url_breaks(note["html"])
    if vertical:
        body = _upright_digits(body)
        if profile == "kindle":
            body = vertical_punctuation(body)
            for note in notes:
                note["html"] = vertical_punctuation(note["html"])
    return template("epub-chapter.xhtml").render(
        profile=profile,
        chapter=chapter,
        title=Markup(phrase_breaks(chapter.title)),
        body=phrase_headings(epub_emphasis(body)),
        notes=notes,
        labels=labels(book.metadata.language),
        start_pages=_markers(p for p in pages if p.block is None and not p.after),
        end_pages=_markers(p for p in pages if p.after),
    )


def _markers(pages: Iterable[PageBreak]) -> Markup:
    """Page-break markers for a template, one after the other."""
    return Markup(marker_html(pages))


def _titlepage_xhtml(book: Book, page_breaks: Sequence[PageBreak] = ()) -> str:
    """The title page. The copyright page is not in the EPUB: its page (and a blank page
    after the title page) stands after the title page, where it is printed."""
    return template("epub-titlepage.xhtml").render(
        meta=book.metadata,
        start_pages=_markers(p for p in page_breaks if p.chapter == TITLE_PAGE and not p.after),
        end_pages=_markers(p for p in page_breaks if p.chapter == COPYRIGHT_PAGE
                           or (p.chapter == TITLE_PAGE and p.after)),
    )  # fmt: skip


def _part_xhtml(part: Part, page_breaks: Sequence[PageBreak] = ()) -> str:
    """A part's title page, a printed page of its own."""
    starts = _markers(page for page in page_breaks if page.chapter == part.id)
    return template("epub-part.xhtml").render(part=part, start_pages=starts)


def _note_numbers(chapter: Chapter) -> dict[str, str]:
    """Note id → its number in the chapter's document, where the model numbers its notes
    per source file (a chapter made of a file and its sections): one document, one series
    (1, 2, 3 rather than 1, 1). Empty when the model's labels are already unique."""
    labels_ = [note.label for note in chapter.footnotes]
    if len(set(labels_)) == len(labels_):
        return {}
    return {note.id: str(number) for number, note in enumerate(chapter.footnotes, 1)}


def _toc_entry(heading: Heading, href: str):
    link_href = href if heading.level == 1 else f"{href}#{heading.id}"
    if not heading.children:
        return epub.Link(link_href, heading.title, _ncx_id(heading.id))
    return (
        epub.Section(heading.title, href=link_href),
        [_toc_entry(child, href) for child in heading.children],
    )


#: What XML 1.0 (4th edition, as EPUBCheck reads toc.ncx) takes in a name: ASCII
#: letters, digits, `-_.`, and the Han, kana and hangul blocks of Unicode 2.0.
_NCX_NAME_RE = re.compile(r"^[A-Za-z_\u4e00-\u9fa5\u3041-\u3094\u30a1-\u30fa\uac00-\ud7a3]"
                          r"[-\w.\u4e00-\u9fa5\u3041-\u3094\u30a1-\u30fa\uac00-\ud7a3]*$",
                          re.A)  # fmt: skip


def _ncx_id(heading_id: str) -> str:
    """A heading's id as the NCX's navPoint id: the same where it is an XML name there;
    else (an emoji's variation selector in a web id) a name made from it."""
    if _NCX_NAME_RE.match(heading_id):
        return heading_id
    return "nav-" + hashlib.sha256(heading_id.encode()).hexdigest()[:12]


def _accessibility(
    ebook: epub.EpubBook, book: Book, images_described: bool, paginated: bool
) -> None:
    """EPUB Accessibility 1.1 metadata (schema.org), claimed only when the book qualifies."""
    settings = book.settings.epub
    has_images = bool(book.resources)
    modes = ["textual"] + (["visual"] if has_images else [])
    features = ["tableOfContents", "readingOrder", "structuralNavigation"]
    if has_images and images_described:
        features.append("alternativeText")
    if paginated:
        features += ["printPageNumbers", "pageNavigation"]
    sufficient = ["textual"] if images_described else ["textual,visual"]
    for mode in modes:
        ebook.add_metadata(None, "meta", mode, {"property": "schema:accessMode"})
    for value in sufficient:
        ebook.add_metadata(None, "meta", value, {"property": "schema:accessModeSufficient"})
    for feature in features:
        ebook.add_metadata(None, "meta", feature, {"property": "schema:accessibilityFeature"})
    ebook.add_metadata(None, "meta", "none", {"property": "schema:accessibilityHazard"})
    summary = settings.accessibility_summary or (
        "This publication has a table of contents, structured headings and a logical reading "
        "order"
        + (", with text alternatives for its images" if has_images else "")
        + (", and page-break markers from the print edition" if paginated else "")
        + "."
    )
    ebook.add_metadata(None, "meta", summary, {"property": "schema:accessibilitySummary"})
    if images_described:
        ebook.add_metadata(
            None, "link", "", {"rel": "dcterms:conformsTo",
                               "href": "http://www.idpf.org/epub/a11y/accessibility-20230105.html#wcag-aa"}
        )  # fmt: skip
        ebook.add_metadata(
            None, "meta", "EPUB Accessibility 1.1 - WCAG 2.2 Level AA",
            {"property": "dcterms:conformsTo", "id": "conformance"},
        )  # fmt: skip
        if settings.certified_by:
            ebook.add_metadata(
                None, "meta", settings.certified_by,
                {"property": "a11y:certifiedBy", "refines": "#conformance"},
            )  # fmt: skip


def _images_described(book: Book) -> bool:
    """True when every image in the text has alt text; warns for each one without."""
    described = True
    for chapter in book.chapters:
        for match in re.finditer(r"<img\b[^>]*>", chapter.body):
            alt = re.search(r'\salt="([^"]*)"', match.group(0))
            if not alt or not alt.group(1).strip():
                src = re.search(r'\ssrc="([^"]*)"', match.group(0))
                book.warnings.append(
                    Warning(
                        f"image `{src.group(1) if src else '?'}` has no alt text; the EPUB "
                        "makes no EPUB Accessibility conformance claim",
                        chapter.source,
                    )
                )
                described = False
    return described


def _family_lists(book: Book, fallbacks: list[str]) -> dict[str, str]:
    """The font-family list of each role (epubfonts.FAMILIES): the mark face, the role's
    embedded face, the fallback faces, then the installed family and a generic one."""
    # late: loaded only when the EPUB is written (start-up time)
    from .epubfonts import FAMILIES, MARK_FAMILY
    from .typography.emphasis import KAI_FAMILY

    pdf = book.settings.pdf
    tail = "".join(f', "{name}"' for name in fallbacks)

    def chain(role: str, system: str, generic: str, mark: bool = True) -> str:
        first = f'"{MARK_FAMILY}", ' if mark else ""
        return f'{first}"{FAMILIES[role]}"{tail}, "{system}", {generic}'

    lists = {
        "serif": chain("serif", pdf.body_font, "serif"),
        "sans": chain("sans", pdf.heading_font, "sans-serif"),
        "mono": chain("mono", pdf.mono_font, "monospace"),
        "math": f'"{FAMILIES["math"]}", "{FAMILIES["serif"]}"{tail}, "STIX Two Math", math',
    }
    if book.settings.typography.emphasis == "kai":
        lists["kai"] = (
            f'"{MARK_FAMILY}", "{FAMILIES["kai"]}", "{FAMILIES["serif"]}"{tail}, '
            f'"{KAI_FAMILY}", "Kaiti SC", "STKaiti", serif'
        )
    return lists


def book_css(book: Book, fonts: list[dict], profile: str = "standard") -> str:
    """The EPUB's one stylesheet: base, e-book and house-style rules, then the book's
    settings, its embedded faces and the family lists that name them (for Kindle, with
    physical edges: epubprofiles.kindle_css)."""
    settings = book.settings.epub
    if profile == "kindle":
        # late: loaded only when the EPUB is written (start-up time)
        from .epubprofiles import kindle_css

        return kindle_css(book_css(book, fonts), settings.writing_mode)
    fallbacks = [font["family"] for font in fonts if font["name"].startswith(("emoji", "fallback"))]
    return "\n".join(
        [
            stylesheet("base.css"),
            stylesheet("epub.css"),
            epub_css(book.settings.typography),
            template("epub-settings.css").render(
                vertical=settings.writing_mode == "vertical-rl",
                line_height=f"{settings.line_height:g}",
                justify=settings.justify,
                fonts=fonts,
                lists=_family_lists(book, fallbacks) if settings.embed_fonts else None,
            ),
        ]
    )


def _nav_text(book: Book) -> str:
    """The text of the navigation document ebooklib writes (contents, landmarks, pages),
    as XHTML, for the faces' subsets (page labels are ASCII: in every subset)."""
    # late: loaded only when the EPUB is written (start-up time)
    from markupsafe import escape

    words = labels(book.metadata.language)
    titles: list[str] = []

    def walk(entries) -> None:
        for entry in entries:
            titles.append(entry.title)
            walk(entry.children)

    walk(book.toc)
    first = next((c for c in book.chapters if c.matter != "front"), book.chapters[0])
    items = "".join(f"<li><a>{escape(t)}</a></li>" for t in titles)
    marks = "".join(
        f"<li><a>{escape(t)}</a></li>" for t in (words["cover"], words["toc"], first.title)
    )
    return (
        f"<html><body><nav><h2>{escape(words['toc'])}</h2><ol>{items}</ol></nav>"
        f"<nav><h2>{escape(words['landmarks'])}</h2><ol>{marks}</ol></nav>"
        f"<nav><h2>{escape(words['pages'])}</h2></nav></body></html>"
    )


def _documents(book: Book) -> list[str]:
    """The XHTML of every document of the EPUB that shows text."""
    vertical = book.settings.epub.writing_mode == "vertical-rl"
    files = anchor_files(book)
    documents = [_titlepage_xhtml(book), _nav_text(book)]
    for chapter in book.chapters:
        if book.opens_part(chapter):
            assert chapter.part is not None
            documents.append(_part_xhtml(chapter.part))
        documents.append(_chapter_xhtml(book, chapter, vertical, files))
    return documents


def embedded_fonts(book: Book) -> list[dict]:
    """Subsets of every face the EPUB draws with (body, headings, code, maths, the
    emphasis mark, fallbacks), each reduced to the characters it will show there."""
    from . import epubfonts  # late: cssselect2 and the faces, loaded only when this runs

    css = book_css(book, [])
    return epubfonts.embedded(book, css, epubfonts.drawn_text(css, _documents(book)))


def make_epub(
    book: Book,
    fonts: list[dict] | None = None,
    page_breaks: Sequence[PageBreak] = (),
    profile: str = "standard",
) -> epub.EpubBook:
    """The ebooklib book for the model (not yet written) in `profile` (epubprofiles.py);
    `fonts`: its embedded_fonts, if they were made already; `page_breaks`: the print
    edition's, what its layout learned."""
    ebook = epub.EpubBook()
    _metadata(ebook, book, paginated=bool(page_breaks))
    vertical = book.settings.epub.writing_mode == "vertical-rl"
    if vertical:
        ebook.set_direction("rtl")
        ebook.add_metadata(None, "meta", "portrait", {"property": "rendition:orientation"})
    css = _style(ebook, book, vertical, fonts, profile)
    cover_href, cover_page = _cover(ebook, book, css)
    titlepage = _document(ebook, css, "titlepage", "titlepage.xhtml", book.metadata.title,
                          book.metadata.language)  # fmt: skip
    titlepage.content = _titlepage_xhtml(book, page_breaks)
    files = anchor_files(book)
    documents = _text_documents(ebook, book, css, vertical, files, page_breaks, profile)
    if profile == "weread" and any(chapter.footnotes for chapter in book.chapters):
        from .epubprofiles import NOTE_ICON, note_icon  # late: Pillow, for this profile only

        ebook.add_item(epub.EpubItem(uid="note-icon", file_name=NOTE_ICON,
                                     media_type="image/png", content=note_icon()))  # fmt: skip
    for resource in book.resources:
        if resource.href == cover_href:
            continue
        ebook.add_item(
            epub.EpubItem(
                uid="res-" + re.sub(r"[^A-Za-z0-9_.-]", "-", resource.href),
                file_name=resource.href,
                media_type=resource.media_type,
                content=resource.content(),
            )
        )
    nav = _navigation(ebook, book, css, files)
    ebook.spine = [cover_page, titlepage, nav, *documents]
    return ebook


def _metadata(ebook: epub.EpubBook, book: Book, paginated: bool) -> None:
    """The package's metadata: Dublin Core, the print edition paginated from, accessibility."""
    meta = book.metadata
    ebook.set_identifier(meta.identifier)
    ebook.set_title(meta.title)
    ebook.set_language(meta.language)
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
    if paginated:
        size = "×".join(f"{v:g}" for v in book.settings.pdf.page_size)
        ebook.add_metadata(
            "DC", "source", f"{meta.title}（印刷版 PDF，{size} mm）", {"id": "print-edition"}
        )
        ebook.add_metadata(
            None, "meta", "pagination", {"refines": "#print-edition", "property": "source-of"}
        )
    _accessibility(ebook, book, _images_described(book), paginated)
    vertical = book.settings.epub.writing_mode == "vertical-rl"
    # Kindle's converters and Calibre read the writing mode from here (else a vertical
    # book comes out horizontal, right to left).
    ebook.add_metadata(
        None, "meta", "",
        {"name": "primary-writing-mode", "content": "vertical-rl" if vertical else "horizontal-lr"},
    )  # fmt: skip


def _style(
    ebook: epub.EpubBook,
    book: Book,
    vertical: bool,
    fonts: list[dict] | None,
    profile: str = "standard",
) -> epub.EpubItem:
    """The embedded fonts and the one stylesheet every document links."""
    settings = book.settings.epub
    if not settings.embed_fonts:
        fonts = []
    elif fonts is None:
        fonts = embedded_fonts(book)
    for font in fonts:
        ebook.add_item(
            epub.EpubItem(
                uid=f"font-{font['name']}",
                file_name=f"fonts/{font['name']}.{font.get('suffix', 'otf')}",
                media_type="font/ttf" if font.get("suffix") == "ttf" else "font/otf",
                content=font["data"],
            )
        )
    css = epub.EpubItem(
        uid="style",
        file_name="style/book.css",
        media_type="text/css",
        content=book_css(book, fonts, profile).encode("utf-8"),
    )
    ebook.add_item(css)
    return css


def _document(
    ebook: epub.EpubBook, css: epub.EpubItem, uid: str, file_name: str, title: str, lang: str
) -> epub.EpubHtml:
    """An XHTML document of the book (its content set by the caller), with the stylesheet."""
    document = epub.EpubHtml(uid=uid, file_name=file_name, title=title, lang=lang)
    document.add_item(css)
    ebook.add_item(document)
    return document


def _cover(ebook: epub.EpubBook, book: Book, css: epub.EpubItem) -> tuple[str, epub.EpubHtml]:
    """The cover image (the book's, or one drawn) and its page: (image href, page)."""
    meta = book.metadata
    words = labels(meta.language)
    if book.cover is not None:
        cover_href = book.cover.href
        cover_bytes, cover_type = book.cover.path.read_bytes(), book.cover.media_type
    else:
        from .cover_art import make_cover  # late: start-up time: loaded only when this runs

        cover_href, cover_type = "images/cover.jpg", "image/jpeg"
        cover_bytes = make_cover(meta, book.settings.pdf.heading_font, book.settings.pdf.body_font)
    cover_image = epub.EpubItem(
        uid="cover-image", file_name=cover_href, media_type=cover_type, content=cover_bytes
    )
    cover_image.properties = ["cover-image"]
    ebook.add_item(cover_image)
    ebook.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})
    cover_page = _document(ebook, css, "cover", "cover.xhtml", words["cover"], meta.language)
    cover_page.content = template("epub-cover.xhtml").render(
        href=cover_href, alt=f"{words['cover']}：{meta.title}"
    )
    return cover_href, cover_page


def _text_documents(
    ebook: epub.EpubBook,
    book: Book,
    css: epub.EpubItem,
    vertical: bool,
    files: dict[str, str],
    page_breaks: Sequence[PageBreak],
    profile: str = "standard",
) -> list[epub.EpubHtml]:
    """The documents of the text, in reading order: each part's title page, each chapter."""
    language = book.metadata.language
    documents = []
    for chapter in book.chapters:
        if book.opens_part(chapter):
            assert chapter.part is not None
            part = _document(ebook, css, chapter.part.id, part_file(chapter.part),
                             chapter.part.title, language)  # fmt: skip
            part.content = _part_xhtml(chapter.part, page_breaks)
            documents.append(part)
        item = epub.EpubHtml(
            uid=chapter.id, file_name=chapter_file(chapter), title=chapter.title, lang=language
        )
        item.content = _chapter_xhtml(book, chapter, vertical, files, page_breaks, profile)
        if "<math" in item.content:
            item.properties.append("mathml")  # EPUB 3: documents with MathML say so
        item.add_item(css)
        ebook.add_item(item)
        documents.append(item)
    return documents


def _navigation(
    ebook: epub.EpubBook, book: Book, css: epub.EpubItem, files: dict[str, str]
) -> epub.EpubNav:
    """The table of contents (nav and NCX) and the guide; returns the nav document."""
    words = labels(book.metadata.language)
    by_id = {chapter.id: chapter_file(chapter) for chapter in book.chapters}
    ebook.toc = [
        (
            epub.Section(entry.title, href=files[entry.id]),
            [_toc_entry(child, by_id[child.id]) for child in entry.children],
        )
        if entry.level == 0
        else _toc_entry(entry, by_id[entry.id])
        for entry in book.toc
    ]
    ebook.add_item(epub.EpubNcx())
    first_body = next((c for c in book.chapters if c.matter != "front"), book.chapters[0])
    nav = epub.EpubNav(title=words["toc"])
    nav.add_item(css)
    ebook.add_item(nav)
    ebook.guide = [
        {"type": "cover", "href": "cover.xhtml", "title": words["cover"]},
        {"type": "toc", "href": "nav.xhtml", "title": words["toc"]},
        {
            "type": "bodymatter",
            "href": chapter_file(first_body),
            "title": first_body.title,
        },
    ]
    # The list of references (apparatus/citations/) and the index (apparatus/index.py,
    # EPUB Indexes 1.0) are landmarks too.
    ebook.guide += [
        {"type": chapter.kind, "href": chapter_file(chapter), "title": chapter.title}
        for chapter in book.chapters
        if chapter.kind in ("bibliography", "index")
    ]
    return nav


def render_epub(
    book: Book,
    target: Path,
    fonts: list[dict] | None = None,
    page_breaks: Sequence[PageBreak] = (),
    profile: str = "standard",
) -> None:
    """Write the EPUB of the book in `profile` to `target`, byte for byte the same for the
    same input (`fonts`: its embedded_fonts, if they were made already; `page_breaks`: the
    print edition's, for the page list)."""
    # late: loaded only when the EPUB is written (start-up time)
    from .epubprofiles import extra_files

    when = build_time()
    buffer = io.BytesIO()
    epub.write_epub(
        buffer,
        make_epub(book, fonts, page_breaks, profile),
        {
            "epub3_pages": False,
            "epub2_guide": False,
            "landmark_title": labels(book.metadata.language)["landmarks"],
            "mtime": when,
            "play_order": {"enabled": True},
            # _repack compresses every entry again: ebooklib's own pass only stores them.
            "compresslevel": 0,
        },
    )
    _repack(
        buffer.getvalue(), target, when, book.metadata.language, _page_list(book, page_breaks),
        _ncx_page_list(book, page_breaks), extra_files(profile),
        [page for page in page_breaks if page.chapter == TOC],
    )  # fmt: skip


def _page_files(book: Book) -> dict[str, str]:
    """The document of each place a printed page begins: a chapter, or a part's title page."""
    files = {chapter.id: chapter_file(chapter) for chapter in book.chapters}
    for chapter in book.chapters:
        if chapter.part is not None:
            files.setdefault(chapter.part.id, part_file(chapter.part))
    files |= {TITLE_PAGE: "titlepage.xhtml", COPYRIGHT_PAGE: "titlepage.xhtml", TOC: "nav.xhtml"}
    return files


def _page_list(book: Book, page_breaks: Sequence[PageBreak]) -> str:
    """The page-list nav: one entry per printed page, in reading order."""
    if not page_breaks:
        return ""
    words = labels(book.metadata.language)
    files = _page_files(book)
    items = "".join(
        f'<li><a href="{files[page.chapter]}#page-{page.label}">{page.label}</a></li>'
        for page in page_breaks
    )
    return (
        f'<nav epub:type="page-list" id="page-list" hidden="hidden">'
        f"<h2>{words['pages']}</h2><ol>{items}</ol></nav>"
    )


def _ncx_page_list(book: Book, page_breaks: Sequence[PageBreak]) -> str:
    """The NCX's pageList (EPUB 2 reading systems and Kindle's converters read it there)."""
    if not page_breaks:
        return ""
    # late: loaded only when the EPUB is written (start-up time)
    from markupsafe import escape

    files = _page_files(book)
    targets = []
    for number, page in enumerate(page_breaks, 1):
        label = escape(page.label)
        kind, value = ("normal", page.label) if page.label.isdigit() else ("front", number)
        targets.append(
            f'<pageTarget id="pt-{label}" type="{kind}" value="{value}"><navLabel>'
            f'<text>{label}</text></navLabel><content src="{files[page.chapter]}#page-{label}"/>'
            "</pageTarget>"
        )
    title = escape(labels(book.metadata.language)["pages"])
    return f"<pageList><navLabel><text>{title}</text></navLabel>{''.join(targets)}</pageList>"


XHTML, OPS = "http://www.w3.org/1999/xhtml", "http://www.idpf.org/2007/ops"


def _finish_nav(content: bytes, page_list: str, toc_pages: Sequence[PageBreak]) -> bytes:
    """The nav document ebooklib wrote, with the page list, the printed TOC's page markers
    (`toc_pages`: in the entry each page begins with, or around the contents) and the
    landmarks hidden (they are for the reading system's menus, not the contents page)."""
    content = content.replace(b"</body>", page_list.encode("utf-8") + b"</body>", 1)
    root = etree.fromstring(content)
    for nav in root.iter(f"{{{XHTML}}}nav"):
        kind = nav.get(f"{{{OPS}}}type")
        if kind == "landmarks":
            nav.set("hidden", "hidden")
        if kind != "toc" or not toc_pages:
            continue
        links = list(nav.iter(f"{{{XHTML}}}a"))
        for page in toc_pages:
            span = etree.fromstring(
                f'<div xmlns="{XHTML}" xmlns:epub="{OPS}">{marker_html([page])}</div>'
            )[0]
            if page.block is not None and page.block < len(links):
                link = links[page.block]  # the entry the printed page begins with
                span.tail, link.text = link.text, None
                link.insert(0, span)
            elif page.after:
                nav.addnext(span)
            else:
                nav.addprevious(span)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8")


#: Files already compressed, stored as they are in the EPUB's zip.
COMPRESSED = RASTER_SUFFIXES


def _repack(
    data: bytes,
    target: Path,
    when,
    language: str,
    page_list: str = "",
    ncx_pages: str = "",
    extra: dict[str, bytes] | None = None,
    toc_pages: Sequence[PageBreak] = (),
) -> None:
    """Rewrite the zip with fixed timestamps and order (mimetype first, stored)."""
    stamp = max(when.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(target, "w") as out:
        names = source.namelist()
        ordered = ["mimetype"] + [n for n in names if n != "mimetype"] + sorted(extra or {})
        for name in ordered:
            content = (extra or {}).get(name) or source.read(name)
            if name.endswith(".opf"):
                # The package's language, which ebooklib leaves out (Ace asks for it).
                content = content.replace(
                    b"<package ", f'<package xml:lang="{language}" '.encode(), 1
                )
            if name.endswith("/nav.xhtml"):
                content = _finish_nav(content, page_list, toc_pages)
            if ncx_pages and name.endswith("/toc.ncx"):
                content = content.replace(b"</ncx>", ncx_pages.encode("utf-8") + b"</ncx>", 1)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if name == "mimetype" or name.lower().endswith(COMPRESSED):
                # Deflating a JPEG or PNG again gains ~1% for most of the EPUB's writing
                # time (9 of 13 s on a technical book with 16 MB of images).
                info.compress_type = zipfile.ZIP_STORED
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, content, compresslevel=9)
