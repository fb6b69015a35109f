"""Hyphenation points in the Latin words of the print edition.

A Latin word cannot be broken between its letters the way Han text breaks between any
two characters, so a justified Chinese line followed by a long word (Kubernetes,
application) that does not fit is spread wide to the margin: its gaps between
characters grow far beyond clreq's limit. A typesetter hyphenates the word instead.

Soft hyphens (U+00AD) go at the English patterns' points (pyphen, the dictionary
WeasyPrint itself uses, at least two letters before a break and three after). Pango
breaks a line there only when it needs to and then draws a visible hyphen; elsewhere the
character draws nothing. `hyphens: auto` would need `lang="en"` on each word's own
inline box, which would cut the Chinese line composition (publish/weasy/cjk.py) into
pieces; a soft hyphen keeps the text one run.

The PDF's text layer: a soft hyphen where no break falls draws nothing and is not in it;
the hyphen Pango draws at a break (U+2010, in the Latin face) is, as in any typeset PDF
("Kuber‐" then "netes": readers that copy text join such line ends themselves, and
`publish check` takes that hyphen as the word's).

Left whole: code, keyboard and sample text, maths and diagrams, headings; words of fewer
than six letters; all-caps words (acronyms) and words inside identifiers, file names,
paths and addresses (next to `_`, `.`, `::`, `/`, `@`, digits or other letters, as in
camelCase).

Identifiers, file names, paths and addresses of twelve characters or more
(`std::collections::HashMap`, `config_file_name.yaml`, URLs), in running text and in
inline code, may instead break without a hyphen, as a typesetter breaks them: after
`::`, `/` and `_`, before `.`, through a zero-width space, which draws nothing and so
stays out of the PDF's text layer, as the soft hyphen does.
"""

from __future__ import annotations

import functools
import re

SOFT_HYPHEN = "\u00ad"
BREAK = "\u200b"

#: Elements whose text is never hyphenated.
SKIP = frozenset(
    {"code", "pre", "kbd", "samp", "var", "tt", "svg", "math", "script", "style", "nav"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "title"}
)
#: A word: an optional capital, then five or more small letters, not part of an
#: identifier, a file name, a path or an address.
_WORD_RE = re.compile(
    r"(?<![A-Za-z0-9_@/\\.:#$%&=+~\u200b-])[A-Z]?[a-z]{5,}"
    r"(?![A-Za-z0-9_@/\\\u200b-]|[.:][A-Za-z0-9_])"
)
#: A token with the punctuation of identifiers and paths between its letters.
_TOKEN_RE = re.compile(r"[A-Za-z0-9_:./@#?=&%~+-]{12,}")
_JOINT_RE = re.compile(r"(?<=[A-Za-z0-9])(::|/+|_)(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=\.[A-Za-z])")
#: Where identifiers may break: running text and inline code, not listings or headings.
BREAK_SKIP = frozenset(SKIP - {"code", "kbd", "samp", "var", "tt"})


def _pass(skip: frozenset[str], target: re.Pattern) -> re.Pattern:
    """One regular expression for a pass over the HTML: a skipped element whole, a tag, a
    comment, or `target` in the text (group "target"). One scan of a chapter, not a
    tokenizer in Python: a 1,200-page book has a million characters of HTML."""
    names = "|".join(sorted(skip))
    return re.compile(
        rf"<((?i:{names}))\b[^>]*>.*?</(?i:\1)\s*>|<!--.*?-->|<[^>]*>|(?P<target>{target.pattern})",
        re.S,
    )


_HYPHEN_PASS = _pass(SKIP, _WORD_RE)
_BREAK_PASS = _pass(BREAK_SKIP, _TOKEN_RE)


@functools.cache
def _dictionary():
    import pyphen  # late: Pyphen loads only when used (start-up time)

    return pyphen.Pyphen(lang="en_US", left=2, right=3)


@functools.lru_cache(maxsize=20000)
def hyphenated(word: str) -> str:
    """`word` with a soft hyphen at each of its hyphenation points."""
    return _dictionary().inserted(word, hyphen=SOFT_HYPHEN)


def _token_breaks(token: str) -> str:
    if not re.search(r"[:/_.]", token):
        return token
    return _JOINT_RE.sub(lambda m: (m[1] or "") + BREAK, token)


def soft_hyphens(html: str) -> str:
    """`html` with soft hyphens in the Latin words of its text and break points in its
    identifiers and addresses (see the module's rules)."""

    def breaks(match: re.Match) -> str:
        token = match["target"]
        return match[0] if token is None else _token_breaks(token)

    def hyphens(match: re.Match) -> str:
        word = match["target"]
        return match[0] if word is None else hyphenated(word)

    return _HYPHEN_PASS.sub(hyphens, _BREAK_PASS.sub(breaks, html))
