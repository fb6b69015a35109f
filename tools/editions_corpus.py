"""Write the phrase corpus of tests/manuscripts/editions from OpenCC's own Taiwan phrase
dictionary (TWPhrases, shipped compiled in the `opencc` wheel): 400 simplified words and
the Taiwan words s2twp gives them (软件 → 軟體), for tests/test_editions.py.

Run: .venv/bin/python tools/editions_corpus.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import opencc

FOLDER = Path(__file__).resolve().parent.parent / "tests" / "manuscripts" / "editions"
SIZE = 400


def taiwan_phrases() -> list[tuple[str, str]]:
    """(traditional key, Taiwan phrase) of TWPhrases.ocd2, dumped by OpenCC's opencc_dict."""
    clib = Path(opencc.__file__).parent / "clib"
    with tempfile.TemporaryDirectory() as folder:
        text = Path(folder) / "TWPhrases.txt"
        dictionary = clib / "share" / "opencc" / "TWPhrases.ocd2"
        command = [clib / "bin" / "opencc_dict", "-i", dictionary, "-o", text]
        subprocess.run([*command, "-f", "ocd2", "-t", "text"], check=True)
        lines = text.read_text(encoding="utf-8").splitlines()
    return [(key, values.split()[0]) for key, values in (line.split("\t") for line in lines)]


def main() -> None:
    t2s, s2t = opencc.OpenCC("t2s").convert, opencc.OpenCC("s2t").convert
    s2twp = opencc.OpenCC("s2twp").convert
    pairs = []
    for key, phrase in sorted(taiwan_phrases()):
        simplified = t2s(key)
        # Han words only, whose Taiwan phrase differs and is itself fully traditional.
        if any(c.isascii() for c in simplified) or simplified == phrase or s2t(phrase) != phrase:
            continue
        if s2twp(simplified) == phrase:
            pairs.append((simplified, phrase))
    pairs = pairs[:: max(1, len(pairs) // SIZE)][:SIZE]
    (FOLDER / "corpus.tsv").write_text("".join(f"{s}\t{t}\n" for s, t in pairs), encoding="utf-8")
    items = "".join(f"- {s}\n" for s, _ in pairs)
    (FOLDER / "02-words.md").write_text(f"# 词语\n\n{items}", encoding="utf-8")
    print(f"{len(pairs)} pairs")


if __name__ == "__main__":
    main()
