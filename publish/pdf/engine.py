"""The WeasyPrint engine: lay out print HTML (with the patches of publish/weasy) and write
the PDF. WeasyPrint is imported on first use: loading it takes ~0.25 s that `publish --help`
or a build whose pieces are all cached need not pay."""

from __future__ import annotations

import copy
from pathlib import Path

from .html import Setup
from .pagination import first_body_page
from .upright import Frame, turn_upright


def render_html(setup: Setup, html: str, extra_css: str = ""):
    """Lay out `html` with the book's stylesheets, then `extra_css`. Returns the WeasyPrint
    document and the URLs the sandbox refused to fetch."""
    # late: WeasyPrint and its patches load on first use (~0.25 s of start-up)
    from ..weasy.load import load

    load()  # before WeasyPrint's first import
    # late: WeasyPrint, after load()
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from ..sandbox import quiet_logging, url_fetcher
    from ..weasy import cjk
    from ..weasy.cjk import install as install_cjk_layout
    from ..weasy.footnotes import install as install_footnote_layout
    from ..weasy.grid import install as install_grid_layout
    from ..weasy.svgpaths import install as install_svg_paths

    font_config = FontConfiguration()  # @font-face rules are ignored without one
    fetcher = url_fetcher(setup.root, list(setup.font_files), list(setup.resources))
    css = [
        CSS(string=text, font_config=font_config, url_fetcher=fetcher)
        for text in (*setup.stylesheets, extra_css)
        if text
    ]
    install_footnote_layout()
    install_grid_layout()
    install_svg_paths()  # formulas: their outlines appended as PDF operators
    if setup.chinese_layout:
        install_cjk_layout()
    base_url = setup.root.resolve().as_uri() + "/"
    with (
        quiet_logging(),
        cjk.composing(hanging=setup.hanging_punctuation, compress=setup.compress_punctuation),
    ):
        # Presentational hints: an image's width/height attributes (sized by its author,
        # htmlcompat.py), the only ones the raw-HTML policy keeps.
        parsed = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        if setup.upright_frame:
            _turn_upright(parsed, setup, css, font_config)
        document = parsed.render(
            stylesheets=css, font_config=font_config, presentational_hints=True
        )
    return document, list(dict.fromkeys(fetcher.refused))


def _turn_upright(parsed, setup: Setup, css: list, font_config) -> None:
    """A vertical edition's tables, code, maths and SVG images kept upright (upright.py):
    laid out alone first, for their sizes."""
    # late: cssselect2 and WeasyPrint load with WeasyPrint (~0.25 s of start-up)
    import cssselect2
    from weasyprint import CSS

    def layout(root, extra: str) -> list:
        measuring = copy.copy(parsed)
        measuring.wrapper_element = cssselect2.ElementWrapper.from_html_root(root)
        measuring.etree_element = root
        sheets = [*css, CSS(string=extra, font_config=font_config)]
        return measuring.render(
            stylesheets=sheets, font_config=font_config, presentational_hints=True
        ).pages

    root = parsed.etree_element
    if turn_upright(root, Frame(*setup.upright_frame), layout):
        parsed.wrapper_element = cssselect2.ElementWrapper.from_html_root(root)


def write_pdf(document, target: Path, font_files: list[Path], standard: str = "") -> None:
    """Write a document `layout` made to `target`, with page labels; the subsets of the
    faces read from `font_files` are kept between builds (weasy.fonts.cached_subsets).
    `standard` "pdf/ua-1" writes a tagged PDF (WeasyPrint's structure tree); PDF/X is the
    prepress step's (prepress.finish)."""
    # late: both import WeasyPrint (~0.25 s of start-up)
    from ..sandbox import quiet_logging
    from ..weasy.fonts import cached_subsets

    variant = {"pdf_variant": standard} if standard == "pdf/ua-1" else {}
    with quiet_logging(), cached_subsets(font_files):
        document.write_pdf(target, pdf_identifier=True, finisher=_page_labels, **variant)


def _page_labels(document, pdf) -> None:
    """Page labels as printed: i, ii, iii… for the front matter, 1, 2, 3… from the text on,
    so that a PDF viewer's page box shows the folio a reader sees (and cites)."""
    import pydyf  # late: WeasyPrint's PDF library, loaded with it

    names = [page._page_box.page_type.name for page in document.pages]
    first = first_body_page(names)
    ranges = pydyf.Array()
    if first > 0:
        ranges.extend([0, pydyf.Dictionary({"S": "/r"})])
    if first < len(names):
        ranges.extend([first, pydyf.Dictionary({"S": "/D", "St": 1})])
    pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": ranges})
