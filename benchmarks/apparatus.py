"""Benchmark: what numbered objects, references and an index cost a long book's build.

    python benchmarks/apparatus.py [--chapters N] [--references N] [--terms N] [--repeat N]

三国演义 (`../shared/corpus/sanguo-yanyi.txt`, imported with `publish.plaintext.import_text`)
is built twice as a user would, one `publish build` process each (PDF and EPUB, into an
empty folder, then again after one sentence is added to the middle chapter):

- plain       the text as imported, with a small table after every fifth paragraph of each
              chapter, and the same words printed, typed by hand: captions 表 3-2,
              references （参看表 3-2（见第 123 页））, an index chapter of pages
- apparatus   the same tables labelled (`Table: … {#tbl:…}`, numbered 表 N-M), `--references`
              references to them spread through the book (`@tbl:…`, each printed with its
              page), and `--terms` places marked for the index (`[曹操]{.index}`…):
              the index, two columns of real page numbers, at the end

Both are built laid out in segments (as `publish build` lays out a book this long) and, with
`--layout one` or `both`, as one document (`publish.build.build(segment_size=…)` in a
process of its own: what a shorter book gets).

Each row is the median of `--repeat` runs, interleaved: wall time, and CPU time (user and
system, every process of the build: the measure that holds on a loaded machine), with the
apparatus's extra over the plain book.

Measured (2026-12-08, the shared 2-core machine at a load of 4–10; CPU s, medians of two
runs of `--layout both --repeat 1`; the rows before this branch in README.md):

| layout, build | plain | apparatus | extra |
| --- | --- | --- | --- |
| segments, first | 12.18 | 19.50 | +60 % |
| segments, edit | 3.64 | 4.79 | +32 % |
| one document, first | 12.38 | 19.53 | +58 % |
| one document, edit | 12.45 | 9.27 | −26 % |

("one document" books with 500 references are laid out in segments since pdf/edition.py's
FORWARD_LINKS; the edit then lays out one segment again, the plain book all of it.)
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from linkpages import CORPUS  # noqa: E402

from publish.plaintext import import_text  # noqa: E402

BIN = Path(sys.executable).parent
#: Names the index marks (each occurs often in the novel).
TERMS = [
    "曹操",
    "刘备",
    "孙权",
    "关公",
    "张飞",
    "诸葛亮",
    "赵云",
    "吕布",
    "袁绍",
    "董卓",
    "周瑜",
    "司马懿",
    "荆州",
    "许昌",
    "成都",
    "洛阳",
    "长安",
    "赤壁",
    "汉中",
    "江东",
]
TABLE = "| 人物 | 字 |\n|---|---|\n| 刘备 | 玄德 |\n"


def make_books(work: Path, chapters: int, references: int, terms: int) -> dict[str, Path]:
    """The apparatus manuscript of the first `chapters` chapters, and the plain one that
    prints the same text typed by hand: captions 表 3-2, references （参看表 3-2（见第 123
    页））, and an index chapter of terms and page numbers."""
    books = {}
    for name in ("plain", "apparatus"):
        folder = work / name
        shutil.rmtree(folder, ignore_errors=True)
        import_text(CORPUS, folder, max_chapters=chapters)
        books[name] = folder
    apparatus = [_paragraphs(path) for path in sorted(books["apparatus"].glob("[0-9]*.md"))]
    plain = [list(paragraphs) for paragraphs in apparatus]
    labels: list[tuple[str, str]] = []  # label, its number as printed
    for number, (marked, typed) in enumerate(zip(apparatus, plain, strict=True), 1):
        count = 0
        for index in range(len(marked) - 1, 0, -1):
            if index % 5 == 0:
                count += 1
                label = f"tbl:c{number}t{index}"
                labels.append((label, f"{number}-{count}"))
                marked.insert(index + 1, TABLE + f"\nTable: 人物与字 {{#{label}}}")
                typed.insert(index + 1, TABLE + "\nTable: 表 {number}-{count}\u3000人物与字")
    made = _refer(apparatus, plain, labels, references)
    marked, entries = _index(apparatus, plain, terms)
    print(f"{made} references to {len(labels)} tables, {marked} index marks", flush=True)
    for name, texts in (("apparatus", apparatus), ("plain", plain)):
        for path, paragraphs in zip(sorted(books[name].glob("[0-9]*.md")), texts, strict=True):
            path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    _typed_index(books["plain"], entries)
    return books


def _paragraphs(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n\n")


def _text_paragraphs(paragraphs: list[str]) -> list[int]:
    return [i for i, p in enumerate(paragraphs) if not p.startswith(("|", "#", "Table"))]


def _refer(apparatus, plain, labels, references: int) -> int:
    """`references` references to the tables, spread evenly (typed: a page number of three
    figures, as most of the book's pages have)."""
    per_file = -(-references // len(apparatus))
    made = 0
    for marked, typed in zip(apparatus, plain, strict=True):
        places = _text_paragraphs(marked)
        for step in range(per_file):
            if made >= references:
                break
            label, number = labels[(made * 7) % len(labels)]
            at = places[(step * 3 + 1) % len(places)]
            marked[at] += f"（参看@{label}）"
            typed[at] += f"（参看表 {number}（见第 {100 + made % 200} 页））"
            made += 1
    return made


def _index(apparatus, plain, terms: int) -> tuple[int, dict[str, int]]:
    """`terms` index marks of the names; the chapters each is marked in, by name."""
    per_file = 2 * -(-terms // len(apparatus))  # some chapters name fewer of the terms
    marked = 0
    chapters: dict[str, int] = {}
    for paragraphs in apparatus:
        count = 0
        seen: set[str] = set()
        for index in _text_paragraphs(paragraphs):
            paragraph = paragraphs[index]
            for term in TERMS:
                if count >= per_file or marked >= terms:
                    break
                if term in paragraph and f"[{term}]" not in paragraph:
                    times = min(paragraph.count(term), per_file - count, terms - marked)
                    paragraph = paragraph.replace(term, f"[{term}]{{.index}}", times)
                    count += times
                    marked += times
                    seen.add(term)
            paragraphs[index] = paragraph
        for term in seen:
            chapters[term] = chapters.get(term, 0) + 1
    return marked, chapters


def _typed_index(folder: Path, entries: dict[str, int]) -> None:
    """The plain book's index, typed: a term and its pages a paragraph."""
    lines = ["# 索引"]
    for number, (term, count) in enumerate(sorted(entries.items())):
        pages = "，".join(str(10 + (number * 31 + k * 7) % 290) for k in range(count))
        lines.append(f"{term}，{pages}")
    (folder / "suoyin.md").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    toml = folder / "book.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(re.sub(r'(\d+\.md"),?(\s*)\]', r'\1, "suoyin.md"\2]', text, count=1),
                    encoding="utf-8")  # fmt: skip


#: A segment size no book reaches: one document.
WHOLE = 10**9


def timed(manuscript: Path, out: Path, layout: str = "segments") -> tuple[float, float]:
    """Wall time and CPU time (user and system, every process of it) of one build."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    if layout == "segments":
        command = [str(BIN / "publish"), "build", str(manuscript), "--out", str(out), "-q"]
    else:
        paths = f"Path({str(manuscript)!r}), Path({str(out)!r})"
        script = ("from pathlib import Path; from publish.build import build; "
                  f"build({paths}, segment_size={WHOLE})")  # fmt: skip
        command = [sys.executable, "-c", script]
    subprocess.run(command, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chapters", type=int, default=40)
    parser.add_argument("--references", type=int, default=500)
    parser.add_argument("--terms", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--layout", choices=("segments", "one", "both"), default="segments")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="apparatus-bench-"))
    books = make_books(work, args.chapters, args.references, args.terms)
    layouts = ("segments", "one") if args.layout == "both" else (args.layout,)
    times: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    for _ in range(args.repeat):
        for layout in layouts:
            for name, book in books.items():
                out = work / f"out-{name}-{layout}"
                shutil.rmtree(out, ignore_errors=True)
                times.setdefault((layout, name, "first"), []).append(timed(book, out, layout))
                middle = sorted(book.glob("[0-9]*.md"))[args.chapters // 2]
                original = middle.read_text(encoding="utf-8")
                middle.write_text(
                    original + "\n\n话说天下大势，分久必合，合久必分。\n", encoding="utf-8"
                )
                times.setdefault((layout, name, "edit"), []).append(timed(book, out, layout))
                middle.write_text(original, encoding="utf-8")
    columns = "plain wall (s) | apparatus wall (s) | extra | plain CPU (s) | apparatus CPU (s)"
    print(f"| layout | build | {columns} | extra |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for layout in layouts:
        for row in ("first", "edit"):
            cells = [layout, row]
            for part in (0, 1):
                plain = statistics.median(t[part] for t in times[(layout, "plain", row)])
                apparatus = statistics.median(t[part] for t in times[(layout, "apparatus", row)])
                extra = (apparatus / plain - 1) * 100
                cells += [f"{plain:.2f}", f"{apparatus:.2f}", f"{extra:+.1f} %"]
            print("| " + " | ".join(cells) + " |")
    if args.work is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
