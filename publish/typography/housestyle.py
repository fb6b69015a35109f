"""The house styles of `[typography]` as CSS: emphasis, hanging punctuation, display lines.

The print edition draws 着重号 itself (emphasis.py marks each Han character) and balances
display lines itself (display.py); the EPUB asks the reading system with the CSS
properties made for them (`text-emphasis`, `text-wrap: balance`, `hanging-punctuation`).
"""

from __future__ import annotations

from ..config import TypographySettings
from .emphasis import KAI_FAMILY

_EPUB_EMPHASIS = {
    "dots": """em {
  font-weight: normal;
  text-emphasis: filled dot;
  -epub-text-emphasis: filled dot;
  -webkit-text-emphasis: filled dot;
  text-emphasis-position: under right;
  -epub-text-emphasis-position: under right;
  -webkit-text-emphasis-position: under right;
}
em .em-latin {
  font-style: italic;
  text-emphasis: none;
  -epub-text-emphasis: none;
  -webkit-text-emphasis: none;
}""",
    "kai": f"""em, i, cite {{
  font-weight: normal;
  font-family: "{KAI_FAMILY}", "Kaiti SC", "STKaiti", "KaiTi", serif;
}}
em .em-latin, i .em-latin, cite .em-latin {{
  font-style: italic;
}}""",
    "bold": "",
}


def epub_css(settings: TypographySettings) -> str:
    """The EPUB's CSS for the book's house styles."""
    rules = [
        _EPUB_EMPHASIS[settings.emphasis],
        # Display lines break between the phrases display.py marks with <wbr />, balanced.
        """h1, h2, h3, h4, h5, h6, figcaption, .titlepage h1, .titlepage .subtitle {
  word-break: keep-all;
  text-wrap: balance;
}""",
    ]
    if settings.hanging_punctuation:
        rules.append("p, li, dd, blockquote {\n  hanging-punctuation: allow-end;\n}")
    return "\n".join(rule for rule in rules if rule) + "\n"
