"""Maths without TeX: `$…$`, `$$…$$` and mdBook's `\\( \\)` / `\\[ \\]` → MathML.

The reader turns the TeX into MathML (latex2mathml) and keeps the TeX with it, as the
`alttext` and an `application/x-tex` annotation: the EPUB shows the MathML (EPUB 3 reading
systems render it), and the print renderer, which has no MathML, draws it as SVG paths
(ziamath, `to_svg`). A formula that cannot be converted is a warning with its file:line,
and its source is shown as code.
"""

from __future__ import annotations

import functools
import html
import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.dollarmath import dollarmath_plugin

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
#: Backslash escapes Markdown applies inside mdBook's delimiters (its text goes through
#: Markdown before MathJax sees it): `\\` → `\`, `\_` → `_`…
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_MATH_RE = re.compile(r"<math\b[^>]*>.*?</math>", re.S)
_ANNOTATION_RE = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.S)


def extend(md: MarkdownIt) -> None:
    dollarmath_plugin(md, allow_space=True, allow_digits=False, double_inline=True)
    md.inline.ruler.before("escape", "mdbook_math", _mdbook_math)
    md.core.ruler.push("math_lines", _math_lines)
    md.add_render_rule("math_inline", _render(display=False))
    md.add_render_rule("math_inline_double", _render(display=True))
    md.add_render_rule("math_block", _render(display=True))
    md.add_render_rule("math_block_label", _render(display=True))


def _mdbook_math(state: StateInline, silent: bool) -> bool:
    """`\\( … \\)` inline and `\\[ … \\]` display, as mdBook's MathJax support reads them."""
    src, pos = state.src, state.pos
    opener = src[pos : pos + 3]
    if opener not in ("\\\\(", "\\\\["):
        return False
    closer = "\\\\)" if opener == "\\\\(" else "\\\\]"
    end = src.find(closer, pos + 3)
    if end < 0:
        return False
    if not silent:
        token = state.push("math_inline" if opener == "\\\\(" else "math_inline_double", "math", 0)
        token.content = _ESCAPED.sub(r"\1", src[pos + 3 : end])
        token.markup = opener
    state.pos = end + 3
    return True


def _math_lines(state: StateCore) -> None:
    """Give inline maths the line of its block, for warnings."""
    for token in state.tokens:
        if token.type == "inline" and token.map:
            for child in token.children or []:
                if child.type.startswith("math"):
                    child.meta = {**(child.meta or {}), "line": token.map[0] + 1}


def _render(display: bool):
    def render(self, tokens, idx, options, env) -> str:
        token = tokens[idx]
        line = token.meta.get("line") if token.meta else None
        if line is None and token.map:
            line = token.map[0] + 1
        tex = token.content.strip()
        mathml = to_mathml(tex, display)
        if mathml is None:
            context = env.get("context")
            if context is not None:
                context.warn(f"formula not converted, shown as its source: {tex[:60]}", line)
            code = f'<code class="math-source">{html.escape(tex, quote=False)}</code>'
            return f'<pre class="code math-source">{code}</pre>\n' if token.block else code
        if token.block:
            return f'<div class="math-display">{mathml}</div>\n'
        return f'<span class="math-display">{mathml}</span>' if display else mathml

    return render


def to_mathml(tex: str, display: bool) -> str | None:
    """MathML for `tex` (with the TeX as alttext and annotation), None if not convertible."""
    # late: latex2mathml loads only when used (start-up time)
    from latex2mathml.converter import convert

    if not tex:
        return None
    try:
        mathml = convert(tex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds (unbalanced braces, bad commands…)
        return None
    if re.search(r"<m[io]>\\[A-Za-z]", mathml):
        return None  # an unknown command, left as text by latex2mathml
    start = mathml.index(">") + 1
    inner = mathml[start : mathml.rindex("</math>")]
    source = html.escape(tex)
    mode = "block" if display else "inline"
    return (
        f'<math xmlns="{MATHML_NS}" display="{mode}" alttext="{source}"><semantics>'
        f'<mrow>{inner}</mrow><annotation encoding="application/x-tex">{source}</annotation>'
        "</semantics></math>"
    )


def to_svg(body: str, font_size: float) -> str:
    """Each `<math>` of a body replaced by an inline SVG of paths (for WeasyPrint)."""
    if "<math" not in body:
        return body
    return _MATH_RE.sub(lambda match: _svg(match.group(0), font_size), body)


@functools.lru_cache(maxsize=4096)
def _svg(mathml: str, font_size: float) -> str:
    """One formula as inline SVG (cached: books repeat their formulas, ~10 ms each)."""
    import ziamath  # late: ziamath loads only when used (start-up time)

    # ziamath reads presentation MathML only: no semantics wrapper, no annotation.
    bare = _ANNOTATION_RE.sub("", mathml).replace("<semantics>", "").replace("</semantics>", "")
    try:
        # ziamath sizes in points at 1 px = 1 pt; 4/3 gives CSS px.
        svg = ziamath.Math(bare, size=font_size * 4 / 3).svg()
    except Exception:  # ziamath's errors have no common base
        tex = _ANNOTATION_RE.search(mathml)
        return f"<code>{tex.group(1) if tex else ''}</code>"
    # The baseline is y = 0 of the viewBox: what lies below it hangs under the line.
    box = re.search(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"', svg)
    below = float(box.group(2)) + float(box.group(4)) if box else 0.0
    return svg.replace("<svg ", f'<svg class="math" style="vertical-align: -{below:.2f}px" ', 1)
