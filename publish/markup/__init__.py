"""What technical books add to Markdown: highlighted code, callouts, maths, diagrams.

The reader calls `extend` on its markdown-it parser; the model then holds plain XHTML
(Pygments token classes, labelled callout boxes, MathML with its TeX, diagrams as SVG
images). `for_print` is the print renderer's side: it hard-wraps code lines to the text
block and turns MathML into SVG, which WeasyPrint draws (it has no MathML).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from markdown_it import MarkdownIt

from . import callouts, crossref, diagrams, highlight, maths
from . import citations as citation_syntax

if TYPE_CHECKING:
    from ..config import PdfSettings


def extend(md: MarkdownIt, language: str, *, citations: bool = False) -> MarkdownIt:
    """Teach `md` fenced code, callouts, maths and diagrams; labels in `language`;
    `citations` (`[@key]`) for a book with a bibliography.

    Warnings go to `env["context"]` (the reader's chapter context: `path`, `root`,
    `resources`, `warn(message, line)`) when the reader puts one there.
    """
    callouts.extend(md, language)
    maths.extend(md)
    crossref.extend(md)  # labels and references (the numbers: publish/apparatus/)
    if citations:  # after crossref: `@fig:x` is a reference, not a citation
        citation_syntax.extend(md)
    highlight.extend(md, diagrams.Mermaid(language))
    return md


def prefetch_for_print(bodies: list[str], settings: PdfSettings) -> None:
    """Ask the maths converter now what `for_print` on these bodies will ask (before the
    print workers are forked: they then start no converter of their own)."""
    from . import wrap  # late: start-up time: loaded only when this runs

    maths.prefetch_print(bodies, wrap.block_ems(settings))


def for_print(html: str, settings: PdfSettings) -> str:
    """A chapter body of the model made ready for WeasyPrint (wrapped code, SVG maths)."""
    from . import wrap  # late: start-up time: loaded only when this runs

    html = maths.to_svg(html, wrap.block_ems(settings), settings.body_font)
    html = wrap.wrap_code(html, wrap.code_cells(settings))
    return wrap.half_widths(html, settings.mono_font)
