"""The shared typography pass: punctuation normalisation and soft line breaks."""

from __future__ import annotations

import pytest

from publish.config import TypographySettings
from publish.typography.prepare import join_lines, normalize_punctuation, prepare_html


@pytest.mark.parametrize(
    "source, expected",
    [
        ("心得体会(两篇)供参考", "心得体会（两篇）供参考"),
        ("发展优先,构建普惠", "发展优先，构建普惠"),
        ("如下:一是", "如下：一是"),
        ("对吗?对!", "对吗？对！"),
        ("甲;乙", "甲；乙"),
        ("中文, 中文", "中文，中文"),
        ("大会(2023)开幕", "大会（2023）开幕"),
        ("比如:“中文”", "比如：“中文”"),
        # Left alone: Latin sentences, code-ish text, URLs, numbers.
        ("使用 Python 3.11, WeasyPrint", "使用 Python 3.11, WeasyPrint"),
        ("He said: hello (really).", "He said: hello (really)."),
        ("f(x) = 1", "f(x) = 1"),
        ("见 https://a.b/c?x=1,2 中文", "见 https://a.b/c?x=1,2 中文"),
        ("1,000 人", "1,000 人"),
        ("但 Python 3.11 (2022)与 example.org", "但 Python 3.11 (2022)与 example.org"),
    ],
)
def test_normalize_punctuation(source, expected):
    assert normalize_punctuation(source) == expected


def test_normalisation_sees_through_inline_markup_and_skips_code():
    settings = TypographySettings()
    assert prepare_html("<p>中文<em>,</em>中文</p>", settings) == "<p>中文<em>，</em>中文</p>"
    assert (
        prepare_html("<p><code>a,中</code>中,文</p>", settings) == "<p><code>a,中</code>中，文</p>"
    )
    assert (
        prepare_html("<pre><code>中,文</code></pre>", settings) == "<pre><code>中,文</code></pre>"
    )
    off = TypographySettings(normalize_punctuation=False)
    assert prepare_html("<p>中,文</p>", off) == "<p>中,文</p>"


@pytest.mark.parametrize(
    "source, expected",
    [
        ("中文\n中文", "中文中文"),
        ("中文。\n“引文”", "中文。“引文”"),
        ("English\nwords", "English words"),
        ("中文\nEnglish", "中文English"),
        ("English\n中文", "English中文"),
    ],
)
def test_soft_line_breaks(source, expected):
    assert join_lines(source) == expected


def test_soft_line_break_across_inline_tags():
    settings = TypographySettings()
    assert prepare_html("<p><strong>粗体</strong>\n中文</p>", settings) == (
        "<p><strong>粗体</strong>中文</p>"
    )


def test_rich_manuscript_normalisation_leaves_latin_alone():
    from conftest import RICH
    from publish.manuscript import read_manuscript

    body = read_manuscript(RICH).chapters[1].body
    assert (
        "规范化功能（测试）。中文，标点（测试）应当被替换为全角形式；问号？冒号：感叹号！" in body
    )
    assert "Python 3.11 (2022) 与 example.org" in body


def test_straight_quotes_pair_across_formulas_and_inline_code():
    """A formula or a code word in the sentence is one object (textnodes.ATOM), not the
    end of the block: `"$x$的取值"` pairs, and quotes inside code or maths stay straight."""
    x = "<math><mi>x</mi></math>"
    source = (
        f'<p>称为"损失函数"{x}，"{x}的取值"与{x}"属于"正类，用"<code>a</code>"，'
        f'<code>f"{{x}}"</code>和<math><mtext>"a"</mtext></math>。</p><p>He said "hi" to {x}.</p>'
    )
    assert prepare_html(source, TypographySettings()) == (
        f"<p>称为“损失函数”{x}，“{x}的取值”与{x}“属于”正类，用“<code>a</code>”，"
        f'<code>f"{{x}}"</code>和<math><mtext>"a"</mtext></math>。</p><p>He said "hi" to {x}.</p>'
    )
