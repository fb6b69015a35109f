"""The command line: outputs where asked, one clear line for each mistake a user can make."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import RICH
from publish import __version__
from publish.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def manuscript(tmp_path) -> Path:
    target = tmp_path / "book"
    shutil.copytree(RICH, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_version_and_help():
    assert run("--version").output.strip() == f"publish, version {__version__}"
    assert "build" in run("--help").output
    assert "--format" in run("build", "--help").output


def test_build_writes_the_requested_formats(manuscript, tmp_path):
    out = tmp_path / "out"
    result = run("build", str(manuscript), "--out", str(out), "--format", "epub")
    assert result.exit_code == 0, result.output
    outputs = lambda: sorted(p.name for p in out.iterdir() if not p.name.startswith("."))  # noqa: E731
    assert outputs() == ["rich.epub"]
    result = run("build", str(manuscript), "--out", str(out), "-q")
    assert result.exit_code == 0 and result.output == ""
    assert outputs() == ["rich.epub", "rich.pdf"]


ERRORS = [
    # (what to break, expected message: file, line and text)
    (lambda m: shutil.rmtree(m), "{m}: manuscript folder not found"),
    (lambda m: (m / "book.toml").unlink(), "{m}/book.toml: no book.toml here"),
    (
        lambda m: edit(m / "book.toml", 'language = "zh-CN"', "language = zh-CN"),
        "{m}/book.toml:5: invalid TOML: Invalid value",
    ),
    (
        lambda m: edit(m / "book.toml", 'title = "排版测试之书"', 'title = "  "'),
        "{m}/book.toml:2: `title` is empty",
    ),
    (
        lambda m: edit(m / "book.toml", 'title = "排版测试之书"\n', ""),
        "{m}/book.toml:1: [book] is missing `title`",
    ),
    (
        lambda m: edit(m / "book.toml", '"02-tubiao.md"', '"02-missing.md"'),
        "{m}/book.toml:12: chapter file `02-missing.md` not found",
    ),
    (
        lambda m: edit(m / "book.toml", '"03-shiyu.md"', '"../outside.md"'),
        "{m}/book.toml:12: chapter file `../outside.md` is outside the manuscript folder",
    ),
    (
        lambda m: edit(m / "book.toml", 'language = "zh-CN"', 'language = "chinese simplified"'),
        '{m}/book.toml:5: `language` "chinese simplified" is not a BCP 47 tag (e.g. "zh-CN")',
    ),
    (
        lambda m: edit(m / "book.toml", "subjects =", "subject ="),
        "{m}/book.toml:11: unknown key in [book] `subject`; did you mean `subjects`?",
    ),
    (
        lambda m: (m / "02-tubiao.md").write_bytes("# 标题\n\n中文".encode("gbk")),
        "{m}/02-tubiao.md:1: not UTF-8 text; save the chapter as UTF-8",
    ),
    (
        lambda m: (m / "03-shiyu.md").write_text("没有标题的段落。\n", encoding="utf-8"),
        "{m}/03-shiyu.md:1: a chapter must start with its `# title`",
    ),
    (
        lambda m: edit(
            m / "book.toml",
            'chapters = ["01-kaipian.md", "02-tubiao.md", "03-shiyu.md"]',
            "chapters = []",
        ),
        "{m}/book.toml:12: `chapters` is empty",
    ),
    (
        lambda m: edit(
            m / "book.toml", "[output]", '[pdf]\nbody-font = "No Such Song"\n\n[output]'
        ),
        '{m}/book.toml:15: font "No Such Song" (`body-font` in [pdf]) is not installed',
    ),
    (
        lambda m: edit(m / "book.toml", "[output]", "[output]\ncolour = 1"),
        "{m}/book.toml:15: unknown key in [output] `colour`; valid: name",
    ),
    (
        lambda m: edit(m / "book.toml", 'date = "2024-03-15"', 'date = "15/03/2024"'),
        '{m}/book.toml:8: `date` "15/03/2024" is not YYYY-MM-DD',
    ),
    (
        lambda m: edit(m / "book.toml", 'identifier = "urn:uuid:', 'identifier = "isbn:'),
        "{m}/book.toml:6: `identifier`",
    ),
]


@pytest.mark.parametrize("breakage, message", ERRORS)
def test_user_errors_give_one_line_and_exit_nonzero(manuscript, tmp_path, breakage, message):
    image_line = next(
        number
        for number, line in enumerate((manuscript / "02-tubiao.md").read_text().splitlines(), 1)
        if "figure1.png" in line
    )
    breakage(manuscript)
    result = CliRunner().invoke(main, ["build", str(manuscript), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    expected = "publish: error: " + message.format(m=manuscript, line=image_line)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(expected), (lines[0], expected)
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "breakage, message",
    [
        (lambda m: (m / "images" / "figure1.png").unlink(), "not found"),
        (
            lambda m: (m / "images" / "figure1.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really"),
            "cannot be decoded",
        ),
    ],
)
def test_broken_images_warn_and_strict_fails(manuscript, tmp_path, breakage, message):
    """Real books have broken images: the build goes on (alt text kept), --strict stops."""
    image_line = next(
        number
        for number, line in enumerate((manuscript / "02-tubiao.md").read_text().splitlines(), 1)
        if "figure1.png" in line
    )
    breakage(manuscript)
    where = f"{manuscript}/02-tubiao.md:{image_line}: image `images/figure1.png` {message}"
    result = CliRunner().invoke(main, ["build", str(manuscript), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0
    assert f"publish: warning: {where}" in result.output
    result = CliRunner().invoke(
        main, ["build", str(manuscript), "--out", str(tmp_path / "s"), "--strict"]
    )
    assert result.exit_code == 1
    assert result.output.strip().startswith(f"publish: error: {where}")
    assert result.output.strip().endswith("(--strict)") and "Traceback" not in result.output


def test_output_folder_not_writable(manuscript, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["build", str(manuscript), "--out", str(blocker / "out")])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"publish: error: {blocker / 'out'}: cannot create the output folder: Not a directory"
    )


def test_a_failed_build_keeps_the_previous_outputs(manuscript, tmp_path):
    out = tmp_path / "out"
    assert run("build", str(manuscript), "--out", str(out), "-q").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (manuscript / "02-tubiao.md").unlink()
    result = CliRunner().invoke(main, ["build", str(manuscript), "--out", str(out)])
    assert result.exit_code == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_progress_on_a_terminal_and_silence_elsewhere(manuscript, tmp_path):
    import io

    from publish.build import build
    from publish.progress import Progress

    stream = io.StringIO()
    build(manuscript, tmp_path / "out", progress=Progress(stream))
    shown = stream.getvalue()
    assert "laying out the print edition: page 1 · " in shown
    assert "writing the PDF and the EPUB" in shown
    assert shown.endswith("\r")  # the status line is wiped at the end
    # CliRunner's output is not a terminal: no status line at all.
    result = run("build", str(manuscript), "--out", str(tmp_path / "o2"))
    assert "laying out" not in result.output


def test_the_installed_command_exits_at_once_with_all_its_output(manuscript, tmp_path):
    """`publish` (cli.run) ends the process as soon as the build is done, without tearing
    the interpreter down: everything it printed must be there, with the right status."""
    publish = Path(sys.executable).parent / "publish"
    out = tmp_path / "out"
    done = subprocess.run(
        [str(publish), "build", str(manuscript), "--out", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["read", "wrote", "wrote", "done"]
    assert all(Path(line.split()[1]).exists() for line in lines[1:3])
    failed = subprocess.run(
        [str(publish), "build", str(tmp_path / "missing")], capture_output=True, text=True
    )
    assert failed.returncode == 1
    assert failed.stderr.startswith("publish: error:") and failed.stderr.count("\n") == 1
