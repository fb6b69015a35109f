"""```mermaid blocks drawn as SVG by Mermaid's own CLI in the system Chromium, offline.

Mermaid CLI comes from npm into tools/mermaid (`make` installs it, without downloading a
browser); our tools/mermaid/render.mjs drives it in Debian's /usr/bin/chromium
(tools/mermaid/puppeteer.json) with no network at all: a proxy that is a closed port, no
name resolving, Chromium's background calls off, and every request but Mermaid's own files
and data: URLs refused by Puppeteer. The configuration is ours (`securityLevel: strict`,
SVG text labels: WeasyPrint does not draw the HTML in `<foreignObject>`); a diagram's
`%%{init}%%` that sets what could load a resource is taken out, with a warning; the SVG is
sanitised (sanitize.sanitize_svg) like any other. Each drawing is kept in the user's cache
folder by the hash of its source, so that a rebuild starts no browser; a book draws at
most BOOK_DIAGRAMS in BOOK_SECONDS. Where Mermaid cannot run, the blocks stay code and one
warning says why.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from lxml import etree

from ..fonts import _store, cache_folder
from ..model import Resource
from ..sanitize import sanitize_svg
from ..words import words

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "mermaid"
#: Mermaid's configuration, fixed by us: SVG text labels, in the CJK face the book's PDF has;
#: `strict` security (no script, no click handler); and the keys that could load something
#: (CSS, fonts, HTML labels) made `secure`, which a diagram's own `%%{init}%%` cannot change.
CONFIG = {
    "securityLevel": "strict",
    "htmlLabels": False,
    "flowchart": {"htmlLabels": False},
    "class": {"htmlLabels": False},
    "state": {"htmlLabels": False},
    "themeVariables": {"fontFamily": '"Noto Sans CJK SC", "Noto Sans", sans-serif'},
    "fontFamily": '"Noto Sans CJK SC", "Noto Sans", sans-serif',
    "secure": [
        "secure",
        "securityLevel",
        "startOnLoad",
        "maxTextSize",
        "maxEdges",
        "suppressErrorRendering",
        "htmlLabels",
        "themeCSS",
        "fontFamily",
        "fontFace",
        "dompurifyConfig",
    ],  # fmt: skip
}
#: Seconds one diagram may take; seconds and drawings for the whole book (a book of
#: thousands of diagrams, or of slow ones, must not hold a build for hours).
TIMEOUT = 60
BOOK_SECONDS = 600
BOOK_DIAGRAMS = 300
#: `%%{init: …}%%` (or `initialize`) directives, and a front matter's `config:`.
_DIRECTIVE = re.compile(r"%%\{\s*(?:init|initialize)\s*:(.*?)\}%%", re.S | re.I)
_FRONT_MATTER = re.compile(r"\A\s*---\n(.*?)\n---[ \t]*\n", re.S)
#: What a diagram may not set: what loads a resource or runs HTML.
_REFUSED = re.compile(
    r"themeCSS|fontFamily|fontFace|htmlLabels|securityLevel|secure|dompurify|url\s*\(|"
    r"@import|://|<|href|src\b|javascript:",
    re.I,
)


class Mermaid:
    """Draws the mermaid blocks of one book; warns once if it cannot."""

    def __init__(self, language: str = "en") -> None:
        self.prefix = words(language)["diagram"]
        self.unavailable: str | None = None
        self.warned = False
        self.drawn = 0  # diagrams drawn (not from the cache) and the seconds they took
        self.seconds = 0.0

    def _budget(self) -> None:
        """Refuse to draw more once the book's budget is spent (said once, as a missing
        renderer is: the rest of the diagrams stay code)."""
        if self.drawn >= BOOK_DIAGRAMS or self.seconds >= BOOK_SECONDS:
            spent = (f"{BOOK_DIAGRAMS} diagrams" if self.drawn >= BOOK_DIAGRAMS
                     else f"{BOOK_SECONDS} s")  # fmt: skip
            self.unavailable = f"the book's budget for drawing diagrams ({spent}) is spent"
            raise DiagramError(self.unavailable)

    def figure(self, source: str, env: dict, line: int | None) -> str | None:
        """`<figure class="diagram">` with the SVG as an image resource, or None (the
        block then stays code)."""
        context = env.get("context")
        if context is None:
            return None
        source, refused = refuse_directives(source)
        if refused:
            context.warn(
                f"mermaid: {refused} refused (it could load resources or run HTML); "
                "the diagram is drawn without it",
                line,
            )
        try:
            svg = self.svg(source, context, line)
        except DiagramError as exc:
            if not exc.permanent:  # this diagram (a syntax error, a timeout)
                context.warn(f"mermaid diagram left as code: {exc}", line)
            elif not self.warned:  # no renderer: said once for the book
                self.warned = True
                context.warn(f"mermaid diagrams left as code: {exc}", line)
            return None
        digest = hashlib.sha256(svg).hexdigest()[:16]
        href = f"images/_mermaid-{digest}.svg"
        if href not in context.resources:
            context.resources[href] = Resource(href, context.root / href, "image/svg+xml", svg)
        alt = html.escape(self.prefix + describe(svg))
        return f'<figure class="diagram"><img src="{href}" alt="{alt}" /></figure>\n'

    def svg(self, source: str, context=None, line: int | None = None) -> bytes:
        """The SVG of a diagram, from the cache or drawn (within the book's budget)."""
        key = hashlib.sha256(
            (json.dumps(CONFIG, sort_keys=True) + _version() + source).encode()
        ).hexdigest()
        cached = cache_folder() / "mermaid" / f"{key}.svg"
        if cached.is_file():
            return cached.read_bytes()
        if self.unavailable:
            raise DiagramError(self.unavailable)
        self._budget()
        start = time.monotonic()
        try:
            drawn, blocked = _run_mmdc(source)
            svg = sanitize_svg(tidy(drawn))
        except DiagramError as exc:
            if exc.permanent:
                self.unavailable = str(exc)
            raise
        finally:
            self.drawn += 1
            self.seconds += time.monotonic() - start
        if blocked and context is not None:
            shown = ", ".join(f"`{url[:80]}`" for url in blocked[:3])
            context.warn(f"mermaid diagram asked for {shown}: refused (no network)", line)
        _store(cached, svg)
        return svg


class DiagramError(Exception):
    def __init__(self, message: str, permanent: bool = True) -> None:
        super().__init__(message)
        self.permanent = permanent


def refuse_directives(source: str) -> tuple[str, str | None]:
    """`source` without the `%%{init}%%` directives (and front-matter `config:`) that set
    what could load a resource or run HTML, and what was taken out (None: nothing)."""
    refused: list[str] = []

    def check(match: re.Match) -> str:
        found = _REFUSED.search(match.group(1))
        if found is None:
            return match.group(0)
        refused.append(found.group(0))
        return "" if match.group(0).startswith("%%") else "\n"

    source = _DIRECTIVE.sub(check, source)
    source = _FRONT_MATTER.sub(check, source, count=1)
    if not refused:
        return source, None
    keys = ", ".join(f"`{key}`" for key in dict.fromkeys(refused))
    return source, f"a configuration setting {keys}"


def _version() -> str:
    package = TOOLS / "node_modules" / "@mermaid-js" / "mermaid-cli" / "package.json"
    try:
        return json.loads(package.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def _run_mmdc(source: str) -> tuple[bytes, list[str]]:
    """The SVG Mermaid CLI draws for `source` (through tools/mermaid/render.mjs: Chromium
    without network), and the URLs the page asked for and was refused."""
    if not (TOOLS / "node_modules" / "@mermaid-js" / "mermaid-cli").is_dir():
        raise DiagramError("Mermaid's CLI is not installed (`make` installs it in tools/mermaid)")
    node = shutil.which("node")
    if node is None:
        raise DiagramError("Node.js is not installed (`make` installs it)")
    puppeteer = json.loads((TOOLS / "puppeteer.json").read_text(encoding="utf-8"))
    chromium = os.environ.get("PUBLISH_CHROMIUM") or puppeteer["executablePath"]
    if not Path(chromium).exists():
        raise DiagramError(f"Chromium not found at {chromium} (`make` installs it)")
    puppeteer["executablePath"] = chromium
    with tempfile.TemporaryDirectory(prefix="publish-mermaid-") as folder:
        work = Path(folder)
        (work / "in.mmd").write_text(source, encoding="utf-8")
        (work / "config.json").write_text(json.dumps(CONFIG), encoding="utf-8")
        (work / "puppeteer.json").write_text(json.dumps(puppeteer), encoding="utf-8")
        command = [node, str(TOOLS / "render.mjs"), "in.mmd", "out.svg", "config.json",
                   "puppeteer.json"]  # fmt: skip
        try:
            done = subprocess.run(
                command, cwd=work, capture_output=True, timeout=TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise DiagramError(f"drawing took more than {TIMEOUT} s", permanent=False) from None
        except OSError as exc:
            raise DiagramError(f"Mermaid could not start: {exc.strerror}") from None
        stderr = done.stderr.decode("utf-8", "replace")
        blocked = [line[9:] for line in stderr.splitlines() if line.startswith("refused: ")]
        out = work / "out.svg"
        if done.returncode != 0 or not out.is_file():
            message = _last_line(stderr)
            raise DiagramError(f"Mermaid failed: {message}", permanent=False)
        return out.read_bytes(), list(dict.fromkeys(blocked))


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line]
    return (errors or lines or ["no message"])[0][:160]


def tidy(svg: bytes) -> bytes:
    """Mermaid's SVG with a fixed size (its `width="100%"` would fill the page) and as a
    standalone XML document."""
    root = etree.fromstring(svg, etree.XMLParser(resolve_entities=False, no_network=True))
    box = (root.get("viewBox") or "").split()
    if len(box) == 4 and root.get("width") == "100%":
        root.set("width", box[2])
        root.set("height", box[3])
        style = [rule for rule in (root.get("style") or "").split(";")
                 if rule.strip() and not rule.strip().startswith("max-width")]  # fmt: skip
        if style:
            root.set("style", ";".join(style))
        else:
            root.attrib.pop("style", None)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def describe(svg: bytes) -> str:
    """What a diagram says, for its alt text: its title, else the words of its labels."""
    root = etree.fromstring(svg, etree.XMLParser(resolve_entities=False, no_network=True))
    title = root.find("{http://www.w3.org/2000/svg}title")
    if title is not None and (title.text or "").strip():
        return title.text.strip()
    words = ["".join(span.itertext()).strip() for span in
             root.iter("{http://www.w3.org/2000/svg}tspan")]  # fmt: skip
    words = [w for w in dict.fromkeys(words) if w]
    return "、".join(words)[:300] or "Mermaid"
