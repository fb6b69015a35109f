"""Running heads on one line, always (print).

A running head is a reminder of where the reader is, set small in the page's margin: it
never wraps. The chapter's own short title (`running-head:` in the chapter file's front
matter, or the summary's title when it is shorter than the file's heading) is used; a
title still too long for the head's measure is cut at the last character that fits, with
an ellipsis. Widths are the face's own advances with the gaps cjk.py puts between Han
and Latin characters (display.advance), so what is measured is what is printed.
"""

from __future__ import annotations

from .display import SLACK, Measure, advance

ELLIPSIS = "…"


def fit(text: str, measure: Measure) -> str:
    """`text` on one line of `measure`: whole, or cut with an ellipsis."""
    text = " ".join(text.split())
    room = measure.width / measure.size - SLACK

    def width(shown: str) -> float:
        return advance(shown, measure.family, measure.bold)

    if width(text) <= room:
        return text
    low, high = 0, len(text)  # the longest cut that fits, by bisection (widths grow)
    while low < high:
        middle = (low + high + 1) // 2
        if width(text[:middle].rstrip(" ，、：（—") + ELLIPSIS) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip(" ，、：（—") + ELLIPSIS
