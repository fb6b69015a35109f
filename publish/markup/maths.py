"""Maths: `$…$`, `$$…$$` and mdBook's `\\( \\)` / `\\[ \\]`, converted by MathJax.

The converter is MathJax (npm `mathjax-full`, tools/maths/tex.js), run server-side by Node,
which answers each formula with MathML (the EPUB's) and SVG paths (the PDF's: WeasyPrint
has no MathML), both from one parse. A book's formulas are all known once its files are
parsed: those the cache lacks are converted then, at once, by one long-lived Node process
per core (`prefetch`; the first is started as soon as the parser meets such a formula).
Measured on pumpkin-book's 2,938 distinct formulas (2026-12-08): MathJax converted all but
the 30 using `\\textcircled` (defined in tex.js since), every environment laid out as TeX
does and drawn with its own fonts, unknown commands reported as errors; latex2mathml (3.81)
left 68 with TeX commands as text, writes `aligned` as one row with `<mi>&</mi>` and
`\\text{a<b}` unescaped (neither well-formed XML), and ziamath's SVG of its MathML failed
33 of a sample of 300; KaTeX converted all 2,938 in 1.2 s, but to MathML or HTML only, so
print would still need ziamath. MathJax costs ~5 ms a formula (MathML and SVG), once:

Each distinct formula is converted once: the answer is kept in memory and on disk
(~/.cache/publish/maths, compressed, keyed by the formula and the converter's version;
pruned by `prune`), so that later builds and the print workers start no Node at all. The
model holds the MathML with its TeX (alttext and an `application/x-tex` annotation); the
print side draws the SVG of that TeX. A formula that cannot be converted (a TeX error, too
long, too slow, no Node) is a warning naming file:line and the formula (an error with
--strict); its source is shown as code.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import json
import os
import re
import select
import shutil
import subprocess
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, SimpleQueue

import lxml.etree as etree
import lxml.html
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_inline_dollar

from ..fonts import _store, cache_folder
from ..sanitize import MATHML, MATHML_ATTRIBUTES
from . import glyphs

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
SVG_NS = "http://www.w3.org/2000/svg"
TOOLS = Path(__file__).resolve().parents[2] / "tools" / "maths"
#: The longest formula converted, in characters: pumpkin-book's longest is 3,387; a formula
#: of 2,000 terms (16,000 characters) is refused, not laid out for a minute.
MAX_LENGTH = 8000
#: Seconds one formula may take (MathJax takes ~5 ms; 1 s for 3,000 characters).
TIMEOUT = 20.0
#: tex.js asks MathJax for 16 px ems and 8 px exes: its SVG sizes are in ex.
_EX = 0.5
#: Backslash escapes Markdown applies inside mdBook's delimiters (its text goes through
#: Markdown before MathJax sees it): `\\` → `\`, `\_` → `_`…
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
#: MathML elements whose text is content (elsewhere whitespace is indentation).
_TOKENS = {"mi", "mn", "mo", "mtext", "ms", "annotation"}
#: What MathJax's SVG may hold (glyph paths, rules, text it has no glyph for).
_SVG_ELEMENTS = {"svg", "g", "path", "rect", "text", "line", "polyline", "ellipse", "circle"}
_SVG_ATTRIBUTES = {
    "viewBox", "width", "height", "transform", "d", "x", "y", "x1", "y1", "x2", "y2",
    "rx", "ry", "cx", "cy", "r", "points", "fill", "stroke", "stroke-width", "stroke-dasharray",
    "font-size", "font-family", "font-style", "font-weight", "preserveAspectRatio", "style",
}  # fmt: skip


NOT_INSTALLED = "MathJax is not installed: `make` installs it in tools/maths"


class FormulaError(Exception):
    """A formula that cannot be converted; the message says why, in one line."""


@dataclass(frozen=True)
class Drawing:
    """A formula as SVG (MathJax's units: 1,000 to the em; y = 0 is the baseline), its
    equation tag apart."""

    root: etree._Element
    tag: Drawing | None = None

    @property
    def box(self) -> tuple[float, float, float, float]:
        """min-x, min-y (minus the height above the baseline), width, height."""
        x, y, w, h = (float(v) for v in self.root.get("viewBox").split())
        return x, y, w, h


# --- reading ---------------------------------------------------------------------------


#: The tokens of formulas, and whether each is a display formula.
_TOKENS_DISPLAY = {
    "math_inline": False, "math_inline_double": True, "math_block": True, "math_block_label": True,
}  # fmt: skip


def extend(md: MarkdownIt) -> None:
    dollarmath_plugin(md, allow_space=True, allow_digits=False, double_inline=True)
    md.inline.ruler.at("math_inline", _dollar_at_start())
    md.inline.ruler.before("escape", "mdbook_math", _mdbook_math)
    md.core.ruler.push("math_lines", _math_lines)
    for kind, display in _TOKENS_DISPLAY.items():
        md.add_render_rule(kind, _render(display))


def formulas(tokens: Iterable[Token]) -> Iterator[tuple[str, bool]]:
    """The formulas of parsed Markdown, as `_render` converts them: (TeX, display)."""
    for token in tokens:
        for each in (token, *(token.children or ())):
            display = _TOKENS_DISPLAY.get(each.type)
            if display is not None:
                yield each.content.strip(), display


def _dollar_at_start():
    """mdit-py-plugins' `$…$` rule (0.7), except that a formula opening its paragraph is
    read whatever the paragraph's last character is: with `allow_digits=False` the rule
    looks for a digit before the `$` at `src[pos - 1]`, which at 0 is the last character
    (pumpkin-book's `$\\theta_1$为作者笔误，由15.9` printed its TeX)."""
    strict = math_inline_dollar(allow_space=True, allow_digits=False, allow_double=True)
    loose = math_inline_dollar(allow_space=True, allow_digits=True, allow_double=True)

    def rule(state: StateInline, silent: bool) -> bool:
        if state.pos != 0:
            return strict(state, silent)
        if not loose(state, True):
            return False
        end, state.pos = state.pos, 0
        if state.src[end : end + 1].isdigit():  # `$5 and $6`: currency, as `strict` says
            return False
        return loose(state, silent)

    return rule


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
    """Give inline maths the line of its block, for warnings; and start the converter
    at the first formula neither in memory nor on disk, so that Node loads MathJax
    (~0.4 s) while the other files are read, before `prefetch` asks it."""
    for token in state.tokens:
        if token.type == "inline" and token.map:
            for child in token.children or []:
                if child.type.startswith("math"):
                    child.meta = {**(child.meta or {}), "line": token.map[0] + 1}
    if _pool and _pool[0].pid == os.getpid():
        return  # started already
    for tex, display in formulas(state.tokens):
        key = _key(tex, display)
        if tex and len(tex) <= MAX_LENGTH and key not in _memory and _from_disk(key) is None:
            with contextlib.suppress(FormulaError):
                _converter().start()
            return


def _render(display: bool):
    def render(self, tokens, idx, options, env) -> str:
        token = tokens[idx]
        line = token.meta.get("line") if token.meta else None
        if line is None and token.map:
            line = token.map[0] + 1
        tex = token.content.strip()
        mathml = mathml_or_source(tex, display, env, line)
        if mathml.startswith("<code"):
            return f'<pre class="code math-source">{mathml}</pre>\n' if token.block else mathml
        if token.block:
            return f'<div class="math-display">{mathml}</div>\n'
        return f'<span class="math-display">{mathml}</span>' if display else mathml

    return render


def mathml_or_source(tex: str, display: bool, env: dict, line: int | None) -> str:
    """The formula's `<math>`, or its TeX as `<code class="math-source">` with a warning
    naming its file:line, the reason and the formula (to the reader's context in `env`)."""
    try:
        return to_mathml(tex, display)
    except FormulaError as exc:
        context = env.get("context")
        if context is not None:
            # Not installed: one message for all (grouped), not one per formula.
            said = "" if str(exc) == NOT_INSTALLED else f": {_short(tex)}"
            context.warn(f"formula not converted ({exc}), shown as its source{said}", line)
        code = etree.Element("code", {"class": "math-source"})
        code.text = tex
        return etree.tostring(code, encoding="unicode")


def _short(tex: str) -> str:
    """A formula as a warning quotes it: on one line, at most 80 characters."""
    flat = " ".join(tex.split())
    return flat if len(flat) <= 80 else flat[:79] + "…"


def to_mathml(tex: str, display: bool) -> str:
    """`<math>` for `tex`, with the TeX as alttext and annotation; FormulaError if it
    cannot be converted."""
    answer = convert(tex, display)
    root = etree.fromstring(answer["mathml"])
    math = etree.Element(f"{{{MATHML_NS}}}math", nsmap={None: MATHML_NS})
    math.set("display", "block" if display else "inline")
    math.set("alttext", tex)
    semantics = etree.SubElement(math, f"{{{MATHML_NS}}}semantics")
    row = etree.SubElement(semantics, f"{{{MATHML_NS}}}mrow")
    row.extend(_clean_mathml(root))
    annotation = etree.SubElement(semantics, f"{{{MATHML_NS}}}annotation")
    annotation.set("encoding", "application/x-tex")
    annotation.text = tex
    return etree.tostring(math, encoding="unicode")


def _clean_mathml(root) -> list:
    """The children of MathJax's `<math>`, held to the MathML allow-list of sanitize.py
    (its `data-` and `id` attributes and empty values dropped, indentation removed)."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        if local not in MATHML:
            element.tag = f"{{{MATHML_NS}}}mrow"  # never met: MathJax writes MathML
            element.attrib.clear()
        for name, value in list(element.attrib.items()):
            # MathJax writes columnspacing="" for a one-column `aligned`: not a length.
            if name not in MATHML_ATTRIBUTES or not value.strip():
                del element.attrib[name]
        if local not in _TOKENS and element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return list(root)


#: What a formula counts for in a chapter's length (layout_length): one box of a line,
#: its glyphs one SVG path, laid out about as fast as a few words.
FORMULA_LENGTH = 20


def layout_length(body: str) -> int:
    """A chapter body's length as laying it out costs, each formula counted as
    FORMULA_LENGTH characters, not its MathML (~600, with its TeX twice): a maths book
    is cut into as many segments as a prose book of as many pages."""
    if "<math" not in body:
        return len(body)
    root = lxml.html.fragment_fromstring(body, create_parent="div")
    length = len(body)
    for math in root.iter("math"):
        length -= len(etree.tostring(math, encoding="unicode", with_tail=False))
        length += FORMULA_LENGTH
    return max(length, 0)


# --- converting ------------------------------------------------------------------------


def convert(tex: str, display: bool) -> dict:
    """MathJax's answer for a formula, {"mathml", "svg"}: from memory, the disk cache, or
    the converter; FormulaError if it has none."""
    if not tex.strip():
        raise FormulaError("empty")
    if len(tex) > MAX_LENGTH:
        raise FormulaError(f"{len(tex):,} characters, more than {MAX_LENGTH:,}")
    key = _key(tex, display)
    answer = _memory.get(key) or _from_disk(key)
    if answer is None:
        _keep(key, _converter().ask(tex, display))
    answer = _memory[key]
    if "error" in answer:
        raise FormulaError(answer["error"])
    return answer


def prefetch(formulas: Iterable[tuple[str, bool]]) -> None:
    """Convert at once the formulas (TeX, display) neither in memory nor on disk, by one
    Node process per idle core side by side (MathJax takes ~5 ms a formula, single-threaded):
    the readers know a book's formulas before rendering any (readers/assemble.py)."""
    distinct = dict.fromkeys(formulas)
    if not distinct:
        return
    _prune_daily()
    missing: list[tuple[str, bool, str]] = []
    for tex, display in distinct:
        key = _key(tex, display)
        wanted = tex.strip() and len(tex) <= MAX_LENGTH and key not in _memory
        if wanted and _from_disk(key) is None:
            missing.append((tex, display, key))
    if not missing:
        return
    # One per idle core: each Node compiles MathJax for itself (~0.5 s of CPU), which a
    # busy machine pays without getting the answers sooner.
    idle = (os.cpu_count() or 1) - round(os.getloadavg()[0])
    count = max(1, min(idle, MAX_CONVERTERS, len(missing) // 50))
    queue: SimpleQueue = SimpleQueue()
    for each in missing:
        queue.put(each)

    def work(converter: MathJax) -> None:
        while True:
            try:
                tex, display, key = queue.get(block=False)
            except Empty:
                return
            try:
                _keep(key, converter.ask(tex, display))
            except FormulaError as exc:  # not kept on disk: Node missing, too slow
                _memory[key] = {"error": str(exc)}

    converters = _converters(count)
    for converter in converters:  # all loading MathJax at once
        with contextlib.suppress(FormulaError):
            converter.start()
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(work, converters))
    for spare in converters[1:]:  # the first stays, for the print side's pieces
        spare.close()


#: The most Node processes converting at once (each holds ~60 MB).
MAX_CONVERTERS = 4


def _key(tex: str, display: bool) -> str:
    return hashlib.sha256(f"{_version()}\0{int(display)}\0{tex}".encode()).hexdigest()


def _from_disk(key: str) -> dict | None:
    """The answer kept on disk by an earlier build (put in memory), or None."""
    data = _read_kept(_answer_path(key))
    try:
        answer = json.loads(zlib.decompress(data)) if data is not None else None
    except (ValueError, zlib.error):
        return None
    if answer is not None:
        _memory[key] = answer
    return answer


def _read_kept(path: Path) -> bytes | None:
    """A file of the maths cache, marked used now (prune keeps what builds use)."""
    try:
        data = path.read_bytes()
        os.utime(path)
    except OSError:
        return None
    return data


#: The maths cache (~/.cache/publish/maths) keeps what a build used in the last
#: KEPT_DAYS days, and at most KEPT_BYTES of it (the least recently used go first); the
#: glyph outlines, a few hundred of MathJax's fonts, stay. Pruned once a day at most.
KEPT_DAYS = 90
KEPT_BYTES = 256 * 1024 * 1024


def prune(now: float | None = None) -> int:
    """Remove the converter's answers and the print drawings no build used in KEPT_DAYS
    days, then the least recently used beyond KEPT_BYTES; the number removed."""
    folder = cache_folder() / "maths"
    now = time.time() if now is None else now
    entries = []
    with contextlib.suppress(OSError):
        for sub in os.scandir(folder):
            if sub.is_dir() and len(sub.name) == 2:  # key[:2]/: answers and drawings
                for entry in os.scandir(sub.path):
                    with contextlib.suppress(OSError):
                        stat = entry.stat()
                        entries.append((stat.st_mtime, stat.st_size, entry.path))
    entries.sort(reverse=True)  # the most recently used first
    removed, total = 0, 0
    for used, size, path in entries:
        total += size
        if now - used > KEPT_DAYS * 86400 or total > KEPT_BYTES:
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed += 1
    return removed


def _prune_daily() -> None:
    """`prune`, if a day has passed since it last ran (a stamp file says when)."""
    stamp = cache_folder() / "maths" / "pruned"
    with contextlib.suppress(OSError):
        if time.time() - stamp.stat().st_mtime < 86400:
            return
    prune()
    _store(stamp, b"")


def _keep(key: str, answer: dict) -> None:
    """The converter's answer, in memory and on disk (a TeX error too: it is the same
    next time)."""
    _memory[key] = answer
    _store(_answer_path(key), zlib.compress(json.dumps(answer, ensure_ascii=False).encode(), 6))


def _answer_path(key: str) -> Path:
    return cache_folder() / "maths" / key[:2] / f"{key}.json.z"


_memory: dict[str, dict] = {}


def _version() -> str:
    """What the answers and drawings depend on: MathJax's version, tex.js, this file."""
    global _VERSION
    if _VERSION is None:
        digest = hashlib.sha256()
        for path in (TOOLS / "tex.js", TOOLS / "package-lock.json", Path(__file__)):
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"?")
        _VERSION = digest.hexdigest()[:16]
    return _VERSION


_VERSION: str | None = None


class MathJax:
    """The Node process running tools/maths/tex.js, for this Python process."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.pid = os.getpid()
        self.unavailable: str | None = None
        self.lock = threading.Lock()

    def ask(self, tex: str, display: bool) -> dict:
        """The answer for one formula ({"error"} for a TeX error); FormulaError when the
        converter cannot run or takes too long."""
        with self.lock:
            process = self._start()
            request = json.dumps({"tex": tex, "display": display}) + "\n"
            try:
                process.stdin.write(request.encode())
                process.stdin.flush()
                ready, _, _ = select.select([process.stdout], [], [], TIMEOUT)
                line = process.stdout.readline() if ready else b""
            except OSError:
                line = b""
            if not line:
                timed_out = process.poll() is None
                self.close()
                if timed_out:
                    raise FormulaError(f"took more than {TIMEOUT:g} s")
                raise FormulaError("the converter (Node) stopped")
            return json.loads(line)

    def start(self) -> None:
        """Start Node now (it answers later); FormulaError if it cannot run."""
        with self.lock:
            self._start()

    def _start(self) -> subprocess.Popen:
        if self.unavailable:
            raise FormulaError(self.unavailable)
        if self.process is not None and self.process.poll() is None:
            return self.process
        script = TOOLS / "tex.js"
        node = shutil.which("node")
        if node is None or not (TOOLS / "node_modules" / "mathjax-full").is_dir():
            self.unavailable = NOT_INSTALLED
            raise FormulaError(self.unavailable)
        self.process = subprocess.Popen(
            [node, str(script)], cwd=TOOLS, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        return self.process

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


_pool: list[MathJax] = []


def _converters(count: int) -> list[MathJax]:
    """`count` converters of this process (a forked worker starts its own, never shares
    a pipe); the first is the one `_converter` gives."""
    global _pool
    if _pool and _pool[0].pid != os.getpid():
        _pool = []
    while len(_pool) < count:
        converter = MathJax()
        atexit.register(converter.close)
        _pool.append(converter)
    return _pool[:count]


def _converter() -> MathJax:
    """This process's converter."""
    return _converters(1)[0]


# --- drawing (print) --------------------------------------------------------------------


def to_svg(body: str, block_em: float, han_font: str) -> str:
    """Each `<math>` of a chapter body replaced by SVG paths (WeasyPrint has no MathML),
    fitted to a text block `block_em` ems wide; Chinese in `\\text{}` set in `han_font`."""
    if "<math" not in body:
        return body
    root = lxml.html.fragment_fromstring(body, create_parent="div")
    for math in list(root.iter("math")):
        tex, display = _tex_of(math)
        try:
            picture = etree.fromstring(printed(tex, display, block_em, han_font))
        except FormulaError:  # the reader warned (the cache only misses when it could not)
            picture = lxml.html.Element("code", {"class": "math-source"})
            picture.text = tex
        picture.tail = math.tail
        math.getparent().replace(math, picture)
    out = etree.tostring(root, encoding="unicode", method="xml")
    return out.removeprefix("<div>").removesuffix("</div>")


def _tex_of(math) -> tuple[str, bool]:
    """The TeX of a model's `<math>` and whether it is a display formula."""
    annotation = next(math.iter("annotation"), None)
    tex = annotation.text or "" if annotation is not None else math.get("alttext", "")
    return tex, math.get("display") == "block"


def prefetch_print(bodies: Iterable[str], block_em: float) -> None:
    """Convert at once what drawing the chapter bodies for print will ask besides their
    formulas (the rows of a display too wide, the pieces of a wide inline formula), so
    that print workers laying out segments find it all in the cache and start no Node."""
    extra: list[tuple[str, bool]] = []
    for body in bodies:
        if "<math" in body:
            root = lxml.html.fragment_fromstring(body, create_parent="div")
            for math in root.iter("math"):
                extra.extend(_derived(*_tex_of(math), block_em))
    prefetch(extra)


def _derived(tex: str, display: bool, block_em: float) -> list[tuple[str, bool]]:
    """The formulas `_markup` converts besides `tex` for a text block `block_em` wide."""
    try:
        answer = convert(tex, display)
        if answer.get("tag"):
            return []
        box = etree.fromstring(answer["svg"]).get("viewBox")
    except (FormulaError, etree.XMLSyntaxError):
        return []
    if box is None:  # a labelled table: never broken
        return []
    width = float(box.split()[2]) / 1000
    if display and width > block_em:
        broken = at_relations(tex)
        return [(broken, True)] if broken else []
    if not display and width > min(INLINE_WHOLE_EM, block_em / 4):
        return [(piece, False) for piece in inline_pieces(tex) or []]
    return []


def printed(tex: str, display: bool, block_em: float, han_font: str) -> str:
    """The print markup of a formula (an `<svg>`, or a `<span>` of them where a line may
    break), kept in memory and on disk like the converter's answers: drawing it costs
    more than laying it out."""
    key = hashlib.sha256(
        f"{_version()}\0{int(display)}\0{block_em:.4f}\0{han_font}\0{tex}".encode()
    ).hexdigest()
    markup = _printed.get(key)
    if markup is None:
        cached = cache_folder() / "maths" / key[:2] / f"{key}.svg.z"
        try:
            markup = zlib.decompress(_read_kept(cached) or b"").decode()
        except (zlib.error, UnicodeDecodeError):
            markup = etree.tostring(_markup(tex, display, block_em, han_font), encoding="unicode")
            _store(cached, zlib.compress(markup.encode(), 6))
        _printed[key] = markup
    return markup


_printed: dict[str, str] = {}


#: The widest inline formula kept whole (ems): one wider, pushed whole to the next line,
#: would leave more room than a line's gaps take at ¼ em each.
INLINE_WHOLE_EM = 3.0


def _markup(tex: str, display: bool, block_em: float, han_font: str):
    """An inline formula wider than INLINE_WHOLE_EM in pieces a line may break after, as
    TeX breaks it; any other formula whole."""
    wide = not display and drawing(tex, display).box[2] / 1000 > min(INLINE_WHOLE_EM, block_em / 4)
    pieces = inline_pieces(tex) if wide else None
    if pieces is None:
        return _picture(tex, display, block_em, han_font)
    span = etree.Element("span", {"class": "math-inline"})
    for index, piece in enumerate(pieces):
        if index:
            etree.SubElement(span, "wbr")
        span.append(_picture(piece, display, block_em, han_font))
    return span


def _picture(tex: str, display: bool, block_em: float, han_font: str):
    """The `<svg>` of one formula: tagged ones span the text block with the tag at its
    right; display ones too wide are broken at their relations, else scaled to fit."""
    drawn = drawing(tex, display)
    if display and drawn.tag is None and drawn.box[2] / 1000 > block_em:
        broken = at_relations(tex)
        if broken is not None:
            drawn = drawing(broken, display)
    if drawn.tag is not None:
        drawn = _with_tag(drawn, block_em)
    x, y, w, h = drawn.box
    scale = min(1.0, block_em * 1000 / w) if w > 0 else 1.0
    svg = drawn.root
    for text in svg.iter(f"{{{SVG_NS}}}text"):
        text.set("font-family", han_font)
    # Sizes in ems of the surrounding text; the depth below the baseline hangs under it.
    svg.set("class", "math")
    svg.set(
        "style",
        f"width: {w * scale / 1000:.3f}em; height: {h * scale / 1000:.3f}em; "
        f"vertical-align: {-(y + h) * scale / 1000:.3f}em",
    )
    return svg


#: Binary operators an inline formula may be broken after (and relations: _RELATIONS).
#: The commas of a tuple or list too (`(x_1, x_2, \\cdots, x_k)`, `i = 1, 2, 3`): TeX does not
#: break there, but a Chinese line 25 ems wide would rather than spread its gaps.
_BINARY = {"+", "-", "\\pm", "\\mp", "\\times", "\\cdot", "\\cup", "\\cap", "\\oplus", ","}
#: Commands whose effect runs to the end of the formula: a formula holding one is not cut.
_RUNNING = re.compile(
    r"\\(?:over|atop|choose|above|brace|brack|displaystyle|textstyle|scriptstyle|"
    r"scriptscriptstyle|bf|rm|it|sf|tt|cal|color|def|newcommand|renewcommand|let|tiny|"
    r"small|large|Large|LARGE|huge|Huge|normalsize|limits|nolimits)(?![A-Za-z])"
)


def inline_pieces(tex: str) -> list[str] | None:
    """An inline formula cut after each relation and binary operator at its top level
    (where TeX may break it at a line's end), each piece closed by `{}` so that its
    operator keeps its spacing; None if it has no such place or may not be cut."""
    if _RUNNING.search(tex):
        return None
    cuts, operand = [], False
    for token, depth, _bracket in _nesting(tex):
        text, name = token.group(0), token.group(1)
        if depth != 0 or text.isspace():
            continue
        if text in ("_", "^") or name == "not":
            operand = False  # a script's argument or a negation follows
            continue
        if text in "=<>" or name in _RELATIONS or text in _BINARY:
            if operand:
                cuts.append(token.end())
            operand = False
        else:
            operand = True
    cuts = [cut for cut in cuts if tex[cut:].strip()]
    if not cuts:
        return None
    return [
        tex[a:b].strip() + "{}" if b in cuts else tex[a:b].strip()
        for a, b in zip([0, *cuts], [*cuts, len(tex)], strict=True)
    ]


def _with_tag(drawn: Drawing, block_em: float) -> Drawing:
    """One SVG as wide as the text block: the formula centred, its tag at the right, on
    the formula's baseline (one line) or its middle (several)."""
    fx, fy, fw, fh = drawn.box
    tx, ty, tw, th = drawn.tag.box
    gap = 1000.0
    width = max(block_em * 1000, fw + 2 * (tw + gap))
    left = (width - fw) / 2
    shift = 0.0 if fh < 2000 else (fy + fh / 2) - (ty + th / 2)
    top, bottom = min(fy, ty + shift), max(fy + fh, ty + th + shift)
    svg = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS})
    svg.set("viewBox", f"0 {top:.1f} {width:.1f} {bottom - top:.1f}")
    for part, dx, dy in ((drawn, left - fx, 0.0), (drawn.tag, width - tw - tx, shift)):
        group = etree.SubElement(svg, f"{{{SVG_NS}}}g", transform=f"translate({dx:.1f},{dy:.1f})")
        group.extend(list(part.root))
    return Drawing(svg)


def drawing(tex: str, display: bool) -> Drawing:
    """A formula's SVG, its markup held to what MathJax draws; FormulaError if none."""
    answer = convert(tex, display)
    if answer.get("tag"):
        return Drawing(_svg(etree.fromstring(answer["svg"])), Drawing(_svg(answer["tag"])))
    root = etree.fromstring(answer["svg"])
    if root.get("viewBox") is None:  # a tag per row: MathJax's labelled table
        table, labels = _labelled(root)
        return Drawing(_svg(table), Drawing(_svg(labels)))
    return Drawing(_svg(root))


def _labelled(root) -> tuple:
    """The rows and the labels of MathJax's labelled table (`align` with a `\\tag` per
    row), as two SVGs of the same height, each row's label level with it: MathJax draws
    them as `<svg>`s one unit wide, placed by the container's width (the table centred,
    the labels at its right), their content starting at x = 0."""
    parts = {}
    for inner in root.iter(f"{{{SVG_NS}}}svg"):
        kind = "table" if inner.get("data-table") else "labels" if inner.get("data-labels") else ""
        if kind and inner.get("viewBox"):
            parts[kind] = inner
    if set(parts) != {"table", "labels"}:
        raise FormulaError("the converter could not set its tags apart")
    out = []
    for kind, inner in (("table", parts["table"]), ("labels", parts["labels"])):
        x, y, _, h = (float(v) for v in inner.get("viewBox").split())
        # The table's centre is x + 0.5; the labels' right edge, x + 1.
        width = 2 * x + 1 if kind == "table" else x + 1
        svg = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS})
        svg.set("viewBox", f"0 {y:g} {width:g} {h:g}")
        group = etree.SubElement(svg, f"{{{SVG_NS}}}g")
        group.extend(list(inner))
        out.append(svg)
    return out[0], out[1]


def _svg(markup: str | etree._Element):
    """MathJax's `<svg>` with its viewBox only (sizes are set where it is placed)."""
    root = etree.fromstring(markup) if isinstance(markup, str) else markup
    if root.get("viewBox") is None:
        raise FormulaError("the converter could not set its tag apart")
    for element in root.iter():
        if not isinstance(element.tag, str) or etree.QName(element).localname not in _SVG_ELEMENTS:
            raise FormulaError("the converter drew something else than glyphs")
        for name in list(element.attrib):
            if name not in _SVG_ATTRIBUTES or name == "style":
                del element.attrib[name]
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    _flatten(root)
    _as_one_path(root)
    return root


def _as_one_path(root) -> None:
    """A flattened formula's glyphs and rules as one `<path>` naming them (`data-glyphs`,
    drawn by weasy/svgpaths.py: each glyph's outline once per document, then placed):
    WeasyPrint styles, transforms and parses each SVG element, ~1 ms a glyph, and a glyph's
    outline is ~600 bytes where placing it takes 40. Text (Chinese in `\\text{}`) and the
    nested `<svg>`s of tall braces stay as elements."""
    top = root[0] if len(root) else None
    if top is None:
        return
    placed = []
    for shape in list(top):
        local, matrix = etree.QName(shape).localname, _matrix(shape.get("transform", ""))
        try:
            if local == "path":
                glyph = _glyph(shape.get("d", ""))
                placed.append(f"G {glyph} " + " ".join(f"{v:.6g}" for v in matrix))
            elif local == "rect" and matrix[1] == matrix[2] == 0:
                a, _, _, d, e, f = matrix
                x, y = float(shape.get("x", "0")), float(shape.get("y", "0"))
                w, h = float(shape.get("width", "0")), float(shape.get("height", "0"))
                placed.append(f"R {a * x + e:.1f} {d * y + f:.1f} {a * w:.1f} {d * h:.1f}")
            else:
                continue
        except (ValueError, IndexError):
            continue  # drawn by WeasyPrint as it is
        top.remove(shape)
    if placed:
        path = etree.Element(f"{{{SVG_NS}}}path", {"d": "M0 0", "data-glyphs": ";".join(placed)})
        top.insert(0, path)


@functools.lru_cache(maxsize=8192)
def _glyph(d: str) -> str:
    """The id of the outline `d`, kept (glyphs.put) the first time it is met: a formula's
    glyphs are mostly ones met before, and their operators cost ~0.1 ms each."""
    glyph = glyphs.name(d)
    glyphs.put(glyph, _path_operators(d, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)))
    return glyph


_PATH_TOKEN = re.compile(r"[MLHVQTZ]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?")


@functools.lru_cache(maxsize=4096)
def _outline(d: str) -> tuple[tuple, ...]:
    """A glyph's `d` (MathJax writes absolute M L H V Q T Z) as moves, lines and cubic
    curves; ValueError for anything else."""
    if _PATH_TOKEN.sub("", d).strip(" ,\t\n"):
        raise ValueError(d)  # relative commands, arcs…: left to WeasyPrint
    tokens = _PATH_TOKEN.findall(d)
    out: list[tuple] = []
    x = y = start_x = start_y = 0.0
    control = None
    index, command = 0, ""
    while index < len(tokens):
        if tokens[index].isalpha():
            command, index = tokens[index], index + 1
            if command == "Z":
                out.append(("h",))
                x, y, control = start_x, start_y, None
                continue
        count = {"M": 2, "L": 2, "H": 1, "V": 1, "Q": 4, "T": 2}.get(command)
        if count is None:
            raise ValueError(command)
        values = [float(v) for v in tokens[index : index + count]]
        index += count
        if command == "M":
            x, y = start_x, start_y = values
            out.append(("m", x, y))
            command, control = "L", None  # coordinates after a move are lines
            continue
        if command in "LHV":
            x = values[0] if command in "LH" else x
            y = values[-1] if command in "LV" else y
            out.append(("l", x, y))
            control = None
            continue
        if command == "Q":
            qx, qy, ex, ey = values
        else:  # T: the control point is the last one mirrored
            qx, qy = (2 * x - control[0], 2 * y - control[1]) if control else (x, y)
            ex, ey = values
        out.append(("c", x + 2 / 3 * (qx - x), y + 2 / 3 * (qy - y),
                    ex + 2 / 3 * (qx - ex), ey + 2 / 3 * (qy - ey), ex, ey))  # fmt: skip
        x, y, control = ex, ey, (qx, qy)
    return tuple(out)


def _path_operators(d: str, matrix: tuple[float, ...]) -> str:
    """The PDF operators drawing the outline `d` transformed by `matrix`, to 1/1000 em."""
    a, b, c, dd, e, f = matrix
    parts = []
    for step in _outline(d):
        points = step[1:]
        for i in range(0, len(points), 2):
            px, py = points[i], points[i + 1]
            parts.append(f"{a * px + c * py + e:.0f} {b * px + dd * py + f:.0f}")
        parts.append(step[0])
    return " ".join(parts)


_TRANSFORM = re.compile(r"(translate|scale|matrix)\(([^)]*)\)")


def _flatten(root) -> None:
    """Each shape straight under MathJax's one top group, its transforms multiplied into
    one: a third of the elements, each of which WeasyPrint styles and draws. A nested
    `<svg>` (the clipped pieces of a tall brace) is a shape, in a group of its transform."""
    top = root[0] if len(root) else None
    if top is None:
        return
    shapes = []

    def walk(element, matrix) -> None:
        for child in element:
            own = _multiply(matrix, _matrix(child.get("transform", "")))
            if etree.QName(child).localname == "g" and not (set(child.attrib) - {"transform"}):
                walk(child, own)
            else:
                shapes.append((child, own))

    walk(top, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0))
    for child in list(top):
        top.remove(child)
    for shape, matrix in shapes:
        if etree.QName(shape).localname == "svg":
            group = etree.SubElement(top, f"{{{SVG_NS}}}g")
            group.append(shape)
            shape = group
        if matrix != (1.0, 0.0, 0.0, 1.0, 0.0, 0.0):
            shape.set("transform", "matrix({})".format(" ".join(f"{v:.6g}" for v in matrix)))
        else:
            shape.attrib.pop("transform", None)
        top.append(shape)


def _matrix(transform: str) -> tuple[float, ...]:
    """An SVG `transform` (translate, scale, matrix: what MathJax writes) as a, b, c, d, e, f."""
    result = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    for kind, arguments in _TRANSFORM.findall(transform):
        values = [float(v) for v in re.split(r"[\s,]+", arguments.strip()) if v]
        if kind == "translate":
            step = (1.0, 0.0, 0.0, 1.0, values[0], values[1] if len(values) > 1 else 0.0)
        elif kind == "scale":
            step = (values[0], 0.0, 0.0, values[1] if len(values) > 1 else values[0], 0.0, 0.0)
        else:
            step = tuple(values[:6])
        result = _multiply(result, step)
    return result


def _multiply(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    """The transform `m` then `n` inside it (SVG's order: the outer one first)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + c * b2, b * a2 + d * b2, a * c2 + c * d2, b * c2 + d * d2,
        a * e2 + c * f2 + e, b * e2 + d * f2 + f,
    )  # fmt: skip


#: Relations a long display formula is broken before (TeX's own choice, TeXbook ch. 19).
_RELATIONS = {
    "leq", "le", "geq", "ge", "neq", "ne", "leqslant", "geqslant", "approx", "equiv", "sim",
    "simeq", "cong", "propto", "Rightarrow", "Leftrightarrow", "Longrightarrow", "iff", "to",
    "coloneqq",
}  # fmt: skip
_TEX_TOKEN = re.compile(r"\\([A-Za-z]+)|\\.|.", re.S)


def _nesting(tex: str):
    """Each TeX token, the depth (braces, \\left…\\right, environments) after it, and
    whether it opens or closes one: the top level is where a formula may be cut."""
    depth = 0
    for token in _TEX_TOKEN.finditer(tex):
        text, name = token.group(0), token.group(1)
        opens = name in ("left", "begin") or text == "{"
        closes = name in ("right", "end") or text == "}"
        depth += int(opens) - int(closes)
        yield token, depth, opens or closes


def at_relations(tex: str) -> str | None:
    """`tex` as `aligned` rows, one per relation after the first, aligned on them; None
    when it has no second relation at the top level (outside braces, \\left…\\right and
    environments) or is already set in rows."""
    cuts = []
    for token, depth, bracket in _nesting(tex):
        text, name = token.group(0), token.group(1)
        if bracket or depth != 0:
            continue
        if text in "&\\\\" or name == "tag":
            return None  # already in rows, or tagged
        if text in "=<>" or name in _RELATIONS:
            cuts.append(token.start())
    if len(cuts) < 2:
        return None
    pieces = [tex[a:b] for a, b in zip([0, *cuts], [*cuts, len(tex)], strict=True)]
    rows = [pieces[0] + " &" + pieces[1], *("&" + piece for piece in pieces[2:])]
    return "\\begin{aligned}" + " \\\\\n".join(rows) + "\\end{aligned}"
