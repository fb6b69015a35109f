"""Benchmark: what numbered objects, references and an index cost a long book's build.

    python benchmarks/apparatus.py [--chapters N] [--references N] [--terms N] [--repeat N]

三国演义 (`../shared/corpus/sanguo-yanyi.txt`, imported with `publish.plaintext.import_text`)
is built twice as a user would, one `publish build` process each (PDF and EPUB, into an
empty folder, then again after one sentence is added to the middle chapter):

- plain       the text as imported, with a small table after every fifth paragraph of each
              chapter, and the words the other book marks, unmarked
- apparatus   the same tables labelled (`Table: … {#tbl:…}`, numbered 表 N-M), `--references`
              references to them spread through the book (`@tbl:…`, each printed with its
              page), and `--terms` places marked for the index (`[曹操]{.index}`…):
              the index, two columns of real page numbers, at the end

Each row is the median wall time of `--repeat` runs, interleaved; the last column is the
apparatus's extra time over the plain book.
"""

from __future__ import annotations

import argparse
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
    """The plain and the apparatus manuscripts of the first `chapters` chapters."""
    books = {}
    for name in ("plain", "apparatus"):
        folder = work / name
        shutil.rmtree(folder, ignore_errors=True)
        import_text(CORPUS, folder, max_chapters=chapters)
        books[name] = folder
    files = sorted(books["apparatus"].glob("[0-9]*.md"))
    plain_files = sorted(books["plain"].glob("[0-9]*.md"))
    labels = []
    for number, (path, plain) in enumerate(zip(files, plain_files, strict=True), 1):
        paragraphs = path.read_text(encoding="utf-8").split("\n\n")
        out, plain_out = [], []
        for index, paragraph in enumerate(paragraphs):
            out.append(paragraph)
            plain_out.append(paragraph)
            if index and index % 5 == 0:
                label = f"tbl:c{number}t{index}"
                labels.append(label)
                out.append(TABLE + f"\nTable: 人物与字 {{#{label}}}")
                plain_out.append(TABLE + "\nTable: 人物与字")
        path.write_text("\n\n".join(out) + "\n", encoding="utf-8")
        plain.write_text("\n\n".join(plain_out) + "\n", encoding="utf-8")
    _mark(files, labels, references, terms)
    return books


def _mark(files: list[Path], labels: list[str], references: int, terms: int) -> None:
    """`references` references to the tables and `terms` index marks, spread evenly."""
    texts = [path.read_text(encoding="utf-8") for path in files]
    per_file = -(-references // len(files))
    marks_per_file = 2 * -(-terms // len(files))  # some chapters name fewer of the terms
    made = marked = 0
    for number, text in enumerate(texts):
        paragraphs = text.split("\n\n")
        text_paragraphs = [
            i for i, p in enumerate(paragraphs) if not p.startswith(("|", "#", "Table"))
        ]
        for step in range(per_file):
            if made >= references:
                break
            label = labels[(made * 7) % len(labels)]
            at = text_paragraphs[(step * 3 + 1) % len(text_paragraphs)]
            paragraphs[at] += f"（参看@{label}）"
            made += 1
        count = 0
        for index, paragraph in enumerate(paragraphs):
            if paragraph.startswith(("|", "#", "Table")):
                continue
            for term in TERMS:
                if count >= marks_per_file or marked >= terms:
                    break
                if term in paragraph and f"[{term}]" not in paragraph:
                    times = min(paragraph.count(term), marks_per_file - count, terms - marked)
                    paragraph = paragraph.replace(term, f"[{term}]{{.index}}", times)
                    count += times
                    marked += times
            paragraphs[index] = paragraph
        texts[number] = "\n\n".join(paragraphs)
    for path, text in zip(files, texts, strict=True):
        path.write_text(text, encoding="utf-8")
    print(f"{made} references to {len(labels)} tables, {marked} index marks", flush=True)


def timed(manuscript: Path, out: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(BIN / "publish"), "build", str(manuscript), "--out", str(out), "-q"],
                   check=True)  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chapters", type=int, default=40)
    parser.add_argument("--references", type=int, default=500)
    parser.add_argument("--terms", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="apparatus-bench-"))
    books = make_books(work, args.chapters, args.references, args.terms)
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeat):
        for name, book in books.items():
            out = work / f"out-{name}"
            shutil.rmtree(out, ignore_errors=True)
            times.setdefault((name, "first"), []).append(timed(book, out))
            middle = sorted(book.glob("[0-9]*.md"))[args.chapters // 2]
            original = middle.read_text(encoding="utf-8")
            middle.write_text(
                original + "\n\n话说天下大势，分久必合，合久必分。\n", encoding="utf-8"
            )
            times.setdefault((name, "edit"), []).append(timed(book, out))
            middle.write_text(original, encoding="utf-8")
    print("| build | plain (s) | apparatus (s) | extra |")
    print("| --- | --- | --- | --- |")
    for row in ("first", "edit"):
        plain = statistics.median(times[("plain", row)])
        apparatus = statistics.median(times[("apparatus", row)])
        print(f"| {row} | {plain:.2f} | {apparatus:.2f} | {(apparatus / plain - 1) * 100:+.1f} % |")
    if args.work is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
