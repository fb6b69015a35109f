"""Long Latin words hyphenate and identifiers break at their joints, so that the justified
Chinese line before them keeps its gaps within clreq's limits."""

from __future__ import annotations

import pdfplumber
import pytest

from publish.build import build
from publish.check import WIDE, check_pdf
from publish.typography.hyphenate import BREAK, SOFT_HYPHEN, soft_hyphens

TOML = '[book]\ntitle = "断词"\nauthors = ["佚名"]\nlanguage = "zh-CN"\nchapters = ["a.md"]\n'
#: Each paragraph puts an unbreakable-looking word where the line runs out.
TEXT = """# 断词

在容器编排领域里，我们通常会把每一个服务部署到 Kubernetes 集群之中，再由 \
internationalization 团队负责所有界面文字的翻译，最后交给 application 的维护者统一发布与回滚。

这一章讨论的配置文件里，有一些很长的英文单词，例如 representational 和 \
incomprehensibilities，它们在中文段落里常常让前一行的字距被拉得很开，读起来很不舒服。

代码里的标识符如 `std::collections::HashMap` 和 config_file_name.yaml 以及 \
https://example.com/very/long/path 不能加连字符，只能在它们的分隔符处断开。

```text
internationalization_configuration representational
```
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hyphens") / "book"
    folder.mkdir()
    (folder / "book.toml").write_text(TOML, encoding="utf-8")
    (folder / "a.md").write_text(TEXT, encoding="utf-8")
    return build(folder, folder.parent / "out", ("pdf",))


def _page_lines(path) -> list[list[dict]]:
    with pdfplumber.open(path) as pdf:
        page = next(p for p in pdf.pages if "容器编排" in (p.extract_text() or ""))
        lines: dict[float, list[dict]] = {}
        for char in page.chars:
            lines.setdefault(round(char["matrix"][5], 1), []).append(char)
        return [sorted(lines[y], key=lambda c: c["x0"]) for y in sorted(lines, reverse=True)]


def test_a_long_word_is_hyphenated_with_a_visible_hyphen(built):
    lines = ["".join(c["text"] for c in line) for line in _page_lines(built.written[0])]
    lines = lines[next(i for i, line in enumerate(lines) if "容器编排" in line) :]
    assert lines[0].endswith("部署到 Kuber\u2010") and lines[1].startswith("netes 集群")
    hyphens = [c for line in _page_lines(built.written[0]) for c in line if c["text"] == "‐"]
    # Drawn in the Latin face at its own width, not as a full-width Han hyphen.
    assert hyphens and all("latin" in c["fontname"] and c["width"] < 5 for c in hyphens)
    # Where no break falls, the soft hyphens and break points draw nothing.
    text = "".join(lines)
    assert SOFT_HYPHEN not in text and BREAK not in text
    assert "application" in text and "config_file_" in text


def test_code_and_identifiers_are_never_hyphenated(built):
    lines = _page_lines(built.written[0])
    mono = [c for line in lines for c in line if "Mono" in c["fontname"]]
    assert mono and "‐" not in "".join(c["text"] for c in mono)
    listing = next(
        "".join(c["text"] for c in line)
        for line in lines
        if "Mono" in line[0]["fontname"]
        and "internationalization_" in "".join(c["text"] for c in line)
    )
    assert "‐" not in listing
    # The identifier breaks after its _, with no hyphen added.
    ends = ["".join(c["text"] for c in line)[-12:] for line in lines]
    assert any(end.endswith("config_file_") for end in ends), ends


def test_the_lines_before_long_words_keep_their_gaps(built):
    report = check_pdf(built.book, built.written[0])
    assert report.text_identical  # a broken word's hyphen is taken as the word's
    assert report.wide_lines == []  # no line without Latin stretched beyond WIDE
    assert report.widest_gap[0] <= WIDE
    # Lines with Latin words: before hyphenation, 0.78 em (std::collections::HashMap).
    assert report.widest_gap_latin[0] < 0.2, report.widest_gap_latin


def test_the_rules_of_hyphenation():
    shy = SOFT_HYPHEN
    assert (
        soft_hyphens("<p>部署到 Kubernetes 集群</p>") == f"<p>部署到 Ku{shy}ber{shy}netes 集群</p>"
    )
    # Short words, acronyms, camelCase, identifiers, headings and code stay whole.
    for whole in (
        "<p>the HTTPS API</p>",
        "<p>getElemById</p>",  # shorter than twelve: whole
        "<h2>Kubernetes</h2>",
        "<pre><code>application</code></pre>",
        "<p><code>application</code></p>",
    ):
        assert soft_hyphens(whole) == whole
    assert soft_hyphens("<p>config.yaml</p>") == "<p>config.yaml</p>"
    # A long camelCase identifier or expression may break between its words (no hyphen),
    # rather than spread the Chinese line before it (issue #23).
    assert soft_hyphens("<p>getElementById</p>") == f"<p>get{BREAK}Element{BREAK}By{BREAK}Id</p>"
    assert soft_hyphens("<p>ListenAndServeTLSWith</p>") == (
        f"<p>Listen{BREAK}And{BREAK}Serve{BREAK}TLS{BREAK}With</p>"
    )
    assert soft_hyphens("<p>total=price*count</p>") == f"<p>total={BREAK}price*{BREAK}count</p>"
    assert soft_hyphens("<p>a &amp; bbbbbbbbbbbbbbbb</p>") == "<p>a &amp; bbbbbbbbbbbbbbbb</p>"
    assert soft_hyphens("<p>a_long_identifier</p>") == f"<p>a_{BREAK}long_{BREAK}identifier</p>"
