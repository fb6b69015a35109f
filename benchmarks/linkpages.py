"""Benchmark: what printing the page after each link costs a long book laid out in segments.

    python benchmarks/linkpages.py [--chapters N] [--links N] [--work DIR]

三国演义 (`../shared/corpus/sanguo-yanyi.txt`, imported with `publish.plaintext.import_text`)
is given cross references: each chapter ends with `--links` links (default 3), to chapters
40 before and 40 after it (other segments) and to its own opening (its own segment). The
book is then built as a user would, one `publish build --format pdf` process each, with
`[pdf] link-pages` off and on, in turn:

- first       into an empty folder (no pages kept from an earlier build: guessed)
- again       the same, nothing changed
- edit        one sentence added to the middle chapter (no page moves)
- grow        a page's worth of text added to the middle chapter: every later chapter
              moves two pages, so do the targets of links in almost every segment

Each row gives the wall time and how many pieces (segments, front matter, folio samples)
were laid out, seen as the cache's PDFs that appear during the build (polled every 0.1 s:
pieces laid out with wrong numbers are pruned at its end, but live seconds before).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from publish.plaintext import import_text  # noqa: E402

#: Beside the project's folder (or beside a worktree's folder of worktrees).
CORPUS = next(
    (
        path
        for path in (ROOT.parent / "shared" / "corpus" / "sanguo-yanyi.txt",
                     ROOT.parents[1] / "shared" / "corpus" / "sanguo-yanyi.txt")
        if path.exists()
    ),
    ROOT.parent / "shared" / "corpus" / "sanguo-yanyi.txt",
)  # fmt: skip
BIN = Path(sys.executable).parent
SENTENCE = "话说天下大势，分久必合，合久必分。"


def add_links(manuscript: Path, per_chapter: int) -> list[Path]:
    """Links at the end of every chapter; returns the chapter files in order."""
    toml = (manuscript / "book.toml").read_text(encoding="utf-8")
    names = re.findall(r'"(\d+[^"]*\.md)"', toml)
    files = [manuscript / name for name in names]
    count = len(files)
    for index, path in enumerate(files):
        targets = [(index + 40) % count, (index - 40) % count, index][:per_chapter]
        links = "，".join(f"[第{t + 1}回](#ch{t + 1:02d})" for t in targets)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"\n\n参看{links}。\n")
    return files


def set_link_pages(manuscript: Path, on: bool) -> None:
    toml = manuscript / "book.toml"
    text = re.sub(r"\n\[pdf\]\nlink-pages = \w+\n", "\n", toml.read_text(encoding="utf-8"))
    text += f"\n[pdf]\nlink-pages = {'true' if on else 'false'}\n"
    toml.write_text(text, encoding="utf-8")


def timed_build(manuscript: Path, out: Path) -> tuple[float, int]:
    """Wall time of one `publish build`, and the pieces it laid out."""
    cache = out / ".publish-cache"
    before = set(cache.glob("*.pdf")) if cache.is_dir() else set()
    seen: set[Path] = set()
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            if cache.is_dir():
                seen.update(cache.glob("*.pdf"))
            time.sleep(0.1)

    watcher = threading.Thread(target=poll)
    watcher.start()
    start = time.perf_counter()
    command = [str(BIN / "publish"), "build", str(manuscript), "--out", str(out)]
    subprocess.run([*command, "--format", "pdf", "-q", "-j", "2"], check=True)
    wall = time.perf_counter() - start
    done.set()
    watcher.join()
    seen.update(cache.glob("*.pdf"))
    return wall, len(seen - before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", type=int, help="the first N chapters only")
    parser.add_argument("--links", type=int, default=3, help="links per chapter (1–3)")
    parser.add_argument("--work", type=Path, help="keep the manuscripts and PDFs here")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="linkpages-bench-"))
    rows = []
    try:
        for on in (False, True):
            manuscript = work / f"ms-{'on' if on else 'off'}"
            shutil.rmtree(manuscript, ignore_errors=True)
            import_text(CORPUS, manuscript, max_chapters=args.chapters, output_name="sanguo")
            files = add_links(manuscript, args.links)
            set_link_pages(manuscript, on)
            out = work / f"out-{'on' if on else 'off'}"
            shutil.rmtree(out, ignore_errors=True)
            middle = files[len(files) // 2]
            original = middle.read_text(encoding="utf-8")
            label = "on " if on else "off"
            rows.append((label, "first", *timed_build(manuscript, out)))
            rows.append((label, "again", *timed_build(manuscript, out)))
            middle.write_text(original + "\n" + SENTENCE + "\n", encoding="utf-8")
            rows.append((label, "edit", *timed_build(manuscript, out)))
            middle.write_text(original + ("\n\n" + SENTENCE * 8) * 8 + "\n", encoding="utf-8")
            rows.append((label, "grow", *timed_build(manuscript, out)))
            middle.write_text(original, encoding="utf-8")
        print("link-pages  build    wall s  pieces laid out")
        for label, case, wall, pieces in rows:
            print(f"{label:10}  {case:7}  {wall:6.1f}  {pieces:6d}")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
