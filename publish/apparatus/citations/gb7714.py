"""GB/T 7714 (信息与文献 参考文献著录规则), 2015 and 2025 editions, numeric and author-date.

No maintained CSL processor prints the standard's own examples (benchmarks/csl_processors.py:
CSL has no per-entry language, so `等` and `et al.` cannot both be right), hence this
formatter. An entry is written as the standard's section 4 (2015) prints it: the
responsible persons (three, then `等` for an East Asian entry, `et al.` for a Western one;
Western names family first, initials without points: `KANAMORI H`), the title with its
other title information, the document type code and carrier (`[M]`, `[J/OL]`, `[EB/OL]`…),
`//` before the host of a part, edition, `place: publisher, year: pages`, the access date
`[2002-04-15]`, URL and DOI. Author-date lists put the year after the names (2000a, 2000b
for one author's works of a year).

The 2025 edition (in force from 2026-07-01), as far as its changes could be confirmed
(the maintained BibTeX implementation, gbt7714-bibtex-style 3.x, and its notes on the text):
`：`, `，`, `；` and `（）` are full-width between the items and inside titles (`.`, `[ ]`,
`/`, `-` stay half-width); family names are no longer upper case (`Kanamori H`); a
hyphenated given name keeps its hyphen (`Godard J-L`); the access date is given only for
web pages, data sets and preprints; preprints are `[PP]`; a standard is its number and title
(`GB/T 3792—2021 信息与文献 资源描述[S]`); a patent may give pages. Not done: 2025's Hanyu
Pinyin names in full (`Yu Yang`) need to know a name is pinyin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .sources import Name, Reference

#: What a piece of an entry is: (text, link or None).
Piece = tuple[str, str | None]


@dataclass(frozen=True)
class Style:
    """One of the four styles: its edition and whether it is author-date (著者-出版年制)."""

    name: str
    edition: int
    author_date: bool

    @property
    def full_width(self) -> bool:
        return self.edition >= 2025

    @property
    def comma(self) -> str:
        return "，" if self.full_width else ", "

    @property
    def colon(self) -> str:
        return "：" if self.full_width else ": "

    @property
    def semicolon(self) -> str:
        return "；" if self.full_width else "; "

    def parens(self, text: str) -> str:
        return f"（{text}）" if self.full_width else f"({text})"


STYLES = {
    name: Style(name, int(name.split("-")[1]), name.endswith("author-date"))
    for name in (
        "gb7714-2015-numeric",
        "gb7714-2015-author-date",
        "gb7714-2025-numeric",
        "gb7714-2025-author-date",
    )  # fmt: skip
}
DEFAULT = "gb7714-2015-numeric"

#: CSL type → (document type code, whether a part is printed `//` its host).
_CODES = {
    "book": "M", "chapter": "M", "entry-dictionary": "M", "entry-encyclopedia": "M",
    "proceedings": "C", "paper-conference": "C", "collection": "G", "thesis": "D",
    "report": "R", "standard": "S", "patent": "P", "article-journal": "J",
    "article-magazine": "J", "article": "J", "periodical": "J", "article-newspaper": "N",
    "webpage": "EB", "post": "EB", "post-weblog": "EB", "website": "EB", "dataset": "DS",
    "software": "CP", "map": "CM", "archive": "A", "manuscript": "A", "database": "DB",
    "preprint": "PP",
}  # fmt: skip
_SERIAL = ("J", "N")
_ETAL = {True: "等", False: "et al."}


def type_code(reference: Reference, style: Style) -> str:
    """`M`, `J/OL`, `EB/OL`…: the document type code and, for what is read online (a URL)
    or on a carrier (`medium`), the carrier's code."""
    code = _CODES.get(reference.kind, "EB" if reference.get("URL") else "Z")
    if code == "PP" and style.edition < 2025:
        code = "Z"  # 2015 has no code for a preprint: 其他
    carrier = reference.get("medium").upper()
    if carrier not in ("OL", "CD", "DK", "MT", "MM"):
        carrier = "OL" if reference.get("URL") or code == "EB" else ""
    return f"{code}/{carrier}" if carrier else code


# --- names ---------------------------------------------------------------------------


def _initials(given: str, edition: int) -> str:
    """`D. J.` → `D J`; `Jean-Luc` → `J L` (2015), `J-L` (2025)."""
    out = []
    for word in given.replace(".", ". ").split():
        parts = [p for p in word.strip(".").split("-") if p]
        if not parts:
            continue
        letters = [p[0].upper() for p in parts]
        out.append("-".join(letters) if edition >= 2025 else " ".join(letters))
    return " ".join(out)


def name(person: Name, style: Style, cjk: bool) -> str:
    """One name as the list prints it: `陈登原`, `KANAMORI H`, `PEEBLES P Z, Jr`."""
    if person.literal:
        return person.literal
    if person.is_han or (cjk and not person.given.isascii()):
        return person.family + person.given
    family = " ".join(p for p in (person.particle, person.family) if p)
    if style.edition < 2025:
        family = family.upper()
    initials = _initials(person.given, style.edition)
    text = f"{family} {initials}" if initials else family
    return f"{text}, {person.suffix.rstrip('.')}" if person.suffix else text


def names(people: list[Name], style: Style, cjk: bool) -> str:
    """Up to three names, then `等` or `et al.` (in the entry's language)."""
    more = any(p.family.lower() == "others" and not p.given for p in people)
    people = [p for p in people if not (p.family.lower() == "others" and not p.given)]
    shown = [name(p, style, cjk) for p in people[:3]]
    if len(people) > 3 or more:
        shown.append(_ETAL[cjk])
    return style.comma.join(shown)


def main_names(reference: Reference) -> list[Name]:
    """The 主要责任者: the authors, else (but for a part, whose editors are its host's) the
    editors."""
    if reference.authors or _is_part(reference):
        return reference.authors
    return reference.editors


def cited_name(reference: Reference, style: Style) -> str:
    """The name in an author-date citation: the first author's (family) name, with `等` or
    `et al.` for more; `佚名`/`Anon` for none."""
    cjk = reference.cjk
    given = main_names(reference)
    people = [p for p in given if not (p.family.lower() == "others" and not p.given)]
    if not people:
        return "佚名" if cjk else "Anon"
    first = people[0]
    if first.literal or first.is_han:
        text = name(first, style, cjk)
    else:
        text = " ".join(p for p in (first.particle, first.family) if p)
        text = text.upper() if style.edition < 2025 else text
    if len(people) > 1 or len(given) > len(people):
        text += f" {_ETAL[cjk]}"
    return text


# --- the entry -----------------------------------------------------------------------


def _date(parts: tuple[int, ...]) -> str:
    return "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))


def year(reference: Reference) -> str:
    return str(reference.issued[0]) if reference.issued else ""


def _pages(text: str) -> str:
    return re.sub(r"\s*(?:--|–|—|～|~)\s*", "-", text)


def _title(text: str, style: Style) -> str:
    if style.full_width:  # 2025: the title's own `:` `,` `;` full-width too
        text = re.sub(r"\s*:\s+", "：", text)
        text = re.sub(r",\s+", "，", text)
        text = re.sub(r";\s+", "；", text)
    return text


def _edition(reference: Reference, cjk: bool) -> str:
    edition = reference.get("edition")
    if not edition or edition in ("1", "1st"):
        return ""
    if edition.isdigit():
        number = int(edition)
        if cjk:
            return f"{number}版"
        suffix = (
            "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
        )
        return f"{number}{suffix} ed"
    return edition.rstrip(".")


def _volume_title(reference: Reference, cjk: bool) -> str:
    """A book's volume as other title information: `第1卷`, `v. 1`."""
    if reference.get("volume-title"):
        return reference.get("volume-title")
    volume = reference.get("volume")
    if not volume or _CODES.get(reference.kind) in _SERIAL:
        return ""
    if volume.isdigit():
        return f"第{volume}卷" if cjk else f"v. {volume}"
    return volume


def entry(reference: Reference, style: Style, suffix: str = "") -> list[Piece]:
    """The list's text of `reference` in `style` (without its number), as pieces of text
    and links (URL, DOI). `suffix`: the author-date year's letter (2000a)."""
    cjk = reference.cjk
    code = type_code(reference, style)
    base = code.split("/")[0]
    authors = names(main_names(reference), style, cjk)
    sentences: list[str] = []
    moved_year = style.author_date and bool(authors) and base not in ("N", "P", "EB")
    if style.edition >= 2025 and base == "S" and reference.get("number"):
        head = f"{reference.get('number')} {_title(reference.get('title'), style)}"
        sentences.append(f"{head}[{code}]")
        authors = ""
    else:
        if authors:
            year_text = year(reference) + suffix if style.author_date else ""
            sentences.append(authors + (style.comma + year_text if year_text else ""))
        sentences.append(_title_block(reference, style, code, cjk))
    if reference.translators:
        word = "译" if cjk else "trans"
        sentences.append(names(reference.translators, style, cjk) + style.comma + word)
    if reference.get("version"):  # a data set's, a program's: V1.0
        sentences.append(reference.get("version"))
    edition = _edition(reference, cjk)
    if _CODES.get(reference.kind) not in _SERIAL and edition and not _is_part(reference):
        sentences.append(edition)
    if not (style.edition >= 2025 and base == "S"):
        publication = _publication(reference, style, base, moved_year)
        if publication:
            sentences.append(publication)
    pieces: list[Piece] = [(_sentences(sentences), None)]
    url, doi = reference.get("URL"), reference.get("DOI")
    if url:
        pieces += [(". ", None), (url, url)]
    if doi:
        doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi, flags=re.I)
        pieces += [(". DOI:", None), (doi, f"https://doi.org/{doi}")]
    if not pieces[-1][0].endswith("."):
        pieces.append((".", None))
    return pieces


def _sentences(sentences: list[str]) -> str:
    """The items joined by `. ` (one point after `et al.`)."""
    out = ""
    for sentence in (s for s in sentences if s):
        out += (" " if out.endswith(".") else ". ") + sentence if out else sentence
    return out


def text(pieces: list[Piece]) -> str:
    return "".join(piece for piece, _ in pieces)


def _is_part(reference: Reference) -> bool:
    """A part of a book or proceedings (`析出文献`), printed `//` its host."""
    parts = ("chapter", "paper-conference", "entry-dictionary", "entry-encyclopedia")
    return reference.kind in parts and bool(reference.get("container-title"))


def _title_block(reference: Reference, style: Style, code: str, cjk: bool) -> str:
    """`题名: 其他题名信息[M]` — and, for a part, `//host's editors. host's title. edition`."""
    title = _title(reference.get("title"), style)
    other = _volume_title(reference, cjk)
    base = code.split("/")[0]
    if base in ("S", "P", "R") and reference.get("number"):
        other = reference.get("number")
    if other and not _is_part(reference):
        title += style.colon + _title(other, style)
    block = f"{title}[{code}]"
    if _is_part(reference):
        host = [names(reference.editors, style, cjk)] if reference.editors else []
        container = _title(reference.get("container-title"), style)
        if other:
            container += style.colon + other
        host.append(container)
        host.append(_edition(reference, cjk))
        block += "//" + _sentences(host)
    return block


def _publication(reference: Reference, style: Style, base: str, moved_year: bool) -> str:
    """The publication data: `北京: 中华书局, 2000: 29`, `Science, 1998, 279(5359): 2063`,
    `中国青年报, 2000-11-20(15)`, `(2001-12-19)[2002-04-15]` — with the access date where
    the edition asks for it."""
    accessed = ""
    wants_accessed = (
        base in ("EB", "DS", "PP", "Z") and style.edition >= 2025
        if style.edition >= 2025
        else bool(reference.get("URL") or reference.get("DOI"))
    )
    if reference.accessed and wants_accessed:
        accessed = f"[{_date(reference.accessed)}]"
    pages = _pages(reference.get("page"))
    when = year(reference) if not moved_year else ""
    if base == "J" and reference.get("container-title"):
        return _serial(reference, style, when, pages) + accessed
    if base == "N":
        out = reference.get("container-title") + style.comma + _date(reference.issued)
        return out + (style.parens(pages) if pages else "") + accessed
    if base == "P":
        out = _date(reference.issued)
        if pages and style.edition >= 2025:
            out += style.colon + pages
        return out + accessed
    if base in ("EB", "DS", "PP") and not reference.get("publisher"):
        issued = style.parens(_date(reference.issued)) if reference.issued else ""
        return (issued + accessed).strip()
    place, publisher = reference.get("publisher-place"), reference.get("publisher")
    out = place + (style.colon if place and publisher else "") + publisher
    if base in ("DS", "PP", "EB"):
        issued = style.parens(_date(reference.issued)) if reference.issued else ""
        return out + issued + accessed
    if when:
        out += (style.comma if out else "") + when
    if pages:
        out += style.colon + pages
    return out + accessed


def _serial(reference: Reference, style: Style, when: str, pages: str) -> str:
    """`Science, 1998, 279(5359): 2063`, `Nature, 1992, 359: 605-609`."""
    out = reference.get("container-title")
    if when:
        out += style.comma + when
    volume, issue = reference.get("volume"), reference.get("issue")
    if volume:
        out += style.comma + volume
    if issue:
        out += style.parens(issue)
    if pages:
        out += style.colon + pages
    return out
