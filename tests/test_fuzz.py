"""Random Chinese Markdown through the whole pipeline: a valid book or a clean error.

Bounded in CI (FUZZ_EXAMPLES, default 12); run more on demand, e.g.
`FUZZ_EXAMPLES=300 .venv/bin/pytest tests/test_fuzz.py`. Every failing example found is
kept below as an `@example`, so it is checked on every run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import epubcheck
from publish.build import build
from publish.errors import PublishError

BOOK_TOML = '[book]\ntitle = "随机"\nauthors = ["佚名"]\nlanguage = "zh-CN"\nchapters = ["a.md"]\n'

han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
ext_b = st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF)
emoji = st.sampled_from(["😀", "👍🏽", "🇨🇳", "❤️", "👨‍👩‍👧"])
punct = st.sampled_from(list("，。、；：？！“”‘’（）《》「」【】…—·,.;:?!()[]{}<>&\"'"))
markup = st.sampled_from(
    ["*", "**", "_", "__", "`", "``", "~~", "[", "]", "](", ")", "#", "## ", "> ", "- ",
     "1. ", "|", "---", "\n", "\n\n", "    ", "\t", "[^1]", "[^1]: 注", "[^x]", "![图](",
     "<div>", "</div>", "<p>", "</p>", "<span>", "<script>", "</script>", "<img src=x>",
     "<b>", "</i>", "&amp;", "&#0;", "&#x1F600;", "&nbsp;", "<!--", "-->", "\\", "<", ">",
     "https://example.org/", "| a | b |\n|---|---|\n| 1 | 2 |\n", "```\n", "$$"]
)  # fmt: skip
controls = st.sampled_from(
    ["\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\ufeff", "\u200b"]
)
atom = st.one_of(
    st.text(han, min_size=1, max_size=30), ext_b.map(str), emoji, punct, markup, controls,
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=5),
)  # fmt: skip
deep_list = st.integers(1, 40).map(lambda n: "".join("  " * i + "- 项\n" for i in range(n)))
huge = st.integers(2_000, 20_000).map(lambda n: "长" * n)
body = st.lists(st.one_of(atom, atom, atom, deep_list, huge), max_size=60).map("".join)


def check(body_text: str, title: str = "章") -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "m").mkdir()
        (root / "m" / "book.toml").write_text(BOOK_TOML, encoding="utf-8")
        (root / "m" / "a.md").write_text(f"# {title}\n\n{body_text}", encoding="utf-8")
        try:
            result = build(root / "m", root / "out")
        except PublishError as error:
            assert "\n" not in str(error) and str(error), error
            return
        pdf, epub = result.written
        qpdf = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert qpdf.returncode == 0, qpdf.stdout + qpdf.stderr
        messages = epubcheck(epub)
        assert messages == [], [(m["ID"], m["message"]) for m in messages]


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("qpdf"), reason="qpdf is installed by make")
@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("FUZZ_RANDOM") is None,
)
@given(body)
@example("<td>格</td>中文<li>项</li>")
@example("- 项\n  - <div>块</div>\n")
@example("[^1]\n\n[^1]: <script>x</script>注")
@example("# 第二个标题")
@example("\x00\x1b中文")
def test_random_markdown_gives_a_valid_book_or_a_clean_error(body_text):
    check(body_text)
