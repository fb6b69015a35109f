"""Reader: a manuscript folder (book.toml + Markdown chapters) → the document model.

This is the only module that parses Markdown (markdown-it-py, CommonMark plus tables,
strikethrough and footnotes). It gives every heading a book-wide id, moves footnotes out
of the text, turns a paragraph holding one image into a figure, and checks every file it
is pointed at, so that renderers never meet a missing file.
"""

from __future__ import annotations

import html
import mimetypes
import re
from pathlib import Path, PurePosixPath

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from . import typography
from .config import load_config
from .errors import PublishError
from .model import Book, Chapter, Footnote, Heading, Metadata, Resource

#: Images a PDF and an EPUB 3 reader both show (EPUB 3 core media types).
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}


def _markdown() -> MarkdownIt:
    # Raw HTML is escaped, not passed through: it could break the EPUB's XHTML and
    # reach local files or the network through the PDF renderer.
    md = MarkdownIt("commonmark", {"html": False, "xhtmlOut": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    return md


def _render_footnote_ref(self, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    chapter_id = env["chapter_id"]
    number = meta["id"] + 1
    sub = meta.get("subId", 0)
    ref_id = f"fnref-{chapter_id}-{number}" + (f"-{sub}" if sub else "")
    return f'<a class="noteref" href="#fn-{chapter_id}-{number}" id="{ref_id}">{number}</a>'


def read_manuscript(folder: Path) -> Book:
    """Read a manuscript folder into a Book; any user mistake raises a PublishError."""
    folder = Path(folder)
    if not folder.exists():
        raise PublishError("manuscript folder not found", folder)
    if not folder.is_dir():
        raise PublishError("not a folder (give the manuscript folder holding book.toml)", folder)
    config = load_config(folder / "book.toml")
    raw = config.book
    metadata = Metadata(
        title=raw["title"].strip(),
        subtitle=(raw.get("subtitle") or "").strip() or None,
        authors=tuple(a.strip() for a in raw["authors"] if a.strip()),
        language=raw["language"],
        identifier=raw["identifier"],
        publisher=raw.get("publisher"),
        date=raw.get("date"),
        description=raw.get("description"),
        rights=raw.get("rights"),
        subjects=tuple(raw.get("subjects", ())),
    )
    md = _markdown()
    resources: dict[str, Resource] = {}
    chapters = []
    root = folder.resolve()
    for number, name in enumerate(raw["chapters"], start=1):
        path = _chapter_path(root, name, config.path)
        chapter = _read_chapter(md, root, path, number, resources)
        chapter.body = typography.prepare_html(chapter.body, config.settings.typography)
        for note in chapter.footnotes:
            note.html = typography.prepare_html(note.html, config.settings.typography)
        chapters.append(chapter)
    return Book(folder, metadata, config.settings, chapters, list(resources.values()))


def _chapter_path(root: Path, name: str, toml: Path) -> Path:
    from .config import key_line

    line = key_line(toml.read_text(encoding="utf-8"), "chapters", "book")
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise PublishError(f"chapter `{name}` is outside the manuscript folder", toml, line)
    if not path.is_file():
        raise PublishError(f"chapter file `{name}` not found", toml, line)
    return path


def _read_chapter(
    md: MarkdownIt, root: Path, path: Path, number: int, resources: dict[str, Resource]
) -> Chapter:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise PublishError("not UTF-8 text; save the chapter as UTF-8", path, line) from None
    except OSError as exc:
        raise PublishError(f"cannot read: {exc.strerror}", path) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    chapter_id = f"ch{number:02d}" if number < 100 else f"ch{number}"
    env: dict = {"chapter_id": chapter_id}
    tokens = md.parse(text, env)

    body_tokens, note_groups = _split_footnotes(tokens)
    title, body_tokens = _take_title(body_tokens, path, chapter_id)
    sections = _number_sections(body_tokens, chapter_id, path)
    _check_images(body_tokens, root, path, resources)
    _make_figures(body_tokens)

    footnotes = []
    for note_id, note_tokens in note_groups:
        label = str(note_id + 1)
        footnotes.append(
            Footnote(
                id=f"fn-{chapter_id}-{label}",
                ref_id=f"fnref-{chapter_id}-{label}",
                label=label,
                html=md.renderer.render(note_tokens, md.options, env).strip(),
            )
        )
    body = md.renderer.render(body_tokens, md.options, env)
    return Chapter(number, chapter_id, path, title, body, sections, footnotes)


def _split_footnotes(tokens: list[Token]) -> tuple[list[Token], list[tuple[int, list[Token]]]]:
    """Separate the text from the footnote definitions the plugin gathered at the end."""
    body: list[Token] = []
    notes: list[tuple[int, list[Token]]] = []
    current: list[Token] | None = None
    for token in tokens:
        if token.type == "footnote_open":
            current = []
            notes.append((token.meta["id"], current))
        elif token.type == "footnote_close":
            current = None
        elif token.type in ("footnote_block_open", "footnote_block_close", "footnote_anchor"):
            continue
        elif current is not None:
            if token.type == "inline":
                token.children = [c for c in token.children or [] if c.type != "footnote_anchor"]
            current.append(token)
        else:
            body.append(token)
    return body, notes


def _plain_text(inline: Token) -> str:
    """The reader-visible text of an inline token (for TOC, bookmarks and running heads)."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return typography.join_lines("".join(parts)).strip()


def _take_title(tokens: list[Token], path: Path, chapter_id: str) -> tuple[str, list[Token]]:
    """The chapter's `#` title must come first; the body is what follows it."""
    if len(tokens) < 3 or tokens[0].type != "heading_open" or tokens[0].tag != "h1":
        line = tokens[0].map[0] + 1 if tokens and tokens[0].map else 1
        raise PublishError("a chapter must start with its `# title`", path, line)
    title = _plain_text(tokens[1])
    if not title:
        raise PublishError("the chapter title is empty", path, 1)
    for token in tokens[3:]:
        if token.type == "heading_open" and token.tag == "h1":
            raise PublishError(
                "a second `#` title; one chapter per file (use `##` for sections)",
                path,
                token.map[0] + 1 if token.map else None,
            )
    return title, tokens[3:]


def _number_sections(tokens: list[Token], chapter_id: str, path: Path) -> list[Heading]:
    """Give `##`/`###` headings ids and build the chapter's section tree."""
    sections: list[Heading] = []
    count = 0
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag not in ("h2", "h3"):
            continue
        count += 1
        heading_id = f"{chapter_id}-s{count}"
        token.attrSet("id", heading_id)
        title = _plain_text(tokens[index + 1])
        heading = Heading(int(token.tag[1]), title, heading_id)
        if heading.level == 2 or not sections:
            if heading.level == 3:
                heading.level = 2  # a `###` before any `##` counts as a section
            sections.append(heading)
        else:
            sections[-1].children.append(heading)
    return sections


def _check_images(
    tokens: list[Token], root: Path, chapter: Path, resources: dict[str, Resource]
) -> None:
    """Every image must be a file inside the manuscript; its src becomes root-relative."""
    for token in tokens:
        if token.type != "inline":
            continue
        line = token.map[0] + 1 if token.map else None
        for child in token.children or []:
            if child.type != "image":
                continue
            src = str(child.attrGet("src") or "")
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", src):
                raise PublishError(
                    f"image `{src}` is not a file in the manuscript (remote images are not "
                    "fetched)",
                    chapter,
                    line,
                )
            from urllib.parse import unquote

            target = (chapter.parent / unquote(src.split("#")[0].split("?")[0])).resolve()
            if not target.is_relative_to(root):
                raise PublishError(f"image `{src}` is outside the manuscript folder", chapter, line)
            if not target.is_file():
                raise PublishError(f"image `{src}` not found", chapter, line)
            suffix = target.suffix.lower()
            if suffix not in IMAGE_TYPES:
                raise PublishError(
                    f"image `{src}` is not PNG, JPEG, GIF, SVG or WebP", chapter, line
                )
            href = PurePosixPath(target.relative_to(root).as_posix()).as_posix()
            media_type = IMAGE_TYPES.get(suffix) or mimetypes.guess_type(href)[0] or ""
            resources.setdefault(href, Resource(href, target, media_type))
            child.attrSet("src", href)


def _make_figures(tokens: list[Token]) -> None:
    """A paragraph holding nothing but an image becomes a figure with a caption."""
    for index in range(len(tokens) - 2):
        opening, inline, closing = tokens[index : index + 3]
        if not (opening.type == "paragraph_open" and closing.type == "paragraph_close"):
            continue
        children = [c for c in inline.children or [] if not (c.type == "text" and not c.content)]
        if len(children) != 1 or children[0].type != "image":
            continue
        image = children[0]
        caption = str(image.attrGet("title") or "") or _plain_text_children(image)
        alt = _plain_text_children(image)
        attrs = {"src": str(image.attrGet("src")), "alt": alt}
        img = "<img " + " ".join(f'{k}="{html.escape(v)}"' for k, v in attrs.items()) + " />"
        figcaption = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        opening.type = closing.type = "html_block"
        opening.content = f"<figure>{img}{figcaption}</figure>\n"
        closing.content = ""
        inline.children = []
        inline.content = ""


def _plain_text_children(token: Token) -> str:
    return "".join(c.content for c in token.children or [] if c.type in ("text", "code_inline"))
