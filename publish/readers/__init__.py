"""Readers: a book folder, of whichever kind, → the document model (as pandoc's Readers/).

`read_book` recognises, in this order: our manuscript (book.toml with `chapters` or
`summary`), an mdBook (book.toml of mdBook's, SRC/SUMMARY.md), a WaBook (book.ini), a
GitBook/HonKit book (SUMMARY.md, book.json), a VitePress/VuePress site (.vitepress or
.vuepress config, here or in docs/), a docsify site (_sidebar.md or index.html's
`window.$docsify`, here or in docs/). Each reader is a module of its own; they share the summary
parser (summary.py), the structure (assemble.py) and the Markdown files (markdown.py).
Plain-text books are imported into manuscripts instead (publish/plaintext.py).
"""

from __future__ import annotations

from pathlib import Path

from ..apparatus import apply
from ..apparatus.citations.gb7714 import DEFAULT, STYLES
from ..config import key_line
from ..errors import PublishError
from ..model import BibliographyFile, Book, Warning
from . import files

#: How `publish build` names each kind of book folder.
KINDS = {
    "manuscript": "a publish manuscript (book.toml)",
    "mdBook": "an mdBook (book.toml, SUMMARY.md)",
    "WaBook": "a WaBook (book.ini, SUMMARY.md)",
    "GitBook": "a GitBook/HonKit book (SUMMARY.md, book.json)",
    "docsify": "a docsify site (_sidebar.md, index.html)",
    "VitePress": "a VitePress or VuePress site (.vitepress/config, its sidebar)",
}


def read_book(folder: Path) -> Book:
    """Read the book folder `folder` into a Book; any user mistake raises PublishError."""
    book = _read_book(folder)
    _house_style_titles(book)
    _read_bibliography(book)
    apply(book)  # numbers, references, the index: between the reader and the renderers
    return book


def _read_bibliography(book: Book) -> None:
    """`[book] bibliography` and a .csl `citation-style`, read through the book's sandbox (a
    file outside the book is refused: a warning; the citations are then printed as `[?key]`,
    or in GB/T 7714)."""
    options = book.settings.citations
    if not options.bibliography:
        return
    book.bibliography = _book_file(book, options.bibliography, "bibliography",
                                   "citations printed as [?key]")  # fmt: skip
    if options.style.lower().endswith(".csl"):
        book.csl_style = _book_file(book, options.style, "citation-style", f"{DEFAULT} used")
    elif options.style not in STYLES:
        why = f"`{options.style}` is no style; the styles are {', '.join(STYLES)}"
        _toml_warning(book, "citation-style", f"citation-style: {why}; {DEFAULT} used")


def _book_file(book: Book, name: str, key: str, instead: str) -> BibliographyFile | None:
    path = book.root / name
    try:
        found = BibliographyFile(path, files.read_text(path, book.root))
    except files.BookFileError as error:
        _toml_warning(book, key, f"{key} `{name}`: {error.reason}; {instead}")
        return None
    book.inputs.append(path.resolve())  # an edit of the file rebuilds the book
    return found


def _toml_warning(book: Book, key: str, message: str) -> None:
    """A warning naming book.toml and the line of `key` (in [book], or an mdBook's
    [output.publish.book])."""
    toml = book.root / "book.toml"
    try:
        text = toml.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        text = ""
    line = key_line(text, key, "book") or key_line(text, key, "output.publish.book")
    book.warnings.append(Warning(message, toml, line))


def _house_style_titles(book: Book) -> None:
    """Titles given as plain text (book.toml, headings as the TOC shows them, parts) in the
    house style of `[typography]` (the text itself had it in the typography pass)."""
    import dataclasses  # late: standard library, loaded only when used (start-up time)

    # late: start-up time: loaded only when this runs
    from ..typography.prepare import prepare_title
    from .assemble import check_title  # late: start-up time: loaded only when this runs

    settings = book.settings.typography
    meta = book.metadata
    where = book.inputs[0] if book.inputs else book.folder
    check_title(meta.title, "the book's title", where, None)
    check_title(meta.subtitle or "", "the book's subtitle", where, None)
    book.metadata = dataclasses.replace(
        meta,
        title=prepare_title(meta.title, settings),
        subtitle=prepare_title(meta.subtitle, settings) if meta.subtitle else None,
    )
    parts: dict = {}  # a Part is frozen (compared, hashed): each is replaced, once
    for chapter in book.chapters:
        if chapter.part is not None:
            if chapter.part.id not in parts:
                title = prepare_title(chapter.part.title, settings)
                parts[chapter.part.id] = dataclasses.replace(chapter.part, title=title)
            chapter.part = parts[chapter.part.id]
    for chapter in book.chapters:
        if chapter.running_head:
            chapter.running_head = prepare_title(chapter.running_head, settings)
    headings: list = [*book.chapters]
    while headings:
        heading = headings.pop()
        heading.title = prepare_title(heading.title, settings)
        headings += getattr(heading, "sections", None) or getattr(heading, "children", None) or []


def _read_book(folder: Path) -> Book:
    folder = Path(folder)
    if not folder.exists():
        raise PublishError("manuscript folder not found", folder)
    if not folder.is_dir():
        raise PublishError("not a folder (give the manuscript folder holding book.toml)", folder)
    toml = folder / "book.toml"
    if toml.exists() or toml.is_symlink():
        import tomllib  # late: standard library, loaded only when used (start-up time)

        from . import files  # late: start-up time: loaded only when this runs

        text = files.read_text(toml, folder)  # a link out, a FIFO…: refused, one line
        try:
            data = tomllib.loads(text)
        except (tomllib.TOMLDecodeError, RecursionError):
            data = None  # load_config says what is wrong
        if data is not None:
            from . import mdbook  # late: start-up time: loaded only when this runs

            if mdbook.is_mdbook(data, folder):
                return mdbook.read(folder, data, text)
        from . import manuscript  # late: start-up time: loaded only when this runs

        return manuscript.read(folder)
    if (folder / "book.ini").exists() or (folder / "book.ini").is_symlink():
        from . import wabook  # late: start-up time: loaded only when this runs

        return wabook.read(folder)
    if any((folder / name).exists() or (folder / name).is_symlink()
           for name in ("SUMMARY.md", "book.json")):  # fmt: skip
        from . import gitbook  # late: start-up time: loaded only when this runs

        return gitbook.read(folder)
    from . import docsify, vitepress  # late: start-up time: loaded only when this runs

    site = vitepress.config_of(folder)
    if site is not None:
        return vitepress.read(folder, site)
    docs = docsify.docs_of(folder)
    if docs is not None:
        return docsify.read(folder, docs)
    raise PublishError(
        "no book.toml here (a manuscript needs one), nor the SUMMARY.md of an mdBook, a "
        "GitBook or a WaBook, nor a docsify or VitePress site's sidebar",
        toml,
    )


#: The name other modules and tests have always called it by.
read_manuscript = read_book
