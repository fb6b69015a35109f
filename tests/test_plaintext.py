"""Plain-text books into manuscripts (the 三国演义 corpus is one)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, squash
from publish.cli import main
from publish.errors import PublishError
from publish.manuscript import read_manuscript
from publish.plaintext import escape_markdown, import_text

CORPUS = ROOT.parent / "shared" / "corpus" / "sanguo-yanyi.txt"

SAMPLE = (
    "\ufeff《小书》某某\r\n\r\n第一回 开篇 立意\r\n\r\n    \t\t\r\n\r\n"
    "    青山依旧在，几度夕阳红。白发渔樵江渚上，惯\r\n\r\n    看秋月春风。\r\n\r\n"
    "    ——调寄《临江仙》\r\n\r\n    他说：*不是强调*，_也不是_，#也不是标题，[方括号]与<尖括号>。\r\n\r\n"
    "第二回 再叙\r\n\r\n    1. 这不是列表。\r\n\r\n    - 这也不是。\r\n\r\n"
    "第十回 终章\r\n\r\n    > 这不是引文，反斜杠\\保留。\r\n"
)


def _text_of(folder: Path) -> str:
    book = read_manuscript(folder)
    parts = []
    for chapter in book.chapters:
        parts.append(chapter.title)
        body = re.sub(r"<[^>]+>", "", chapter.body)
        body = body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        parts.append(body.replace("&quot;", '"'))
    return squash("".join(parts))


def test_import_a_small_text(tmp_path):
    source = tmp_path / "book.txt"
    source.write_bytes(SAMPLE.encode("utf-8"))
    toml = import_text(source, tmp_path / "m")
    book = read_manuscript(tmp_path / "m")
    assert toml == tmp_path / "m" / "book.toml"
    assert book.metadata.title == "小书" and book.metadata.authors == ("某某",)
    assert [c.title for c in book.chapters] == [
        "第一回\u3000开篇\u3000立意",
        "第二回\u3000再叙",
        "第十回\u3000终章",
    ]
    assert sorted(p.name for p in (tmp_path / "m").glob("*.md")) == ["001.md", "002.md", "003.md"]
    # The hard-wrapped verse line is joined again; every character is kept.
    assert "白发渔樵江渚上，惯看秋月春风。" in book.chapters[0].body
    expected = squash(SAMPLE.replace("\ufeff", "").split("\n", 1)[1])
    assert _text_of(tmp_path / "m") == expected
    assert "<ol>" not in book.chapters[1].body and "<ul>" not in book.chapters[1].body
    assert "<blockquote>" not in book.chapters[2].body and "<em>" not in book.chapters[0].body


def test_escape_markdown_round_trips():
    for text in ["*a* _b_ `c` [d](e) <f> #g", "1. x", "- y", "a\\b", "|t|", "~~s~~"]:
        assert escape_markdown(text) != text


def test_import_text_command(tmp_path):
    source = tmp_path / "book.txt"
    source.write_bytes(SAMPLE.encode("utf-8"))
    result = CliRunner().invoke(
        main, ["import-text", str(source), str(tmp_path / "m"), "--chapters", "2",
               "--author", "甲", "--author", "乙", "--name", "small"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    book = read_manuscript(tmp_path / "m")
    assert len(book.chapters) == 2 and book.metadata.authors == ("甲", "乙")
    assert book.settings.output_name == "small"
    missing = CliRunner().invoke(
        main, ["import-text", str(tmp_path / "no.txt"), str(tmp_path / "x")]
    )
    assert missing.exit_code == 1
    assert missing.output.strip() == f"publish: error: {tmp_path / 'no.txt'}: file not found"


@pytest.mark.slow
def test_import_the_whole_corpus(tmp_path):
    if not CORPUS.exists():
        pytest.skip("the corpus is not beside the repository")
    import_text(CORPUS, tmp_path / "sanguo")
    book = read_manuscript(tmp_path / "sanguo")
    assert len(book.chapters) == 120
    assert book.chapters[0].title.startswith("第一回")
    assert book.chapters[-1].title.startswith("第一百二十回")
    text = CORPUS.read_text(encoding="utf-8-sig")
    # The Markdown source, unescaped, is the text (the typography pass may change ASCII
    # punctuation afterwards: the corpus has some mojibake with "?" in it).
    source = "".join(
        path.read_text(encoding="utf-8").replace("# ", "", 1)
        for path in sorted((tmp_path / "sanguo").glob("*.md"))
    )
    assert squash(re.sub(r"\\(.)", r"\1", source)) == squash(text.split("\n", 1)[1])


def test_preface_and_chapter_limit(tmp_path):
    """Text before the first heading is a 000.md preface, not counted by `max_chapters`."""
    source = tmp_path / "book.txt"
    source.write_text(
        "书名\n\n    序言一段。\n\n第一回 甲\n\n    正文。\n\n第二回 乙\n\n    正文二。\n",
        encoding="utf-8",
    )
    import_text(source, tmp_path / "m", max_chapters=1)
    book = read_manuscript(tmp_path / "m")
    assert [c.title for c in book.chapters] == ["前言", "第一回\u3000甲"]
    assert [c.source.name for c in book.chapters] == ["000.md", "001.md"]
    assert book.metadata.title == "书名" and book.metadata.authors == ("佚名",)
    with pytest.raises(PublishError, match="1 or more"):
        import_text(source, tmp_path / "z", max_chapters=0)


def test_title_and_authors_are_valid_toml(tmp_path):
    source = tmp_path / "book.txt"
    source.write_text("第一回 甲\n\n    正文。\n", encoding="utf-8")
    title = 'a"b\\c\x01d\te'
    import_text(source, tmp_path / "m", title=title, authors=['某"人\\'], output_name="x")
    book = read_manuscript(tmp_path / "m")
    assert book.metadata.title == title and book.metadata.authors == ('某"人\\',)
    assert book.settings.output_name == "x"
