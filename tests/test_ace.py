"""Ace by DAISY, the accessibility checker stores and libraries use, on our EPUBs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from conftest import ROOT

ACE = ROOT / "node_modules" / ".bin" / "ace-puppeteer"


def run_ace(epub, out) -> dict:
    assert ACE.exists(), "Ace is installed by make (npm ci)"
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is installed by make"
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium}
    subprocess.run([str(ACE), "-s", "-f", "-o", str(out), str(epub)], env=env, check=True,
                   timeout=300)  # fmt: skip
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_ace_finds_no_accessibility_violation(built, tmp_path):
    report = run_ace(built.epub, tmp_path / "ace")
    problems = [
        (x["earl:test"]["dct:title"], x["earl:result"]["dct:description"][:120])
        for document in report["assertions"]
        for x in document["assertions"]
    ]
    assert report["earl:result"]["earl:outcome"] == "pass", problems
