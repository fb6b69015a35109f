"""Padding the print edition to whole signatures: a printer folds sheets into signatures
of 16 (or 8, 32…) pages, so the page count is made a multiple with blank pages at the end."""

from __future__ import annotations

from pathlib import Path

from .copyright import signature_padding


def pad_to_signature(path: Path, signature: int) -> int:
    """Add blank pages (the size of the last page) to the PDF at `path` until its page
    count is a multiple of `signature`; the number added."""
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        added = signature_padding(len(pdf.pages), signature)
        if not added:
            return 0
        last = pdf.pages[-1].obj
        box = last.MediaBox
        for _ in range(added):
            pdf.add_blank_page(page_size=(float(box[2]), float(box[3])))
            # The whole box: with bleed it starts below zero (prepress/boxes.py). The trim
            # and bleed boxes as the text's last page has them (a printer's RIP reads them
            # on every page; WeasyPrint writes them on the pages it lays out).
            for name in ("/MediaBox", "/TrimBox", "/BleedBox"):
                if name in last:
                    pdf.pages[-1].obj[name] = pikepdf.Array([float(v) for v in last[name]])
        pdf.save(path, deterministic_id=True)
    return added


def page_count(path: Path) -> int:
    import pikepdf  # late: pikepdf loads only when used (start-up time)

    with pikepdf.open(path) as pdf:
        return len(pdf.pages)
