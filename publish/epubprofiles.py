"""EPUB profiles (`[epub] profile`): what each place readers read honours, one EPUB each.

- standard: EPUB 3 as the specifications say (popup notes from `epub:type`).
- apple: Apple Books draws the embedded faces only when the book says so
  (META-INF/com.apple.ibooks.display-options.xml, `specified-fonts`).
- kindle: what Kindle's converters keep: physical edges instead of logical properties,
  no properties they drop or choke on, and in vertical books the punctuation's vertical
  presentation forms (︒︐「」 as ︒︐﹁﹂), which Kindle does not take from the faces' `vert`.
- duokan: 多看's popup notes (`a.duokan-footnote`, `ol.duokan-footnote-content >
  li.duokan-footnote-item`), which 掌阅 reads too.
- weread: 微信读书/QQ 阅读's popup notes: the reference holds an image
  (`img.qqreader-footnote`) whose alt text is the note.
"""

from __future__ import annotations

PROFILES = ("standard", "apple", "kindle", "duokan", "weread")

APPLE_OPTIONS = b"""<?xml version="1.0" encoding="UTF-8"?>
<display_options>
  <platform name="*">
    <option name="specified-fonts">true</option>
  </platform>
</display_options>
"""

#: The note icon of the weread profile (images/note.png in the EPUB).
NOTE_ICON = "images/note.png"

#: Vertical presentation forms (Unicode's Vertical Forms and CJK Compatibility Forms).
VERTICAL_FORMS = str.maketrans(
    "，、。：；！？「」『』（）《》〈〉【】〖〗…",
    "︐︑︒︓︔︕︖﹁﹂﹃﹄︵︶︽︾︿﹀︻︼︗︘︙",
)

#: Logical edges → physical ones, by the book's writing mode (for the kindle profile).
_EDGES = {
    "horizontal-tb": {"inline-start": "left", "inline-end": "right",
                      "block-start": "top", "block-end": "bottom"},
    "vertical-rl": {"inline-start": "top", "inline-end": "bottom",
                    "block-start": "right", "block-end": "left"},
}  # fmt: skip
#: What Kindle's converters drop or mis-read.
_KINDLE_DROPS = {"text-wrap", "hanging-punctuation", "unicode-range", "break-inside",
                 "break-after", "break-before"}  # fmt: skip


def extra_files(profile: str) -> dict[str, bytes]:
    """Files the profile adds to the EPUB's zip, by name."""
    if profile == "apple":
        return {"META-INF/com.apple.ibooks.display-options.xml": APPLE_OPTIONS}
    return {}


def noteref(profile: str, note_id: str, ref_id: str, label: str, note_text: str) -> str:
    """A note reference as the profile's reading systems make a popup of it."""
    # late: config reads PROFILES; these load only for an EPUB
    from markupsafe import escape

    classes = {"duokan": "noteref duokan-footnote", "weread": "noteref qqreader-footnote"}
    inside = escape(label)
    if profile == "weread":
        inside = f'<img class="qqreader-footnote" src="{NOTE_ICON}" alt="{escape(note_text)}"/>'
    return (
        f'<a class="{classes.get(profile, "noteref")}" epub:type="noteref" role="doc-noteref" '
        f'href="#{note_id}" id="{ref_id}">{inside}</a>'
    )


def note_icon() -> bytes:
    """A small note mark (a grey disc), the image of the weread profile's references."""
    # late: config reads PROFILES; these load only for an EPUB
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((4, 4, 28, 28), fill=(90, 90, 90, 255))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _physical(name: str, mode: str) -> str:
    for logical, physical in _EDGES[mode].items():
        if logical in name:
            name = name.replace(logical, physical)
    return name


def kindle_css(css: str, mode: str) -> str:
    """The stylesheet with logical edges made physical for the book's writing mode and
    the properties Kindle's converters drop taken out."""
    # late: config reads PROFILES; these load only for an EPUB
    import tinycss2

    out = []
    for rule in tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True):
        if rule.type == "qualified-rule" or (
            rule.type == "at-rule" and rule.lower_at_keyword == "font-face"
        ):
            kept = []
            for item in tinycss2.parse_declaration_list(
                rule.content, skip_whitespace=True, skip_comments=True
            ):
                if item.type != "declaration" or item.lower_name in _KINDLE_DROPS:
                    continue
                name = _physical(item.lower_name, mode)
                value = tinycss2.serialize(item.value).strip()
                important = " !important" if item.important else ""
                kept.append(f"  {name}: {value}{important};")
            head = tinycss2.serialize(rule.prelude).strip()
            if rule.type == "at-rule":
                head = "@font-face"
            out.append(head + " {\n" + "\n".join(kept) + "\n}")
        else:
            out.append(tinycss2.serialize([rule]))
    return "\n".join(out) + "\n"


def vertical_punctuation(html: str) -> str:
    """Punctuation of running text (not code) as vertical presentation forms."""
    # late: config reads PROFILES; these load only for an EPUB
    from .typography.textnodes import map_text

    return map_text(html, lambda text, before, after: text.translate(VERTICAL_FORMS))
