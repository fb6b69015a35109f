"""Fenced code as technical books write it: Pygments highlighting, mdBook's hidden lines.

The fence's language is the first word of its info string before a comma (mdBook's
`rust,ignore`, `console`, `Dockerfile`…); a language Pygments does not know stays plain,
silently. Tokens become `<span class="tok-…">` of a few coarse kinds, which the print and
EPUB stylesheets colour (styles/base.css), so the model carries no colours.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from markdown_it import MarkdownIt
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import Comment, Generic, Keyword, Literal, Name, Number, Operator, String
from pygments.util import ClassNotFound

from .diagrams import Mermaid

#: Token kinds that get a class, most specific first (a token takes the first it is under).
KINDS = (
    (Comment, "c"),
    (String, "s"),
    (Number, "m"),
    (Keyword, "k"),
    (Name.Builtin, "nb"),
    (Name.Function, "nf"),
    (Name.Class, "nf"),
    (Name.Decorator, "nf"),
    (Name.Tag, "nt"),
    (Name.Attribute, "na"),
    (Literal, "s"),
    (Operator.Word, "k"),
    (Generic.Prompt, "gp"),
    (Generic.Output, "go"),
    (Generic.Heading, "k"),
    (Generic.Subheading, "k"),
    (Generic.Deleted, "gd"),
    (Generic.Inserted, "gi"),
)
#: Languages mdBook treats as Rust (its hidden-line rule applies to them).
RUST = {"rust", "rs"}


def extend(md: MarkdownIt, mermaid: Mermaid) -> None:
    """Render fences through `highlight` (mermaid fences through the diagram renderer)."""

    def fence(self, tokens, idx, options, env) -> str:
        token = tokens[idx]
        language = fence_language(token.info)
        line = token.map[0] + 1 if token.map else None
        if language == "mermaid":
            figure = mermaid.figure(token.content, env, line)
            if figure is not None:
                return figure
        return code_block(token.content, language)

    md.add_render_rule("fence", fence)


def fence_language(info: str) -> str:
    """`rust,ignore` → `rust`; `{.python}` → `python`; `` → ``."""
    word = info.strip().split(maxsplit=1)[0] if info.strip() else ""
    return word.strip("{}.").split(",")[0].strip().lower()


def hide_rust_lines(code: str) -> str:
    """mdBook's rule: a line that is `#` or starts with `# ` (after indentation) is left
    out; `##` at that place stands for a literal `#`."""
    out = []
    for line in code.split("\n"):
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped == "#" or stripped.startswith("# "):
            continue
        if stripped.startswith("##"):
            line = indent + stripped[1:]
        out.append(line)
    return "\n".join(out)


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    if not language or language in ("text", "plain", "txt", "plaintext"):
        return None
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False, tabsize=4)
    except ClassNotFound:
        return None


@lru_cache(maxsize=1024)
def _kind(token_type) -> str | None:
    """The class of a Pygments token type. Cached: a type's place in the tree never changes,
    and a technical book has ~100,000 tokens of a few hundred types (each test below is a
    Python-level `in` up the type's parents)."""
    for parent, kind in KINDS:
        if token_type in parent:
            return kind
    return None


def highlight(code: str, language: str) -> str:
    """`code` as escaped XHTML with `<span class="tok-…">` around its tokens."""
    lexer = _lexer(language)
    if lexer is None:
        return html.escape(code, quote=False)
    parts: list[str] = []
    current: str | None = None
    run: list[str] = []

    def flush() -> None:
        text = html.escape("".join(run), quote=False)
        if text:
            parts.append(f'<span class="tok-{current}">{text}</span>' if current else text)
        run.clear()

    for token_type, value in lexer.get_tokens(code):
        kind = _kind(token_type) if value.strip() else current
        if kind != current:
            flush()
            current = kind
        run.append(value)
    flush()
    return "".join(parts)


def code_block(code: str, language: str) -> str:
    """A fenced block of the model: `<pre class="code"><code class="language-…">`."""
    if language in RUST:
        code = hide_rust_lines(code)
    code = code.expandtabs(4)
    safe = re.sub(r"[^a-z0-9_+-]", "", language)
    attribute = f' class="language-{safe}"' if safe else ""
    return f'<pre class="code"><code{attribute}>{highlight(code, language)}</code></pre>\n'
