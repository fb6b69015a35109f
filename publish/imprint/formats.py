"""Book formats as a Chinese printing house quotes them: a trim size cut from a parent
sheet folded so many times (开本 `787 mm × 1092 mm 1/16`), after GB/T 788 and trade tables.

Imported by config.py (page-size names), so it imports nothing of publish.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The parent sheets (全张): 正度 and 大度 of the trade, the GB/T 788 A and B raw sizes.
ZHENGDU = (787.0, 1092.0)
DADU = (889.0, 1194.0)
ISO_A = (880.0, 1230.0)
ISO_B = (1000.0, 1400.0)


@dataclass(frozen=True)
class Sheet:
    """A parent sheet in mm and how many leaves of the format it is cut into (开数)."""

    width: float
    height: float
    fold: int

    def kaiben(self) -> str:
        """开本 as the copyright page prints it: `787 mm × 1092 mm 1/16`."""
        return f"{self.width:g} mm × {self.height:g} mm 1/{self.fold}"


@dataclass(frozen=True)
class Format:
    """A named trim size (mm) with the sheet it is cut from, when the trade knows one."""

    width: float
    height: float
    sheet: Sheet | None = None


def _f(width: float, height: float, sheet: tuple[float, float] | None = None, fold: int = 0):
    return Format(width, height, Sheet(*sheet, fold) if sheet else None)


#: Named formats (trim width × height in mm). 正度 (787 × 1092) and 大度 (889 × 1194) trims
#: are the trade's; ISO A and B sizes are cut from GB/T 788's 880 × 1230 and 1000 × 1400.
FORMATS: dict[str, Format] = {
    "16开": _f(185, 260, ZHENGDU, 16),
    "正度16开": _f(185, 260, ZHENGDU, 16),
    "32开": _f(130, 184, ZHENGDU, 32),
    "正度32开": _f(130, 184, ZHENGDU, 32),
    "64开": _f(92, 126, ZHENGDU, 64),
    "正度64开": _f(92, 126, ZHENGDU, 64),
    "大16开": _f(210, 285, DADU, 16),
    "大度16开": _f(210, 285, DADU, 16),
    "大32开": _f(140, 203, DADU, 32),
    "大度32开": _f(140, 203, DADU, 32),
    "16K": _f(185, 260, ZHENGDU, 16),
    "32K": _f(130, 184, ZHENGDU, 32),
    "A4": _f(210, 297, ISO_A, 16),
    "A5": _f(148, 210, ISO_A, 32),
    "A6": _f(105, 148, ISO_A, 64),
    "B5": _f(176, 250, ISO_B, 32),
    "B6": _f(125, 176, ISO_B, 64),
    "JIS-B5": _f(182, 257),
    "JIS-B6": _f(128, 182),
    "LETTER": _f(215.9, 279.4),
}


def parse_sheet(value: str) -> Sheet | None:
    """`[pdf] sheet`: "787 1092 1/16" (× or x between the sides allowed); None if malformed."""
    import re  # late: standard library, loaded only when used (start-up time)

    match = re.fullmatch(
        r"\s*(\d+(?:\.\d+)?)\s*(?:mm)?\s*[×xX*]?\s*(\d+(?:\.\d+)?)\s*(?:mm)?\s+1\s*/\s*(\d+)\s*",
        value,
    )
    if not match:
        return None
    width, height, fold = float(match.group(1)), float(match.group(2)), int(match.group(3))
    if not (100 <= width <= 3000 and 100 <= height <= 3000 and 1 <= fold <= 256):
        return None
    return Sheet(width, height, fold)
