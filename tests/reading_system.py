"""A real reading system for the tests: foliate-js (the engine of the Foliate reader, npm)
in Debian's Chromium, driven by Playwright, served from 127.0.0.1.

Chromium is started with fontconfig pointed at a configuration that names no font folder,
so the only faces it can draw with are the ones the EPUB embeds. Which face drew each text
node is asked of Chromium itself (DevTools' `CSS.getPlatformFontsForNode`), and every
character is looked up in the cmap of the faces that drew its node: a character none of
them has was a .notdef box (tofu).
"""

from __future__ import annotations

import functools
import http.server
import io
import json
import os
import shutil
import threading
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FOLIATE = ROOT / "node_modules" / "foliate-js"
VIEW = {"width": 640, "height": 860}

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>reader</title>
<style>html, body { margin: 0; background: #fff }
foliate-view { display: block; width: %(width)dpx; height: %(height)dpx }</style>
<script type="module">
import './foliate-js/view.js'
import { FootnoteHandler } from './foliate-js/footnotes.js'

URL.revokeObjectURL = () => {}
window.openBook = async url => {
  document.querySelector('foliate-view')?.remove()
  const view = document.createElement('foliate-view')
  document.body.append(view)
  const blob = await (await fetch(url)).blob()
  await view.open(new File([blob], url.split('/').pop()))
  view.renderer.setAttribute('flow', 'paginated')
  view.renderer.setAttribute('max-column-count', '1')
  window.view = view
  window.where = null
  view.addEventListener('relocate', e => { window.where = e.detail })
  await view.init({ showTextStart: false })
  const footnotes = new FootnoteHandler()
  window.popups = []
  footnotes.addEventListener('before-render', e => {
    document.querySelector('#popup')?.remove()
    e.detail.view.id = 'popup'
    e.detail.view.style.cssText = 'position: fixed; left: 20px; top: 20px; width: 300px; height: 200px'
    document.body.append(e.detail.view)
  })
  footnotes.addEventListener('render', e => {
    const { view: popup, type, hidden, href } = e.detail
    const doc = popup.renderer.getContents()[0].doc
    window.popups.push({ href, type, hidden, text: doc.body.textContent.trim() })
  })
  view.addEventListener('link', e => footnotes.handle(view.book, e)?.catch(console.error))
  const book = view.book
  return {
    dir: book.dir,
    sections: book.sections.map(s => s.id),
    pages: (book.pageList ?? []).map(p => ({ label: p.label, href: p.href })),
  }
}
window.contents = () => view.renderer.getContents()
window.settle = async () => {
  for (const { doc } of contents()) await doc.fonts.ready
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))
}
window.ready = true
</script></head><body></body></html>
"""

#: A fontconfig setup whose one folder holds one face with no character (only .notdef):
#: Chromium draws with the embedded faces only. (With no face at all, it loads none of
#: the EPUB's either.) A character drawn from that face is reported as a system font's.
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>%s</dir><cachedir>%s</cachedir></fontconfig>
"""
NOTHING = "Nothing Test"


def nothing_face() -> bytes:
    """A face with a .notdef box and no character."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    for x, y in ((100, 0), (100, 700), (500, 700), (500, 0)):
        (pen.lineTo if x != 100 or y else pen.moveTo)((x, y))
    pen.closePath()
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "space"])
    builder.setupCharacterMap({0x20: "space"})
    builder.setupGlyf({".notdef": pen.glyph(), "space": TTGlyphPen(None).glyph()})
    builder.setupHorizontalMetrics({".notdef": (600, 100), "space": (250, 0)})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": NOTHING, "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


#: Elements with text of their own, laid out, and what they say (their own text nodes).
TEXT_ELEMENTS = """() => {
  const found = []
  for (const { doc } of contents())
    for (const el of doc.body.querySelectorAll('*')) {
      const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('')
      if (own.trim() && el.getClientRects().length && !el.closest('svg')) found.push(el)
    }
  window.textElements = found
  return found.map(el => [el.localName, el.getAttribute('mathvariant'),
    [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.data).join('')])
}"""


def _shown(tag: str, variant: str | None, text: str) -> str:
    """The characters an element shows: a single-letter <mi> is drawn in Mathematical
    Italic (MathML Core's math-auto)."""
    if tag == "mi" and variant is None and len(text.strip()) == 1:
        from publish.epubfonts import maths_codes

        letter = text.strip()
        italic = maths_codes({ord(letter)}) - {ord(letter), 0x221A}
        return chr(min(italic)) if italic else letter
    return text


def _invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cf", "Mn", "Cc")


@dataclass
class Undrawn:
    """A character no embedded face drew (a system fallback or a .notdef box)."""

    char: str
    text: str
    fonts: list[str]


@dataclass
class Reader:
    """One browser page with foliate-js, and a DevTools session on it."""

    page: object
    cdp: object
    base: str
    folder: Path
    opened: dict = field(default_factory=dict)

    def open(self, epub: Path) -> dict:
        """Open `epub` in the reader (copied next to the page); its sections and pages."""
        shutil.copy(epub, self.folder / epub.name)
        self.epub = epub
        self.opened = self.page.evaluate("url => openBook(url)", f"{self.base}/{epub.name}")
        return self.opened

    def go(self, target) -> dict:
        """Go to a section index or an href; where the reader says it is. foliate-js
        loses the faces of the first section it shows after opening a book (their blob
        URLs race the cover's unloading): a section whose faces failed is shown again
        from another one, and only a face that fails twice counts as broken."""
        self._go(target)
        if self.failed_faces():
            self._go(0 if self.where()["index"] else 1)
            self._go(target)
        return self.where()

    def _go(self, target) -> None:
        self.page.evaluate("t => view.goTo(t)", target)
        self.page.evaluate("settle()")

    def pages(self) -> int:
        """The pages of the shown section (the paginator counts a blank one at each end)."""
        return self.page.evaluate("view.renderer.pages") - 2

    def next(self) -> None:
        self.page.evaluate("view.next()")
        self.page.evaluate("settle()")

    def frame(self):
        """The Playwright frame of the shown section."""
        url = self.page.evaluate("contents()[0].doc.URL")
        return next(frame for frame in self.page.frames if frame.url == url)

    def where(self) -> dict:
        return self.page.evaluate(
            "({index: contents()[0]?.index, page: window.where?.pageItem?.label})"
        )

    def failed_faces(self) -> list[str]:
        """The @font-face rules of the shown section that the reading system could not load."""
        return self.document(
            "doc => [...doc.fonts].filter(f => f.status === 'error')"
            ".map(f => `${f.family} ${f.weight}`)"
        )

    def document(self, script: str, arg=None):
        """Run `script` (a function of the shown section's document) in the reader."""
        return self.page.evaluate(f"arg => ({script})(contents()[0].doc, arg)", arg)

    def undrawn(self) -> list[Undrawn]:
        """The characters of the shown section that no embedded face has drawn."""
        self.page.evaluate("settle()")
        texts = self.page.evaluate(TEXT_ELEMENTS)
        self.cdp.send("DOM.getDocument", {"depth": 0})
        handle = self.cdp.send("Runtime.evaluate", {"expression": "window.textElements"})
        props = self.cdp.send(
            "Runtime.getProperties",
            {"objectId": handle["result"]["objectId"], "ownProperties": True},
        )
        objects = {
            int(p["name"]): p["value"]["objectId"] for p in props["result"] if p["name"].isdigit()
        }
        cmaps = embedded_cmaps(self.epub)
        found = []
        for index, (tag, variant, text) in enumerate(texts):
            text = _shown(tag, variant, text)
            node = self.cdp.send("DOM.requestNode", {"objectId": objects[index]})["nodeId"]
            fonts = self.cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            names = [f["postScriptName"] or f["familyName"] for f in fonts]
            covered = set().union(
                *(cmaps.get(f["postScriptName"], set()) for f in fonts if f["isCustomFont"])
            )
            for char in sorted(set(text)):
                if not _invisible(char) and ord(char) not in covered:
                    found.append(Undrawn(char, text.strip()[:40], names))
        return found

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), clip={"x": 0, "y": 0, **VIEW})


@functools.cache
def _cmaps(data: bytes) -> dict[str, set[int]]:
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), lazy=True)
    return {str(font["name"].getDebugName(6)): set(font.getBestCmap() or {})}


def embedded_cmaps(epub: Path) -> dict[str, set[int]]:
    """PostScript name → the code points of the faces the EPUB embeds with that name."""
    found: dict[str, set[int]] = {}
    with zipfile.ZipFile(epub) as z:
        for name in z.namelist():
            if name.lower().endswith((".otf", ".ttf", ".woff", ".woff2")):
                for ps, codes in _cmaps(z.read(name)).items():
                    found.setdefault(ps, set()).update(codes)
    return found


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: D102 - the tests' output stays readable
        pass


def start(folder: Path):
    """A server of `folder` on 127.0.0.1 (foliate-js linked in), and Chromium on its page,
    with no system font; yields a Reader."""
    from playwright.sync_api import sync_playwright

    assert (FOLIATE / "view.js").exists(), "foliate-js is installed by make test (npm ci)"
    (folder / "foliate-js").symlink_to(FOLIATE)
    (folder / "index.html").write_text(PAGE % VIEW, encoding="utf-8")
    conf = folder / "fonts.conf"
    (folder / "fc-cache").mkdir()
    (folder / "fonts").mkdir()
    (folder / "fonts" / "nothing.ttf").write_bytes(nothing_face())
    conf.write_text(FONTS_CONF % (folder / "fonts", folder / "fc-cache"), encoding="utf-8")
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    env.pop("FONTCONFIG_PATH", None)
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"], env=env
    )
    try:
        page = browser.new_page(viewport=VIEW, device_scale_factor=1)
        page.goto(f"{base}/index.html")
        page.wait_for_function("window.ready === true")
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        yield Reader(page, cdp, base, folder)
    finally:
        browser.close()
        playwright.stop()
        server.shutdown()


def dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)
