"""How long converting a book into its other editions takes (publish/editions.py), against
reading it: `python benchmarks/editions_conversion.py BOOK_FOLDER [EDITION…]`.

E.g. 三国演义: `publish import-text sanguo-yanyi.txt /tmp/sanguo`, then this on /tmp/sanguo
(the editions are asked for here; the book.toml need not name them).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

from publish.config import REGIONS, Edition, _region_defaults
from publish.editions import convert_book
from publish.manuscript import read_manuscript
from publish.typography.textnodes import text_of


def main() -> None:
    folder = Path(sys.argv[1])
    names = sys.argv[2:] or ["zh-TW", "zh-HK"]
    start = time.perf_counter()
    book = read_manuscript(folder)
    read = time.perf_counter() - start
    characters = sum(len(text_of(chapter.body)) for chapter in book.chapters)
    print(f"read {len(book.chapters)} chapters, {characters:,} characters: {read:.2f} s")
    for name in names:
        assert name in REGIONS, name
        faces = _region_defaults(name, "pdf", {})
        pdf = dataclasses.replace(book.settings.pdf, **{k.replace("-", "_"): v
                                                        for k, v in faces.items()})  # fmt: skip
        edition = Edition(name, dataclasses.replace(book.settings, pdf=pdf))
        start = time.perf_counter()
        convert_book(book, edition)
        first = time.perf_counter() - start
        start = time.perf_counter()
        convert_book(book, edition)
        again = time.perf_counter() - start
        print(f"{name}: {first:.2f} s (OpenCC's dictionaries loaded), then {again:.2f} s")


if __name__ == "__main__":
    main()
