"""Warnings as the command line prints them: grouped by kind, so that a 200-file book whose
every file has the same problem prints one line for it, not 200."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import Warning

#: A kind seen this many times or fewer is printed one warning a line.
ONE_BY_ONE = 3
#: Places named on a grouped line.
PLACES = 3

_QUOTED = re.compile(r"`[^`]*`")
_NUMBER = re.compile(r"\d+")


def kind(message: str) -> str:
    """What warnings of the same kind share: the message without its names and numbers."""
    return _NUMBER.sub("N", _QUOTED.sub("`…`", message))


def grouped(warnings: Iterable[Warning]) -> list[str]:
    """One line per warning, except for kinds seen more than ONE_BY_ONE times: one line
    each, with the count, the first message and the first few places (first-seen order)."""
    kinds: dict[str, list[Warning]] = {}
    for warning in warnings:
        kinds.setdefault(kind(warning.message), []).append(warning)
    lines = []
    for same in kinds.values():
        if len(same) <= ONE_BY_ONE:
            lines.extend(str(warning) for warning in same)
            continue
        places = list(dict.fromkeys(_place(w) for w in same if w.path is not None))
        shown = ", ".join(places[:PLACES])
        more = f" and {len(places) - PLACES} more" if len(places) > PLACES else ""
        where = f" (at {shown}{more})" if places else ""
        lines.append(f"{same[0].message} — and {len(same) - 1} more like it{where}")
    return lines


def _place(warning: Warning) -> str:
    return f"{warning.path}:{warning.line}" if warning.line else str(warning.path)
