"""Benchmark: from the save of one chapter to the updated page in the preview.

    python benchmarks/serve.py [--only sample|sanguo] [--repeat N] [--work DIR]

`publish serve` runs on a copy of each book (the sample in `manuscript/`, and 三国演义
imported from `../shared/corpus/sanguo-yanyi.txt`); once its first build is done, one
sentence is added to the middle chapter, and the clock runs from the write of the file to
the moment the preview has the new page: an event-stream client (what the browser's
EventSource does) receives the state of the finished build, then fetches the image of the
first changed page, as the browser then does. The books are edited in turn (sample,
三国演义, sample, …) so that the machine's load falls on both alike; the load average is
printed with the results, as this machine is shared.

With `--reference`, each edit is followed by `publish build BOOK --out REF -q` of the same
edit into a folder of its own (the README's `edit` row of benchmarks/run.py: a new process,
only the edited segment laid out again), to show what the machine's load made of a build
in the same minutes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from publish.plaintext import import_text  # noqa: E402

SAMPLE = ROOT / "manuscript"
SANGUO = ROOT.parent / "shared" / "corpus" / "sanguo-yanyi.txt"
if not SANGUO.exists():
    SANGUO = Path("/work/shared/corpus/sanguo-yanyi.txt")
PUBLISH = Path(sys.executable).parent / "publish"


class Preview:
    """`publish serve` on `book`, and an event-stream client putting each state it is
    sent, with the time it arrived, on `states`."""

    def __init__(self, book: Path, out: Path) -> None:
        self.process = subprocess.Popen(
            [str(PUBLISH), "serve", str(book), "--out", str(out), "--port", "0"],
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for line in self.process.stderr:
            found = re.search(r"http://[^:]+:(\d+)/", line)
            if found:
                self.port = int(found.group(1))
                break
        threading.Thread(target=self.process.stderr.read, daemon=True).start()
        self.states: queue.Queue[tuple[float, dict]] = queue.Queue()
        self.version = 0  # of the last state received
        threading.Thread(target=self._listen, daemon=True).start()

    def _listen(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port)
        connection.request("GET", "/events")
        stream = connection.getresponse()
        for line in stream:
            if line.startswith(b"data: "):
                state = json.loads(line[6:])
                self.version = state["version"]
                self.states.put((time.perf_counter(), state))

    def built(self, after: int, timeout: float = 1800) -> tuple[float, dict]:
        """The first finished build's state with a version above `after`."""
        while True:
            arrived, state = self.states.get(timeout=timeout)
            if state["version"] > after and not state["building"]:
                return arrived, state

    def image(self, index: int, key: str) -> bytes:
        connection = http.client.HTTPConnection("127.0.0.1", self.port)
        connection.request("GET", f"/page/{index}/{key}")
        return connection.getresponse().read()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:  # SIGINT ignored: started in the background
            self.process.terminate()
            self.process.wait(30)


def middle_chapter(book: Path) -> Path:
    chapters = sorted(book.glob("*.md"))
    return chapters[len(chapters) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["sample", "sanguo"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--reference", action="store_true", help="time `publish build` too")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="publish-serve-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    books = {}
    if args.only in (None, "sample"):
        books["sample"] = work / "sample"
        if not books["sample"].exists():
            shutil.copytree(SAMPLE, books["sample"])
    if args.only in (None, "sanguo"):
        books["sanguo"] = work / "sanguo"
        if not books["sanguo"].exists():
            import_text(SANGUO, books["sanguo"])
    previews = {}
    try:
        for name, book in books.items():
            start = time.perf_counter()
            previews[name] = Preview(book, work / f"{name}-out")
            arrived, state = previews[name].built(0)
            print(f"{name}: first build {arrived - start:.1f} s, {len(state['pages'])} pages",
                  flush=True)  # fmt: skip
        load = os.getloadavg()[0]
        times: dict[str, list[float]] = {name: [] for name in books}
        references: dict[str, list[float]] = {name: [] for name in books}

        def reference(name: str, book: Path) -> float:
            started = time.perf_counter()
            command = [str(PUBLISH), "build", str(book), "--out", str(work / f"{name}-ref"), "-q"]
            subprocess.run(command, check=True)
            return time.perf_counter() - started

        if args.reference:
            for name, book in books.items():
                reference(name, book)  # the first build of the reference folder
        for round_ in range(args.repeat):
            for name, book in books.items():
                preview = previews[name]
                time.sleep(1.0)  # the watcher's quiet time after the last build
                while not preview.states.empty():
                    preview.states.get()
                chapter = middle_chapter(book)
                text = chapter.read_text(encoding="utf-8")
                version = preview.version
                saved = time.perf_counter()
                chapter.write_text(text.replace("。", f"。基准测试第{round_}句。", 1), "utf-8")
                arrived, state = preview.built(version)
                assert state["error"] is None, state["error"]
                first = state["changed"][0]
                assert preview.image(first, state["pages"][first][0]).startswith(b"\x89PNG")
                shown = time.perf_counter() - saved
                times[name].append(shown)
                print(f"{name}: save → new page {shown:.2f} s (state {arrived - saved:.2f} s, "
                      f"build {state['seconds']:.2f} s, {len(state['changed'])} pages changed)",
                      flush=True)  # fmt: skip
                if args.reference:
                    references[name].append(reference(name, book))
                    print(f"{name}: publish build of the same edit {references[name][-1]:.2f} s",
                          flush=True)  # fmt: skip
        print()
        print(f"load average (1 min) {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
        print("case    save → page s (median)  min    max    runs")
        for name, values in times.items():
            print(f"{name:7} {statistics.median(values):22.2f}  {min(values):5.2f}  "
                  f"{max(values):5.2f}  {len(values):4}")  # fmt: skip
        if args.reference:
            print("case    publish build, edit s (median)  min    max    runs")
            for name, values in references.items():
                print(f"{name:7} {statistics.median(values):30.2f}  {min(values):5.2f}  "
                      f"{max(values):5.2f}  {len(values):4}")  # fmt: skip
    finally:
        for preview in previews.values():
            preview.stop()
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
