"""Citations in pandoc's syntax, read from Markdown: `[@key]`, `[@key, 第 12 页]`,
`[@a; @b]`, `[-@key]` (the year alone) and `@key` in the text.

Only a book with a bibliography reads them (`[book] bibliography`): elsewhere `@name` is
text. Cross-reference labels (`@fig:…`, `@sec:…`: markup/crossref.py, tried first) and
e-mail addresses (`a@b.com`) are not citations. The reader's XHTML keeps each citation
as a span holding what was written (`<span class="citation" id="cite-ch01-1">[@key]</span>`)
and lists it, with its keys, locators and line, in the parser's `env`; the apparatus pass
(publish/apparatus/citations/) writes its numbers or names once the whole book is known.
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

from .crossref import KINDS

#: A citation key (pandoc's: letters, digits, `_`, inner punctuation; no trailing point),
#: in ASCII: `@wu2003说过` cites `wu2003` (Chinese needs no space after it).
KEY = r"[A-Za-z0-9_](?:[A-Za-z0-9_:.#$%&\-+?<>~/]*[A-Za-z0-9_])?"
_BARE_RE = re.compile(rf"(-?)@({KEY})")
_ITEM_RE = re.compile(rf"^\s*(-?)@({KEY})\s*(?:,\s*(.*?))?\s*$", re.S)
_GROUP_RE = re.compile(r"\[([^\[\]\n]*@[^\[\]\n]*)\]")


def is_crossref(key: str) -> bool:
    return key.split(":", 1)[0] in KINDS and ":" in key


def extend(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "citation", _inline)
    md.core.ruler.push("citation_lines", _lines)
    md.add_render_rule("citation", _render)


def _items(inside: str) -> list[tuple[str, str, bool]] | None:
    """`@a, p. 3; -@b` → [(key, locator, year only)…]; None if it is not a citation."""
    items = []
    for part in inside.split(";"):
        match = _ITEM_RE.match(part)
        if match is None or is_crossref(match.group(2)):
            return None
        items.append((match.group(2), (match.group(3) or "").strip(), bool(match.group(1))))
    return items


def _inline(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] == "[":
        group = _GROUP_RE.match(src, pos)
        if group is None or src[group.end() : group.end() + 1] in ("(", "["):
            return False  # `[@x](url)`: a link
        items = _items(group.group(1))
        if items is None:
            return False
        if not silent:
            token = state.push("citation", "span", 0)
            token.meta = {"cites": items, "mode": "paren", "source": group.group(0)}
        state.pos = group.end()
        return True
    if src[pos] not in "@-":
        return False
    if pos > 0 and re.match(r"[\w.\-@+]", src[pos - 1]):
        return False  # an address (a@b.com), not a citation
    match = _BARE_RE.match(src, pos)
    if match is None or is_crossref(match.group(2)):
        return False
    if not silent:
        token = state.push("citation", "span", 0)
        token.meta = {"cites": [(match.group(2), "", bool(match.group(1)))], "mode": "text",
                      "source": match.group(0)}  # fmt: skip
    state.pos = match.end()
    return True


def _lines(state: StateCore) -> None:
    """Each citation's line, for the warnings."""
    for token in state.tokens:
        if token.type == "inline" and token.children:
            line = token.map[0] + 1 if token.map else None
            for child in token.children:
                if child.type == "citation":
                    child.meta["line"] = line


def _render(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    marks = env.setdefault("citations", [])
    anchor = f"cite-{env.get('chapter_id', 'x')}-{len(marks) + 1}"
    marks.append((anchor, token.meta["cites"], token.meta["mode"], token.meta.get("line")))
    return f'<span class="citation" id="{anchor}">{html.escape(token.meta["source"])}</span>'
