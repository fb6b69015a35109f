"""The character classes Chinese typography decides by, in one place.

Which characters are Han, which take a full em, which full-width marks close or open, which
may not start or end a line: every rule of the typography pass, the composition
(weasy/cjk.py), the line adjustment and the check asks one of these.
"""

from __future__ import annotations

import re

# Characters that take a full em in Chinese text: Han (all planes), CJK symbols and
# punctuation, kana, bopomofo, full-width forms.
WIDE = (
    "\u1100-\u11ff\u2e80-\u2fdf\u2ff0-\u303f\u3040-\u31ff\u3200-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uffef"
    "\U00020000-\U0003ffff"
)
#: Han characters (the unified ideographs of all planes and the compatibility block).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
#: Hiragana and katakana.
KANA = "\u3040-\u30ff"
#: What the composition sets as ideographs (Han–Latin gaps, justification between
#: characters): Han, kana, 〇 and the iteration mark 々.
IDEOGRAPHIC = HAN + KANA + "\u3007\u3005"
#: Hangul syllables.
HANGUL = "\uac00-\ud7af"
#: Letters and digits of Latin, Greek and Cyrillic text, as the Han–Latin gap sees them.
LATIN = "A-Za-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"
# Wide characters plus the quotation marks Chinese text uses (they are ambiguous-width).
CJK = WIDE + "\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"

WIDE_RE = re.compile(f"[{WIDE}]")
HAN_RE = re.compile(f"[{HAN}]")
IDEOGRAPHIC_RE = re.compile(f"[{IDEOGRAPHIC}]")
KANA_RE = re.compile(f"[{KANA}]")
HANGUL_RE = re.compile(f"[{HANGUL}]")
CJK_RE = re.compile(f"[{CJK}]")

#: Full-width marks with their blank half on the right (closing) or left (opening), in the
#: Simplified Chinese forms of the Noto CJK faces (clreq 3.1.6).
CLOSING = frozenset("，。、；：？！）》」』】〕〉”’")
OPENING = frozenset("（《「『【〔〈“‘")
FULL_WIDTH = CLOSING | OPENING
#: The closing marks that pair with OPENING (brackets and quotes, not 点号).
CLOSING_BRACKETS = frozenset("）》」』】〕〉”’")
#: ——, …… : two marks that are never split between lines (clreq 3.1.7).
NO_SPLIT = frozenset("—…")

#: Marks that may not start a line (行首禁则), for the composition and the check alike.
#: clreq 3.1.7: 点号 and closing quotes/brackets (CLOSING), 间隔号 · , 连接号 〜～ (GB/T
#: 15834's range mark), and ——/…… which are never split (nor, in this house style, start a
#: line). Where clreq is silent, jlreq 3.1.7 for Japanese text in Chinese books: the
#: katakana middle dot ・ (cl-05), the two-dot leader ‥ (cl-08) and the iteration marks
#: 々〻ゝゞヽヾ (cl-09). % stays with its number (jlreq cl-20, UAX #14 PO). The ASCII marks
#: are those of dirty text. Not here: jlreq's small kana and ー (its "loose" rule allows
#: them), and the 分隔号 / (it would hold URLs and paths together).
NO_START = CLOSING | frozenset("·・…—‥〜～々〻ゝゞヽヾ") | frozenset(")]},.;:?!%")
#: Marks that may not end a line (行尾禁则): opening quotes and brackets.
NO_END = OPENING | frozenset("([{")
#: Punctuation, which does not count as a character of a (last) line.
PUNCTUATION = FULL_WIDTH | frozenset("…—·・") | frozenset(".,;:?!()[]{}'\"")


def is_han(char: str) -> bool:
    """A Han character (an ideograph of any plane)."""
    return HAN_RE.match(char) is not None


def is_ideographic(char: str) -> bool:
    """A character the composition sets as an ideograph (Han, kana, 〇, 々)."""
    return IDEOGRAPHIC_RE.match(char) is not None


def is_latin(char: str) -> bool:
    """A letter or digit of Western text, that a Han character keeps a gap from."""
    return char.isalnum() and ord(char) < 0x2E80 and not is_ideographic(char)


def is_western(char: str) -> bool:
    """A character of Western text (西文) rather than Chinese: a Latin, Greek or Cyrillic
    letter, a digit, an ASCII or other non-CJK symbol (`?`, `⒏`, `┣`).

    A typesetter sets a run of them as a Latin word: its own spacing, no gaps between its
    characters. A line that holds one is justified by other rules than a Chinese line; the
    check keeps such lines (a Latin word, or text that is not Chinese at all, such as the
    GBK mojibake in the 三国演义 corpus) apart from its ⅛ em target.
    """
    return not char.isspace() and CJK_RE.match(char) is None
