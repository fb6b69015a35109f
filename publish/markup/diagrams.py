"""```mermaid blocks drawn as SVG by Mermaid's own CLI (mmdc) in the system Chromium.

mmdc comes from npm into tools/mermaid (`make` installs it, without downloading a
browser); it runs Debian's /usr/bin/chromium through tools/mermaid/puppeteer.json. Labels
are asked for as SVG text (`htmlLabels: false`): WeasyPrint does not draw the HTML in
`<foreignObject>`. Each drawing is kept in the user's cache folder by the hash of its
source, so that a rebuild starts no browser. Where mmdc cannot run, the blocks stay code
and one warning says why.
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
from pathlib import Path

from ..fonts import _store, cache_folder
from ..model import Resource
from ..sanitize import sanitize_svg

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "mermaid"
#: Mermaid's configuration: SVG text labels, in the CJK face the book's PDF has.
CONFIG = {
    "htmlLabels": False,
    "flowchart": {"htmlLabels": False},
    "class": {"htmlLabels": False},
    "state": {"htmlLabels": False},
    "themeVariables": {"fontFamily": '"Noto Sans CJK SC", "Noto Sans", sans-serif'},
    "fontFamily": '"Noto Sans CJK SC", "Noto Sans", sans-serif',
}
TIMEOUT = 120


class Mermaid:
    """Draws the mermaid blocks of one book; warns once if it cannot."""

    def __init__(self, language: str = "en") -> None:
        self.prefix = "图：" if language.lower().startswith("zh") else "Diagram: "
        self.unavailable: str | None = None
        self.warned = False

    def figure(self, source: str, env: dict, line: int | None) -> str | None:
        """`<figure class="diagram">` with the SVG as an image resource, or None (the
        block then stays code)."""
        context = env.get("context")
        if context is None:
            return None
        try:
            svg = self.svg(source)
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

    def svg(self, source: str) -> bytes:
        """The SVG of a diagram, from the cache or from mmdc."""
        key = hashlib.sha256(
            (json.dumps(CONFIG, sort_keys=True) + _version() + source).encode()
        ).hexdigest()
        cached = cache_folder() / "mermaid" / f"{key}.svg"
        if cached.is_file():
            return cached.read_bytes()
        if self.unavailable:
            raise DiagramError(self.unavailable)
        try:
            svg = sanitize_svg(tidy(_run_mmdc(source)))
        except DiagramError as exc:
            if exc.permanent:
                self.unavailable = str(exc)
            raise
        _store(cached, svg)
        return svg


class DiagramError(Exception):
    def __init__(self, message: str, permanent: bool = True) -> None:
        super().__init__(message)
        self.permanent = permanent


def _mmdc() -> Path | None:
    local = TOOLS / "node_modules" / ".bin" / "mmdc"
    if local.exists():
        return local
    found = shutil.which("mmdc")
    return Path(found) if found else None


def _version() -> str:
    package = TOOLS / "node_modules" / "@mermaid-js" / "mermaid-cli" / "package.json"
    try:
        return json.loads(package.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def _run_mmdc(source: str) -> bytes:
    mmdc = _mmdc()
    if mmdc is None:
        raise DiagramError("Mermaid's CLI is not installed (`make` installs it in tools/mermaid)")
    if shutil.which("node") is None:
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
        command = [str(mmdc), "-q", "-i", "in.mmd", "-o", "out.svg", "-b", "transparent"]
        command += ["-c", "config.json", "-p", "puppeteer.json"]
        try:
            done = subprocess.run(
                command, cwd=work, capture_output=True, timeout=TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise DiagramError(f"mmdc took more than {TIMEOUT} s", permanent=False) from None
        except OSError as exc:
            raise DiagramError(f"mmdc could not start: {exc.strerror}") from None
        out = work / "out.svg"
        if done.returncode != 0 or not out.is_file():
            message = _last_line(done.stderr.decode("utf-8", "replace"))
            raise DiagramError(f"mmdc failed: {message}", permanent=False)
        return out.read_bytes()


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line]
    return (errors or lines or ["no message"])[0][:160]


def tidy(svg: bytes) -> bytes:
    """mmdc's SVG with a fixed size (its `width="100%"` would fill the page) and as a
    standalone XML document."""
    text = svg.decode("utf-8")
    box = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', text)
    if box:
        width, height = box.groups()
        text = re.sub(r'\swidth="100%"', f' width="{width}" height="{height}"', text, count=1)
        text = re.sub(r'(<svg[^>]*?)\sstyle="max-width:[^"]*"', r"\1", text, count=1)
    if not text.startswith("<?xml"):
        text = '<?xml version="1.0" encoding="UTF-8"?>\n' + text
    return text.encode("utf-8")


def describe(svg: bytes) -> str:
    """What a diagram says, for its alt text: its title, else the words of its labels."""
    text = svg.decode("utf-8", "replace")
    title = re.search(r"<title[^>]*>([^<]+)</title>", text)
    if title:
        return html.unescape(title.group(1)).strip()
    words = [html.unescape(w).strip() for w in re.findall(r">([^<>]+)</tspan>", text)]
    words = [w for w in dict.fromkeys(words) if w]
    return "、".join(words)[:300] or "Mermaid"
