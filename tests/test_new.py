"""`publish new`: a starter manuscript that builds at once, and the folders it refuses."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pdfplumber
import pytest

from conftest import epubcheck

PUBLISH = [sys.executable, "-m", "publish"]


def run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([*PUBLISH, *map(str, args)], capture_output=True, text=True, timeout=300)


def test_new_then_build_from_an_empty_folder(tmp_path):
    book = tmp_path / "mybook"
    book.mkdir()  # empty: allowed
    made = run("new", book, "--title", "我的第一本书", "--author", "张三", "--author", "李四")
    assert made.returncode == 0, made.stderr
    settings = tomllib.loads((book / "book.toml").read_text(encoding="utf-8"))
    assert settings["book"]["title"] == "我的第一本书"
    assert settings["book"]["authors"] == ["张三", "李四"]
    # Every section a book can have is there to be filled in, its keys commented out.
    text = (book / "book.toml").read_text(encoding="utf-8")
    for key in ("# subtitle", "# page-size", "# body-font", "# writing-mode", "# allow-data-urls"):
        assert key in text
    assert (book / "images" / "figure.png").read_bytes().startswith(b"\x89PNG")

    built = run("build", book, "--out", tmp_path / "out", "--strict")
    assert built.returncode == 0, built.stderr
    assert "warning" not in built.stderr
    pdf = tmp_path / "out" / "mybook.pdf"
    with pdfplumber.open(pdf) as document:
        text = "".join(page.extract_text() or "" for page in document.pages)
        assert any(page.images for page in document.pages), "the sample image is printed"
    # Headings, the footnote, the figure caption, a table cell, the title page.
    for expected in ("第一章", "第二章", "脚注按章编号", "图 1", "一节设定开本", "张三"):
        assert expected in text.replace("\u3000", " ")
    assert epubcheck(tmp_path / "out" / "mybook.epub") == []


def test_new_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = run("new", tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"publish: error: {tmp_path}: the folder is not empty (publish new writes only into a new one)"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_new_refuses_a_file_in_the_way(tmp_path):
    target = tmp_path / "book"
    target.write_text("a file")
    result = run("new", target)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "exists and is not a folder" in result.stderr
    assert target.read_text() == "a file"


def test_new_under_a_file_fails_in_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    result = run("new", tmp_path / "file" / "book")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot write the manuscript" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_new_in_an_unwritable_folder_fails_in_one_line(tmp_path):
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        result = run("new", parent / "book")
    finally:
        parent.chmod(0o700)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot write the manuscript" in result.stderr


def test_new_help_shows_an_example():
    result = run("new", "--help")
    assert result.returncode == 0
    assert "publish new mybook" in result.stdout


def test_every_setting_the_starter_shows_is_declared_with_that_default(tmp_path):
    """The starter's commented settings cannot drift from config.py's declarations: each,
    uncommented alone, is a key of its section and gives the settings of a book.toml
    without it (or, for a key without a default, such as `certified-by`, an example that
    is valid)."""
    import re
    from dataclasses import fields

    from publish.config import SECTION_KEYS, SECTIONS, load_config
    from publish.new import new_book

    new_book(tmp_path / "b")
    toml = tmp_path / "b" / "book.toml"
    text = toml.read_text(encoding="utf-8")
    defaults = load_config(toml).settings
    section, checked = None, 0
    for line in text.splitlines():
        if header := re.match(r"^\[(\w+)\]", line):
            section = header.group(1)
        elif (key := re.match(r"^# ([a-z-]+) = ", line)) and section:
            assert key.group(1) in SECTION_KEYS[section], line
            if section not in SECTIONS:
                continue
            value = line[2:].split("  #")[0].split(" #")[0]
            toml.write_text(text.replace(line, value, 1), encoding="utf-8")
            settings = load_config(toml).settings
            declared = {f.metadata["key"].name: f.default for f in fields(SECTIONS[section])
                        if "key" in f.metadata}  # fmt: skip
            assert settings == defaults or declared[key.group(1)] is None, line
            checked += 1
    assert checked >= 15
