"""Callouts: GitHub alerts (`> [!NOTE]`) and `::: tip` containers as labelled boxes.

Both become `<div class="callout callout-KIND" role="note">` opening with a
`<p class="callout-title">` that holds the author's title or the kind's label in the book's
language. The stylesheets draw the box and keep the label with what follows it.
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from mdit_py_plugins.container import container_plugin

from ..typography.chars import HAN_RE, HANGUL_RE, KANA_RE
from ..words import callouts

#: The GitHub alert kinds.
ALERTS = ("note", "tip", "important", "warning", "caution")
#: The container kinds (VuePress/VitePress, markdown-it-container); `details` too.
CONTAINERS = ("note", "tip", "info", "important", "warning", "caution", "danger", "details")
_ALERT_RE = re.compile(r"^\[!(" + "|".join(ALERTS) + r")\][ \t]*([^\n]*)(?:\n|$)", re.I)


def labels(language: str) -> dict[str, str]:
    """The labels for a BCP 47 `language` (English for languages without their own)."""
    return callouts(language)


def opening(kind: str, title: str) -> str:
    return (
        f'<div class="callout callout-{kind}" role="note">\n'
        f'<p class="callout-title">{html.escape(title)}</p>\n'
    )


def extend(md: MarkdownIt, language: str | None = None) -> None:
    """Callouts for `md`, labelled in `language`, else in `env["language"]`, else in the
    language of each file's text (a reader may not know the book's language yet)."""

    def alerts(state: StateCore) -> None:
        _find_alerts(state.tokens)
        if not language and not state.env.get("language"):
            state.env["language"] = guess_language(state.src)

    def words(env: dict) -> dict[str, str]:
        return labels(language or env.get("language") or "en")

    def render_open(self, tokens, idx, options, env) -> str:
        kind, title = tokens[idx].meta["kind"], tokens[idx].meta["title"]
        return opening(kind, title or words(env)[kind])

    def render_close(self, tokens, idx, options, env) -> str:
        return "</div>\n"

    md.core.ruler.push("github_alerts", alerts)
    md.add_render_rule("callout_open", render_open)
    md.add_render_rule("callout_close", render_close)
    for kind in CONTAINERS:
        container_plugin(md, kind, render=_container_render(kind, words))


def _container_render(kind: str, words):
    def render(self, tokens, idx, options, env) -> str:
        token = tokens[idx]
        if token.nesting == 1:
            title = token.info.strip()[len(kind) :].strip()
            return opening(kind, title or words(env)[kind])
        return "</div>\n"

    return render


def guess_language(text: str) -> str:
    """`zh`, `ja`, `ko` or `en`, from the scripts of `text` (kana decide for Japanese)."""
    han = len(HAN_RE.findall(text))
    kana = len(KANA_RE.findall(text))
    hangul = len(HANGUL_RE.findall(text))
    latin = len(re.findall(r"[A-Za-z]+", text))  # words
    best = max((kana, "ja"), (hangul, "ko"), (han, "zh"), key=lambda pair: pair[0])
    if kana and kana * 5 >= han:
        best = (kana + han, "ja")
    return best[1] if best[0] > latin else "en"


def _find_alerts(tokens) -> None:
    """Turn a blockquote whose first line is `[!KIND]` into callout_open/close tokens."""
    for index, token in enumerate(tokens):
        if token.type != "blockquote_open" or index + 2 >= len(tokens):
            continue
        paragraph, inline = tokens[index + 1], tokens[index + 2]
        if paragraph.type != "paragraph_open" or inline.type != "inline":
            continue
        match = _ALERT_RE.match(inline.content)
        if not match:
            continue
        close = _matching_close(tokens, index)
        if close is None:
            continue
        token.type, tokens[close].type = "callout_open", "callout_close"
        token.meta = {"kind": match.group(1).lower(), "title": match.group(2).strip()}
        _drop_marker(inline, match.end())
        if not inline.children:
            # The marker was the whole paragraph: leave no empty <p>.
            paragraph.hidden = tokens[index + 3].hidden = True


def _matching_close(tokens, start: int) -> int | None:
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index].type == "blockquote_open":
            depth += 1
        elif tokens[index].type == "blockquote_close":
            depth -= 1
            if depth == 0:
                return index
    return None


def _drop_marker(inline, length: int) -> None:
    """Remove the first `length` source characters (the marker line) from `inline`."""
    inline.content = inline.content[length:]
    children = list(inline.children or [])
    left = length
    while children and left > 0:
        child = children[0]
        if child.type in ("softbreak", "hardbreak"):
            children.pop(0)
            break
        if child.type != "text":
            break
        if len(child.content) <= left:
            left -= len(child.content)
            children.pop(0)
        else:
            child.content = child.content[left:]
            left = 0
    if children and children[0].type in ("softbreak", "hardbreak"):
        children.pop(0)
    inline.children = children
