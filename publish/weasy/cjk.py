"""Chinese (clreq) line composition for WeasyPrint 70.x.

Call ``install()`` once before rendering.  Nothing is inserted into the text:
every adjustment is a Pango attribute (used while breaking lines) or a change
of glyph advances (used while drawing), so the PDF text layer is exactly the
source text.

What it does, for lines that contain Han characters:

1. Inter-character justification (``text-align: justify``): extra space is
   distributed between characters (never inside ——/…… or Latin words) after
   compressible punctuation has been reduced.
2. Punctuation compression: in a pair of adjacent full-width marks the first
   closing mark loses its trailing half (or, after an opening mark, the
   second opening mark loses its leading half), via OpenType ``halt`` given
   to HarfBuzz as a Pango font-features attribute on that mark only.  A
   closing mark at line end is trimmed to half width when the line would
   otherwise overflow; an opening mark at line start is optionally trimmed.
3. 1/4 em between Han characters and adjacent Latin letters/digits (not at
   line start/end), as glyph advance, not as inserted characters.
4. Line-start/line-end prohibitions (禁则) that Pango's UAX #14 misses, via
   Pango "allow-breaks=false" attributes around the marks.

Internals touched (WeasyPrint 70.0) -- checked by ``_check_internals``:

* ``weasyprint.text.line_break.Layout.setup`` / ``.set_text`` /
  ``.get_first_line`` (wrapped).
* ``weasyprint.layout.inline.text_align`` (wrapped; it is looked up as a
  module global by ``get_next_linebox``).
* ``weasyprint.layout.inline.split_first_line`` (wrapped where inline layout calls it:
  less Chinese text shaped per line; see ``CJK_LINES_SHAPED``).
* ``Layout.reactivate`` (wrapped: a line's layout kept since breaking it is drawn).
* Not patched, relied on by join.py: font subsets keep glyph ids (``RETAIN_GIDS``).
* Relies on ``weasyprint.draw.text.draw_text`` calling
  ``textbox.pango_layout.reactivate(style)`` and ``draw_first_line`` calling
  ``textbox.pango_layout.get_first_line()`` and reading glyph
  ``geometry.width``/``x_offset``.
"""

import bisect
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import accumulate

from .load import load, missing_snippets, refuse_if_changed

load()  # before WeasyPrint's first import (see weasy/load.py)

import weasyprint  # noqa: E402
from weasyprint.draw import text as _draw_text  # noqa: E402
from weasyprint.formatting_structure import boxes as _boxes  # noqa: E402
from weasyprint.layout import inline as _inline  # noqa: E402
from weasyprint.pdf import fonts as _pdf_fonts  # noqa: E402
from weasyprint.text import line_break as _lb  # noqa: E402
from weasyprint.text.ffi import FROM_UNITS, TO_UNITS, ffi, pango  # noqa: E402

from ..fonts import TCY_FEATURE  # noqa: E402
from ..typography.chars import (  # noqa: E402
    CLOSING,
    FULL_WIDTH,
    IDEOGRAPHIC,
    IDEOGRAPHIC_RE,
    LATIN,
    NO_END,
    NO_SPLIT,
    NO_START,
    OPENING,
    is_ideographic,
    is_latin,
)

# --------------------------------------------------------------------------
# Configuration

HAN_LATIN_GAP = 0.25  # em, between Han and Latin letters/digits
TRIM_LINE_END = True  # trim full-width closing mark at line end if it overflows
TRIM_LINE_START_OPEN = False  # clreq: optional, Chinese books usually keep it
MAX_SHRINK = 0.1  # em per opportunity when a line must be squeezed
PUSH_IN = True  # clreq 3.8: compress punctuation to keep a character on the line
HAN_LATIN_MIN = 0.125  # em, what a Han–Latin gap may be compressed to
HAN_LATIN_MAX = 0.5  # em, what a Han–Latin gap may be expanded to
WORD_SPACE_MAX = 0.25  # em added at most to a Latin word space before other gaps grow
MAX_UNITS = 4  # units of text a short line may be filled with
FIT_TOLERANCE = 0.005  # em a line may exceed the measure (rounding of the text block)
HANGING_MARKS = frozenset("。，、")


@dataclass(frozen=True)
class Composition:
    """The book's settings one layout composes with (`composing` sets them for its call)."""

    #: `[typography] hanging-punctuation`: 。，、 may hang past the line end.
    hanging: bool = False
    #: `[typography] compress-punctuation`: two marks in a row lose half an em (mainland
    #: practice); false: every mark keeps its full em (Taiwan, Hong Kong).
    compress: bool = True


#: The settings of the layout running in this context (one per `HTML.render` call, so two
#: layouts in one process never see each other's).
_PLAIN = Composition()  # outside `composing`: no hanging punctuation
_SETTINGS: ContextVar[Composition] = ContextVar("cjk_composition", default=_PLAIN)
#: True while a line is laid out again in a wider measure (`_split_inline_box`).
_WIDENED: ContextVar[bool] = ContextVar("cjk_widened", default=False)


@contextmanager
def composing(*, hanging: bool = False, compress: bool = True) -> Iterator[None]:
    """Lay out with these settings inside the `with` block (wrap the `render` call)."""
    token = _SETTINGS.set(Composition(hanging=hanging, compress=compress))
    try:
        yield
    finally:
        _SETTINGS.reset(token)


# --------------------------------------------------------------------------
# Character classes (defined in typography/chars.py)

FW_PUNCT = FULL_WIDTH
COMMAS = set("，、；：")
STOPS = set("。？！")
is_han = is_ideographic  # the composition sets kana, 〇 and 々 as it sets Han


def is_cjk(char):
    """Character that takes part in inter-character justification."""
    code = ord(char)
    return (
        is_han(char)
        or 0x3000 <= code <= 0x303F
        or 0xFF00 <= code <= 0xFFEF
        or char in FW_PUNCT
        or char in NO_SPLIT
        or char == "·"
    )


_HAN_RE = IDEOGRAPHIC_RE
# Text that needs our processing: Han or CJK punctuation / no-break marks.
_CJK_RE = re.compile(
    "[{}{}]".format(
        IDEOGRAPHIC,
        re.escape("".join(sorted(FW_PUNCT | NO_SPLIT | {"·"} | set("\u3000\u3001\u3002")))),
    )
)
_FW = re.escape("".join(sorted(FW_PUNCT)))
_PAIR_RE = re.compile(f"[{_FW}](?=[{_FW}])")
_HAN_LATIN_RE = re.compile(f"[{IDEOGRAPHIC}](?=[{LATIN}])|[{LATIN}](?=[{IDEOGRAPHIC}])")
_NO_START_CLASS = re.escape("".join(sorted(NO_START)))
_NO_START_RE = re.compile(f"(?<=.)[{_NO_START_CLASS}]|(?<=—)—|(?<=…)…", re.S)
_NO_END_RE = re.compile("[{}](?=.)".format(re.escape("".join(sorted(NO_END)))), re.S)


def _cjk_context(style, text):
    """Whether ``text`` gets Chinese composition rules.

    Han characters always qualify; CJK punctuation alone (e.g. curly quotes)
    only when the element's language is Chinese/Japanese/Korean. Preformatted text
    (code listings) never does: it keeps the mono face's grid of half and full ems.
    """
    if style["white_space"] in ("pre", "pre-wrap", "break-spaces"):
        return False
    if _HAN_RE.search(text):
        return True
    lang = (style["lang"] or "").lower()
    return lang[:2] in ("zh", "ja", "ko") and bool(_CJK_RE.search(text))


def _compressed_marks(text):
    """Indexes of marks that lose half of their width (pair rule): none where the book's
    region does not compress."""
    result = {}
    if not _SETTINGS.get().compress:
        return result
    for match in _PAIR_RE.finditer(text):
        i = match.start()
        a, b = text[i], text[i + 1]
        if a in CLOSING:
            result[i] = "trailing"
        elif b in OPENING:
            result[i + 1] = "leading"
    return result


def _han_latin_boundaries(text):
    """Indexes i such that a Han–Latin gap goes between text[i] and text[i+1]."""
    return [match.start() for match in _HAN_LATIN_RE.finditer(text)]


def _no_break_ranges(text):
    """Char ranges [start, end) inside which no line break is allowed."""
    ranges = [(m.start() - 1, m.start() + 1) for m in _NO_START_RE.finditer(text)]
    ranges.extend((m.start(), m.start() + 2) for m in _NO_END_RE.finditer(text))
    return ranges


# --------------------------------------------------------------------------
# Internals check


def _check_internals():
    version = tuple(int(x) for x in weasyprint.__version__.split(".")[:2])
    problems = []
    if not (70, 0) <= version < (71, 0):
        problems.append(f"WeasyPrint {weasyprint.__version__} is not 70.x")
    expect = {
        # Once installed, the originals are the ones to look at.
        _ORIG.get("setup", _lb.Layout.setup): ("style", "pango_layout_set_font_description"),
        _ORIG.get("set_text", _lb.Layout.set_text): (
            "def set_text(self, text, justify=False)",
            "pango_layout_get_attributes",
            "pango_layout_set_attributes",
        ),
        _ORIG.get("get_first_line", _lb.Layout.get_first_line): ("pango_layout_get_line_readonly",),
        _ORIG.get("reactivate", _lb.Layout.reactivate): (
            "self.setup(style)",
            "self.set_text(self.text, justify=True)",
        ),
        _inline.get_next_linebox: (
            "offset_x = text_align(",
            "remove_last_whitespace(context, line)",
        ),
        _ORIG.get("text_align", _inline.text_align): (
            "def text_align(context, line, available_width, last)",
            "justify_line(context, line, offset)",
        ),
        _draw_text.draw_text: ("textbox.pango_layout.reactivate(textbox.style)",),
        # join.py gives the pieces of a long book one subset per face: it relies on these
        # subsets keeping glyph ids, and drops the same tables.
        _pdf_fonts.Font._harfbuzz_subset: (
            "HB_SUBSET_FLAGS_RETAIN_GIDS",
            "b'BASE', b'DSIG', b'EBDT', b'EBLC', b'EBSC', b'GPOS', b'GSUB', b'JSTF',",
            "b'LTSH', b'PCLT', b'SVG '",
        ),
        _ORIG.get("split_first_line", _inline.split_first_line): (
            "def split_first_line(text, style, context, max_width, justification_spacing,",
            "short_text = text[:int(max_width / style['font_size'] * ratio)]",
            "return first_line_metrics(",
        ),
        _ORIG.get("deactivate", _lb.Layout.deactivate): ("del self.layout",),
        _ORIG.get("split_inline_box", _inline.split_inline_box): (
            "def split_inline_box(context, box, position_x, max_x, bottom_space, skip_stack,",
            "waiting_floats, line_children, first_letter_style,",
        ),
        _draw_text.draw_first_line: (
            "first_line, index = textbox.pango_layout.get_first_line()",
            "glyph_info.geometry.width",
            "glyph_info.geometry.x_offset",
        ),
    }
    names = ("text", "pango_layout", "justification_spacing", "position_x")
    for name in missing_snippets(_inline.add_word_spacing, names):
        problems.append(f"add_word_spacing no longer uses box.{name}")
    refuse_if_changed("cjk", expect, problems)


# --------------------------------------------------------------------------
# Pango helpers

_cdef_done = False


def _cdef():
    global _cdef_done
    if not _cdef_done:
        ffi.cdef("""
            PangoAttrList * pango_attr_list_copy (PangoAttrList *list);
            PangoAttribute * pango_attr_allow_breaks_new (gboolean allow_breaks);
        """)
        _cdef_done = True


def _byte_offsets(text):
    """List of UTF-8 byte offsets of each char, plus the total length."""
    return list(
        accumulate(
            (
                1 if c < "\x80" else 2 if c < "\u0800" else 3 if c < "\U00010000" else 4
                for c in text
            ),
            initial=0,
        )
    )


def _line_glyphs(line):
    """Yield (glyph_info, byte_index, is_cluster_first, is_cluster_last)."""
    run = line.runs[0] if line.runs != ffi.NULL else ffi.NULL
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        glyphs = glyph_item.glyphs
        clusters = glyphs.log_clusters
        offset = glyph_item.item.offset
        n = glyphs.num_glyphs
        for i in range(n):
            first = i == 0 or clusters[i - 1] != clusters[i]
            last = i == n - 1 or clusters[i + 1] != clusters[i]
            yield glyphs.glyphs[i], offset + clusters[i], first, last


def _char_advances(layout, text):
    """Per-character advances (px) and x offsets of the first line."""
    line, _ = _ORIG["get_first_line"](layout)
    offsets = _byte_offsets(text)
    index = {b: i for i, b in enumerate(offsets[:-1])}
    advances = [0.0] * len(text)
    x_offsets = [0.0] * len(text)
    for glyph, byte, first, _ in _line_glyphs(line):
        i = index.get(byte)
        if i is None:
            continue
        advances[i] += glyph.geometry.width * FROM_UNITS
        if first:
            x_offsets[i] = glyph.geometry.x_offset * FROM_UNITS
    return advances, x_offsets


# --------------------------------------------------------------------------
# Patched Layout methods

_ORIG = {}


def _setup(self, style):
    _ORIG["setup"](self, style)
    attrs = pango.pango_layout_get_attributes(self.layout)
    self._cjk_base_attrs = (
        ffi.NULL
        if attrs == ffi.NULL
        else ffi.gc(pango.pango_attr_list_copy(attrs), pango.pango_attr_list_unref)
    )


def _set_text(self, text, justify=False):
    # Start from the attributes created by setup(), WeasyPrint's set_text
    # modifies the list in place and ours depend on the text.
    base = getattr(self, "_cjk_base_attrs", None)
    if base is not None:
        pango.pango_layout_set_attributes(
            self.layout,
            ffi.NULL
            if base == ffi.NULL
            else ffi.gc(pango.pango_attr_list_copy(base), pango.pango_attr_list_unref),
        )
    _ORIG["set_text"](self, text, justify)
    self._cjk_applied = None
    text = self.text
    if not text or not _cjk_context(self.style, text):
        return
    draw_mode = justify or getattr(self, "_cjk_draw", False)
    self._cjk_draw_mode = draw_mode
    offsets = range(len(text) + 1) if text.isascii() else _byte_offsets(text)
    attr_list = pango.pango_layout_get_attributes(self.layout)
    if attr_list == ffi.NULL:
        attr_list = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)

    for i in _compressed_marks(text):
        attr = pango.pango_attr_font_features_new(b"halt 1")
        attr.start_index, attr.end_index = offsets[i], offsets[i + 1]
        pango.pango_attr_list_insert(attr_list, attr)

    for start, end in _needed_no_break_ranges(self, text):
        attr = pango.pango_attr_allow_breaks_new(False)
        attr.start_index, attr.end_index = offsets[start], offsets[end]
        # insert, not change: change() would merge adjacent ranges and
        # forbid the legitimate break between them.
        pango.pango_attr_list_insert(attr_list, attr)

    if not draw_mode:
        # Approximate the Han–Latin gap for line breaking: Pango gives half
        # of the letter-spacing before and half after the Han character.
        gap = int(HAN_LATIN_GAP * self.style["font_size"] * TO_UNITS)
        spacing = {}
        for i in _han_latin_boundaries(text):
            han = i if is_han(text[i]) else i + 1
            spacing[han] = spacing.get(han, 0) + gap
        for i, value in spacing.items():
            attr = pango.pango_attr_letter_spacing_new(value)
            attr.start_index, attr.end_index = offsets[i], offsets[i + 1]
            pango.pango_attr_list_change(attr_list, attr)

    pango.pango_layout_set_attributes(self.layout, attr_list)


def _needed_no_break_ranges(layout, text):
    """The 禁则 ranges where Pango's own line breaking (UAX #14) would break.

    Most are not: UAX #14 already keeps closing marks off the line start and opening marks
    off its end. Only the others get an attribute, since each attribute range cuts the
    text into separately shaped runs (slower breaking and drawing, same breaks).
    """
    ranges = _no_break_ranges(text)
    if not ranges:
        return ranges
    encoded = text.encode()
    breaks = ffi.new("PangoLogAttr[]", len(text) + 1)
    pango.pango_get_log_attrs(encoded, len(encoded), -1, layout.language, breaks, len(text) + 1)
    return [
        (start, end)
        for start, end in ranges
        if any(breaks[i].is_line_break for i in range(max(start + 1, 0), end))
    ]


def _deactivate(self):
    # A line just broken without the approximate Han–Latin letter-spacing: keep its
    # advances, so that justification need not shape the text again.
    text = getattr(self, "text", None)
    self._cjk_kept = None
    if (
        text
        and hasattr(self, "layout")
        and not getattr(self, "_cjk_draw_mode", True)
        and _cjk_context(self.style, text)
        and not _HAN_LATIN_RE.search(text)
    ):
        self._cjk_measured = (text, *_char_advances(self, text))
        if self.justification_spacing == 0 and "\n" not in text and text != " ":
            # Drawn as it is now: keep it for draw_text, which would build it again.
            self._cjk_kept = (self.layout, self.language, self.style, text)
    _ORIG["deactivate"](self)


def _reactivate(self, style):
    kept = getattr(self, "_cjk_kept", None)
    self._cjk_kept = None
    if (
        kept is not None
        and kept[2] is style
        and kept[3] == self.text
        and self.justification_spacing == 0
    ):
        self.layout, self.language, self.style, _ = kept
        self._cjk_draw_mode = True
        self._cjk_applied = None
        return
    _ORIG["reactivate"](self, style)


def _get_first_line(self):
    first_line, index = _ORIG["get_first_line"](self)
    deltas = getattr(self, "_cjk_deltas", None)
    if deltas and self._cjk_applied != first_line:
        # Apply justification deltas (computed by _text_align) to glyphs.
        offsets = _byte_offsets(self.text)
        char_at = {b: i for i, b in enumerate(offsets[:-1])}
        glyphs = list(_line_glyphs(first_line))
        # A cluster (e.g. the —— ligature) owns the deltas of all its chars.
        starts = sorted({char_at[byte] for _, byte, _, _ in glyphs if byte in char_at})
        merged = {}
        for i, (width, x_offset) in deltas.items():
            k = bisect.bisect_right(starts, i) - 1
            if k < 0:
                continue
            start = starts[k]
            old_w, old_x = merged.get(start, (0, 0))
            merged[start] = (old_w + width, old_x + (x_offset if i == start else 0))
        for glyph, byte, first, last in glyphs:
            delta = merged.get(char_at.get(byte))
            if not delta:
                continue
            width, x_offset = delta
            if first and x_offset:
                glyph.geometry.x_offset += int(round(x_offset * TO_UNITS))
                glyph.geometry.width += int(round(x_offset * TO_UNITS))
            if last and width:
                glyph.geometry.width += int(round(width * TO_UNITS))
        self._cjk_applied = first_line
    return first_line, index


#: How much Chinese text is shaped to find where a line breaks, in lines' worth.
#: WeasyPrint shapes four lines' worth for every line (its `ratio`, sized for Latin
#: words); Han characters are 1 em wide, so one and a half lines hold the break and the
#: break opportunity after it that WeasyPrint needs, at a third of the shaping.
CJK_LINES_SHAPED = 1.5


def _split_first_line(
    text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False
):
    if max_width is None or max_width == float("inf") or not style["font_size"]:
        return _split_shaping_less(
            text, style, context, max_width, justification_spacing, is_line_start, minimum
        )
    if style["white_space"] == "nowrap" and PUSH_IN and not minimum:
        return _pushed_in_whole(
            _split_shaping_less(
                text, style, context, max_width, justification_spacing, is_line_start, minimum
            ),
            text,
            style,
            max_width,
        )
    # The text block is a whole number of ems wide in mm; rounding may leave it a hair
    # narrower, which would push the last character of every full line out.
    widened = max_width + FIT_TOLERANCE * style["font_size"]
    args = (style, context, widened, justification_spacing, is_line_start, minimum)
    result = _split_shaping_less(text, *args)
    # A 。，、 that does not fit hangs past the measure rather than pushing in.
    if _SETTINGS.get().hanging:
        hung = _hanging(result, text, *args)
        if hung is not result:
            return hung
    if (
        PUSH_IN
        and not _WIDENED.get()
        and not minimum
        and result[2] is not None
        and style["white_space"] == "normal"
    ):
        result = _push_in(
            result, text, style, context, widened, justification_spacing, is_line_start
        )
    if max_width < result[3] <= widened:
        # Said to fit exactly: WeasyPrint moves a box wider than the room to the next line
        # (a pushed-in line is compressed to the measure when it is aligned).
        result = (*result[:3], max_width, *result[4:])
    return result


def _hanging(result, text, style, context, max_width, *args):
    """With hanging punctuation, a line may keep the 。，、 that the measure would push to
    the next line (with the character before it), set past the line end."""
    resume = result[2]
    if resume is None:
        return result
    rest = text.encode()[resume:].decode()
    if not (len(rest) > 1 and rest[1] in HANGING_MARKS and is_cjk(rest[0])):
        return result
    size = style["font_size"]
    wider = _split_shaping_less(text, style, context, max_width + 1.05 * size, *args)
    line = text.encode()[: wider[1]].decode().rstrip()
    if line.endswith(tuple(HANGING_MARKS)) and wider[3] - size <= max_width + 0.05:
        return wider
    return result


def _split_shaping_less(
    text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False
):
    split = _ORIG["split_first_line"]
    args = (style, context, max_width, justification_spacing, is_line_start, minimum)
    if (
        max_width is None
        or max_width == float("inf")
        or style["white_space"] != "normal"
        or style["word_break"] != "normal"
    ):
        return split(text, *args)
    limit = int(max_width / style["font_size"] * CJK_LINES_SHAPED) if style["font_size"] else 0
    if limit < 4 or len(text) <= limit + 8 or not _HAN_RE.search(text[:limit]):
        return split(text, *args)
    short = text[:limit]
    result = split(short, *args)
    resume = result[2]
    if resume is not None and _breakable(short, len(short.encode()[:resume].decode())):
        return result  # the line and its break are the same as with the whole text
    return split(text, *args)


# --------------------------------------------------------------------------
# Push-in (clreq 3.8.2): keep on the line what overflows by a little, by compressing


def _unit_after(text):
    """The characters that must go with ``text[0]`` to the next line (禁则), or "" when
    it is not Chinese (a Latin word is never pushed in)."""
    if not text or not is_cjk(text[0]):
        return ""
    end = 1
    while end < len(text) and (
        text[end] in NO_START
        or text[end - 1] in NO_END
        or (text[end] == text[end - 1] and text[end] in NO_SPLIT)
    ):
        end += 1
    if end == len(text):
        return ""  # the unit may go on past what was given: not a known break
    unit = text[:end]
    return unit if all(is_cjk(c) for c in unit) else ""


def _squeezable(texts, following=""):
    """What a line may give up, in clreq's order: ``[(index, category, side, em)]``.

    Categories: 0 the closing mark at the line end, 1 ，、；：, 2 the outer side of
    brackets and quotes, 3 Han–Latin gaps (¼ em down to ⅛ em), 4 。？！.  ``side`` is
    "w" (trailing blank) or "x" (leading blank).  Marks of an adjacent pair are already
    compressed (halt) and give up nothing more; neither does an opening mark at the line
    start (kept full width, see TRIM_LINE_START_OPEN).
    """
    n = len(texts)
    paired = set()
    for k in range(n - 1):
        if texts[k] in FW_PUNCT and texts[k + 1] in FW_PUNCT:
            paired.update((k, k + 1))
    result = []
    for k, char in enumerate(texts):
        if char in CLOSING and k == n - 1:
            # The last mark is halted only with a mark that follows on the next line.
            if following[:1] not in FW_PUNCT:
                result.append((k, 0, "w", 0.5))
        elif k in paired:
            continue
        elif char in CLOSING:
            category = 1 if char in COMMAS else 4 if char in STOPS else 2
            result.append((k, category, "w", 0.5))
        elif char in OPENING and k > 0:
            result.append((k, 2, "x", 0.5))
    for k in _han_latin_boundaries("".join(texts)):
        result.append((k, 3, "w", HAN_LATIN_GAP - HAN_LATIN_MIN))
    return result


def _push_in(result, text, style, context, max_width, justification_spacing, is_line_start):
    """Fill a line that Pango broke short of the measure: add the units that follow (a
    character with the marks 禁则 ties to it, _unit_after) while compressing the line's
    punctuation makes room for them; else ``result`` as it is.

    Pango (UAX #14) binds more than clreq does — no break on either side of a quote — so a
    line before `曰：“吾` or `职。”督` could lose three or four ems; the units here follow
    clreq (`曰：` ends a line, `“吾` starts the next).

    Estimated first from full-width advances (most lines are not shaped again), then
    measured by shaping the longer line alone: it ends where a break is allowed, so it need
    not be broken again — a third of the text the first breaking shaped, and no wrapping.
    """
    em = style["font_size"]
    if max_width - result[3] < 0.01 * em:
        return result  # the line is full already
    line = text.encode()[: result[2]].decode()
    if line.endswith(" ") or not _cjk_context(style, line):
        return result
    end, width, best = len(line), result[3], None
    for _ in range(MAX_UNITS):
        unit = _unit_after(text[end : end + 12])
        if not unit:
            break
        width += len(unit) * em - 0.5 * em * len(_compressed_marks(text[end - 1 : end + len(unit)]))
        room = sum(
            em * amount
            for _, _, _, amount in _squeezable(text[: end + len(unit)], text[end + len(unit) :][:1])
        )
        if width - max_width > room + 0.01 * em:
            break
        end += len(unit)
        best = (end, room)
    if best is None:
        return result
    end, room = best
    candidate = text[:end]
    layout, length, _, width, *metrics = _ORIG["split_first_line"](
        candidate, style, context, None, justification_spacing, is_line_start
    )
    if width - max_width > room + 0.01 * em:
        return result
    return (layout, length, len(candidate.encode()), min(width, max_width), *metrics)


def _pushed_in_whole(result, text, style, max_width):
    """A box kept on one line (a paragraph's last characters, kept against 孤字) that
    overflows by no more than its own marks can give: said to fit, so that it stays on the
    line and the line is compressed when it is aligned, rather than sent down whole."""
    em = style["font_size"]
    if result[2] is not None or result[3] <= max_width or not _cjk_context(style, text):
        return result
    room = sum(em * amount for _, _, _, amount in _squeezable(text))
    if result[3] - max_width > room + 0.01 * em:
        return result
    return (*result[:3], max_width - 0.001, *result[4:])


def _split_inline_box(context, box, position_x, max_x, *args):
    """A line that ended short of the measure before an inline element — a footnote call,
    a tag, a paragraph's kept last characters (`.keep`) — is laid out again with the room
    its punctuation can give, and kept when that fills it (clreq 3.8.2).

    `_push_in` fills a line from the text box it breaks in, and cannot see past the box's
    end: what follows in another box is laid out by WeasyPrint, which sends it down whole.
    Only lines that came out short are laid out twice (a few in a hundred).
    """
    split = _ORIG["split_inline_box"]
    result = split(context, box, position_x, max_x, *args)
    if not PUSH_IN or not isinstance(box, _boxes.LineBox) or result[1] is None or result[2]:
        return result
    line = result[0]
    em = box.style["font_size"]
    if not em or max_x - (line.position_x + line.width) < 0.02 * em or not _line_has_han(line):
        return result
    items = []
    if _collect(line, items) is False or not items:
        return result
    texts = "".join(_composed(items)[0])
    if texts.endswith(" ") or texts[-1] in NO_END:
        return result
    room = sum(em * amount for _, _, _, amount in _squeezable(texts))
    # Widened by what the line can give and half a character, then a whole one (what
    # follows may carry a mark whose end half only the longer line can give). The text
    # boxes are not pushed in meanwhile: the line is, as a whole.
    for widen in (room + 0.5 * em, room + em):
        lists = [[] for _ in range(5)]  # the first layout's stay if this one is not kept
        token = _WIDENED.set(True)
        try:
            again = split(context, box, position_x, max_x + widen, *args[:3], *lists, *args[8:])
        finally:
            _WIDENED.reset(token)
        if _fills(again[0], items, max_x, em):
            break
    else:
        return result
    for old, new in zip(args[3:8], lists, strict=True):
        old[:] = new
    return again


def _fills(line, items, max_x, em):
    """Whether `line`, laid out in a wider measure, holds more than `items` — Chinese
    characters and marks, and footnote calls (smaller text), as `_unit_after` allows: never
    a Latin word — and fits the measure once its punctuation is compressed."""
    longer = []
    if _collect(line, longer) is False or len(longer) <= len(items):
        return False
    for box, _, char in longer[len(items) :]:
        if char is None or not (is_cjk(char) or box.style["font_size"] < 0.75 * em):
            return False
    texts = "".join(_composed(longer)[0])
    overflow = line.position_x + line.width - max_x
    room = sum(em * amount for _, _, _, amount in _squeezable(texts))
    return 0 < overflow <= room + 0.01 * em


def _breakable(text, start):
    """Whether `text` has, from character `start` on, a break opportunity that nothing in
    it forbids: two Han characters side by side, outside the 禁则 ranges."""
    forbidden = set()
    for begin, end in _no_break_ranges(text):
        forbidden.update(range(begin, end))
    return any(
        is_han(text[i]) and is_han(text[i + 1]) and i not in forbidden and i + 1 not in forbidden
        for i in range(start, len(text) - 1)
    )


# --------------------------------------------------------------------------
# Line justification


def _collect(box, out):
    """Flatten line content into [(box, char_index, char)], None for atoms."""
    if isinstance(box, _boxes.TextBox):
        for i, char in enumerate(box.text):
            out.append((box, i, char))
    elif isinstance(box, (_boxes.LineBox, _boxes.InlineBox)):
        children = box.children
        if box.style["direction"] == "rtl":
            return False
        for child in children:
            if child.is_in_normal_flow() and _collect(child, out) is False:
                return False
    else:
        out.append((box, None, None))
    return True


def _composed(items) -> tuple[list[str], list[str | None]]:
    """The line's characters as composition sees them, and as spacing may part them (None:
    never after it): an atom is U+FFFC; a 縦中横 number (TCY_FEATURE, one upright glyph)
    an ideograph, no Han–Latin gap around it, no spacing inside."""
    texts, chars = [], []
    for box, index, char in items:
        features = box.style["font_feature_settings"] if char is not None else "normal"
        if features != "normal" and (TCY_FEATURE, 1) in features:
            texts.append("\u4e00")
            chars.append(char if index == len(box.text) - 1 else None)
        else:
            texts.append(char or "\ufffc")
            chars.append(char)
    return texts, chars


def _line_has_han(box):
    if isinstance(box, _boxes.TextBox):
        return _cjk_context(box.style, box.text)
    if isinstance(box, (_boxes.LineBox, _boxes.InlineBox)):
        return any(_line_has_han(child) for child in box.children)
    return False


def _reposition(box, x_advance):
    """Shift boxes by accumulated deltas, like add_word_spacing does."""
    if isinstance(box, _boxes.TextBox):
        box.position_x += x_advance
        new_width = getattr(box, "_cjk_width", None)
        if new_width is not None:
            x_advance += new_width - box.width
            box.width = new_width
            del box._cjk_width
    elif isinstance(box, (_boxes.LineBox, _boxes.InlineBox)):
        box.position_x += x_advance
        previous = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _reposition(child, x_advance)
        box.width += x_advance - previous
    else:
        box.translate(x_advance, 0)
    return x_advance


def _text_align(context, line, available_width, last):
    """WeasyPrint's text alignment, for a line with Han characters: the clreq adjustments
    (pair compression, Han–Latin gaps, hanging or pushed-in marks, justification between
    characters) as advances of the line's glyphs."""
    if not _line_has_han(line):
        return _ORIG["text_align"](context, line, available_width, last)
    items = []
    if _collect(line, items) is False or not items:
        return _ORIG["text_align"](context, line, available_width, last)
    layouts, advances = _natural_advances(items)
    n = len(items)
    delta_w = [0.0] * n
    delta_x = [0.0] * n
    texts, chars = _composed(items)
    ems = [box.style["font_size"] for box, _, _ in items]

    def full(k):
        return advances[k][0] > 0.75 * ems[k]

    compressed = _fixed_adjustments(items, texts, ems, full, delta_w, delta_x)
    natural = sum(a for a, _ in advances) + sum(delta_w) + sum(delta_x)
    text_boxes_width = sum(box.width for box in layouts)
    extra = available_width - (line.width - text_boxes_width + natural)
    justify = _justified(line, last)

    # 4. A line longer than the measure: a 。，、 at its end hangs past the measure
    # (hanging punctuation), or the line gives up blanks in clreq's order (push-in).
    if _SETTINGS.get().hanging and extra < -0.01 and texts[-1] in HANGING_MARKS:
        extra += advances[-1][0] + delta_w[-1]
    elif extra < -0.01:
        extra = _compress(texts, ems, full, delta_w, delta_x, extra)
    elif justify and extra > 0.01:
        extra = _expand_first(texts, items, ems, delta_w, extra)
    # 5. Distribute the remaining space between characters.
    if justify and abs(extra) > 0.01:
        _distribute(texts, chars, compressed, ems, delta_w, extra)
    _store_deltas(line, items, layouts, delta_w, delta_x)
    if justify:
        return 0
    return _ORIG["text_align"](context, line, available_width, last)


def _natural_advances(items):
    """The layouts of the line's text boxes, with each character's advance and x offset:
    ({box: (layout, advances, x offsets)}, [(advance, x offset) per item]), without Pango
    letter-spacing."""
    layouts = {}
    advances = []
    for box, i, char in items:
        if char is None:
            advances.append((0, 0))
            continue
        if box not in layouts:
            layout = box.pango_layout
            measured = getattr(layout, "_cjk_measured", None)
            owner = getattr(layout, "_cjk_owner", box)
            if measured is not None and measured[0] == box.text and owner is box:
                # Measured when the line was broken, with nothing approximate in it.
                layout._cjk_owner = box
                layouts[box] = (layout, measured[1], measured[2])
            else:
                layout = _lb.Layout(box.style, 0, getattr(layout, "max_width", None))
                layout._cjk_draw = True
                layout.set_text(box.text)
                layouts[box] = (layout, *_char_advances(layout, box.text))
        _, advs, xoffs = layouts[box]
        advances.append((advs[i], xoffs[i]))
    return layouts, advances


def _fixed_adjustments(items, texts, ems, full, delta_w, delta_x):
    """The adjustments every line gets, whatever its length: pair compression across text
    boxes, Han–Latin gaps, the optional trim at line start. Returns the compressed pairs'
    indexes."""
    n = len(texts)
    # 1. Pair compression across box boundaries (inside a box halt did it).
    compressed = set()
    pairs = _SETTINGS.get().compress
    for k in range(n - 1):
        a, b = texts[k], texts[k + 1]
        if pairs and a in FW_PUNCT and b in FW_PUNCT:
            compressed.update((k, k + 1))
            if items[k][0] is items[k + 1][0]:
                continue
            if a in CLOSING and full(k):
                delta_w[k] -= ems[k] / 2
            elif a not in CLOSING and b in OPENING and full(k + 1):
                delta_x[k + 1] -= ems[k + 1] / 2
    # 2. Han–Latin gaps.
    for k in range(n - 1):
        a, b = texts[k], texts[k + 1]
        if (is_han(a) and is_latin(b)) or (is_latin(a) and is_han(b)):
            delta_w[k] += HAN_LATIN_GAP * ems[k]
    # 3. Optional opening mark at line start.
    if TRIM_LINE_START_OPEN and texts[0] in OPENING and full(0):
        delta_x[0] -= ems[0] / 2
    return compressed


def _justified(line, last):
    """Whether the line is justified, exactly as WeasyPrint's text_align decides it."""
    align = line.style["text_align_all"]
    if last:
        align_last = line.style["text_align_last"]
        align = align if align_last == "auto" else align_last
    space_collapse = line.style["white_space"] in ("normal", "nowrap", "pre-line")
    return align == "justify" and space_collapse


def _distribute(texts, chars, compressed, ems, delta_w, extra):
    """Share `extra` alike between the characters that may be spaced apart (never inside
    ——/……, a compressed pair, before a space or around a mark's attached side)."""
    opportunities = []
    for k in range(len(texts) - 1):
        a, b = texts[k], texts[k + 1]
        if a == b and a in NO_SPLIT:
            continue  # inside —— / ……
        if k in compressed and k + 1 in compressed:
            continue  # keep compressed pairs tight
        if b.isspace():
            continue  # expand after the space, not before
        if a in OPENING or b in CLOSING:
            continue  # keep marks attached to their text
        if a.isspace() or is_cjk(a) or is_cjk(b):
            if chars[k] is None or chars[k + 1] is None:
                continue
            opportunities.append(k)
    if opportunities:
        each = extra / len(opportunities)
        if each < 0:
            each = max(each, -MAX_SHRINK * min(ems))
        for k in opportunities:
            delta_w[k] += each


def _store_deltas(line, items, layouts, delta_w, delta_x):
    """Store the deltas on the boxes' draw-mode layouts and fix the boxes' geometry."""
    for box, (_layout, advs, _) in layouts.items():
        box._cjk_width = sum(advs)
    deltas = {}
    for k, (box, i, char) in enumerate(items):
        if char is None or not (delta_w[k] or delta_x[k]):
            continue
        deltas.setdefault(box, {})[i] = (delta_w[k], delta_x[k])
        box._cjk_width += delta_w[k] + delta_x[k]
    for box, (layout, _, _) in layouts.items():
        layout._cjk_deltas = deltas.get(box)
        layout._cjk_applied = None
        if hasattr(layout, "layout"):  # a layout made here; the measured ones are inactive
            layout.deactivate()
        box.pango_layout = layout
        box.justification_spacing = 0
    _reposition(line, 0)  # also updates line.width


def _compress(texts, ems, full, delta_w, delta_x, extra):
    """Take ``-extra`` from the line's blanks, category by category (see _squeezable),
    all instances of a category alike; returns what is still missing (≤ 0)."""
    missing = -extra
    squeezable = [
        entry
        for entry in _squeezable(texts)
        if entry[1] == 3 or (full(entry[0]) and (TRIM_LINE_END or entry[1] != 0))
    ]
    for category in range(5):
        members = [(k, side, amount) for k, c, side, amount in squeezable if c == category]
        room = sum(amount * ems[k] for k, _, amount in members)
        if not members or room <= 0:
            continue
        share = min(1.0, missing / room)
        for k, side, amount in members:
            if side == "w":
                delta_w[k] -= share * amount * ems[k]
            else:
                delta_x[k] -= share * amount * ems[k]
        missing -= share * room
        if missing <= 0.01:
            return 0.0
    return -missing


def _expand_first(texts, items, ems, delta_w, extra):
    """Give ``extra`` first to Latin word spaces (up to WORD_SPACE_MAX), then to Han–Latin
    gaps (up to HAN_LATIN_MAX), as clreq orders it; returns what is left for the gaps
    between all characters."""
    n = len(texts)
    spaces = [
        k
        for k in range(1, n - 1)
        if texts[k] == " " and is_latin(texts[k - 1]) and items[k + 1][2] is not None
    ]
    gaps = [
        k
        for k in range(n - 1)
        if (is_han(texts[k]) and is_latin(texts[k + 1]))
        or (is_latin(texts[k]) and is_han(texts[k + 1]))
    ]
    for members, most in ((spaces, WORD_SPACE_MAX), (gaps, HAN_LATIN_MAX - HAN_LATIN_GAP)):
        if not members or extra <= 0.01:
            continue
        room = sum(most * ems[k] for k in members)
        share = min(1.0, extra / room)
        for k in members:
            delta_w[k] += share * most * ems[k]
        extra -= share * room
    return extra


# --------------------------------------------------------------------------


def install():
    """Check WeasyPrint internals and patch them (idempotent)."""
    if _ORIG:
        return
    _check_internals()
    _cdef()
    _ORIG["setup"] = _lb.Layout.setup
    _ORIG["set_text"] = _lb.Layout.set_text
    _ORIG["get_first_line"] = _lb.Layout.get_first_line
    _ORIG["text_align"] = _inline.text_align
    _ORIG["deactivate"] = _lb.Layout.deactivate
    _ORIG["split_first_line"] = _inline.split_first_line
    _ORIG["reactivate"] = _lb.Layout.reactivate
    _ORIG["split_inline_box"] = _inline.split_inline_box
    _inline.split_inline_box = _split_inline_box
    _lb.Layout.deactivate = _deactivate
    _lb.Layout.reactivate = _reactivate
    _inline.split_first_line = _split_first_line
    _lb.Layout.setup = _setup
    _lb.Layout.set_text = _set_text
    _lb.Layout.get_first_line = _get_first_line
    _inline.text_align = _text_align
