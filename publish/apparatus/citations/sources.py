"""Bibliography files → references: BibTeX/BibLaTeX (bibtexparser 2) and CSL-JSON.

Both are read into one `Reference` (GB/T 7714's own terms: a document type code, the
responsible persons, the publication data), with the file and line each entry starts on,
so that a malformed entry is a warning naming its place and the rest of the file is
still used. The file is opened through the readers' sandbox (readers/files.py): a
bibliography outside the book is refused like any other path.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...model import Warning

_HAN_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
#: `langid`/`language` values that make an entry an East Asian one (等, not et al.).
_CJK_LANGUAGES = ("zh", "chinese", "ja", "japanese", "ko", "korean", "中文", "汉语", "日")


@dataclass
class Name:
    """A responsible person or body: family and given names, or a body's name (`literal`)."""

    family: str = ""
    given: str = ""
    particle: str = ""
    suffix: str = ""
    literal: str = ""

    @property
    def is_han(self) -> bool:
        return bool(_HAN_RE.search(self.literal or self.family + self.given))


@dataclass
class Reference:
    """One entry of the bibliography, in CSL's variable names (`container-title`,
    `publisher-place`…); `kind` is CSL's type (`book`, `article-journal`…)."""

    key: str
    kind: str
    fields: dict[str, str] = field(default_factory=dict)
    authors: list[Name] = field(default_factory=list)
    editors: list[Name] = field(default_factory=list)
    translators: list[Name] = field(default_factory=list)
    issued: tuple[int, ...] = ()
    accessed: tuple[int, ...] = ()
    path: Path | None = None
    line: int | None = None

    def get(self, name: str) -> str:
        return self.fields.get(name, "").strip()

    @property
    def cjk(self) -> bool:
        """Whether the entry is Chinese (or Japanese, Korean): `等`, its names as written.
        Its `langid`/`language` says, else whether its names (or title) are Han."""
        language = (self.get("language") or self.get("langid")).lower()
        if language:
            return language.startswith(_CJK_LANGUAGES)
        if self.authors or self.editors:
            return any(name.is_han for name in [*self.authors, *self.editors])
        return bool(_HAN_RE.search(self.get("title")))


def parse(text: str, path: Path, warnings: list[Warning]) -> dict[str, Reference]:
    """The references of the bibliography file `path` (its `text`) by key; its problems
    as warnings naming its lines."""
    if path.suffix.lower() == ".json":
        return _read_csl_json(text, path, warnings)
    return _read_bibtex(text, path, warnings)


# --- CSL-JSON ------------------------------------------------------------------------


def _read_csl_json(text: str, path: Path, warnings: list[Warning]) -> dict[str, Reference]:
    decoder = json.JSONDecoder()
    found: dict[str, Reference] = {}
    start = len(text) - len(text.lstrip())
    if not text[start:].startswith("["):
        warnings.append(Warning("CSL-JSON is an array of items `[{…}, …]`", path, 1))
        return found
    index = start + 1
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text) or text[index] == "]":
            return found
        line = text.count("\n", 0, index) + 1
        try:
            item, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            warnings.append(Warning(f"malformed CSL-JSON: {exc.msg}", path, exc.lineno))
            return found
        except RecursionError:
            warnings.append(Warning("malformed CSL-JSON: nested too deeply", path, line))
            return found
        reference = _csl_item(item, path, line, warnings)
        if reference is not None:
            _add(found, reference, warnings)


def _csl_item(item: Any, path: Path, line: int, warnings: list[Warning]) -> Reference | None:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str | int):
        warnings.append(Warning("a CSL-JSON item without an `id`: left out", path, line))
        return None
    reference = Reference(str(item["id"]), str(item.get("type") or "book"), path=path, line=line)
    for name, value in item.items():
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            reference.fields[name] = str(value)
    for role, target in (("author", reference.authors), ("editor", reference.editors),
                         ("translator", reference.translators)):  # fmt: skip
        for person in item.get(role) or []:
            if isinstance(person, dict):
                target.append(Name(str(person.get("family", "")), str(person.get("given", "")),
                                   str(person.get("non-dropping-particle", "")),
                                   str(person.get("suffix", "")),
                                   str(person.get("literal", ""))))  # fmt: skip
    reference.issued = _csl_date(item.get("issued"))
    reference.accessed = _csl_date(item.get("accessed"))
    return reference


def _csl_date(value: Any) -> tuple[int, ...]:
    if isinstance(value, dict):
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list):
            try:
                return tuple(int(p) for p in parts[0][:3])
            except (TypeError, ValueError):
                return ()
        if isinstance(value.get("raw"), str):
            return parse_date(value["raw"])
    return parse_date(value) if isinstance(value, str) else ()


def parse_date(text: str) -> tuple[int, ...]:
    """`2000`, `2000-11-20`, `2000/11`: (year, month, day) as far as given."""
    match = re.match(r"^\s*(\d{4})(?:[-/.](\d{1,2}))?(?:[-/.](\d{1,2}))?", text)
    return tuple(int(g) for g in match.groups() if g) if match else ()


def _add(found: dict[str, Reference], reference: Reference, warnings: list[Warning]) -> None:
    if reference.key in found:
        first = found[reference.key]
        warnings.append(Warning(f"bibliography key `{reference.key}` defined twice (first at "
                                f"line {first.line}); the second is left out", reference.path,
                                reference.line))  # fmt: skip
        return
    found[reference.key] = reference


# --- BibTeX / BibLaTeX ---------------------------------------------------------------

#: BibTeX's entry types → CSL's types (what gb7714.py formats).
_BIBTEX_TYPES = {
    "article": "article-journal", "book": "book", "mvbook": "book", "booklet": "book",
    "inbook": "chapter", "incollection": "chapter", "bookinbook": "chapter",
    "inproceedings": "paper-conference", "conference": "paper-conference",
    "proceedings": "proceedings", "mvproceedings": "proceedings", "collection": "collection",
    "mvcollection": "collection", "phdthesis": "thesis", "mastersthesis": "thesis",
    "thesis": "thesis", "techreport": "report", "report": "report", "standard": "standard",
    "patent": "patent", "online": "webpage", "www": "webpage", "electronic": "webpage",
    "webpage": "webpage", "newspaper": "article-newspaper", "periodical": "periodical",
    "dataset": "dataset", "software": "software", "map": "map", "archive": "archive",
    "manual": "report", "misc": "document", "unpublished": "document", "preprint": "preprint",
    "database": "database",
}  # fmt: skip
#: BibTeX's field names → CSL's variables.
_BIBTEX_FIELDS = {
    "journal": "container-title", "journaltitle": "container-title",
    "booktitle": "container-title", "address": "publisher-place", "location":
    "publisher-place", "school": "publisher", "institution": "publisher",
    "organization": "publisher", "number": "issue", "pages": "page", "url": "URL",
    "doi": "DOI", "subtitle": "title-short-sub", "langid": "language",
}  # fmt: skip


def _read_bibtex(text: str, path: Path, warnings: list[Warning]) -> dict[str, Reference]:
    # late: only a book with a .bib bibliography needs bibtexparser (start-up time)
    import bibtexparser
    from bibtexparser import middlewares

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # its errors: ours below
    library = bibtexparser.parse_string(
        text, append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
    )
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, bibtexparser.model.DuplicateBlockKeyBlock):
            warnings.append(Warning(f"bibliography key `{block.key}` defined twice; the "
                                    "second is left out", path, line))  # fmt: skip
        else:
            warnings.append(Warning("malformed BibTeX entry (a missing `}`, `,` or `=`?): "
                                    "left out", path, line))  # fmt: skip
    found: dict[str, Reference] = {}
    for entry in library.entries:
        _add(found, _bibtex_entry(entry, path), warnings)
    return found


def _bibtex_entry(entry, path: Path) -> Reference:
    kind = entry.entry_type.lower()
    values = {f.key.lower(): f.value for f in entry.fields}
    entrysubtype = str(values.get("entrysubtype", "")).lower()
    howpublished = _latex(str(values.pop("howpublished", ""))).strip().strip("<>")
    if not values.get("url") and re.match(r"^https?://\S+$", howpublished):
        values["url"] = howpublished  # howpublished = {\url{…}}
    csl = _BIBTEX_TYPES.get(kind, "document")
    if kind == "article" and entrysubtype == "newspaper":
        csl = "article-newspaper"
    if kind == "misc" and (values.get("url") and not values.get("publisher")):
        csl = "webpage"
    if kind == "misc" and str(values.get("eprinttype", "")).lower() == "arxiv":
        csl = "preprint"
    reference = Reference(entry.key, csl, path=path, line=(entry.start_line or 0) + 1)
    roles = {"author": reference.authors, "editor": reference.editors,
             "translator": reference.translators}  # fmt: skip
    for name, value in values.items():
        if name in roles:
            roles[name].extend(_bibtex_name(parts) for parts in value)
        elif isinstance(value, str):
            reference.fields[_BIBTEX_FIELDS.get(name, name)] = _latex(value)
    if kind in ("phdthesis", "mastersthesis"):
        reference.fields.setdefault("genre", kind)
    if csl == "patent" and "issue" in reference.fields:
        reference.fields["number"] = reference.fields.pop("issue")
    if csl in ("report", "standard") and "issue" in reference.fields:
        reference.fields["number"] = reference.fields.pop("issue")
    year = reference.get("year") or reference.get("date")
    reference.issued = parse_date(reference.get("date") or year)
    reference.accessed = parse_date(reference.get("urldate"))
    if reference.get("title-short-sub"):
        reference.fields["title"] += ": " + reference.fields.pop("title-short-sub")
    return reference


def _bibtex_name(parts) -> Name:
    """A NameParts of bibtexparser: `{American Chemical Society}` (braced) is a body."""
    last = " ".join(parts.last)
    if len(parts.last) == 1 and last.startswith("{") and last.endswith("}") and not parts.first:
        return Name(literal=_latex(last[1:-1]))
    return Name(_latex(last), _latex(" ".join(parts.first)), _latex(" ".join(parts.von)),
                _latex(" ".join(parts.jr)))  # fmt: skip


def _latex(value: str) -> str:
    """TeX's accents and braces → text (`{\\"O}zil` → `Özil`, `{UNIMARC}` → `UNIMARC`)."""
    if not any(c in value for c in "\\{}$~"):
        return value
    from pylatexenc.latex2text import LatexNodes2Text  # late: bibtexparser's dependency

    return LatexNodes2Text(math_mode="verbatim").latex_to_text(value).replace("\u00a0", " ")
