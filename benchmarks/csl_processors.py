"""Measure CSL processors, and our own formatter, against GB/T 7714-2015's own worked
examples (numeric order).

    python benchmarks/csl_processors.py [STYLE.csl]

STYLE.csl: china-national-standard-gb-t-7714-2015-numeric.csl of the Citation Style
Language's styles repository (CC BY-SA 3.0; not kept here). `citeproc/gb7714-examples.json`
holds twelve of the standard's examples as CSL-JSON (one per document type, both
languages, a Chinese and a Western entry of four authors), `citeproc/gb7714-2015-numeric.txt`
the strings the standard prints for them. Each processor's bibliography is compared line
by line: pandoc's citeproc (Debian `pandoc`) and citeproc-py (PyPI), where installed and a
style is given, and publish's own (publish/apparatus/citations/gb7714.py), always.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "citeproc"
DATA = HERE / "gb7714-examples.json"
EXPECTED = (HERE / "gb7714-2015-numeric.txt").read_text(encoding="utf-8").splitlines()


def with_pandoc(style: Path) -> list[str]:
    keys = "; ".join(f"@{item['id']}" for item in json.loads(DATA.read_text(encoding="utf-8")))
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.md"
        source.write_text(f"[{keys}]\n", encoding="utf-8")
        out = subprocess.run(["pandoc", str(source), "--citeproc", "--bibliography", str(DATA),
                              "--csl", str(style), "-t", "plain", "--wrap=none"],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
    return [line for line in out.splitlines() if line.startswith("[")]


def with_citeproc_py(style: Path) -> list[str]:
    import warnings

    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,  # fmt: skip
        formatter,
    )
    from citeproc.source.json import CiteProcJSON

    warnings.filterwarnings("ignore")
    data = json.loads(DATA.read_text(encoding="utf-8"))
    bibliography = CitationStylesBibliography(
        CitationStylesStyle(str(style), validate=False), CiteProcJSON(data), formatter.plain
    )
    for item in data:
        bibliography.register(Citation([CitationItem(item["id"])]))
    return [str(entry) for entry in bibliography.bibliography()]


def with_publish(style: Path | None) -> list[str]:
    """publish's formatter (no CSL style: GB/T 7714 is built in)."""
    from publish.apparatus.citations import gb7714, sources

    references = sources.parse(DATA.read_text(encoding="utf-8"), DATA, [])
    numeric = gb7714.STYLES["gb7714-2015-numeric"]
    return [f"[{number}] {gb7714.text(gb7714.entry(reference, numeric))}"
            for number, reference in enumerate(references.values(), 1)]  # fmt: skip


def main() -> None:
    style = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    processors = {"publish (gb7714.py)": with_publish}
    if style is not None:
        processors["citeproc-py"] = with_citeproc_py
        if shutil.which("pandoc"):
            processors = {"pandoc citeproc": with_pandoc, **processors}
    for name, run in processors.items():
        try:
            lines = run(style)
        except ImportError:
            print(f"{name}: not installed")
            continue
        right = sum(got == want for got, want in zip(lines, EXPECTED, strict=False))
        print(f"{name}: {right}/{len(EXPECTED)} as the standard prints them")
        for got, want in zip(lines, EXPECTED, strict=False):
            if got != want:
                print(f"  want {want}\n  got  {got}")


if __name__ == "__main__":
    main()
