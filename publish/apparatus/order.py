"""The order of an index's terms: by pinyin, by stroke count, or by radical.

By pinyin (汉语拼音), as Chinese indexes and dictionaries sort: syllable by syllable, the
letters first, then the tone; a polyphone read as its word says (重庆 chóngqìng under C,
重量 zhòngliàng under Z: pypinyin's phrase dictionary, and the book's own `readings`
first). Latin terms stand among the pinyin by their letters (a Latin letter before a
syllable spelt alike); digits and symbols come first, in a group of their own.

By strokes (笔画) or by radical (部首): the counts of Unihan (kTotalStrokes, kRSUnicode,
from the Debian package unicode-data), each character in turn, pinyin deciding between
characters of equal count. (The order of the first strokes, 横竖撇点折, which a stroke-order
dictionary adds, is not in Unihan.)
"""

from __future__ import annotations

import bz2
import functools
import re
import unicodedata
from pathlib import Path

UNIHAN = Path("/usr/share/unicode")
_HAN_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_SYLLABLE_RE = re.compile(r"^([a-zv]+)([1-5])$")


class Sorter:
    """Sort keys and group headings of terms in one order."""

    def __init__(self, order: str, readings: dict[str, str], words: dict[str, str]) -> None:
        """`readings`: word → its syllables (`chong2 qing4`); `words`: the index's words
        (words.py `index.symbols`, `index.strokes`: group headings)."""
        self.order = order
        self.readings = {word: reading.split() for word, reading in readings.items()}
        self.words = words

    def syllables(self, term: str) -> list[str]:
        """Each Han character's reading (`chong2`: tone 5 the neutral one), each run of
        Latin letters or digits as it is, lower-case; the rest (spaces, symbols) left out."""
        # late: pypinyin's dictionaries load only for a book with an index (start-up time)
        from pypinyin import Style, lazy_pinyin

        words = sorted(self.readings, key=len, reverse=True)
        out: list[str] = []
        position = 0
        while position < len(term):
            word = next((w for w in words if term.startswith(w, position)), None)
            if word is not None:
                out.extend(self.readings[word])
                position += len(word)
                continue
            end = position + 1
            while end < len(term) and not any(term.startswith(w, end) for w in words):
                end += 1
            out.extend(lazy_pinyin(term[position:end], style=Style.TONE3,
                                   neutral_tone_with_five=True, errors=_runs))  # fmt: skip
            position = end
        return [s.lower() for s in out]

    def key(self, term: str) -> tuple:
        """The sort key of `term`."""
        term = unicodedata.normalize("NFKC", term).strip()
        first = term[:1]
        symbol = 0 if not (first.isalpha() or _HAN_RE.match(first)) else 1  # symbols first
        if self.order in ("stroke", "radical"):
            return (symbol, [self._char_key(c) for c in term if not c.isspace()], term)
        return (symbol, [_pinyin_key(s) for s in self.syllables(term)], term)

    def _char_key(self, char: str) -> tuple:
        if not _HAN_RE.match(char):
            return (0, 0, char.lower(), "")
        strokes, radical, rest = unihan().get(char, (99, 999.0, 99))
        reading = self.syllables(char)[0]
        if self.order == "radical":
            return (1, radical, rest, reading, char)
        return (1, strokes, reading, char)

    def group(self, term: str) -> str:
        """The heading `term` stands under: its letter, its stroke count or its radical."""
        term = unicodedata.normalize("NFKC", term).strip()
        first = term[:1]
        if not (first.isalpha() or _HAN_RE.match(first)):
            return self.words["symbols"]
        if self.order in ("stroke", "radical") and _HAN_RE.match(first):
            strokes, radical, _rest = unihan().get(first, (0, 0.0, 0))
            if self.order == "stroke":
                return self.words["strokes"].format(strokes)
            return radicals().get(radical, "?")
        if self.order in ("stroke", "radical"):
            return first.upper()
        syllables = self.syllables(term)
        return syllables[0][:1].upper() if syllables else self.words["symbols"]


def _runs(text: str) -> list[str]:
    """What pypinyin does not read: its runs of letters and of digits."""
    return re.findall(r"[^\W\d_]+|\d+", text)


def _pinyin_key(syllable: str) -> tuple[str, bool, int]:
    """A syllable's letters (ü as u, then ü after u: lu, lü, luan, as 新华字典 orders
    them), then its tone (a Latin run: tone 0, before the syllable spelt alike)."""
    match = _SYLLABLE_RE.match(syllable)
    if not match:
        return (syllable, False, 0)
    letters = match.group(1)
    return (letters.replace("v", "u"), "v" in letters, int(match.group(2)))


def missing_data(order: str) -> Path | None:
    """The Unihan file `order` needs that is not installed (None: all there, or not
    needed: pinyin order)."""
    if order not in ("stroke", "radical"):
        return None
    needed = [UNIHAN / "Unihan_IRGSources.txt.bz2"]
    if order == "radical":
        needed.append(UNIHAN / "CJKRadicals.txt")
    return next((path for path in needed if not path.is_file()), None)


@functools.cache
def unihan() -> dict[str, tuple[int, float, int]]:
    """Each Han character's total strokes, radical (its number; .5 added for the
    simplified form, `120'` 纟 after 120 糸) and strokes beyond it (Unihan)."""
    found: dict[str, list] = {}
    path = UNIHAN / "Unihan_IRGSources.txt.bz2"
    if not path.is_file():
        return {}
    with bz2.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if not (line.startswith("U+") and ("kTotalStrokes" in line or "kRSUnicode" in line)):
                continue
            code, field, value = line.rstrip("\n").split("\t")
            char = chr(int(code[2:], 16))
            slot = found.setdefault(char, [0, 0, 0])
            first = value.split()[0]
            if field == "kTotalStrokes":
                slot[0] = int(first)
            else:
                radical, _, rest = first.partition(".")
                slot[1], slot[2] = _radical_number(radical), int(rest or 0)
    return {char: (s[0], s[1], s[2]) for char, s in found.items()}


def _radical_number(text: str) -> float:
    """`85` → 85, `120'` (the simplified form) → 120.5."""
    return int(text.rstrip("'")) + (0.5 if text.endswith("'") else 0)


@functools.cache
def radicals() -> dict[float, str]:
    """Each radical's character, as a heading prints it (CJKRadicals.txt: 120' → 纟)."""
    path = UNIHAN / "CJKRadicals.txt"
    found: dict[float, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            fields = [f.strip() for f in line.split("#", 1)[0].split(";")]
            if len(fields) == 3 and fields[2]:
                found[_radical_number(fields[0])] = chr(int(fields[2], 16))
    return found
