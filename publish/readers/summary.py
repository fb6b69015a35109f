"""SUMMARY.md, in both dialects: mdBook's and GitBook's (HonKit's) table of contents.

One grammar covers both, read with the same Markdown parser as the chapters (so `*`/`-`
lists, indentation by spaces or tabs and reference links behave as CommonMark says):

- a first `# Title` before anything else is the summary's title;
- links outside any list before the first list are prefix chapters, after it suffix
  chapters (mdBook);
- list items are numbered chapters, nested lists their sections; an item is a link, a
  draft `[Title]()` (no file yet), or plain text (a heading without a file of its own);
- a later `# Heading` (mdBook) or a `##`–`####` heading (GitBook) is a part title; `---`
  is a separator (GitBook: the start of an untitled part).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..errors import PublishError

_SCHEME_RE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")


@dataclass
class Entry:
    """One item of the summary: `target` as written (a path, maybe with `#anchor`; None
    for an item without a link), `line` in SUMMARY.md (from 1)."""

    title: str
    target: str | None
    line: int
    children: list[Entry] = field(default_factory=list)
    draft: bool = False

    @property
    def external(self) -> bool:
        """A link to another site (HonKit's summaries may have some): no chapter of ours."""
        return self.target is not None and bool(_SCHEME_RE.match(self.target))

    @property
    def path(self) -> str | None:
        """The file part of the target ('' for a link to an anchor only; None without a
        link or for another site's)."""
        if self.target is None or self.external:
            return None
        return self.target.split("#", 1)[0]

    @property
    def anchor(self) -> str | None:
        if self.target is None or "#" not in self.target:
            return None
        return self.target.split("#", 1)[1] or None


@dataclass
class SummaryPart:
    """Numbered chapters under a part title (None: before any part title, or after an
    untitled separator)."""

    title: str | None
    line: int | None
    chapters: list[Entry] = field(default_factory=list)


@dataclass
class Summary:
    title: str | None
    prefix: list[Entry]
    parts: list[SummaryPart]
    suffix: list[Entry]

    def entries(self) -> list[Entry]:
        """Every entry, in reading order, nested ones after their parent."""
        found: list[Entry] = []

        def walk(entries: list[Entry]) -> None:
            for entry in entries:
                found.append(entry)
                walk(entry.children)

        walk(self.prefix)
        for part in self.parts:
            walk(part.chapters)
        walk(self.suffix)
        return found

    def drafts(self) -> list[Entry]:
        return [entry for entry in self.entries() if entry.draft]

    def external(self) -> list[Entry]:
        return [entry for entry in self.entries() if entry.external]


def _text(inline: Token) -> str:
    return "".join(
        child.content for child in inline.children or [] if child.type in ("text", "code_inline")
    ).strip()


def _links(inline: Token) -> list[tuple[str, str]]:
    """(title, href) of each link of an inline token."""
    found: list[tuple[str, str]] = []
    current: list[str] | None = None
    href = ""
    for child in inline.children or []:
        if child.type == "link_open":
            current, href = [], str(child.attrGet("href") or "")
        elif child.type == "link_close" and current is not None:
            found.append(("".join(current).strip(), href))
            current = None
        elif current is not None and child.type in ("text", "code_inline"):
            current.append(child.content)
    return found


def parse_summary(text: str, path: Path, dialect: str = "mdbook") -> Summary:
    """The summary's structure; a SUMMARY.md that is not a summary raises PublishError.
    `dialect` "gitbook": a `---` separator ends the part before it (mdBook: a rule only)."""
    md = MarkdownIt("commonmark")
    tokens = md.parse(text.replace("\r\n", "\n").replace("\r", "\n"))
    title: str | None = None
    prefix: list[Entry] = []
    suffix: list[Entry] = []
    parts: list[SummaryPart] = []
    seen_list = False
    index = 0
    first = True
    while index < len(tokens):
        token = tokens[index]
        line = token.map[0] + 1 if token.map else 0
        if token.type == "heading_open":
            heading = _text(tokens[index + 1])
            if first and token.tag == "h1":
                title = heading or None
            else:
                parts.append(SummaryPart(heading or None, line))
            index += 3
        elif token.type == "hr":
            if dialect == "gitbook" and parts and parts[-1].chapters:
                parts.append(SummaryPart(None, line))
            index += 1
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            end = _closing(tokens, index)
            if not parts:
                parts.append(SummaryPart(None, None))
            parts[-1].chapters.extend(_list(tokens[index + 1 : end]))
            seen_list = True
            index = end + 1
        elif token.type == "paragraph_open":
            for name, href in _links(tokens[index + 1]):
                entry = _entry(name, href, line)
                (suffix if seen_list else prefix).append(entry)
            index += 3
        else:
            index += 1
        first = False
    parts = [part for part in parts if part.chapters or part.title]
    summary = Summary(title, prefix, parts, suffix)
    if not summary.entries():
        raise PublishError("no chapters in the summary (a list of links: - [Title](file.md))",
                           path)  # fmt: skip
    return summary


def _entry(title: str, href: str | None, line: int) -> Entry:
    if href is None:
        return Entry(title, None, line)
    target = unquote(href)  # as written: markdown-it percent-encodes it
    return Entry(title, target or None, line, draft=not target)


def _closing(tokens: list[Token], start: int) -> int:
    """The index of the token closing the one at `start` (same nesting level)."""
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def _list(tokens: list[Token]) -> list[Entry]:
    """The entries of a list's items (the tokens between the list's open and close)."""
    entries: list[Entry] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type != "list_item_open":
            index += 1
            continue
        end = _closing(tokens, index)
        entry: Entry | None = None
        inner = index + 1
        while inner < end:
            child = tokens[inner]
            line = child.map[0] + 1 if child.map else 0
            if child.type in ("bullet_list_open", "ordered_list_open"):
                close = _closing(tokens, inner)
                nested = _list(tokens[inner + 1 : close])
                if entry is None:  # a list inside an item without text: adopt its items
                    entries.extend(nested)
                else:
                    entry.children.extend(nested)
                inner = close + 1
                continue
            if child.type == "inline" and entry is None:
                links = _links(child)
                if links:
                    entry = _entry(links[0][0], links[0][1], line)
                else:
                    entry = _entry(_text(child), None, line)
                entries.append(entry)
            inner += 1
        index = end + 1
    return entries
