"""The presentational HTML that books written for the web carry, made into what the raw-HTML
allow-list keeps (sanitize.py runs this first).

READMEs and GitBook pages centre things with `<div align="center">`, `<p align>` and
`<center>`, colour words with `<font>`, fold answers into `<details>`/`<summary>`, size
images with `width="50%"`. Removing all that with a warning each would bury a real book's
report under hundreds of lines and lose the centring; keeping it would break XHTML (EPUBCheck
refuses `align`, `<center>`, `<font>`, a width in per cent). So: alignment becomes a class
both stylesheets know, `<center>` a centred `div`, `<font>` a plain `span` (colour and size
are the web page's, not the book's), `<details>` an open box whose `<summary>` is its label
(paper cannot fold, and neither need the e-book), and image sizes whole pixels or nothing.
"""

from __future__ import annotations

import re

#: Attributes dropped without a warning: presentation with no place in a book.
_QUIET = {
    "img": {"align", "border", "hspace", "vspace"},
    "font": {"color", "size", "face"},
    "details": {"open"},
    "table": {"border", "cellpadding", "cellspacing", "width", "align"},
}
_ALIGNABLE = {"div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th"}
_ALIGNMENTS = {"left", "right", "center", "justify"}
_PIXELS = re.compile(r"^\s*(\d+)\s*(?:px)?\s*$", re.I)


def modernize(root) -> None:
    """Rewrite the web-page HTML under the lxml element `root` in place (see above)."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        for name in _QUIET.get(tag, ()):
            element.attrib.pop(name, None)
        if tag == "center":
            element.tag = "div"
            _add_class(element, "align-center")
        elif tag == "font":
            element.tag = "span"
        elif tag == "details":
            element.tag = "div"
            _add_class(element, "details")
        elif tag == "summary":
            element.tag = "p"
            _add_class(element, "summary")
        align = element.attrib.get("align", "").strip().lower()
        if tag in _ALIGNABLE and "align" in element.attrib:
            del element.attrib["align"]
            if align in _ALIGNMENTS:
                _add_class(element, f"align-{align}")
        if tag == "img":
            for name in ("width", "height"):
                if name in element.attrib:
                    pixels = _PIXELS.match(element.attrib[name])
                    if pixels:
                        element.attrib[name] = pixels.group(1)
                    else:  # 50%, auto…: the stylesheet's own sizing applies
                        del element.attrib[name]
    for paragraph in root.iter("p"):
        # Markdown wraps a lone `<span class="filename">` (trpl: "file-name") in a
        # paragraph: name that.
        children = list(paragraph)
        if (
            len(children) == 1
            and children[0].tag == "span"
            and {"filename", "file-name"} & set(children[0].attrib.get("class", "").split())
            and not (paragraph.text or "").strip()
            and not (children[0].tail or "").strip()
        ):
            _add_class(paragraph, "filename")


def _add_class(element, name: str) -> None:
    classes = element.attrib.get("class", "").split()
    if name not in classes:
        element.attrib["class"] = " ".join([*classes, name])
