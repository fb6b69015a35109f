"""The set-up a new user meets: what `make` installs (no test-only checker), the command
line's help, `python -m publish`, and a non-editable install finding its stylesheets and
templates."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Installed by `make test` only: EPUBCheck's Java, Ace (npm), the other checkers and the
#: test-only Python packages. (Chromium and npm are the diagram renderer's: `make` needs them.)
TEST_ONLY = ["default-jre", "openjdk", "java", "qpdf", "pandoc", "poppler-utils",
             "[test]", "playwright", "epubcheck", "pytest", "@daisy/ace", "mupdf-tools",
             "ghostscript"]  # fmt: skip


def dry_run(target: str) -> str:
    """The commands `make TARGET` would run on a machine where nothing is installed yet."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        [make, "-n", "-B", "-C", str(ROOT), target], capture_output=True, text=True, check=True
    )
    return result.stdout


def test_make_installs_no_test_only_checker():
    commands = dry_run("all")
    assert "publish build manuscript" in commands  # the dry run is of the real set-up
    packages = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "print-packages"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "fonts-noto-cjk" in packages and "libharfbuzz-subset0" in packages
    for package in packages:
        assert package in commands
    for word in TEST_ONLY:
        assert word not in commands, f"`make` would install {word}, which only the tests need"
        assert not any(word in package for package in packages)


def test_make_test_installs_the_checkers():
    commands = dry_run("test")
    for word in ("default-jre-headless", "qpdf", "pandoc", "poppler-utils", "chromium",
                 "npm ci", "'.[test]'", "ghostscript", "mupdf-tools", "argyll"):  # fmt: skip
        assert word in commands


def publish(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "publish", *args], capture_output=True, text=True, check=False
    )


def test_help_lists_each_command_in_one_line_with_an_example_each():
    result = publish("--help")
    assert result.returncode == 0
    listing = result.stdout.split("Commands:")[1].strip().splitlines()
    commands = [line.split()[0] for line in listing]
    assert commands == ["build", "check", "import-text", "new", "serve"]
    for line in listing:
        assert not line.rstrip().endswith("..."), f"cut short: {line}"
    for command in commands:
        text = publish(command, "--help").stdout
        assert re.search(rf"Example:\n\s+publish {command} ", text), command


def test_python_m_publish_is_the_publish_command():
    assert (
        publish("--version").stdout
        == subprocess.run(
            [str(Path(sys.executable).parent / "publish"), "--version"],
            capture_output=True,
            text=True,
        ).stdout
    )
    assert publish("--version").stdout.startswith("publish, version")
    missing = publish("build", "/nonexistent-loop-book")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


@pytest.mark.slow
def test_a_non_editable_install_finds_its_stylesheets_and_templates(tmp_path):
    """`pip install .` (not editable): the stylesheets, templates and the preview's page
    travel with the package, and the sample builds from it."""
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
         str(ROOT)],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    for name in ("styles/print.css", "styles/base.css", "styles/epub.css",
                 "templates/print.html", "serve/static/app.js"):  # fmt: skip
        assert (target / "publish" / name).is_file(), name
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import publish.render as r; print(r.__file__); print(r.STYLES);"
        "from publish.cli import run; sys.argv = ['publish'] + sys.argv[2:]; run()"
    )
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-c", script, str(target), "build", str(ROOT / "manuscript"),
         "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    module, styles = result.stdout.splitlines()[:2]
    assert module.startswith(str(target)) and styles.startswith(str(target))
    assert (out / "wuzhen.pdf").stat().st_size > 10_000
    assert (out / "wuzhen.epub").is_file()
