"""Running heads are one line on every page, whatever the title: the short title when the
chapter has one, cut with an ellipsis when still too long (measured from the PDF)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pdfplumber
import pytest

from publish.build import build

BODY = "\n\n".join(["这是正文，用来填满页面的文字，Go 1.10 版本。" * 10] * 24)
LONG_TITLE = "一本书名非常非常长的书：用来测试左页书眉会不会折行以及截断的情况和效果"
LONG_CHAPTER = "第2章 一个非常非常长的章节标题用来测试书眉会不会折行和截断的情况以及更多的文字"


@pytest.fixture(scope="module")
def heads(tmp_path_factory) -> list[tuple[int, list[float], str, float, float, float]]:
    """(page, tops of its running head's lines, text, left, right, text block's right)."""
    folder = tmp_path_factory.mktemp("heads") / "book"
    folder.mkdir()
    settings = {"pdf": {"running-head": {"e.md": "第5章 书里给的"}}}
    (folder / "book.json").write_text(
        json.dumps({"title": LONG_TITLE, "language": "zh-CN", "publish": settings})
    )
    (folder / "SUMMARY.md").write_text(
        f"# 目录\n\n- [第1章 入门](a.md)\n- [{LONG_CHAPTER}](b.md)\n- [第3章](c.md)\n"
        "- [并发](d.md)\n- [第5章 测试](e.md)\n",
        encoding="utf-8",
    )
    files = {
        "a.md": "# 第1章 入门\n\n",  # `第1章`: the Han–Latin gaps once made it wrap
        "b.md": f"# {LONG_CHAPTER}\n\n",
        "c.md": '---\nrunning-head: "第3章 短标题"\n---\n\n# 第3章 一个很长的标题，书眉用短标题\n\n',
        "d.md": "# 第 4 章 并发编程与 goroutine 调度\n\n",  # the summary's title is shorter
        "e.md": "# 第5章 测试\n\n",  # [pdf] running-head, in book.json's "publish"
    }
    for name, head in files.items():
        (folder / name).write_text(head + BODY, encoding="utf-8")
    result = build(folder, folder.parent / "out", ("pdf",))
    pdf = next(p for p in result.written if p.suffix == ".pdf")
    found = []
    with pdfplumber.open(pdf) as document:
        for number, page in enumerate(document.pages, 1):
            body = [c for c in page.chars if c["size"] > 9]
            head = [c for c in page.chars if c["size"] < 9 and c["top"] < page.height * 0.15]
            if head and body:
                tops = sorted({round(c["top"], 1) for c in head})
                text = "".join(c["text"] for c in head)
                right = max(c["x1"] for c in body)
                found.append((number, tops, text, min(c["x0"] for c in head),
                              max(c["x1"] for c in head), right))  # fmt: skip
    return found


def test_every_running_head_is_one_line_inside_the_text_block(heads):
    assert len(heads) > 12
    for number, tops, text, left, right, block_right in heads:
        assert tops[-1] - tops[0] < 2, (number, text)  # one baseline (faces differ by 0.1)
        assert left > 40 and right < block_right + 1, (number, text)


def test_short_titles_and_ellipses(heads):
    texts = {text for _, _, text, _, _, _ in heads}
    assert "第1章 入门" in texts
    assert "第3章 短标题" in texts  # front matter `running-head`
    assert "并发" in texts  # the summary's shorter title
    assert "第5章 书里给的" in texts  # [pdf] running-head
    cut = [t for t in texts if t.endswith("…")]
    assert len(cut) == 2  # the book's title (left pages) and the long chapter's
    assert any(t.startswith("一本书名非常非常长") for t in cut)
    assert any(t.startswith("第2章 一个非常非常长") for t in cut)


def test_long_emphasis_setting():
    """`[typography] long-emphasis = "dots"` keeps a passage dotted; "kai" (the default)
    sets it in Kai; a phrase is dotted either way."""
    from publish.config import check_tables
    from publish.typography.emphasis import print_emphasis

    passage = "<p><em>一整段都是强调的文字</em></p><p>一个<em>短语</em>。</p>"
    for value, classes in (("kai", ["em-kai", "em-dots"]), ("dots", ["em-dots", "em-dots"])):
        toml = f'[typography]\nlong-emphasis = "{value}"\n'
        settings = check_tables(
            {"typography": {"long-emphasis": value}}, toml, Path("book.toml"), book_required=False
        ).settings.typography
        html = print_emphasis(passage, settings.emphasis, settings.long_emphasis)
        assert re.findall(r'<em class="(em-\w+)"', html) == classes
