"""The document model both renderers read: metadata, chapters, heading tree, TOC.

The model knows nothing of PDF or EPUB. Chapter bodies are well-formed XHTML fragments
(already through Markdown, never to be parsed as Markdown again); footnotes are kept apart
from the text so that each renderer can place them its own way (page foot, pop-up aside).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings

#: How a chapter body refers to a footnote: `<a class="noteref" href="#fn-…" id="fnref-…">N</a>`
#: (groups: footnote id, reference id, label). Renderers replace it with their own markup.
NOTEREF_RE = re.compile(r'<a class="noteref" href="#(fn-[^"]+)" id="(fnref-[^"]+)">([^<]*)</a>')


@dataclass(frozen=True)
class Metadata:
    """What `[book]` in book.toml says about the book."""

    title: str
    authors: tuple[str, ...]
    language: str
    identifier: str
    subtitle: str | None = None
    publisher: str | None = None
    date: str | None = None
    description: str | None = None
    rights: str | None = None
    subjects: tuple[str, ...] = ()


@dataclass
class Heading:
    """A chapter (level 1) or section (levels 2-3) title; `id` is unique in the book."""

    level: int
    title: str
    id: str
    children: list[Heading] = field(default_factory=list)


@dataclass
class Footnote:
    """One footnote: `id` is the target of the reference in the text, `label` its number."""

    id: str
    ref_id: str
    label: str
    html: str


@dataclass(frozen=True)
class Part:
    """A part of the book (`# Part` in an mdBook summary): a title page before its first
    chapter and a level above its chapters in every table of contents."""

    title: str
    id: str


@dataclass
class Chapter:
    """One chapter: its title, its body without the title, and its sections. A chapter read
    from a summary also holds the files of its nested entries, as sections (`sources`)."""

    number: int
    id: str
    source: Path
    title: str
    body: str
    sections: list[Heading] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    #: "front" (before the text: roman folios, not numbered), "body" or "back" (after it).
    matter: str = "body"
    #: The part the chapter belongs to, if the book has parts.
    part: Part | None = None
    #: Every file the chapter was made of (`source` first).
    sources: list[Path] = field(default_factory=list)
    #: dedication, preface (front matter), chapter (the text), afterword, appendix (back
    #: matter): config.CHAPTER_KINDS.
    kind: str = "chapter"
    #: A shorter title for the running heads (front matter `running-head:`, or the
    #: summary's title when shorter than the heading); None: the title.
    running_head: str | None = None

    @property
    def heading(self) -> Heading:
        return Heading(1, self.title, self.id, self.sections)


@dataclass
class Resource:
    """A file a chapter refers to (an image), by its manuscript-relative POSIX path.

    `data` holds the content of an image that is no file of the manuscript (a data: URL or
    a download, where book.toml allows them); `path` is then where it would stand.
    """

    href: str
    path: Path
    media_type: str
    data: bytes | None = None

    def content(self) -> bytes:
        return self.data if self.data is not None else self.path.read_bytes()


@dataclass
class IndexMark:
    """A place the text marks for the index (`[活字]{.index}`): the anchor an index entry
    links to, the text marked, what its braces said (key, see…), where it was written."""

    anchor: str
    text: str
    attributes: dict[str, str]
    chapter: str
    path: Path | None = None
    line: int | None = None


@dataclass(frozen=True)
class BibliographyFile:
    """`[book] bibliography` (or a .csl `citation-style`) as the reader read it, through the
    book's sandbox: its path and text, for the apparatus (publish/apparatus/citations/)."""

    path: Path
    text: str


@dataclass
class CitationMark:
    """A citation in the text (`[@key, 第 12 页]`, markup/citations.py): the anchor of its
    span, its (key, locator, year only) items, `paren` or `text` (`@key` in a sentence),
    where it was written."""

    anchor: str
    cites: list[tuple[str, str, bool]]
    mode: str
    chapter: str
    path: Path | None = None
    line: int | None = None


@dataclass(frozen=True)
class Warning:
    """Something the build worked around (a refused resource, removed raw HTML)."""

    message: str
    path: Path | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: " if self.path else ""
        return where + self.message


@dataclass
class Book:
    """The whole manuscript, parsed once; both renderers take it as it is."""

    root: Path
    metadata: Metadata
    settings: Settings
    chapters: list[Chapter]
    resources: list[Resource] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    cover: Resource | None = None
    #: What kind of book folder it was read from ("manuscript", "mdBook", "GitBook").
    kind: str = "manuscript"
    #: Every file reading the book read (book.toml, SUMMARY.md, chapters, includes…),
    #: for the build record; empty: book.toml and the chapters.
    inputs: list[Path] = field(default_factory=list)
    #: The places marked for the index, in reading order (the apparatus pass makes the
    #: index of them: publish/apparatus/).
    index_marks: list[IndexMark] = field(default_factory=list)
    #: The citations, in reading order (the apparatus pass numbers them and makes the
    #: list of references: publish/apparatus/citations/).
    citation_marks: list[CitationMark] = field(default_factory=list)
    #: The bibliography file's text; None without one, or when it could not be read.
    bibliography: BibliographyFile | None = None
    #: `citation-style = "….csl"`: the style file's text (publish/apparatus/citations/csl.py).
    csl_style: BibliographyFile | None = None

    @property
    def toc(self) -> list[Heading]:
        """The table of contents: parts (level 0) holding their chapters, chapters with
        their sections."""
        entries: list[Heading] = []
        current: Part | None = None
        for chapter in self.chapters:
            if chapter.kind == "dedication":  # a dedication has no title to list
                continue
            if chapter.part is None:
                current = None
                entries.append(chapter.heading)
                continue
            if chapter.part != current:
                current = chapter.part
                entries.append(Heading(0, current.title, current.id))
            entries[-1].children.append(chapter.heading)
        return entries

    def opens_part(self, chapter: Chapter) -> bool:
        """True for the first chapter of its part (the part's title page comes before it)."""
        if chapter.part is None:
            return False
        # By id: a renderer may be given an edited copy of the book's chapter.
        index = next(i for i, other in enumerate(self.chapters) if other.id == chapter.id)
        return index == 0 or self.chapters[index - 1].part != chapter.part
