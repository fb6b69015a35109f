"""The index (publish/apparatus/index.py, order.py): the order of terms by pinyin (391
terms sorted by hand, polyphones included), by strokes and by radical; entries,
sub-entries and cross-references; listed terms marked in running text only."""

from __future__ import annotations

import random
import re
import shutil

import pytest

from conftest import ROOT
from publish.apparatus.index import index_words
from publish.apparatus.order import Sorter, unihan
from publish.readers import read_book

PINYIN_ORDER = ROOT / "tests" / "data" / "index-pinyin-order.txt"
APPARATUS = ROOT / "tests" / "manuscripts" / "apparatus"
ZH = index_words("zh-CN")


def _shuffled(terms: list[str]) -> list[str]:
    shuffled = list(terms)
    random.Random(24).shuffle(shuffled)
    return shuffled


def test_pinyin_order_is_the_order_sorted_by_hand():
    """391 terms, in the order of 新华字典 (syllable by syllable, tone after letters, ü
    after u, Latin words among the syllables, digits first), polyphones read as their
    words say: 重庆 chóng, 重量 zhòng; 银行 háng, 行走 xíng; 长城 cháng, 长大 zhǎng…"""
    terms = [line.strip() for line in PINYIN_ORDER.read_text(encoding="utf-8").splitlines()]
    terms = [term for term in terms if term]
    assert len(terms) >= 200
    # pypinyin reads 曾国藩 as céng (its phrases lack the name): the book's own reading.
    sorter = Sorter("pinyin", {"曾国藩": "zeng1 guo2 fan1"}, ZH)
    assert sorted(_shuffled(terms), key=sorter.key) == terms
    groups = {term: sorter.group(term) for term in terms}
    assert groups["重庆"] == "C" and groups["重量"] == "Z"
    assert groups["银行"] == "Y" and groups["行走"] == "X" and groups["行业"] == "H"
    assert groups["长城"] == "C" and groups["长大"] == "Z"
    assert groups["3D 打印"] == "符号与数字" and groups["ASCII"] == "A"
    # Without the book's reading, the name stands under C: the override is what moved it.
    assert Sorter("pinyin", {}, ZH).group("曾国藩") == "C"


@pytest.mark.skipif(not unihan(), reason="Unihan (Debian unicode-data) not installed")
def test_stroke_and_radical_orders():
    by_strokes = ["一", "人", "大", "木", "石", "竹", "花", "林", "活字", "索引", "排版", "紫"]
    sorter = Sorter("stroke", {}, ZH)
    assert sorted(_shuffled(by_strokes), key=sorter.key) == by_strokes
    assert [sorter.group(t) for t in ("一", "活字", "紫")] == ["1 画", "9 画", "12 画"]
    # Equal counts (9): pinyin decides, hóng before huó.
    assert sorted(["活字", "洪水"], key=sorter.key) == ["洪水", "活字"]
    radical = Sorter("radical", {}, ZH)
    # 人 (9) 亻, 木 (75), 水 (85) 氵 (江 +3 before 活 +6), 糸 (120) then its simplified
    # 纟 (120'), 金 (167) then 钅 (167').
    by_radical = ["人", "他们", "木", "林业", "水", "江南", "活字", "系统", "绿色", "金属", "钢琴"]
    assert sorted(_shuffled(by_radical), key=radical.key) == by_radical
    assert [radical.group(t) for t in ("林业", "活字", "绿色", "钢琴")] == ["木", "水", "纟", "钅"]


def test_entries_sub_entries_and_cross_references():
    book = read_book(APPARATUS)
    index = book.chapters[-1]
    assert (index.title, index.kind, index.matter) == ("索引", "index", "back")
    body = index.body
    groups = re.findall(r'<h2 class="ix-letter">([^<]+)</h2>', body)
    assert groups == ["符号与数字", "A", "B", "C", "H", "J", "N", "Z"]
    terms = re.findall(r'<span class="ix-term" epub:type="index-term">([^<]+)</span>', body)
    assert terms == ["3D 打印", "ASCII", "毕昇", "重庆", "活字", "泥活字", "胶泥活字", "泥活字",
                     "重量"]  # fmt: skip
    # 活字: in both chapters, its sub-entry 泥活字 under it; 胶泥活字: see 泥活字 (no page).
    entry = re.search(r'epub:type="index-term">活字</span>(.*?)</li></ul></li>', body).group(1)
    assert entry.split("<ul")[0].count('class="index-locator"') == 2
    assert (
        'index-term">泥活字</span><span class="ix-sep">，</span><a class="index-locator"' in entry
    )
    see = re.search(r"胶泥活字</span>(.*?)</li>", body).group(1)
    assert "index-locator" not in see and re.search(r'见 <a class="ix-xref" epub:type="index-xref-preferred" '
                                                    r'href="#ixe-\d+">泥活字</a>', see)  # fmt: skip
    assert re.search(
        r'另见 <a class="ix-xref" epub:type="index-xref-related" href="#ixe-\d+">活字</a>', body
    )
    # Each locator leads to the place marked, which the text keeps as a span of that id.
    text = "".join(chapter.body for chapter in book.chapters[:-1])
    for anchor in re.findall(r'class="index-locator" [^>]*href="#([^"]+)"', body):
        assert f'class="index-term" id="{anchor}"' in text


def test_listed_terms_are_marked_in_running_text_only(tmp_path):
    folder = tmp_path / "book"
    shutil.copytree(APPARATUS, folder)
    (folder / "index.txt").write_text(
        "# 索引词\n活字印刷术\n便捷 | 印刷!便捷\n龙门阵\n", encoding="utf-8"
    )
    (folder / "02-paiban.md").write_text(
        "# 排版\n\n## 活字印刷术\n\n活字印刷术很`活字印刷术`便捷。\n\n```\n活字印刷术\n```\n",
        encoding="utf-8",
    )
    toml = folder / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[index]\nterms = "index.txt"\n',
                    encoding="utf-8")  # fmt: skip
    book = read_book(folder)
    second = book.chapters[1].body
    # Once in the paragraph; not in the heading, the inline code or the listing.
    assert second.count('class="index-term"') == 2
    assert "<h2" in second and "活字印刷术</h2>" in second
    assert "<code>活字印刷术</code>" in second
    index = book.chapters[-1].body
    assert 'epub:type="index-term">便捷</span>' in index  # a sub-entry of 印刷
    assert re.search(r'index-term">印刷</span><ul', index)
    warnings = [str(w) for w in book.warnings]
    assert any("index.txt:4" in w and "`龙门阵` occurs nowhere" in w for w in warnings), warnings


def test_the_books_readings_and_order_from_book_toml(tmp_path):
    from publish.errors import PublishError

    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "a.md").write_text("# 甲\n\n[曾国藩]{.index}与[重庆]{.index}。\n", encoding="utf-8")

    def book(index: str):
        (folder / "book.toml").write_text(
            '[book]\ntitle = "书"\nauthors = ["某"]\nlanguage = "zh-CN"\nchapters = ["a.md"]\n'
            f"\n[index]\n{index}\n",
            encoding="utf-8",
        )
        return read_book(folder)

    groups = re.findall(r'class="ix-letter">([^<]+)<', book('readings = { "曾国藩" = "zēng guó fān" }')
                        .chapters[-1].body)  # fmt: skip
    assert groups == ["C", "Z"]  # 曾 zēng as the book reads it; 重庆 chóng by pypinyin
    strokes = re.findall(r'class="ix-letter">([^<]+)<', book('order = "stroke"').chapters[-1].body)
    assert strokes == ["9 画", "12 画"]  # 重 9, 曾 12
    with pytest.raises(PublishError, match=r"book.toml:8: `readings`: `曾国藩` must give one"):
        book('readings = { "曾国藩" = "zeng guo" }')


def test_stroke_order_without_unihan_is_one_error_naming_the_setting(tmp_path, monkeypatch):
    """Without Debian's unicode-data the index cannot be sorted by strokes or radicals:
    one error line at `order` in book.toml saying what to install, not an unsorted index."""
    from click.testing import CliRunner

    from publish.cli import main

    monkeypatch.setattr("publish.apparatus.order.UNIHAN", tmp_path / "no-unihan")
    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "a.md").write_text("# 甲\n\n[曾国藩]{.index}与[重庆]{.index}。\n", encoding="utf-8")
    toml = '[book]\ntitle = "书"\nauthors = ["某"]\nlanguage = "zh-CN"\nchapters = ["a.md"]\n'
    for order in ("stroke", "radical"):
        (folder / "book.toml").write_text(toml + f'\n[index]\norder = "{order}"\n',
                                          encoding="utf-8")  # fmt: skip
        result = CliRunner().invoke(main, ["build", str(folder), "--out", str(tmp_path / "out")])
        assert result.exit_code != 0
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and "Traceback" not in result.output, result.output
        assert re.search(rf'book.toml:8: \[index\] order = "{order}" needs Unihan', lines[0])
        assert "unicode-data" in lines[0] and "make" in lines[0]
        assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("*.pdf"))
    (folder / "book.toml").write_text(toml + '\n[index]\norder = "pinyin"\n', encoding="utf-8")
    assert read_book(folder).chapters[-1].kind == "index"  # pinyin needs no Unihan
