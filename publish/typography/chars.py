"""The character classes Chinese typography decides by, in one place.

Which characters are Han, which take a full em, which full-width marks close or open: every
rule of the typography pass, the line adjustment and the check asks one of these.
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
# Wide characters plus the quotation marks Chinese text uses (they are ambiguous-width).
CJK = WIDE + "\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"

WIDE_RE = re.compile(f"[{WIDE}]")
HAN_RE = re.compile(f"[{HAN}]")
CJK_RE = re.compile(f"[{CJK}]")

#: Full-width marks with their blank half on the right (closing) or left (opening), in the
#: Simplified Chinese forms of the Noto CJK faces (clreq 3.1.6).
CLOSING = frozenset("，。、；：？！）》」』】〕〉”’")
OPENING = frozenset("（《「『【〔〈“‘")


def is_western(char: str) -> bool:
    """A character of Western text (西文) rather than Chinese: a Latin, Greek or Cyrillic
    letter, a digit, an ASCII or other non-CJK symbol (`?`, `⒏`, `┣`).

    A typesetter sets a run of them as a Latin word: its own spacing, no gaps between its
    characters. A line that holds one is justified by other rules than a Chinese line; the
    check keeps such lines (a Latin word, or text that is not Chinese at all, such as the
    GBK mojibake in the 三国演义 corpus) apart from its ⅛ em target.
    """
    return not char.isspace() and CJK_RE.match(char) is None
