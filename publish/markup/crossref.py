"""The apparatus's syntax, read from Markdown (pandoc-crossref's and pandoc's own).

Numbered objects carry a label in braces: `![说明](a.png){#fig:press}`, a table's caption
`Table: 说明 {#tbl:sizes}` (before or after it), `$$ … $$ {#eq:area}`, a fence
```` ```python {#lst:count caption="说明"} ````, a heading `## 引言 {#sec:intro}`. They are
referred to by `@fig:press` or `[@fig:a; @fig:b]`. Index terms are spans:
`[活字]{.index}`, `[活字]{.index key="huozi" see="胶泥活字"}`.

This module writes what it reads into the model's XHTML only as ids, classes and links
(`<figure class="numbered" id="fig-press">`, `<a class="xref" href="#fig-press">`,
`<span class="index-term" id="ix-…">`) and lists the labels, references and index marks
with their lines in the parser's `env`, for the reader's warnings and the model. The
numbers themselves are the apparatus pass's (publish/apparatus/), once the whole book is
known.
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

#: The kinds of numbered objects, by the prefix of their label.
KINDS = ("fig", "tbl", "eq", "lst", "sec")
_NAME = r"[A-Za-z0-9_](?:[A-Za-z0-9_:.\-]*[A-Za-z0-9_])?"
#: One reference in the text: `@fig:press` (`-@fig:press`: the number without its word).
_REF = rf"(-?)@((?:{'|'.join(KINDS)}):{_NAME})"
_REF_RE = re.compile(_REF)
_GROUP_RE = re.compile(rf"\[\s*{_REF}(?:\s*[;,]\s*{_REF})*\s*\]")
_ATTRS_RE = re.compile(r"\{([^{}\n]*)\}\s*$")
_ATTR_RE = re.compile(r"""#([^\s}]+)|\.([\w-]+)|([\w-]+)=(?:"([^"]*)"|'([^']*)'|([^\s}]+))""")
#: `[活字]{.index …}`: an index term in the text.
_SPAN_RE = re.compile(r"\[([^\[\]\n]+)\]\{([^{}\n]*)\}")
_TABLE_CAPTION_RE = re.compile(r"^(?:Table)?:\s+(.*)$", re.S)


def label_id(label: str) -> str:
    """The XHTML id of a label (`fig:press` → `fig-press`): an id holds no colon in EPUB."""
    return re.sub(r"[^A-Za-z0-9_.\-]", "-", label)


def label_kind(label: str) -> str | None:
    """The kind of object a label names (`fig`, `tbl`…), None for a plain id."""
    prefix = label.split(":", 1)[0]
    return prefix if ":" in label and prefix in KINDS else None


def parse_attributes(text: str) -> tuple[str | None, list[str], dict[str, str]] | None:
    """`#id .class key="value"` → (id, classes, attributes); None if it is not that."""
    found_id, classes, attributes = None, [], {}
    rest = _ATTR_RE.sub("", text).strip()
    if rest:
        return None
    for match in _ATTR_RE.finditer(text):
        if match.group(1):
            found_id = match.group(1)
        elif match.group(2):
            classes.append(match.group(2))
        else:
            value = next((g for g in match.groups()[3:] if g is not None), "")
            attributes[match.group(3)] = value
    return found_id, classes, attributes


def trailing_attributes(text: str) -> tuple[str, tuple[str | None, list[str], dict[str, str]]]:
    """A text's trailing `{…}` attributes: the text without them and what they say
    (no id, no classes when it has none)."""
    match = _ATTRS_RE.search(text)
    if match:
        parsed = parse_attributes(match.group(1))
        if parsed is not None:
            return text[: match.start()].rstrip(), parsed
    return text, (None, [], {})


def extend(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "crossref", _inline)
    md.core.ruler.push("crossref_blocks", _blocks)
    md.add_render_rule("xref", _render_xref)
    md.add_render_rule("index_mark", _render_index_mark)
    md.add_render_rule("listing_open", _render_listing_open)
    md.add_render_rule("listing_close", lambda *args: "</figure>\n")
    md.add_render_rule("equation", _render_equation)
    md.add_render_rule("equation_end", lambda *args: "")


# --- reading ------------------------------------------------------------------------


def _inline(state: StateInline, silent: bool) -> bool:
    """`@fig:x`, `[@fig:a; @fig:b]` and `[term]{.index …}`."""
    src, pos = state.src, state.pos
    char = src[pos]
    if char == "[":
        group = _GROUP_RE.match(src, pos)
        if group:
            if not silent:
                token = state.push("xref", "a", 0)
                token.meta = {"refs": _REF_RE.findall(group.group(0))}
            state.pos = group.end()
            return True
        span = _SPAN_RE.match(src, pos)
        if span:
            parsed = parse_attributes(span.group(2))
            if parsed is None or "index" not in parsed[1]:
                return False
            if not silent:
                token = state.push("index_mark", "span", 0)
                token.content = span.group(1)
                token.meta = {"attributes": parsed[2]}
            state.pos = span.end()
            return True
        return False
    if char not in "@-":
        return False
    if pos > 0 and re.match(r"[A-Za-z0-9_.\-@]", src[pos - 1]):
        return False  # an address (a@b.com), not a reference
    ref = _REF_RE.match(src, pos)
    if not ref:
        return False
    if not silent:
        token = state.push("xref", "a", 0)
        token.meta = {"refs": [ref.groups()]}
    state.pos = ref.end()
    return True


def _blocks(state: StateCore) -> None:
    """Labels of figures, tables, equations, listings and headings; every label and
    reference listed in `env` with its line."""
    tokens = state.tokens
    env = state.env
    labels: list[tuple[str, int | None]] = env.setdefault("labels", [])
    refs: list[tuple[str, int | None]] = env.setdefault("refs", [])
    index = 0
    while index < len(tokens):
        token = tokens[index]
        line = token.map[0] + 1 if token.map else None
        if token.type == "heading_open":
            _heading(tokens[index + 1], token, labels, line)
        elif token.type == "fence":
            index += _listing(tokens, index, labels, line)
        elif token.type == "table_open":
            index += _table(tokens, index, labels)
        elif token.type == "paragraph_open":
            _figure_or_equation(tokens, index, labels, line)
        inline = tokens[index] if index < len(tokens) else None
        if inline is not None and inline.type == "inline":
            for child in inline.children or []:
                if child.type == "xref":
                    child.meta["line"] = line
                    refs.extend((label, line) for _, label in child.meta["refs"])
                elif child.type == "index_mark":
                    child.meta["line"] = line
        index += 1


def _heading(inline: Token, opening: Token, labels: list, line: int | None) -> None:
    children = inline.children or []
    if not children or children[-1].type != "text":
        return
    text, (found, _classes, _attributes) = trailing_attributes(children[-1].content)
    if found is None:
        return
    children[-1].content = text
    inline.content = trailing_attributes(inline.content)[0]
    opening.meta["label"] = found
    if label_kind(found):
        labels.append((found, line))


def _listing(tokens: list[Token], index: int, labels: list, line: int | None) -> int:
    """A fence with `{#lst:x caption="…"}` in its info string, in a captioned figure."""
    fence = tokens[index]
    info, (found, classes, attributes) = trailing_attributes(fence.info)
    caption = attributes.get("caption") or attributes.get("title")
    if found is None and caption is None:
        return 0
    fence.info = info or (classes[0] if classes else "")
    opening = Token("listing_open", "figure", 1)
    opening.meta = {"label": found if found and label_kind(found) == "lst" else None,
                    "caption": caption or ""}  # fmt: skip
    opening.map = fence.map
    if opening.meta["label"]:
        labels.append((found, line))
    tokens.insert(index, opening)
    tokens.insert(index + 2, Token("listing_close", "figure", -1))
    return 2


def _paragraph_text(tokens: list[Token], index: int) -> str | None:
    """The text of the paragraph opening at `index`, if it is one of plain text only."""
    if index < 0 or index + 2 >= len(tokens) or tokens[index].type != "paragraph_open":
        return None
    inline = tokens[index + 1]
    if any(c.type not in ("text", "softbreak") for c in inline.children or []):
        return None
    return inline.content


def _table(tokens: list[Token], index: int, labels: list) -> int:
    """A `Table: caption {#tbl:x}` paragraph before or after a table, as its caption."""
    close = next(i for i in range(index, len(tokens)) if tokens[i].type == "table_close")
    for start in (close + 1, index - 3):
        text = _paragraph_text(tokens, start)
        match = _TABLE_CAPTION_RE.match(text or "")
        if match:
            break
    else:
        return 0
    inline = tokens[start + 1]
    line = tokens[start].map[0] + 1 if tokens[start].map else None
    caption, (found, _classes, _attributes) = trailing_attributes(match.group(1).strip())
    opening = tokens[index]
    if found and label_kind(found) == "tbl":
        opening.attrSet("id", label_id(found))
        opening.attrSet("class", "numbered")
        labels.append((found, line))
    inline.content = caption
    inline.children = [Token("text", "", 0, content=caption)]
    caption_tokens = [Token("caption_open", "caption", 1), inline,
                      Token("caption_close", "caption", -1)]  # fmt: skip
    if start > index:
        del tokens[start : start + 3]
        tokens[index + 1 : index + 1] = caption_tokens
        return 0
    del tokens[start : start + 3]
    at = start  # the table now opens where the caption stood
    tokens[at + 1 : at + 1] = caption_tokens
    return -3


def _figure_or_equation(tokens: list[Token], index: int, labels: list, line: int | None) -> None:
    inline = tokens[index + 1]
    children = [c for c in inline.children or [] if not (c.type == "text" and not c.content)]
    if len(children) < 2 or children[-1].type != "text":
        return
    first = children[0]
    rest, (found, classes, _attributes) = trailing_attributes(children[-1].content)
    if rest.strip() or len(children) > 3 or found is None:
        return
    if len(children) == 3 and children[1].type != "softbreak":
        return
    if first.type == "image":
        first.meta["label"] = found
        # `{#fig:x .full-bleed}`: the class as markdown.py's figures read it.
        children[-1].content = "{.full-bleed}" if "full-bleed" in classes else ""
        inline.children = [first, children[-1]]
        if label_kind(found) == "fig":
            labels.append((found, line))
    elif first.type in ("math_inline_double", "math_block") and label_kind(found) == "eq":
        equation = Token("equation", "div", 0, content=first.content, block=True)
        equation.meta = {"label": found, "line": line}
        tokens[index] = equation
        tokens[index + 1] = Token("equation_end", "", 0)  # rendered as nothing
        tokens[index + 2] = Token("equation_end", "", 0)
        labels.append((found, line))


# --- writing -------------------------------------------------------------------------


def _render_xref(self, tokens, idx, options, env) -> str:
    links = []
    ids = env.get("label_ids", {})  # headings' ids, given by the reader (assemble.py)
    for suppress, label in tokens[idx].meta["refs"]:
        classes = "xref bare" if suppress else "xref"
        target = ids.get(label) or label_id(label)
        links.append(f'<a class="{classes}" href="#{target}">{html.escape(label)}</a>')
    return '<span class="xrefs">' + "".join(links) + "</span>" if len(links) > 1 else links[0]


def _render_index_mark(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    marks = env.setdefault("index", [])
    anchor = f"ix-{env.get('chapter_id', 'x')}-{len(marks) + 1}"
    marks.append((anchor, token.content, token.meta["attributes"], token.meta.get("line")))
    return f'<span class="index-term" id="{anchor}">{html.escape(token.content)}</span>'


def _render_listing_open(self, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    label = meta["label"]
    attributes = (
        f' id="{label_id(label)}" class="listing numbered"' if label else ' class="listing"'
    )
    caption = f"<figcaption>{html.escape(meta['caption'])}</figcaption>"
    return f"<figure{attributes}>{caption}"


def _render_equation(self, tokens, idx, options, env) -> str:
    # late: the maths converter loads only for a book with a numbered equation (start-up time)
    from .maths import to_mathml

    token = tokens[idx]
    tex = token.content.strip()
    mathml = to_mathml(tex, True)
    if mathml is None:
        context = env.get("context")
        if context is not None:
            context.warn(
                f"formula not converted, shown as its source: {tex[:60]}", token.meta["line"]
            )
        mathml = f'<code class="math-source">{html.escape(tex, quote=False)}</code>'
    label = label_id(token.meta["label"])
    return (
        f'<div class="math-display numbered" id="{label}">{mathml}'
        '<span class="equation-number"></span></div>\n'
    )
