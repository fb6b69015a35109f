"""A book's structure → chapters: the one place where files become chapters and sections.

Every reader describes its book as a list of top-level entries (summary.Entry), each with
its matter (front, body, back) and part. A top-level entry is a chapter; its nested entries
are sections of it, their files following in the same flow. A file's headings are shifted
to its depth in the tree: its first heading (whatever its level) stands at the entry's
depth, or, when the file does not start with a heading, the entry's title is put there.

Then every heading gets a book-wide id (the web id where free, slugs.py), and links
between files are resolved against those ids: `other.md`, `../dir/README.md`,
`file.md#anchor`, `#anchor` all become `#id` in the model, which both renderers can follow.
A link to a file or anchor that is not in the book becomes plain text, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from markdown_it.token import Token

from .. import markup
from ..config import Settings
from ..errors import PublishError
from ..images import remote_images_warning
from ..markup.crossref import label_id
from ..model import (
    Book,
    Chapter,
    CitationMark,
    Footnote,
    Heading,
    IndexMark,
    Metadata,
    Part,
    Resource,
    Warning,
)
from ..typography.prepare import prepare_html
from .markdown import REMOTE, Context, ParsedText, markdown, parse, plain_text, read_text, render
from .slugs import BookIds, FileSlugs, slug
from .summary import Entry

#: A heading or title longer than this is refused: no page, running head or table of
#: contents shows more, and laying out a heading of 30,000 characters exhausts the stack.
MAX_TITLE = 1000
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
#: Ids the renderers make themselves (footnotes, page-break markers, parts, chapters).
#: Labelled objects' and index marks' ids too (markup/crossref.py).
_RESERVED_RE = re.compile(
    r"^(?:fn-|fnref-|page-|part\d|ch\d|fig-|tbl-|eq-|lst-|sec-|ix-|ixe-|book-index$|"
    r"cite-|ref-|book-references$)"
)


def check_title(title: str, what: str, path: Path, line: int | None) -> None:
    """Refuse a title longer than MAX_TITLE, in one line naming where it is."""
    if len(title) > MAX_TITLE:
        raise PublishError(f"{what} of {len(title):,} characters; the limit is {MAX_TITLE:,} "
                           "(a paragraph marked as a heading?)", path, line)  # fmt: skip


@dataclass
class TopEntry:
    """A chapter to be: its summary entry, its matter and its part."""

    entry: Entry
    matter: str = "body"
    part: Part | None = None


@dataclass
class _File:
    """One Markdown file of the book, parsed."""

    path: Path
    parsed: ParsedText
    context: Context
    #: Web id (as the file's own links and other files' `file.md#id` say) → book id.
    ids: dict[str, str] = field(default_factory=dict)
    #: Where a link to the file leads.
    first_id: str = ""


@dataclass
class _Piece:
    """What a chapter's body is made of, in order: a file, or an entry without a file."""

    file: _File | None
    heading: tuple[int, str, str] | None = None  # level, title, id of a heading put in


class Assembler:
    """Reads the files of a book's entries into chapters (see the module's docstring).

    `strict`: our own `chapters = [...]`, where a file must open with its `# title` and
    hold no second one. mdBook's `{{#include}}` directives are expanded in every file
    (publish/includes.py); the files they read become inputs of the build.
    """

    def __init__(
        self,
        root: Path,
        settings: Settings,
        warnings: list[Warning],
        *,
        strict: bool = False,
        language: str = "zh-CN",
        site: Path | None = None,
    ) -> None:
        self.root = root
        #: Where a link starting with `/` starts (a docsify or VitePress site's folder).
        self.site = site or root
        self.settings = settings
        self.warnings = warnings
        self.strict = strict
        # Labels of callouts in `language`; citations where the book has a bibliography.
        self.md = markup.extend(markdown(), language,
                                citations=bool(settings.citations.bibliography))  # fmt: skip
        self.resources: dict[str, Resource] = {}
        self.files: dict[Path, _File] = {}
        self.ids = BookIds()
        self.inputs: list[Path] = []
        #: Files `{{#include}}`d, and remote images refused (one warning for them all).
        self.included: list[Path] = []
        self.remote: list[tuple[str, Path, int | None]] = []
        #: The summary line of each file's entry, to name it when it is listed again.
        self.listed: dict[Path, int] = {}
        self.index_marks: list[IndexMark] = []
        self.citation_marks: list[CitationMark] = []
        #: The ids of labelled headings (`{#sec:intro}`), which references lead to.
        self.label_ids: dict[str, str] = {}

    # --- reading ---------------------------------------------------------------------

    def book(
        self,
        folder: Path,
        metadata: Metadata,
        chapters: list[Chapter],
        cover: Resource | None,
        kind: str,
        inputs: list[Path],
    ) -> Book:
        """The Book of the `chapters` read: with the images they use, the warnings given,
        and, after `inputs` (the configuration, the summary), every file read for them."""
        return Book(folder, metadata, self.settings, chapters, list(self.resources.values()),
                    self.warnings, cover, kind=kind, inputs=[*inputs, *self.inputs],
                    index_marks=self.index_marks,
                    citation_marks=self.citation_marks)  # fmt: skip

    def chapters(self, tops: list[TopEntry], summary: Path) -> list[Chapter]:
        """The chapters of `tops`, whose targets are relative to `summary`'s folder (for
        book.toml's `chapters`, to book.toml's)."""
        base = summary.parent
        count = len(tops)
        chapter_ids = [f"ch{n:02d}" if n < 100 or count < 100 else f"ch{n}" for n in
                       range(1, count + 1)]  # fmt: skip
        self.ids.taken.update(chapter_ids)
        self.ids.taken.update(t.part.id for t in tops if t.part)
        made: list[tuple[Chapter, list[_Piece]]] = []
        for number, (top, chapter_id) in enumerate(zip(tops, chapter_ids, strict=True), 1):
            made.append(self._chapter(top, number, chapter_id, base, summary))
        self._resolve_links()
        self._check_labels()
        self.inputs.extend(p for p in dict.fromkeys(self.included) if p not in self.inputs)
        if self.remote:  # badges, mostly: one warning for all of them, where the first was
            self.warnings[self.warnings.index(REMOTE)] = remote_images_warning(self.remote)
        # Every formula of the book converted before any is rendered: all at once, by as
        # many converters as cores.
        markup.maths.prefetch(
            formula
            for _, pieces in made
            for piece in pieces
            if piece.file is not None
            for tokens in (piece.file.parsed.body, *(n for _, n in piece.file.parsed.notes))
            for formula in markup.maths.formulas(tokens)
        )
        chapters = []
        for chapter, pieces in made:
            self._render(chapter, pieces)
            chapters.append(chapter)
        return chapters

    def _chapter(
        self, top: TopEntry, number: int, chapter_id: str, base: Path, summary: Path
    ) -> tuple[Chapter, list[_Piece]]:
        pieces: list[_Piece] = []
        title = top.entry.title
        running_head: str | None = None
        if top.part is not None:
            check_title(top.part.title, "a part's title", summary, None)
        sources: list[Path] = []
        notes = 0

        def walk(entry: Entry, depth: int) -> None:
            nonlocal title, notes, running_head
            check_title(entry.title or "", "a title", summary, entry.line or None)
            if entry.draft or entry.external:
                for child in entry.children:
                    walk(child, depth)
                return
            path = self._file_of(entry, base, summary) if entry.path else None
            if path is not None and path in self.files:
                self._listed_twice(path, entry, summary, depth)
            if path is not None and path not in self.files:
                self.listed[path] = entry.line
                note_id = chapter_id if notes == 0 else f"{chapter_id}-{notes}"
                notes += 1
                file, first = self._read(path, depth, entry, note_id, chapter_id)
                sources.append(path)
                if depth == 1:
                    title = first or entry.title
                    running_head = _running_head(file, entry.title, title)
                    pieces.append(_Piece(file))
                elif first is None:
                    heading_id = self.ids.claim(slug(entry.title))
                    file.first_id = heading_id
                    pieces.append(_Piece(None, (depth, entry.title, heading_id)))
                    pieces.append(_Piece(file))
                else:
                    pieces.append(_Piece(file))
            elif entry.target is None and depth > 1 and entry.title:
                heading_id = self.ids.claim(slug(entry.title))
                pieces.append(_Piece(None, (depth, entry.title, heading_id)))
            for child in entry.children:
                walk(child, depth + 1)

        walk(top.entry, 1)
        if not title:
            what = f"`{top.entry.path}` has no heading" if top.entry.path else "it has no file"
            raise PublishError(f"a chapter without a title: its entry gives none and {what}",
                               summary, top.entry.line or None)  # fmt: skip
        source = sources[0] if sources else summary
        chapter = Chapter(number, chapter_id, source, title, "", matter=top.matter,
                          part=top.part, sources=sources, running_head=running_head)  # fmt: skip
        return chapter, pieces

    def _listed_twice(self, path: Path, entry: Entry, summary: Path, depth: int) -> None:
        """A file is one place of the book: a second entry for it is an error for our own
        `chapters` list and a chapter, a warning for a summary's nested entry."""
        first = self.listed.get(path)
        where = f" (first at line {first})" if first else ""
        name = entry.path or ""
        if self.strict or depth == 1:
            raise PublishError(f"chapter file `{name}` is listed twice{where}; a file can be "
                               "one chapter only", summary, entry.line or None)  # fmt: skip
        self.warnings.append(Warning(f"`{name}` is listed twice{where}: its second entry is "
                                     "left out", summary, entry.line or None))  # fmt: skip

    def _file_of(self, entry: Entry, base: Path, summary: Path) -> Path:
        """The file an entry names: inside the book's folder, existing (missing chapters
        are errors)."""
        name = entry.path or ""
        path = (base / name).resolve()
        what = f"chapter file `{name}`"
        line = entry.line or None
        if not path.is_relative_to(self.root):
            raise PublishError(f"{what} is outside the manuscript folder", summary, line)
        if not path.is_file():
            why = "is not a regular file" if path.exists() else "not found"
            raise PublishError(f"{what} {why}", summary, line)
        return path

    def _read(
        self, path: Path, depth: int, entry: Entry, note_id: str, chapter_id: str
    ) -> tuple[_File, str | None]:
        """Parse one file, shift its headings to `depth` and give them ids. Returns the
        file and the text of its first heading if it opens with one (for a chapter, the
        heading is taken out: the chapter's title is printed from the model)."""
        context = Context(self.root, path, self.resources, self.warnings, self.settings.security,
                          self.included, self.remote, self.site)  # fmt: skip
        text = read_text(context)
        self.inputs.append(path)
        env = {"chapter_id": note_id, "context": context, "label_ids": self.label_ids}
        parsed = parse(self.md, text, context, env)
        file = _File(path, parsed, context)
        self.files[path] = file
        tokens = parsed.body
        opens_empty = tokens and tokens[0].type == "heading_open" and not plain_text(tokens[1])
        if opens_empty and not self.strict:
            del tokens[0:3]  # an empty first heading (`# ` alone): the entry's title instead
        heading_at = [i for i, t in enumerate(tokens) if t.type == "heading_open"]
        for index in heading_at:
            line = tokens[index].map[0] + 1 if tokens[index].map else None
            check_title(plain_text(tokens[index + 1]), "a heading", path, line)
        opens = bool(tokens) and tokens[0].type == "heading_open"
        if self.strict:
            if not opens or tokens[0].tag != "h1":
                line = tokens[0].map[0] + 1 if tokens and tokens[0].map else 1
                raise PublishError("a chapter must start with its `# title`", path, line)
            for index in heading_at[1:]:
                if tokens[index].tag == "h1":
                    raise PublishError(
                        "a second `#` title; one chapter per file (use `##` for sections)",
                        path,
                        tokens[index].map[0] + 1 if tokens[index].map else None,
                    )
        # A chapter's file that opens with something else (a quotation, a badge) and then
        # the entry's own title: that heading is the chapter's title, not a section of it.
        repeat = None
        if (
            not opens
            and not self.strict
            and depth == 1
            and heading_at
            and plain_text(tokens[heading_at[0] + 1]).strip() == entry.title.strip()
        ):
            repeat = heading_at[0]
        top = min((int(tokens[i].tag[1]) for i in heading_at if i != repeat), default=1)
        first_text = plain_text(tokens[1]) if opens else None
        if opens and not first_text:  # our own chapters (a heading made of an image…)
            raise PublishError("the chapter title is empty", path, 1)
        # The first heading stands at the entry's depth; without one, the file's top level
        # goes one below the entry's title.
        shift = depth - int(tokens[0].tag[1]) if opens else depth + 1 - top
        slugs = FileSlugs()
        for number, index in enumerate(heading_at):
            opening, closing = tokens[index], tokens[index + 2]
            level = int(opening.tag[1]) + shift
            # Every other heading stays below the entry's: the file belongs to its entry.
            level = depth if (number == 0 and opens) else min(max(level, depth + 1), 6)
            opening.tag = closing.tag = f"h{level}"
            web = slugs.next(plain_text(tokens[index + 1]))
            label = opening.meta.get("label")  # `## 引言 {#sec:intro}`: the id given
            if label:
                web = label_id(label)
            if index == repeat:
                file.ids.setdefault(web, chapter_id)
                if label:
                    self.label_ids.setdefault(label, chapter_id)
                continue
            if number == 0 and opens and depth == 1:
                book_id = chapter_id
            else:
                reserved = _RESERVED_RE.match(web) and not label
                book_id = self.ids.claim(web if not reserved else f"h-{web}")
            opening.attrSet("id", book_id)
            file.ids.setdefault(web, book_id)
            if label:
                file.ids.setdefault(label, book_id)
                self.label_ids.setdefault(label, book_id)
            if number == 0:
                file.first_id = book_id if opens else ""
        if depth == 1:
            file.first_id = chapter_id
            if opens:
                del tokens[0:3]  # the chapter's title: printed from the model
            elif repeat is not None:
                del tokens[repeat : repeat + 3]
        # Ids written in the file's raw HTML or by hand stay reachable as they are.
        return file, first_text

    # --- labels ----------------------------------------------------------------------

    def _check_labels(self) -> None:
        """A label defined twice, a reference to no label: warnings where they stand (the
        apparatus pass prints `??` for the reference, and numbers the first definition)."""
        defined: dict[str, tuple[Path, int | None]] = {}
        for file in self.files.values():
            for label, line in file.parsed.env.get("labels", []):
                if label in defined:
                    first, first_line = defined[label]
                    where = f"{first.relative_to(self.root)}" + (
                        f":{first_line}" if first_line else ""
                    )
                    self.warnings.append(
                        Warning(
                            f"label `{label}` defined twice (first at {where}); "
                            "the second is not numbered",
                            file.path,
                            line,
                        )
                    )
                else:
                    defined[label] = (file.path, line)
        for file in self.files.values():
            for label, line in file.parsed.env.get("refs", []):
                if label not in defined:
                    self.warnings.append(
                        Warning(
                            f"reference to `@{label}`: no such label (printed as ??)",
                            file.path,
                            line,
                        )
                    )

    # --- links ---------------------------------------------------------------------

    def _resolve_links(self) -> None:
        for file in self.files.values():
            for tokens in [file.parsed.body, *(t for _, t in file.parsed.notes)]:
                for token in tokens:
                    if token.type == "inline" and token.children:
                        line = token.map[0] + 1 if token.map else None
                        token.children = self._links(file, token.children, line)

    def _links(self, file: _File, children: list[Token], line: int | None) -> list[Token]:
        kept: list[Token] = []
        unwrapped = 0  # depth of links being turned into plain text
        for child in children:
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                target = self._target(file, href, line)
                if target is None:
                    unwrapped += 1
                    child.meta["unwrapped"] = True
                    continue
                child.attrSet("href", target)
            elif child.type == "link_close" and unwrapped:
                unwrapped -= 1
                continue
            kept.append(child)
        return kept

    def _target(self, file: _File, href: str, line: int | None) -> str | None:
        """The href a link becomes: as it was (another site, mail), `#id` (in the book),
        or None (plain text: the warning says why)."""
        if not href or _SCHEME_RE.match(href) or href.startswith("//"):
            return href or None
        raw = unquote(href)
        name, _, anchor = raw.partition("#")
        name, _, query = name.partition("?")
        if not anchor and query.startswith("id="):  # docsify's anchors: page?id=heading
            anchor = query[3:].split("&", 1)[0]
        if not name:
            target = file
        else:
            if name.startswith("/"):
                path = (self.site / name.lstrip("/")).resolve()
            else:
                path = (file.path.parent / name).resolve()
            if path not in self.files and path.with_name(path.name + ".md") in self.files:
                path = path.with_name(path.name + ".md")  # a route: /guide/intro
            if path.is_dir():
                path = next(
                    (p for p in (path / "README.md", path / "index.md") if p.is_file()), path
                )
            if path.suffix == ".html" and path.with_suffix(".md") in self.files:
                path = path.with_suffix(".md")  # a link written for the web version
            found = self.files.get(path)
            if found is None:
                why = "is not in the book" if path.exists() else "does not exist"
                self.warnings.append(
                    Warning(
                        f"link to `{raw}`: the file {why}; kept as plain text", file.path, line
                    )  # fmt: skip
                )
                return None
            target = found
        if not anchor:
            return f"#{target.first_id}" if target.first_id else None
        if anchor in target.ids:
            return f"#{target.ids[anchor]}"
        lowered = slug(anchor)
        if lowered in target.ids:
            return f"#{target.ids[lowered]}"
        if anchor.startswith("_") and slug(anchor[1:]) in target.ids:  # docsify's `_21-…`
            return f"#{target.ids[slug(anchor[1:])]}"
        if anchor in self.ids.taken:  # an id of the book itself (`#ch01`)
            return f"#{anchor}"
        self.warnings.append(
            Warning(f"link to `{raw}`: no such anchor; kept as plain text", file.path, line)
        )
        return None

    # --- rendering -----------------------------------------------------------------

    def _render(self, chapter: Chapter, pieces: list[_Piece]) -> None:
        bodies: list[str] = []
        footnotes: list[Footnote] = []
        headings: list[tuple[int, str, str]] = []
        typo = self.settings.typography
        for piece in pieces:
            if piece.heading is not None:
                level, title, heading_id = piece.heading
                escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                bodies.append(f'<h{level} id="{heading_id}">{escaped}</h{level}>\n')
                headings.append(piece.heading)
                continue
            assert piece.file is not None
            tokens = piece.file.parsed.body
            for index, token in enumerate(tokens):
                if token.type == "heading_open":
                    level = int(token.tag[1])
                    headings.append((level, plain_text(tokens[index + 1]), token.attrGet("id")))
            body, notes = render(self.md, piece.file.parsed)
            self.index_marks.extend(
                IndexMark(anchor, text, attributes, chapter.id, piece.file.path, line)
                for anchor, text, attributes, line in piece.file.parsed.env.get("index", [])
            )
            self.citation_marks.extend(
                CitationMark(anchor, cites, mode, chapter.id, piece.file.path, line)
                for anchor, cites, mode, line in piece.file.parsed.env.get("citations", [])
            )
            bodies.append(body)
            footnotes.extend(notes)
        # The chapter's first file as book.toml names it, for the per-chapter settings.
        first = next((p.file.path for p in pieces if p.file is not None), None)
        name = first.relative_to(self.root).as_posix() if first is not None else None
        chapter.body = prepare_html("".join(bodies), typo, name)
        for note in footnotes:
            note.html = prepare_html(note.html, typo, name)
        chapter.footnotes = footnotes
        chapter.sections = _tree(headings, self.settings.pdf.toc_depth)


#: `running-head: 短标题` in a chapter file's YAML front matter (a plain scalar, quoted or not).
_RUNNING_HEAD_RE = re.compile(r"^running-head:[ \t]*(?P<q>[\"']?)(?P<text>.*?)(?P=q)[ \t]*$", re.M)


def _running_head(file: _File, entry_title: str, title: str) -> str | None:
    """A chapter's short title for the running heads: its front matter's `running-head`,
    or the summary's title for it when shorter than the file's heading."""
    front = file.parsed.env.get("front_matter") or ""
    match = _RUNNING_HEAD_RE.search(front)
    if match and match["text"].strip():
        return match["text"].strip()
    entry_title = " ".join(entry_title.split())
    return entry_title if entry_title and len(entry_title) < len(title) else None


def _tree(headings: list[tuple[int, str, str]], depth: int) -> list[Heading]:
    """The section tree of a chapter, `depth` levels below it. A heading deeper than the
    one before by more than one level is taken one level below it."""
    root = Heading(1, "", "")
    stack: list[tuple[int, Heading]] = [(1, root)]  # (level in the text, heading)
    for level, title, heading_id in headings:
        if level < 2 or not title:  # an empty heading (`# ` alone) has no place in a TOC
            continue
        while len(stack) > 1 and stack[-1][0] >= level:
            stack.pop()
        parent = stack[-1][1]
        heading = Heading(parent.level + 1, title, heading_id)
        if heading.level > depth + 1:
            continue
        parent.children.append(heading)
        stack.append((level, heading))
    return root.children
