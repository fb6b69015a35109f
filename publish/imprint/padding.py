"""Padding the print edition to whole signatures: a printer folds sheets into signatures
of 16 (or 8, 32…) pages, so the page count is made a multiple with blank pages at the end."""

from __future__ import annotations

from pathlib import Path

from ..prepress.boxes import add_blank_page
from .copyright import signature_padding


def pad_to_signature(path: Path, signature: int) -> int:
    """Add blank pages (prepress.boxes.add_blank_page: the size and boxes of their
    neighbours on the same side) to the PDF at `path` until its page
    count is a multiple of `signature`; the number added."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        added = signature_padding(len(pdf.pages), signature)
        if not added:
            return 0
        for _ in range(added):
            add_blank_page(pdf)
        pdf.save(path, deterministic_id=True)
    return added


def page_count(path: Path) -> int:
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    with pikepdf.open(path) as pdf:
        return len(pdf.pages)
