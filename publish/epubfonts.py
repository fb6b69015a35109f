"""The EPUB's embedded faces: which face draws which characters, resolved from the
documents and the stylesheet the way a reading system resolves them, and their subsets.

Many readers (e-ink devices, apps on systems without CJK faces) draw only with the faces an
EPUB embeds, so each face must hold every character it is asked to draw: headings, bold
classes (callout titles), code, navigation, page labels and the CSS's generated text. The
text of every document is matched against the stylesheet with cssselect2 (font-family and
font-weight, inherited as CSS inherits them); characters a face lacks go to fallback faces
(emoji, symbols, other scripts) chosen as the print edition chooses them (fallback.py).
"""

from __future__ import annotations

import functools
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Book

#: The CSS names of the embedded faces, by role.
FAMILIES = {
    "serif": "publish serif",
    "sans": "publish sans",
    "mono": "publish mono",
    "math": "publish math",
    "kai": "publish kai",
}
ROLE_OF = {family: role for role, family in FAMILIES.items()}
MARK_FAMILY = "publish mark"
#: The emphasis mark (着重号) is U+2022 in every reading system (`filled dot`); the mark
#: face draws it as a round dot 0.36 em wide, which reading systems set at half the text's
#: size: 0.18 em, within clreq's ⅙–⅕ em.
MARK = 0x2022
MARK_DIAMETER = 360

#: What browsers make bold, monospace or italic on their own (their default stylesheet).
_USER_AGENT_CSS = """
h1, h2, h3, h4, h5, h6, th, strong, b { font-weight: bold }
pre, code, kbd, samp, tt { font-family: monospace }
"""
#: Always in every text face: what reading systems may draw on their own (list numbers,
#: page numbers, their own quotes and dashes).
ALWAYS = {*range(0x20, 0x7F), *map(ord, "　、。，：；？！“”‘’「」『』（）《》…—·")}


@dataclass(frozen=True)
class Style:
    """What a run of text is drawn with: a role of FAMILIES and a weight."""

    role: str
    bold: bool


def _declarations(css: str) -> list[tuple[str, list[tuple[str, object]]]]:
    """(selector, [(property, value tokens)]) of the stylesheet's style rules, in order,
    those inside @media too; generated text (`content`, `quotes`) collected on the side."""
    # late: loaded only when the EPUB's faces are made (start-up time)
    import tinycss2

    rules = []

    def walk(nodes) -> None:
        for rule in nodes:
            if rule.type == "qualified-rule":
                declarations = [
                    (d.lower_name, d.value)
                    for d in tinycss2.parse_declaration_list(
                        rule.content, skip_whitespace=True, skip_comments=True
                    )
                    if d.type == "declaration"
                ]
                rules.append((tinycss2.serialize(rule.prelude), declarations))
            elif (
                rule.type == "at-rule"
                and rule.lower_at_keyword in ("media", "supports")
                and (rule.content)
            ):
                walk(tinycss2.parse_rule_list(rule.content, True, True))

    walk(tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True))
    return rules


def generated_text(css: str) -> str:
    """The strings of `content` and `quotes` (callout labels, quotation marks…)."""
    found = []
    for _, declarations in _declarations(css):
        for name, value in declarations:
            if name in ("content", "quotes"):
                found += [token.value for token in value if token.type == "string"]
    return "".join(found)


def _family(value) -> str | None:
    """The first family of a font-family value that is an embedded face's, else None
    (`inherit` too: the parent's then)."""
    names, current = [], []
    for token in value:
        if token.type == "literal" and token.value == ",":
            names.append(" ".join(current))
            current = []
        elif token.type == "string" or token.type == "ident":
            current.append(token.value)
    names.append(" ".join(current))
    for name in names:
        if name in ROLE_OF:
            return ROLE_OF[name]
        if name in ("monospace",):
            return "mono"
    return None


def _bold(value, parent: bool) -> bool:
    words = [token for token in value if token.type in ("ident", "number")]
    if not words:
        return parent
    token = words[0]
    if token.type == "number":
        return token.value >= 600
    return {"bold": True, "bolder": True, "normal": False, "lighter": False}.get(
        token.lower_value, parent
    )


@functools.cache
def _matcher(css: str):
    # late: loaded only when the EPUB's faces are made (start-up time)
    import cssselect2

    matcher = cssselect2.Matcher()
    for order, (prelude, declarations) in enumerate(_declarations(_USER_AGENT_CSS + css)):
        wanted = [(n, v) for n, v in declarations if n in ("font-family", "font-weight")]
        if not wanted:
            continue
        try:
            selectors = cssselect2.compile_selector_list(prelude)
        except cssselect2.SelectorError:
            continue
        for selector in selectors:
            if selector.pseudo_element is None:
                matcher.add_selector(selector, (order, wanted))
    return matcher


def drawn_text(css: str, documents: Iterable[str]) -> dict[Style, set[str]]:
    """Which characters of the (X)HTML `documents` each style draws under `css`."""
    # late: loaded only when the EPUB's faces are made (start-up time)
    import cssselect2
    import lxml.html

    matcher = _matcher(css)
    found: dict[Style, set[str]] = {}

    def visit(element, parent: Style) -> None:
        if not isinstance(element.etree_element.tag, str):
            return
        role, bold = parent.role, parent.bold
        # (specificity, order added, pseudo-element, payload): the cascade's order.
        for *_, (_, declarations) in sorted(matcher.match(element), key=lambda m: m[:2]):
            for name, value in declarations:
                if name == "font-family":
                    role = _family(value) or role
                else:
                    bold = _bold(value, bold)
        tag = element.etree_element.tag.rpartition("}")[2].lower()
        if tag in ("math",):
            role = "math"
        style = Style(role, bold)
        found.setdefault(style, set()).update(element.etree_element.text or "")
        for child in element.iter_children():
            visit(child, style)
            found.setdefault(style, set()).update(child.etree_element.tail or "")

    for document in documents:
        root = lxml.html.document_fromstring(document)
        body = root.find("body")
        if body is not None:
            visit(cssselect2.ElementWrapper.from_html_root(root), Style("serif", False))
    return found


def mark_face() -> bytes:
    """A face with one glyph, the emphasis mark: a round dot (see MARK_DIAMETER) at the
    height of a bullet, so that a • of the text drawn from it still looks like one."""
    # late: loaded only when the EPUB's faces are made (start-up time)
    import math

    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    radius, cx, cy = MARK_DIAMETER / 2, 500, 380
    pen = TTGlyphPen(None)
    # A circle as one closed quadratic contour of off-curve points (8 around it).
    reach = radius / math.cos(math.pi / 8)
    points = [
        (
            round(cx + reach * math.cos(k * math.pi / 4)),
            round(cy + reach * math.sin(k * math.pi / 4)),
        )
        for k in range(8)
    ]
    pen.qCurveTo(*points, None)
    pen.closePath()
    dot = pen.glyph()
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "dot"])
    builder.setupCharacterMap({MARK: "dot"})
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "dot": dot})
    builder.setupHorizontalMetrics({".notdef": (1000, 0), "dot": (1000, cx - round(radius))})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupVerticalMetrics({".notdef": (1000, 0), "dot": (1000, 880 - cy - round(radius))})
    builder.setupVerticalHeader(ascent=500, descent=-500)
    builder.setupNameTable({"familyName": MARK_FAMILY, "styleName": "Regular",
                            "psName": "PublishEmphasisMark"})  # fmt: skip
    builder.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def maths_face_file() -> Path:
    """The print edition's maths face (ziamath's STIX Two Math), with its MATH table."""
    # late: loaded only when the EPUB's faces are made (start-up time)
    import ziamath

    return Path(ziamath.__file__).parent / "fonts" / "STIXTwoMath-Regular.ttf"


@functools.cache
def file_coverage(path: Path) -> frozenset[int]:
    # late: loaded only when the EPUB's faces are made (start-up time)
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(str(path), lazy=True).getBestCmap() or {})


def invisible(char: str) -> bool:
    """Characters no face draws a glyph for (spaces, joiners, variation selectors). A
    combining mark (Devanagari's ्, Thai's ั) is drawn, by its script's face."""
    code = ord(char)
    selector = 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF
    return selector or char.isspace() or unicodedata.category(char) in ("Cf", "Cc", "Zs")


def maths_codes(chars: set[int]) -> set[int]:
    """What a maths face draws for `chars` of MathML: the letters also in their italic
    forms (a single-letter <mi> is drawn from Mathematical Italic), and the radical sign
    msqrt/mroot draw."""
    codes = set(chars) | {0x221A}
    for code in chars:
        if 0x61 <= code <= 0x7A:
            codes.add(0x210E if code == 0x68 else 0x1D44E + code - 0x61)
        elif 0x41 <= code <= 0x5A:
            codes.add(0x1D434 + code - 0x41)
        elif 0x3B1 <= code <= 0x3C9:
            codes.add(0x1D6FC + code - 0x3B1)
        elif 0x391 <= code <= 0x3A9:
            codes.add(0x1D6E2 + code - 0x391)
    return codes


def _suffix(data: bytes) -> str:
    return "otf" if data[:4] == b"OTTO" else "ttf"


def embedded(book: Book, css: str, drawn: dict[Style, set[str]]) -> list[dict]:
    """The faces to embed for what `drawn` says each style draws: each role's face in
    the weights drawn; what a face lacks, from the next face its list names (maths and
    Kai: the body's), then from the emoji face and the fallback faces (fallback.py)."""
    # late: loaded only when the EPUB's faces are made (start-up time)
    from . import fallback
    from .fonts import coverage, installed_faces, subset, subset_file
    from .markup import emoji
    from .typography.emphasis import KAI_FAMILY

    pdf = book.settings.pdf
    families = {"serif": pdf.body_font, "sans": pdf.heading_font, "mono": pdf.mono_font,
                "kai": KAI_FAMILY}  # fmt: skip
    wanted: dict[tuple[str, bool], set[int]] = {("serif", False): set()}
    for style, chars in drawn.items():
        role = style.role if style.role != "kai" or installed_faces(KAI_FAMILY) else "serif"
        key = (role, style.bold and role not in ("math", "kai"))
        wanted.setdefault(key, set()).update(map(ord, chars))

    def has(role: str) -> frozenset[int]:
        return file_coverage(maths_face_file()) if role == "math" else coverage(families[role])

    for role in ("math", "kai"):  # what they lack, the body's face draws
        codes = wanted.get((role, False), set())
        wanted[("serif", False)] |= {c for c in codes - has(role) if not invisible(chr(c))}
    lacking: set[int] = set()
    for (role, _), codes in wanted.items():
        if role not in ("math", "kai"):
            lacking |= {c for c in codes - has(role) if not invisible(chr(c))}
    extra = ALWAYS | set(map(ord, generated_text(css)))
    if book.settings.epub.writing_mode == "vertical-rl":  # the kindle profile's punctuation
        # late: loaded only when the EPUB's faces are made (start-up time)
        from .epubprofiles import VERTICAL_FORMS

        extra |= set(VERTICAL_FORMS.values())
    fonts = []
    for (role, bold), codes in sorted(wanted.items()):
        if role == "math":
            data = subset_file(maths_face_file(), 0, maths_codes(codes))
        else:
            data = subset(families[role], bold, codes | (extra if role != "kai" else set()))
        fonts.append({"name": role + ("-bold" if bold else ""), "family": FAMILIES[role],
                      "weight": "bold" if bold else "normal", "data": data})  # fmt: skip
    if book.settings.typography.emphasis == "dots":
        fonts.append({"name": "mark", "family": MARK_FAMILY, "weight": "normal",
                      "data": mark_face(), "range": f"U+{MARK:04X}"})  # fmt: skip
    taken = fallback.emoji_coverage()
    pictures = lacking & taken
    if pictures and emoji.families():
        joiners = {ord(c) for chars in drawn.values() for c in chars if invisible(c)} & taken
        data = subset(emoji.families()[0], False, pictures | joiners)
        fonts.append({"name": "emoji", "family": "publish emoji", "weight": "normal",
                      "data": data, "range": fallback.ranges(pictures | joiners)})  # fmt: skip
    for number, (family, codes) in enumerate(fallback.serif_draws(lacking - taken, taken), 1):
        fonts.append({"name": f"fallback-{number}", "family": f"publish fallback {number}",
                      "weight": "normal", "data": subset(family, False, codes),
                      "range": fallback.ranges(codes)})  # fmt: skip
    for font in fonts:
        font["suffix"] = _suffix(font["data"])
    return fonts
