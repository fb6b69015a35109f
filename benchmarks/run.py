"""Benchmark: `publish build` against plain WeasyPrint and Typst on the same text.

    python benchmarks/run.py [--only sample|sanguo] [--repeat N] [--chapters N] [--work DIR]

Two books: the sample in `manuscript/`, and 三国演义 (`../shared/corpus/sanguo-yanyi.txt`,
imported with `publish.plaintext.import_text`). For each book the same text (an `h1` per
chapter, a paragraph per paragraph) is also written once as a simple HTML file and as a
`.typ` file; then these runs are timed, interleaved (A B C D A B C D …) so that any drift of
the machine falls on every tool alike:

- publish      `publish build MS --out DIR` (PDF and EPUB: the full pipeline), a fresh DIR
               (the user's cache of font coverage and subsets, ~/.cache/publish, as earlier
               builds left it: subsets of the same glyphs are taken from there)
- first        the same with an empty user cache too, as the very first build on a machine
- weasyprint   the `weasyprint` command on the prepared HTML (PDF only, no publish code)
- typst        Typst on the prepared `.typ` (the `typst` command if there is one, otherwise
               `python -c "import typst; typst.compile(...)"`; skipped if neither)
- incremental  `publish build` again into the same DIR, nothing changed
- edit         `publish build` again into the same DIR, one sentence added to the middle
               chapter (restored afterwards): only that chapter's segment is laid out again

Each run is one process under `/usr/bin/time -v` (Debian package `time`): wall-clock time
and peak memory — the larger of GNU time's peak resident set (the largest single process)
and the most the command's processes held together (resident sets summed, sampled every
0.2 s: an upper bound, pages a forked worker shares with its parent count twice), since a
long book is laid out by worker processes. The table gives the median wall time and the
largest peak.
Tools are taken from the running Python's environment (`python` -> its `publish`,
`weasyprint`), so run it with the venv's Python.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from markdown_it import MarkdownIt  # noqa: E402

from publish.config import load_config  # noqa: E402
from publish.plaintext import import_text  # noqa: E402
from publish.typography.prepare import join_lines  # noqa: E402

SAMPLE = ROOT / "manuscript"
CORPUS = ROOT.parent / "shared" / "corpus" / "sanguo-yanyi.txt"
GNU_TIME = Path("/usr/bin/time")
#: Not resolved: a venv's python is a symlink, and its tools sit beside the link.
BIN = Path(sys.executable).parent

# The settings of the plain versions: publish's defaults (A5, 10.5pt, line height 1.7,
# margins 20 mm × 16 mm, Noto Serif CJK SC, justified, 2em indent, chapters on a new page).
CSS = """
@page { size: A5; margin: 20mm 16mm; }
body { font-family: "Noto Serif CJK SC"; font-size: 10.5pt; line-height: 1.7;
       text-align: justify; }
h1 { break-before: page; font-size: 1.6em; line-height: 1.4; margin: 0 0 1em; }
h2 { font-size: 1.25em; margin: 1em 0 0.5em; }
p { margin: 0; text-indent: 2em; }
"""
TYPST_PREAMBLE = """\
#set document(title: {title})
#set page(paper: "a5", margin: (y: 20mm, x: 16mm))
#set text(font: "Noto Serif CJK SC", size: 10.5pt, lang: "zh", region: "cn",
          top-edge: 0.88em, bottom-edge: -0.12em)
#set par(justify: true, first-line-indent: 2em, leading: 0.7em, spacing: 0.7em)
#show heading.where(level: 1): it => {{ pagebreak(weak: true); it }}
"""


@dataclass
class Block:
    kind: str  # "h1", "h2" or "p"
    text: str


@dataclass
class Case:
    name: str
    manuscript: Path
    html: Path
    typ: Path
    repeat: int
    characters: int = 0


@dataclass
class Runs:
    walls: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)  # MiB
    pages: int | None = None


# --- the same text as simple HTML and Typst --------------------------------------------


def manuscript_blocks(manuscript: Path) -> tuple[str, list[Block]]:
    """The book title and its chapters as headings and plain-text paragraphs."""
    config = load_config(manuscript / "book.toml")
    md = MarkdownIt("commonmark")
    blocks: list[Block] = []
    for name in config.book["chapters"]:
        tokens = md.parse((manuscript / name).read_text(encoding="utf-8"))
        for opening, inline in zip(tokens, tokens[1:], strict=False):
            if inline.type != "inline":
                continue
            if opening.type == "heading_open":
                kind = "h1" if opening.tag == "h1" else "h2"
            elif opening.type == "paragraph_open":
                kind = "p"
            else:
                continue
            text = "".join(
                "\n" if child.type == "softbreak" else child.content
                for child in inline.children or []
                if child.type in ("text", "code_inline", "softbreak")
            )
            blocks.append(Block(kind, join_lines(text).strip()))
    return config.book["title"], blocks


def write_html(title: str, blocks: list[Block], path: Path) -> None:
    body = "\n".join(f"<{b.kind}>{html.escape(b.text, quote=False)}</{b.kind}>" for b in blocks)
    path.write_text(
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n",
        encoding="utf-8",
    )


def typst_string(text: str) -> str:
    """A Typst string literal: shown verbatim, no markup inside."""
    return json.dumps(text, ensure_ascii=False)


def write_typst(title: str, blocks: list[Block], path: Path) -> None:
    lines = [TYPST_PREAMBLE.format(title=typst_string(title))]
    for block in blocks:
        prefix = {"h1": "= ", "h2": "== ", "p": ""}[block.kind]
        lines.append(f"{prefix}#{typst_string(block.text)}\n")
    path.write_text("\n".join(lines), encoding="utf-8")


# --- measuring ---------------------------------------------------------------------------


def tool(name: str) -> Path | None:
    for candidate in (BIN / name, shutil.which(name)):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def typst_command(typ: Path, pdf: Path) -> list[str] | None:
    cli = tool("typst")
    if cli:
        return [str(cli), "compile", str(typ), str(pdf)]
    if importlib.util.find_spec("typst"):
        script = "import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2])"
        return [sys.executable, "-c", script, str(typ), str(pdf)]
    return None


def _tree_rss(root: int) -> float:
    """Memory held by process `root` and all its descendants: their resident sets summed
    (MiB). Pages a forked worker still shares with its parent count in both, so this is an
    upper bound; it is read from /proc/PID/statm, cheap enough not to slow the build."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    tree, changed = {root}, True
    while changed:
        grown = tree | {pid for pid, parent in parents.items() if parent in tree}
        changed, tree = grown != tree, grown
    pages = 0
    for pid in tree:
        try:
            pages += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(command: list[str], stats: Path, env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, peak MiB) of one run of `command` under GNU time (with `env` added to
    the environment). The peak is the larger of GNU time's (the largest single process) and
    the most all of the command's processes held together (sampled every 0.2 s: a build's
    worker processes count)."""
    process = subprocess.Popen(
        [str(GNU_TIME), "-v", "-o", str(stats), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    together = 0.0
    sampler_stop = threading.Event()

    def sample() -> None:
        nonlocal together
        while not sampler_stop.wait(0.2):
            together = max(together, _tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    sampler_stop.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"failed ({process.returncode}): {' '.join(command)}\n{stderr[-2000:]}")
    report = stats.read_text()
    wall = re.search(r"Elapsed \(wall clock\) time .*?: (?:(\d+):)?(\d+):([\d.]+)", report)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    if not (wall and peak):
        sys.exit(f"cannot read GNU time's report:\n{report}")
    hours, minutes, seconds = wall.groups()
    seconds = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return seconds, max(int(peak.group(1)) / 1024, together)


@contextlib.contextmanager
def edited(manuscript: Path):
    """The middle chapter with one sentence more, for the time of the block."""
    chapters = sorted(manuscript.glob("*.md"))
    chapter = chapters[len(chapters) // 2]
    original = chapter.read_bytes()
    try:
        chapter.write_bytes(original + "\n\n（基准测试：此处增补一句。）\n".encode())
        yield
    finally:
        chapter.write_bytes(original)


def page_count(pdf: Path) -> int | None:
    try:
        import pypdf
    except ImportError:
        return None
    return len(pypdf.PdfReader(pdf).pages)


def run_case(case: Case, work: Path) -> dict[str, Runs]:
    publish, weasyprint = tool("publish"), tool("weasyprint")
    if not (publish and weasyprint):
        sys.exit(f"`publish` and `weasyprint` must be installed beside {sys.executable}")
    folder = work / case.name
    stats = folder / "time.txt"
    plain_pdf, typst_pdf = folder / "weasyprint.pdf", folder / "typst.pdf"
    runs: dict[str, Runs] = {}
    typst = typst_command(case.typ, typst_pdf)
    if typst is None:
        print("  typst: neither the `typst` command nor the Python package: skipped")
    for repetition in range(case.repeat):
        out = folder / f"out-{repetition}"
        shutil.rmtree(out, ignore_errors=True)
        build = [str(publish), "build", str(case.manuscript), "--out", str(out), "-q"]
        first = folder / f"first-{repetition}"
        empty_cache = folder / f"user-cache-{repetition}"
        for path in (first, empty_cache):
            shutil.rmtree(path, ignore_errors=True)
        commands = {
            "publish": build,
            "weasyprint": [str(weasyprint), str(case.html), str(plain_pdf)],
            "typst": typst,
            "incremental": build,  # same DIR, nothing changed since "publish"
            "edit": build,  # same DIR, one sentence added to the middle chapter
            "first": [*build[:4], str(first), "-q"],  # empty user cache as well
        }
        for name, command in commands.items():
            if command is None:
                continue
            env = {"XDG_CACHE_HOME": str(empty_cache)} if name == "first" else None
            with edited(case.manuscript) if name == "edit" else contextlib.nullcontext():
                wall, peak = measure(command, stats, env)
            runs.setdefault(name, Runs()).walls.append(wall)
            runs[name].peaks.append(peak)
            print(f"  {repetition + 1}/{case.repeat} {name:<12} {wall:8.2f} s {peak:8.0f} MiB")
    last = folder / f"out-{case.repeat - 1}"
    pdfs = {"publish": next(last.glob("*.pdf")), "weasyprint": plain_pdf, "typst": typst_pdf}
    for name, pdf in pdfs.items():
        if name in runs and pdf.exists():
            runs[name].pages = page_count(pdf)
    return runs


# --- the cases and the table ---------------------------------------------------------------


def prepare(name: str, manuscript: Path, work: Path, repeat: int) -> Case:
    folder = work / name
    folder.mkdir(parents=True, exist_ok=True)
    title, blocks = manuscript_blocks(manuscript)
    case = Case(name, manuscript, folder / "plain.html", folder / "plain.typ", repeat)
    case.characters = sum(len(b.text) for b in blocks)
    write_html(title, blocks, case.html)
    write_typst(title, blocks, case.typ)
    chapters = sum(b.kind == "h1" for b in blocks)
    print(f"{name}: {chapters} chapters, {case.characters:,} characters, {repeat} run(s) each")
    return case


def table(results: list[tuple[Case, dict[str, Runs]]]) -> str:
    rows = [("case", "tool", "wall s (median)", "peak MiB (max)", "pages", "runs")]
    ratios = []
    for case, runs in results:
        for name, r in runs.items():
            pages = "" if r.pages is None else str(r.pages)
            wall, peak = statistics.median(r.walls), max(r.peaks)
            rows.append((case.name, name, f"{wall:.2f}", f"{peak:.0f}", pages, str(len(r.walls))))
        for ours in ("publish", "first"):
            for other in ("weasyprint", "typst"):
                if ours in runs and other in runs:
                    mine, theirs = runs[ours], runs[other]
                    wall = statistics.median(mine.walls) / statistics.median(theirs.walls)
                    peak = max(mine.peaks) / max(theirs.peaks)
                    ratios.append(
                        f"{case.name}: {ours}/{other} = {wall:.2f}× time, {peak:.2f}× memory"
                    )
        publish = runs["publish"]
        for again in ("incremental", "edit"):
            if again in runs:
                share = statistics.median(runs[again].walls) / statistics.median(publish.walls)
                ratios.append(f"{case.name}: {again}/publish = {share:.0%} of a full build")
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in pairs]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines + [""] + ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("sample", "sanguo"), help="one book only")
    parser.add_argument(
        "--repeat", type=int, help="runs of each tool (default: 3 sample, 1 sanguo)"
    )
    parser.add_argument("--chapters", type=int, help="only the first N chapters of 三国演义")
    parser.add_argument("--work", type=Path, help="keep the files here (default: a temp folder)")
    args = parser.parse_args()
    if not GNU_TIME.is_file():
        sys.exit("/usr/bin/time is missing: apt-get install time (GNU time)")
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    work = args.work or Path(tempfile.mkdtemp(prefix="publish-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"tools from {BIN}; files in {work}")
    try:
        cases = []
        if args.only in (None, "sample"):
            cases.append(prepare("sample", SAMPLE, work, args.repeat or 3))
        if args.only in (None, "sanguo"):
            if not CORPUS.exists():
                sys.exit(f"the corpus is missing: {CORPUS}")
            started = time.perf_counter()
            toml = import_text(
                CORPUS,
                work / "sanguo" / "manuscript",
                authors=["罗贯中"],
                max_chapters=args.chapters,
                output_name="sanguo",
            )
            print(f"import_text: {time.perf_counter() - started:.2f} s")
            cases.append(prepare("sanguo", toml.parent, work, args.repeat or 1))
        results = []
        for case in cases:
            print(f"timing {case.name} …")
            results.append((case, run_case(case, work)))
        print()
        print(table(results))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
