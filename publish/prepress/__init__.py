"""Prepress: what turns a laid-out PDF into one a printing house accepts.

WeasyPrint lays the pages out at trim size plus bleed; this package then finishes the
file (`finish`): TrimBox and BleedBox on every page (also on pages the segmented build's
join added), colours and images converted to CMYK or grey, text black made K-only, and
the PDF/X OutputIntent and keys. The same step serves the interior and the cover (any
PDF with the print settings). `preflight` checks a finished file (`publish check --print`).
"""

from __future__ import annotations

from .boxes import css_bleed
from .finish import finish

__all__ = ["css_bleed", "finish"]
