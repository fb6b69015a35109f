"""A style of the book's own (`citation-style = "styles/apa.csl"`): the Citation Style
Language, through citeproc-py.

GB/T 7714 is gb7714.py's: no CSL processor prints its examples right
(benchmarks/csl_processors.py). This is for books in other traditions (APA, IEEE,
Chicago…), as well as citeproc-py does them: its citations are its own strings (no
`[2-4]` ranges unless the style asks, `@key` in a sentence printed like `[@key]`), its
list in the style's order.
"""

from __future__ import annotations

import io
import warnings as python_warnings
from pathlib import Path
from typing import Any

from ...model import Warning
from .sources import Name, Reference


class CslError(Exception):
    """A style citeproc-py cannot use (the apparatus falls back to GB/T 7714)."""


def to_csl(reference: Reference) -> dict[str, Any]:
    """`reference` as a CSL-JSON item."""

    def person(name: Name) -> dict[str, str]:
        if name.literal:
            return {"literal": name.literal}
        out = {"family": name.family, "given": name.given}
        if name.particle:
            out["non-dropping-particle"] = name.particle
        if name.suffix:
            out["suffix"] = name.suffix
        return out

    item: dict[str, Any] = {"id": reference.key, "type": reference.kind}
    for key, value in reference.fields.items():
        if key not in ("id", "type", "year", "date", "urldate", "langid") and value:
            item[key] = value
    for role, people in (("author", reference.authors), ("editor", reference.editors),
                         ("translator", reference.translators)):  # fmt: skip
        if people:
            item[role] = [person(p) for p in people]
    if reference.issued:
        item["issued"] = {"date-parts": [list(reference.issued)]}
    if reference.accessed:
        item["accessed"] = {"date-parts": [list(reference.accessed)]}
    return item


class Processor:
    """citeproc-py with one style over the cited references: register every citation in
    reading order, then `finish`, then `cite` each and take the `entries`."""

    def __init__(self, text: str, references: dict[str, Reference]) -> None:
        # late: citeproc-py loads only for a book with a .csl style (start-up time)
        from citeproc import CitationStylesBibliography, CitationStylesStyle, formatter
        from citeproc.source.json import CiteProcJSON

        python_warnings.filterwarnings("ignore", module="citeproc")
        try:
            style = CitationStylesStyle(io.BytesIO(text.encode("utf-8")), validate=False)
            source = CiteProcJSON([to_csl(r) for r in references.values()])
        except Exception as error:  # noqa: BLE001 — any failure of a third-party parser
            raise CslError(str(error) or type(error).__name__) from None
        self.bibliography = CitationStylesBibliography(style, source, formatter.html)
        self.citations: dict[str, Any] = {}

    def register(self, anchor: str, cites: list[tuple[str, str]]) -> None:
        """A citation (its anchor; its keys and page locators)."""
        from citeproc import Citation, CitationItem, Locator  # late: see __init__

        items = [CitationItem(key, locator=Locator("page", locator)) if locator
                 else CitationItem(key) for key, locator in cites]  # fmt: skip
        self.citations[anchor] = Citation(items)
        self.bibliography.register(self.citations[anchor])

    def finish(self) -> None:
        self.bibliography.sort()

    def number(self, key: str) -> int:
        """The entry's place in the list (its id)."""
        return self.bibliography.keys.index(key) + 1

    def cite(self, anchor: str) -> str:
        """The citation's HTML as the style writes it."""
        try:
            return str(self.bibliography.cite(self.citations[anchor], lambda item: None))
        except Exception as error:  # noqa: BLE001
            raise CslError(str(error) or type(error).__name__) from None

    def entries(self) -> list[tuple[str, str]]:
        """(key, HTML) of each entry, in the style's order."""
        try:
            made = [str(entry) for entry in self.bibliography.bibliography()]
        except Exception as error:  # noqa: BLE001
            raise CslError(str(error) or type(error).__name__) from None
        return list(zip(self.bibliography.keys, made, strict=False))


def warning(path: Path, error: CslError) -> Warning:
    return Warning(f"citeproc-py cannot use this style ({error}); gb7714-2015-numeric used",
                   path)  # fmt: skip
