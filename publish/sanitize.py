"""The raw-HTML policy: an allow-list, applied to every chapter's XHTML.

Markdown may carry raw HTML. What is on the list below passes (ruby annotations, sup/sub,
spans with classes, tables…); scripts, frames, objects, forms, media, `<link>`, `<style>`,
event handlers, `style` attributes and URLs other than http(s)/mailto/#fragment never reach
either output. Unknown elements are unwrapped (their text stays). The result is re-serialised
as well-formed XHTML, so that the EPUB stays valid whatever the author wrote.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import lxml.etree as etree
import lxml.html

from .htmlcompat import modernize

#: Removed together with everything inside them.
DROP = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "param",
    "link", "meta", "base", "head", "title", "form", "input", "button", "select", "option",
    "textarea", "template", "noscript", "svg", "audio", "video", "source", "track",
    "canvas", "map", "area", "dialog", "portal", "slot",
}  # fmt: skip
INLINE = {
    "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "dfn", "del", "em", "i", "img",
    "ins", "kbd", "mark", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strong",
    "sub", "sup", "time", "u", "var", "wbr",
}  # fmt: skip
BLOCK = {
    "p", "div", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead",
    "tbody", "tfoot", "tr", "th", "td", "caption", "figure", "figcaption", "hr", "h1", "h2",
    "h3", "h4", "h5", "h6", "section", "aside", "colgroup", "col",
}  # fmt: skip
#: Presentation MathML (what MathJax writes: publish/markup/maths.py) and the TeX annotation.
MATHML = {
    "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace",
    "mfrac", "msqrt", "mroot", "msup", "msub", "msubsup", "munder", "mover", "munderover",
    "mtable", "mtr", "mlabeledtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose", "merror",
    "mmultiscripts", "mprescripts", "none",
}  # fmt: skip
MATHML_ATTRIBUTES = {
    "xmlns", "display", "alttext", "encoding", "mathvariant", "mathsize", "stretchy",
    "fence", "separator", "accent", "accentunder", "movablelimits", "largeop", "symmetric",
    "lspace", "rspace", "minsize", "maxsize", "form", "width", "height", "depth",
    "linethickness", "columnalign", "rowalign", "columnlines", "rowlines", "columnspacing",
    "rowspacing", "displaystyle", "scriptlevel", "notation", "frame", "framespacing",
    "columnspan", "rowspan", "bevelled",
}  # fmt: skip
VOID = {"br", "hr", "img", "wbr", "col"}
GLOBAL_ATTRIBUTES = {"class", "title", "lang", "dir", "id", "aria-label", "role"}
ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "ol": {"start", "reversed"},
    "time": {"datetime"},
    "col": {"span"},
    "colgroup": {"span"},
}
#: Elements only valid inside one of these parents; elsewhere they are unwrapped.
PARENTS = {
    "li": {"ul", "ol"}, "td": {"tr"}, "th": {"tr"}, "tr": {"table", "thead", "tbody", "tfoot"},
    "thead": {"table"}, "tbody": {"table"}, "tfoot": {"table"}, "caption": {"table"},
    "colgroup": {"table"}, "col": {"colgroup"}, "dt": {"dl"}, "dd": {"dl"},
    "figcaption": {"figure"}, "rt": {"ruby"}, "rp": {"ruby"},
}  # fmt: skip
#: Elements whose children must be of these kinds (other elements are unwrapped, text dropped).
CHILDREN = {
    "ul": {"li"}, "ol": {"li"}, "dl": {"dt", "dd"}, "tr": {"td", "th"},
    "table": {"caption", "colgroup", "thead", "tbody", "tfoot", "tr"},
    "thead": {"tr"}, "tbody": {"tr"}, "tfoot": {"tr"}, "colgroup": {"col"},
}  # fmt: skip
_SAFE_HREF = re.compile(r"^(?:https?://|mailto:|#)", re.I)
_ALIGN_STYLE = re.compile(r"^text-align:\s*(?:left|right|center)$")
_EPUB_NS = "http://www.idpf.org/2007/ops"


def _attribute_allowed(tag: str, name: str, value: str) -> bool:
    if name == "style":
        # Only the column alignment markdown-it writes on table cells.
        return tag in ("td", "th") and bool(_ALIGN_STYLE.match(value.strip()))
    if name.startswith("on"):
        return False
    if name == "href":
        return bool(_SAFE_HREF.match(value.strip()))
    if name in ("epub:type", f"{{{_EPUB_NS}}}type"):
        return True
    if tag in MATHML:
        return name in MATHML_ATTRIBUTES or name in GLOBAL_ATTRIBUTES
    return name in GLOBAL_ATTRIBUTES or name in ATTRIBUTES.get(tag, ())


def violations(fragment: str) -> list[str]:
    """What the policy would remove from `fragment`, as short descriptions for warnings."""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except etree.ParserError:
        return []
    modernize(root)
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element is root:
            continue
        tag = element.tag.lower()
        if tag in DROP:
            found.append(f"<{tag}> removed")
            continue
        if tag not in INLINE and tag not in BLOCK and tag not in MATHML:
            found.append(f"<{tag}> unwrapped (not on the allow-list)")
        for name, value in element.attrib.items():
            if not _attribute_allowed(tag, name, value):
                found.append(f"attribute {name}= removed from <{tag}>")
    return found


#: images(src) → the href an `<img>`'s src becomes, or None: refused, its alt text stays.
ImagePolicy = Callable[[str], "str | None"]


def _parse(fragment: str):
    """The one way raw HTML is parsed (lxml's HTML parser), inside a `<div>`."""
    return lxml.html.fragment_fromstring(fragment, create_parent="div")


def images(fragment: str) -> tuple[list[str], bool]:
    """The src of every `<img>` in `fragment` as the HTML parser reads it (`<IMG SRC=…>`,
    `<img alt=">" src=…>` included), and whether the fragment holds nothing else."""
    try:
        root = _parse(fragment)
    except etree.ParserError:
        return [], False
    found = [element.get("src", "") for element in root.iter("img")]
    alone = (
        bool(found)
        and not any(
            element.tag != "img" or (element.tail or "").strip()
            for element in root.iterdescendants()
        )
        and not (root.text or "").strip()
    )
    return found, alone


def sanitize(fragment: str, images: ImagePolicy | None = None) -> str:
    """`fragment` reduced to the allow-list and serialised as well-formed XHTML. Each
    `<img>`'s src is what `images` makes of it; without a policy, no image stays."""
    if not fragment.strip():
        return fragment
    root = _parse(fragment)
    modernize(root)  # web-page presentational HTML → what the list keeps
    for element in list(root.iter()):
        if element is root:
            continue
        if not isinstance(element.tag, str):  # comments, processing instructions
            _remove(element, keep_content=False)
            continue
        tag = element.tag.lower()
        if tag in DROP:
            _remove(element, keep_content=False)
        elif tag not in INLINE and tag not in BLOCK and tag not in MATHML:
            _remove(element, keep_content=True)  # before renaming: lxml refuses odd names
        else:
            element.tag = tag
            for name, value in list(element.attrib.items()):
                if not _attribute_allowed(tag, name, value):
                    del element.attrib[name]
            if tag == "img":
                _image(element, images)
    _fix_structure(root)
    for element in root.iter():
        empty = element.text is None and len(element) == 0
        if empty and isinstance(element.tag, str) and element.tag not in VOID:
            element.text = ""  # <td></td>, never <td/> (an open tag to an HTML parser)
    text = html.escape(root.text or "", quote=False)
    return text + "".join(etree.tostring(child, encoding="unicode", method="xml") for child in root)


def _image(element, images: ImagePolicy | None) -> None:
    """The image's src as the policy says, or, refused, its alt text in its place."""
    src = element.get("src")
    href = images(src) if images is not None and src is not None else None
    if href is not None:
        element.set("src", href)
        return
    element.text = element.get("alt", "")
    _remove(element, keep_content=True)


def _fix_structure(root) -> None:
    """Unwrap what XHTML's content models forbid where it stands (EPUBCheck checks them)."""
    changed = True
    while changed:
        changed = False
        for element in list(root.iter()):
            if element is root or not isinstance(element.tag, str):
                continue
            parent = element.getparent()
            tag, parent_tag = element.tag, parent.tag
            misplaced = (
                (tag in PARENTS and parent_tag not in PARENTS[tag])
                or (parent_tag in CHILDREN and tag not in CHILDREN[parent_tag])
                or (tag in BLOCK and (parent_tag == "p" or parent_tag in INLINE))
                or (tag == "a" and any(a.tag == "a" for a in element.iterancestors()))
            )
            if misplaced:
                _remove(element, keep_content=True)
                changed = True
            elif tag == "img" and "alt" not in element.attrib:
                element.set("alt", "")
        for element in root.iter(*CHILDREN):
            if (element.text or "").strip() or any((c.tail or "").strip() for c in element):
                element.text = None
                for child in element:
                    child.tail = None


def _remove(element, keep_content: bool) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    if keep_content:
        index = parent.index(element)
        text = element.text or ""
        children = list(element)
        _append_text(parent, index, text)
        for offset, child in enumerate(children):
            parent.insert(index + offset, child)
        index += len(children)
        parent.remove(element)
        _append_text(parent, index, tail)
    else:
        index = parent.index(element)
        parent.remove(element)
        _append_text(parent, index, tail)


def _append_text(parent, index: int, text: str) -> None:
    """Add `text` where position `index` of `parent` now is (after child index-1)."""
    if not text:
        return
    if index == 0:
        parent.text = (parent.text or "") + text
    else:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + text


# --- SVG images ------------------------------------------------------------------------------

_SVG_DROP = {
    "script", "foreignObject", "iframe", "embed", "object", "audio", "video", "handler",
    "listener", "set", "animate", "animateMotion", "animateTransform", "discard",
}  # fmt: skip
_LINKS = {"href", "{http://www.w3.org/1999/xlink}href", "src"}
_CSS_IMPORT = re.compile(r"@import[^;]*;?", re.I)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)


def sanitize_svg(data: bytes, allow_data: bool = False) -> bytes:
    """An SVG image made safe for both editions: no script, event handler, animation,
    foreign HTML, entity or DOCTYPE, and no reference out of the file (links and CSS
    `url()` only to `#ids`, or to `data:` images where book.toml allows them)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             remove_pis=True, remove_comments=True, huge_tree=False)  # fmt: skip
    root = etree.fromstring(data, parser)
    for node in list(root.iter()):
        if isinstance(node, etree._Entity):  # an entity the DOCTYPE declared: gone with it
            _remove(node, keep_content=False)
            continue
        if not isinstance(node.tag, str):
            continue
        if etree.QName(node).localname in _SVG_DROP:
            _remove(node, keep_content=False)
            continue
        for name, value in list(node.attrib.items()):
            local = etree.QName(name).localname.lower()
            if local.startswith("on") or (name in _LINKS and not _local(value, allow_data)):
                del node.attrib[name]
            elif local == "style":
                node.set(name, _safe_css(value, allow_data))
        if etree.QName(node).localname == "style" and node.text:
            node.text = _safe_css(node.text, allow_data)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _local(url: str, allow_data: bool) -> bool:
    url = url.strip()
    return url.startswith("#") or (allow_data and url.lower().startswith("data:image/")
                                   and not url.lower().startswith("data:image/svg"))  # fmt: skip


def _safe_css(css: str, allow_data: bool) -> str:
    """CSS (not HTML: a regex is its tool) without `@import` or `url()` leaving the file."""
    css = _CSS_IMPORT.sub("", css)
    return _CSS_URL.sub(lambda m: m.group(0) if _local(m.group(2), allow_data) else "none", css)
