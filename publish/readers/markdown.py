"""One Markdown file → tokens → XHTML: the only place Markdown is parsed.

markdown-it-py, CommonMark plus tables, strikethrough and footnotes. Every reader of the
package goes through here: a file's text is read (UTF-8, nothing XML forbids), parsed,
its footnotes moved out of the text, a paragraph holding one image turned into a figure,
every image checked (so that renderers never meet a missing file), and, once the book's
structure has numbered its headings and resolved its links (assemble.py), rendered.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from ..config import SecuritySettings
from ..errors import PublishError
from ..images import (
    IMAGE_TYPES,
    SUFFIXES,
    BrokenImage,
    check_image,
    checked_resource,
)
from ..markup.crossref import label_id, label_kind
from ..model import Footnote, Resource, Warning
from ..sanitize import ImagePolicy, images, sanitize, sanitize_svg, violations
from ..typography.prepare import join_lines
from ..typography.ruby import ruby_plugin
from . import files

#: Characters XML 1.0 forbids (C0 controls but tab and newline, lone surrogates,
#: U+FFFE/U+FFFF), and C1 controls, which are never meant in text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def markdown() -> MarkdownIt:
    # Raw HTML passes through here and is reduced to an allow-list afterwards (sanitize.py).
    md = MarkdownIt("commonmark", {"html": True, "xhtmlOut": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.use(ruby_plugin)
    # YAML front matter (VitePress, VuePress, HonKit pages: `---\ntitle: …\n---`): the
    # site's, not the text's; taken out in parse().
    md.use(front_matter_plugin)
    # Bracketed spans with a class only: `[王小明]{.no-convert}` (a name no edition converts).
    md.use(attrs_plugin, after=("span_close",), spans=True, allowed=["class"])
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    return md


def _render_footnote_ref(self, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    chapter_id = env["chapter_id"]
    number = meta["id"] + 1
    sub = meta.get("subId", 0)
    ref_id = f"fnref-{chapter_id}-{number}" + (f"-{sub}" if sub else "")
    return f'<a class="noteref" href="#fn-{chapter_id}-{number}" id="{ref_id}">{number}</a>'


@dataclass
class Context:
    """What reading one chapter needs to know and to report."""

    root: Path
    path: Path
    resources: dict[str, Resource]
    warnings: list[Warning]
    security: SecuritySettings
    included: list[Path] = field(default_factory=list)
    #: Remote images refused (src, file, line), reported together at the end.
    remote: list[tuple[str, Path, int | None]] = field(default_factory=list)
    #: Where a path starting with `/` starts (a web site's folder; its `public/` too).
    site: Path | None = None
    #: Each raw `<img>` src met → its href (None: refused, its alt text stays).
    images: dict[str, str | None] = field(default_factory=dict)

    def image_policy(self) -> ImagePolicy:
        """What the sanitiser makes of an `<img>`'s src: the href found for it when it was
        read, an image of the book (Markdown's, a diagram's) as it is, anything else refused."""

        def policy(src: str) -> str | None:
            if src in self.images:
                return self.images[src]
            # Asked while rendering: a diagram's image is registered by then, not before.
            return src if any(r.href == src for r in self.resources.values()) else None

        return policy

    def warn(self, message: str, line: int | None) -> None:
        self.warnings.append(Warning(message, self.path, line))


def read_text(context: Context) -> str:
    """The file's text: UTF-8 (BOM or not), LF line ends, no character XML forbids."""
    path = context.path
    try:
        text = files.read_text(path, context.root)
    except files.BookFileError as exc:
        reason = "not UTF-8 text; save the chapter as UTF-8" if exc.line else exc.reason
        raise PublishError(reason, path, exc.line) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "{{" in text:  # mdBook's {{#include}} directives (code kept in files of its own)
        from ..includes import include  # late: start-up time: loaded only when this runs

        expanded = include(
            text, path, context.root, lambda m, p, n: context.warnings.append(Warning(m, p, n))
        )
        text = expanded.text
        context.included.extend(expanded.files)
    if ":include" in text:  # docsify's embeds: [text](file.md ':include')
        from ..includes import embed  # late: start-up time: loaded only when this runs

        embedded = embed(
            text, path, context.root, lambda m, p, n: context.warnings.append(Warning(m, p, n))
        )
        text = embedded.text
        context.included.extend(embedded.files)
    bad = _NOT_XML.search(text)
    if bad:
        # Control characters cannot stand in XHTML (and print as nothing anyway).
        context.warn("control characters removed", text.count("\n", 0, bad.start()) + 1)
        text = _NOT_XML.sub("", text)
    return text


def parse(md: MarkdownIt, text: str, context: Context, env: dict) -> ParsedText:
    """One file's Markdown as tokens: footnotes apart, images checked, lone images made
    figures. `env["chapter_id"]` names the footnotes (see render_footnote_ref)."""
    tokens = md.parse(text, env)
    if tokens and tokens[0].type == "front_matter":
        env["front_matter"] = tokens.pop(0).content
    body, notes = _split_footnotes(tokens)
    _check_resources(tokens, context)
    _make_figures(body)
    return ParsedText(body, notes, env)


@dataclass
class ParsedText:
    """A Markdown file as tokens, waiting for its links to be resolved and its headings
    numbered before it is rendered."""

    body: list[Token]
    notes: list[tuple[int, list[Token]]]
    env: dict


def render(md: MarkdownIt, parsed: ParsedText) -> tuple[str, list[Footnote]]:
    """The file's body as XHTML (through the raw-HTML allow-list) and its footnotes."""
    env = parsed.env
    chapter_id = env["chapter_id"]
    policy = env["context"].image_policy()
    footnotes = []
    for note_id, note_tokens in parsed.notes:
        label = str(note_id + 1)
        footnotes.append(
            Footnote(
                id=f"fn-{chapter_id}-{label}",
                ref_id=f"fnref-{chapter_id}-{label}",
                label=label,
                html=sanitize(md.renderer.render(note_tokens, md.options, env).strip(), policy),
            )
        )
    return sanitize(md.renderer.render(parsed.body, md.options, env), policy), footnotes


def _split_footnotes(tokens: list[Token]) -> tuple[list[Token], list[tuple[int, list[Token]]]]:
    """Separate the text from the footnote definitions the plugin gathered at the end."""
    body: list[Token] = []
    notes: list[tuple[int, list[Token]]] = []
    current: list[Token] | None = None
    for token in tokens:
        if token.type == "footnote_open":
            current = []
            notes.append((token.meta["id"], current))
        elif token.type == "footnote_close":
            current = None
        elif token.type in ("footnote_block_open", "footnote_block_close", "footnote_anchor"):
            continue
        elif current is not None:
            if token.type == "inline":
                token.children = [c for c in token.children or [] if c.type != "footnote_anchor"]
            current.append(token)
        else:
            body.append(token)
    return body, notes


def plain_text(inline: Token) -> str:
    """The reader-visible text of an inline token (for TOC, bookmarks and running heads)."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return join_lines("".join(parts)).strip()


def _check_resources(tokens: list[Token], context: Context) -> None:
    """Check every image (Markdown or raw HTML) and what raw HTML the policy removes.

    Images must be files inside the manuscript; their src becomes manuscript-relative.
    Remote and outside references are refused with a warning (the alt text stays).
    """
    for token in tokens:
        line = token.map[0] + 1 if token.map else None
        if token.type == "html_block":
            token.content = _raw_html(token.content, context, line, block=True)
        if token.type != "inline":
            continue
        children = []
        for child in token.children or []:
            if child.type == "html_inline":
                child.content = _raw_html(child.content, context, line)
            elif child.type == "image":
                href = _resolve_image(str(child.attrGet("src") or ""), context, line)
                if href is None:
                    children.extend(child.children or [])
                    continue
                child.attrSet("src", href)
            children.append(child)
        token.children = children


def _raw_html(fragment: str, context: Context, line: int | None, block: bool = False) -> str:
    """Warn of what the allow-list will remove, and resolve each `<img>` the HTML parser
    finds (the src → href map is applied when the chapter is sanitised, by the same
    parser: an image it did not see here never reaches an edition)."""
    for problem in violations(fragment):
        context.warn(f"raw HTML: {problem}", line)
    sources, alone = images(fragment)
    for src in sources:
        if src not in context.images:
            context.images[src] = _resolve_image(src, context, line)
    if block and alone and all(context.images[src] is None for src in sources):
        return f"<p>{fragment.strip()}</p>\n"  # refused images' alt texts: a paragraph
    return fragment


#: Stands where the warning about remote images will be, once they are all counted.
REMOTE = Warning("remote images refused")


def _resolve_image(src: str, context: Context, line: int | None) -> str | None:
    """The manuscript-relative href of an image, None if refused; errors if missing."""
    chapter, root = context.path, context.root
    scheme = src.split(":", 1)[0].lower() if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", src) else ""
    security = context.security
    if scheme == "data" and security.allow_data_urls:
        return _embedded_image(src, _decode_data_url(src, context, line), context, line)
    if scheme in ("http", "https") and security.allow_remote_images:
        return _embedded_image(src, _download(src, context, line), context, line)
    if scheme in ("http", "https", "") and (scheme or src.startswith("//")):
        if not context.remote:
            context.warnings.append(REMOTE)  # its place in the list, for the summary
        context.remote.append((src, chapter, line))
        return None
    if scheme:
        key = "allow-data-urls" if scheme == "data" else "allow-remote-images"
        hint = (
            f" (allow with [security] {key} = true)" if scheme in ("data", "http", "https") else ""
        )
        context.warn(
            f"image `{src[:80]}` refused: only files inside the manuscript are used{hint}", line
        )
        return None
    name = unquote(src.split("#")[0].split("?")[0])
    target = (chapter.parent / name).resolve()
    if name.startswith("/") and context.site is not None:  # a site's path: /img/a.png
        places = [context.site / name.lstrip("/"), context.site / "public" / name.lstrip("/")]
        target = next((p.resolve() for p in places if p.is_file()), places[0].resolve())
    if not target.is_relative_to(root):
        context.warn(f"image `{src}` refused: it is outside the manuscript folder", line)
        return None
    # A broken image is a warning, not an error: the alt text stays, the build goes on.
    if not target.is_file():
        context.warn(f"image `{src}` not found (its alt text is printed instead)", line)
        return None
    suffix = target.suffix.lower()
    if suffix not in IMAGE_TYPES:
        context.warn(f"image `{src}` is not PNG, JPEG, GIF, SVG or WebP (left out)", line)
        return None
    href = target.relative_to(root).as_posix()
    known = context.resources.get(href)
    if known is not None:
        return known.href
    try:
        media_type = check_image(target, src, chapter, line)
    except BrokenImage as error:
        context.warn(f"{error.message} (its alt text is printed instead)", line)
        return None
    resource = checked_resource(href, target, media_type or IMAGE_TYPES[suffix])
    if resource.media_type == "image/svg+xml":  # both editions get it without scripts, links
        clean = sanitize_svg(resource.content(), context.security.allow_data_urls)
        resource = Resource(resource.href, resource.path, resource.media_type, clean)
    if _UNSAFE_RE.search(resource.href):
        safe = _safe_href(resource.href, root, context.resources)
        resource = Resource(safe, root / safe, resource.media_type, resource.content())
    context.resources[href] = resource
    return resource.href


#: What a file name may hold but an href (a URL) may not: `_images/my image.png`.
_UNSAFE_RE = re.compile(r"[\s%#?\"'<>\\^`{|}\[\]]")


def _safe_href(href: str, root: Path, resources: dict[str, Resource]) -> str:
    """The href an image whose name is no valid URL is served under, in both editions
    (its bytes from memory): `_` for each unsafe character, and a hash of the name where
    that would meet another file's name. EPUBCheck refuses a space in an href (RSC-020),
    warns of one in a file name (PKG-010), and %20 would name the file twice."""
    safe = _UNSAFE_RE.sub("_", href)
    taken = {r.href for r in resources.values()}
    if safe in taken or (root / safe).exists():
        stem, dot, suffix = safe.rpartition(".")
        digest = hashlib.sha256(href.encode()).hexdigest()[:8]
        safe = f"{stem}-{digest}{dot}{suffix}" if dot else f"{safe}-{digest}"
    return safe


_DATA_URL_RE = re.compile(
    r"^data:(image/[a-z0-9.+-]+)?((?:;[^;,]*)*?)(;base64)?,(.*)$", re.I | re.S
)


def _decode_data_url(src: str, context: Context, line: int | None) -> tuple[bytes, str]:
    """The bytes and media type of a data: URL image."""
    match = _DATA_URL_RE.match(src)
    media_type = (match.group(1) or "").lower() if match else ""
    if not match or media_type not in SUFFIXES:
        raise PublishError(
            "data: URL image must be PNG, JPEG, GIF, SVG or WebP", context.path, line
        )
    try:
        if match.group(3):
            data = base64.b64decode(re.sub(r"\s+", "", match.group(4)), validate=True)
        else:
            data = unquote_to_bytes(match.group(4))
    except (binascii.Error, ValueError):
        raise PublishError("data: URL image is not valid base64", context.path, line) from None
    return data, media_type


def _download(src: str, context: Context, line: int | None) -> tuple[bytes, str]:
    """An http(s) image, fetched once at reading time (only when book.toml allows it)."""
    import urllib.error  # late: standard library, loaded only when used (start-up time)
    import urllib.request  # late: standard library, loaded only when used (start-up time)

    from ..images import MAX_BYTES  # late: start-up time: loaded only when this runs

    request = urllib.request.Request(src, headers={"User-Agent": "publish"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            data = response.read(MAX_BYTES + 1)
            media_type = response.headers.get_content_type()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PublishError(f"image `{src[:80]}` could not be fetched: {reason}", context.path,
                           line) from None  # fmt: skip
    if media_type not in SUFFIXES:
        suffix = Path(urlsplit(src).path).suffix.lower()
        media_type = IMAGE_TYPES.get(suffix, media_type)
    if media_type not in SUFFIXES:
        raise PublishError(f"image `{src[:80]}` is {media_type}, not an image", context.path, line)
    return data, media_type


def _embedded_image(
    src: str, fetched: tuple[bytes, str], context: Context, line: int | None
) -> str:
    """Register image bytes that are no file of the manuscript; returns their href."""
    data, media_type = fetched
    href = f"images/_embedded-{hashlib.sha256(data).hexdigest()[:16]}{SUFFIXES[media_type]}"
    if href not in context.resources:
        check_image(data, src, context.path, line, svg=media_type == "image/svg+xml")
        if media_type == "image/svg+xml":
            data = sanitize_svg(data, context.security.allow_data_urls)
        context.resources[href] = Resource(href, context.root / href, media_type, data)
    return href


def _make_figures(tokens: list[Token]) -> None:
    """A paragraph holding nothing but an image becomes a figure with a caption."""
    for index in range(len(tokens) - 2):
        opening, inline, closing = tokens[index : index + 3]
        if not (opening.type == "paragraph_open" and closing.type == "paragraph_close"):
            continue
        children = [c for c in inline.children or [] if not (c.type == "text" and not c.content)]
        # `![…](…){.full-bleed}`: a figure printed over the whole page and into the bleed.
        bleed = (
            len(children) == 2
            and children[1].type == "text"
            and children[1].content.strip() == "{.full-bleed}"
        )
        if bleed:
            children = children[:1]
        if len(children) != 1 or children[0].type != "image":
            continue
        image = children[0]
        caption = str(image.attrGet("title") or "") or _plain_text_children(image)
        alt = _plain_text_children(image)
        attrs = {"src": str(image.attrGet("src")), "alt": alt}
        img = "<img " + " ".join(f'{k}="{html.escape(v)}"' for k, v in attrs.items()) + " />"
        figcaption = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        opening.type = closing.type = "html_block"
        label = image.meta.get("label")
        classes = [
            c
            for c, on in (
                ("full-bleed", bleed),
                ("numbered", bool(label) and label_kind(label) == "fig"),
            )
            if on
        ]
        figure = "<figure"
        if label:
            figure += f' id="{label_id(label)}"'
        figure += f' class="{" ".join(classes)}">' if classes else ">"
        opening.content = f"{figure}{img}{figcaption}</figure>\n"
        closing.content = ""
        inline.children = []
        inline.content = ""


def _plain_text_children(token: Token) -> str:
    return "".join(c.content for c in token.children or [] if c.type in ("text", "code_inline"))
