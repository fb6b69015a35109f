"""Citations and the list of references (publish/apparatus/citations/, markup/citations.py):
the GB/T 7714 formatter against the standard's own examples (both editions, both orders,
both languages, one per document type), and, from the built PDF and EPUB of
tests/manuscripts/citations, the superscript numbers in order of first citation, ranges,
page locators, the list's strings and the EPUB's links; the warnings for bad input."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pdfplumber
import pytest

from conftest import ROOT, epubcheck, squash
from publish.apparatus.citations import gb7714, sources
from publish.build import build
from publish.errors import PublishError
from publish.readers import read_book

BOOK = ROOT / "tests" / "manuscripts" / "citations"
BENCH = ROOT / "benchmarks" / "citeproc"


def _ref(**item) -> sources.Reference:
    """A reference from a CSL-JSON item (`id` and `type` given or made)."""
    item.setdefault("id", "x")
    reference = sources._csl_item(item, Path("t.json"), 1, [])
    assert reference is not None
    return reference


def _format(reference: sources.Reference, style: str) -> str:
    return gb7714.text(gb7714.entry(reference, gb7714.STYLES[style]))


def test_the_twelve_examples_of_the_benchmark_as_the_standard_prints_them():
    warnings: list = []
    path = BENCH / "gb7714-examples.json"
    references = sources.parse(path.read_text(encoding="utf-8"), path, warnings)
    expected = (BENCH / "gb7714-2015-numeric.txt").read_text(encoding="utf-8").splitlines()
    assert warnings == [] and len(references) == len(expected) == 12
    got = [f"[{n}] {_format(r, 'gb7714-2015-numeric')}" for n, r in
           enumerate(references.values(), 1)]  # fmt: skip
    assert got == expected


def _names(*names: str) -> list[dict]:
    """`"Frese|K. S."` → CSL names; a name without `|` is a body's or a Chinese name."""
    out = []
    for name in names:
        family, _, given = name.partition("|")
        out.append({"family": family, "given": given} if given else {"literal": name})
    return out


FRESE = dict(type="article-journal", author=_names("Frese|K. S.", "Katus|H. A.", "Meder|B."),
             title="Next-generation sequencing: from understanding biology to personalized "
             "medicine", **{"container-title": "Biology"}, volume="2", issue="1",
             page="378-398", issued={"date-parts": [[2013]]})  # fmt: skip
FRESE_ONLINE = dict(FRESE, accessed={"date-parts": [[2013, 3, 19]]},
                    URL="http://www.mdpi.com/2079-7737/2/1/378",
                    DOI="10.3390/biology2010378")  # fmt: skip
CHENG = dict(type="chapter", author=_names("程根伟"), title="1998年长江洪水的成因与减灾对策",
             editor=_names("许厚泽", "赵其国"), **{"container-title": "长江流域洪涝灾害与科技对策",
             "publisher-place": "北京"}, publisher="科学出版社", issued={"date-parts": [[1999]]},
             page="32-36")  # fmt: skip
BAWDEN = dict(type="webpage", author=_names("Bawden|D."), title="Origins and concepts of "
              "digital literacy", issued={"date-parts": [[2008, 5, 4]]},
              accessed={"date-parts": [[2013, 3, 8]]},
              URL="http://www.soi.city.ac.uk/~dbawden/digital%20literacy%20chapter.pdf")  # fmt: skip

#: (style, CSL-JSON item, the string the standard prints): section 4 of GB/T 7714-2015
#: and the 2025 edition's examples as its maintained BibTeX implementation prints them.
EXAMPLES = [
    ("gb7714-2015-numeric", dict(type="book", author=_names("哈里森", "沃尔德伦"),
     title="经济数学与金融数学", translator=_names("谢远涛"), publisher="中国人民大学出版社",
     issued={"date-parts": [[2012]]}, page="235-236", **{"publisher-place": "北京"}),
     "哈里森, 沃尔德伦. 经济数学与金融数学[M]. 谢远涛, 译. 北京: 中国人民大学出版社, 2012: "
     "235-236."),
    ("gb7714-2015-numeric", dict(type="book", author=[{"family": "Peebles", "given": "P. Z.",
     "suffix": "Jr."}], title="Probability, random variables, and random signal principles",
     edition="4", publisher="McGraw-Hill", issued={"date-parts": [[2001]]},
     **{"publisher-place": "New York"}),
     "PEEBLES P Z, Jr. Probability, random variables, and random signal principles[M]. 4th "
     "ed. New York: McGraw-Hill, 2001."),
    ("gb7714-2015-numeric", CHENG, "程根伟. 1998年长江洪水的成因与减灾对策[M]//许厚泽, "
     "赵其国. 长江流域洪涝灾害与科技对策. 北京: 科学出版社, 1999: 32-36."),
    ("gb7714-2015-numeric", FRESE_ONLINE, "FRESE K S, KATUS H A, MEDER B. Next-generation "
     "sequencing: from understanding biology to personalized medicine[J/OL]. Biology, 2013, "
     "2(1): 378-398[2013-03-19]. http://www.mdpi.com/2079-7737/2/1/378. "
     "DOI:10.3390/biology2010378."),
    ("gb7714-2015-numeric", dict(type="article-newspaper", author=_names("余建斌"),
     title="我们的科技一直在追赶: 访中国工程院院长周济", issued={"date-parts": [[2013, 1, 12]]},
     page="2", accessed={"date-parts": [[2013, 3, 20]]}, **{"container-title": "人民日报"},
     URL="http://paper.people.com.cn/rmrb/html/2013-01/12/nw.D110000renmrb_20130112_5-02.htm"),
     "余建斌. 我们的科技一直在追赶: 访中国工程院院长周济[N/OL]. 人民日报, 2013-01-12(2)"
     "[2013-03-20]. http://paper.people.com.cn/rmrb/html/2013-01/12/"
     "nw.D110000renmrb_20130112_5-02.htm."),
    ("gb7714-2015-numeric", dict(type="patent", author=_names("Tachibana|R.", "Shimizu|S.",
     "Kobayashi|S.", "Nakamura|S."), title="Electronic watermarking method and system",
     number="US6915001", issued={"date-parts": [[2005, 7, 5]]},
     accessed={"date-parts": [[2013, 11, 11]]}, URL="http://www.google.co.in/patents/US6915001"),
     "TACHIBANA R, SHIMIZU S, KOBAYASHI S, et al. Electronic watermarking method and system: "
     "US6915001[P/OL]. 2005-07-05[2013-11-11]. http://www.google.co.in/patents/US6915001."),
    ("gb7714-2015-numeric", BAWDEN, "BAWDEN D. Origins and concepts of digital literacy"
     "[EB/OL]. (2008-05-04)[2013-03-08]. "
     "http://www.soi.city.ac.uk/~dbawden/digital%20literacy%20chapter.pdf."),
    ("gb7714-2015-numeric", dict(type="archive", author=_names("中国第一历史档案馆",
     "辽宁省档案馆"), title="中国明朝档案总汇", publisher="广西师范大学出版社",
     issued={"date-parts": [[2001]]}, **{"publisher-place": "桂林"}),
     "中国第一历史档案馆, 辽宁省档案馆. 中国明朝档案总汇[A]. 桂林: 广西师范大学出版社, 2001."),
    # Author-date (著者-出版年制): the year after the names, not again later.
    ("gb7714-2015-author-date", BAWDEN, "BAWDEN D, 2008. Origins and concepts of digital "
     "literacy[EB/OL]. (2008-05-04)[2013-03-08]. "
     "http://www.soi.city.ac.uk/~dbawden/digital%20literacy%20chapter.pdf."),
    ("gb7714-2015-author-date", CHENG, "程根伟, 1999. 1998年长江洪水的成因与减灾对策[M]//"
     "许厚泽, 赵其国. 长江流域洪涝灾害与科技对策. 北京: 科学出版社: 32-36."),
    ("gb7714-2015-author-date", FRESE, "FRESE K S, KATUS H A, MEDER B, 2013. Next-generation "
     "sequencing: from understanding biology to personalized medicine[J]. Biology, 2(1): "
     "378-398."),
    # 2025: full-width ：，（）, family names as written, hyphens kept, a standard by its
    # number, the access date only for what is on the web.
    ("gb7714-2025-numeric", FRESE, "Frese K S，Katus H A，Meder B. Next-generation "
     "sequencing：from understanding biology to personalized medicine[J]. Biology，2013，"
     "2（1）：378-398."),
    ("gb7714-2025-numeric", CHENG, "程根伟. 1998年长江洪水的成因与减灾对策[M]//许厚泽，"
     "赵其国. 长江流域洪涝灾害与科技对策. 北京：科学出版社，1999：32-36."),
    ("gb7714-2025-numeric", dict(type="article-journal", author=_names("张群", "程志宝",
     "石志飞"), title="惯性增强动力吸振器-浮置板轨道低频减振性能研究",
     **{"container-title": "铁道学报"}, issued={"date-parts": [[2024]]}, volume="46",
     issue="8", page="102-111"),
     "张群，程志宝，石志飞. 惯性增强动力吸振器-浮置板轨道低频减振性能研究[J]. 铁道学报，"
     "2024，46（8）：102-111."),
    ("gb7714-2025-numeric", dict(type="patent", author=_names("邓一刚"), title="全智能节电器",
     number="CN200610171314.3", issued={"date-parts": [[2008, 1, 16]]}, page="8-9"),
     "邓一刚. 全智能节电器：CN200610171314.3[P]. 2008-01-16：8-9."),
    ("gb7714-2025-numeric", dict(type="standard", author=_names("全国信息与文献标准化技术委员会"),
     title="信息与文献 资源描述", number="GB/T 3792—2021", issued={"date-parts": [[2021]]},
     publisher="中国标准出版社"), "GB/T 3792—2021 信息与文献 资源描述[S]."),
    ("gb7714-2025-numeric", dict(type="webpage", author=_names("许振超"),
     title="“好好干，当一个好工人”", issued={"date-parts": [[2025, 2, 17]]},
     accessed={"date-parts": [[2025, 6, 22]]},
     URL="https://cpc.people.com.cn/n1/2025/0217/c443712-40419790.html"),
     "许振超. “好好干，当一个好工人”[EB/OL]. （2025-02-17）[2025-06-22]. "
     "https://cpc.people.com.cn/n1/2025/0217/c443712-40419790.html."),
    ("gb7714-2025-numeric", dict(FRESE_ONLINE), "Frese K S，Katus H A，Meder B. "
     "Next-generation sequencing：from understanding biology to personalized medicine[J/OL]. "
     "Biology，2013，2（1）：378-398. http://www.mdpi.com/2079-7737/2/1/378. "
     "DOI:10.3390/biology2010378."),
    ("gb7714-2025-numeric", dict(type="map", author=_names("谭其骧"), title="中国历史地图集",
     volume="2", publisher="地图出版社", issued={"date-parts": [[1982]]},
     page="6", **{"publisher-place": "北京", "volume-title": "第2册"}),
     "谭其骧. 中国历史地图集：第2册[CM]. 北京：地图出版社，1982：6."),
    ("gb7714-2025-numeric", dict(type="dataset", author=_names("周壮", "李盛阳", "吴薇", "郭威龙"),
     title="天宫二号遥感图像自然景物分类数据集", version="V1.0",
     publisher="国家基础学科公共科学数据中心", issued={"date-parts": [[2023, 9, 10]]},
     accessed={"date-parts": [[2025, 7, 15]]},
     URL="https://www.nbsdc.cn/general/dataLinks/CSTR:16666.11.nbsdc.tfpbwtqf"),
     "周壮，李盛阳，吴薇，等. 天宫二号遥感图像自然景物分类数据集[DS/OL]. V1.0. "
     "国家基础学科公共科学数据中心（2023-09-10）[2025-07-15]. "
     "https://www.nbsdc.cn/general/dataLinks/CSTR:16666.11.nbsdc.tfpbwtqf."),
    ("gb7714-2025-author-date", dict(type="book", author=_names("Boobier|T."),
     title="AI and the future of banking", publisher="John Wiley & Sons", page="35",
     issued={"date-parts": [[2020]]}, **{"publisher-place": "Chichester"}),
     "Boobier T，2020. AI and the future of banking[M]. Chichester：John Wiley & Sons：35."),
]  # fmt: skip


@pytest.mark.parametrize(("style", "item", "printed"), EXAMPLES)
def test_the_standards_examples_in_each_style(style, item, printed):
    assert _format(_ref(**item), style) == printed


def test_names_by_the_entrys_language_and_the_edition():
    godard = _ref(type="book", author=_names("Godard|Jean-Luc"), title="Film")
    assert gb7714.names(godard.authors, gb7714.STYLES["gb7714-2015-numeric"], False) == "GODARD J L"
    assert gb7714.names(godard.authors, gb7714.STYLES["gb7714-2025-numeric"], False) == "Godard J-L"
    four_han = _ref(type="book", author=_names("甲", "乙", "丙", "丁"), title="T")
    four_latin = _ref(type="book", author=_names("A|B.", "C|D.", "E|F.", "G|H."), title="书名")
    # By the names, then by `language` (a Western author of a Chinese book: 等).
    assert four_han.cjk and not four_latin.cjk
    style = gb7714.STYLES["gb7714-2015-numeric"]
    assert _format(four_han, style.name).startswith("甲, 乙, 丙, 等. ")
    assert _format(four_latin, style.name).startswith("A B, C D, E F, et al. ")
    four_latin.fields["language"] = "zh-CN"
    assert _format(four_latin, style.name).startswith("A B, C D, E F, 等. ")
    assert gb7714.cited_name(four_han, style) == "甲 等"
    assert gb7714.cited_name(godard, gb7714.STYLES["gb7714-2025-author-date"]) == "Godard"


# --- the built book ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory, epoch) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("citations")
    result = build(BOOK, out)
    return {"pdf": result.written[0], "epub": result.written[1], "warnings": result}


def _pages(pdf: Path) -> list[str]:
    with pdfplumber.open(pdf) as document:
        return [squash(page.extract_text() or "") for page in document.pages]


def test_numbers_are_superscript_in_order_of_first_citation_with_ranges_and_pages(built):
    text = "".join(_pages(built["pdf"]))
    assert "多种文献[1]29，其后的研究[2-4]补充了细节" in text
    assert "地震学的例子[5]与地球化学的例子[6]都是西文文献" in text and "图书馆学见[7]12" in text
    assert "由文献[3]可知" in text  # `@key` in a sentence: on the line
    assert "再次引用[1]，仍用第一次的序号" in text
    assert "报告[8]、专利[9]、会议录[10]、网页[11]和标准[12]" in text
    assert "连续的序号[8-10]合并为范围，不连续的[2,8]用逗号" in text
    assert "不存在的键[?nosuchkey]" in text
    assert "me@example.com" in text  # an address is no citation
    with pdfplumber.open(built["pdf"]) as document:
        page = next(p for p in document.pages if "活字印刷" in (p.extract_text() or ""))
        chars = page.chars
    start = next(
        i for i, c in enumerate(chars) if c["text"] == "献" and chars[i + 1]["text"] == "["
    )
    body, raised = chars[start], chars[start + 1 : start + 6]  # 献 [1]29
    assert "".join(c["text"] for c in raised) == "[1]29"
    for char in raised:  # smaller, and standing above the line
        assert char["size"] < 0.75 * body["size"]
        assert char["bottom"] < body["bottom"] - 2
    on_line = next(
        i for i, c in enumerate(chars) if c["text"] == "3" and chars[i - 1]["text"] == "["
    )
    assert abs(chars[on_line]["size"] - body["size"]) < 0.1  # 文献[3]: the text's size


def test_the_list_prints_the_standards_strings_in_citation_order(built):
    pages = _pages(built["pdf"])
    first = next(n for n, text in enumerate(pages) if text.startswith("参考文献"))
    listed = "".join(pages[first:]).replace("\u2010", "")  # a hyphenated line's hyphen
    expected = (BENCH / "gb7714-2015-numeric.txt").read_text(encoding="utf-8").splitlines()
    order = ["chen2000", "yuan2012", "wu2003", "ding2000", "kanamori1998", "desmarais1992",
             "crawford1995", "feng1997", "deng2006", "lei2012", "xiao2001", "gbt7714"]  # fmt: skip
    benchmark = ["chen2000", "yuan2012", "wu2003", "ding2000", "feng1997", "deng2006", "lei2012",
                 "xiao2001", "kanamori1998", "desmarais1992", "crawford1995", "gbt7714"]  # fmt: skip
    by_key = {key: line.split(" ", 1)[1] for key, line in zip(benchmark, expected, strict=True)}
    position = 0
    for number, key in enumerate(order, 1):
        entry = squash(f"[{number}]{by_key[key]}")
        found = listed.find(entry, position)
        assert found >= 0, entry
        position = found
    for entry in ("[13]程根伟.1998年长江洪水的成因与减灾对策[M]//许厚泽,赵其国.",
                  "[14]哈里森,沃尔德伦.经济数学与金融数学[M].谢远涛,译.",
                  "[15]FANX,SOMMERSCH.Foodirradiationresearchandtechnology[M/OL].2nded.",
                  "[16]FRESEKS,KATUSHA,MEDERB.Next-generationsequencing"):  # fmt: skip
        assert entry in listed, entry
    assert "[17]" not in listed  # the missing key has no entry


@pytest.mark.slow
def test_segments_print_the_same_citations_and_list(built, tmp_path):
    segments = build(BOOK, tmp_path / "segments", ("pdf",), segment_size=1, jobs=2).written[0]
    assert _pages(segments) == _pages(built["pdf"])


def test_publish_check_reads_the_list_as_printed(built):
    """The list's entries are set ragged, without bullets: `publish check` finds the text
    the manuscript's and no line it should have justified."""
    from publish.check import check_pdf

    report = check_pdf(read_book(BOOK), built["pdf"])
    assert report.text_identical
    assert report.count("not flush") == 0


def test_the_epub_links_each_citation_to_its_entry(built):
    assert epubcheck(built["epub"]) == []
    with zipfile.ZipFile(built["epub"]) as archive:
        chapters = [archive.read(f"EPUB/ch0{n}.xhtml").decode() for n in (1, 2)]
        listed = archive.read("EPUB/book-references.xhtml").decode()
        nav = archive.read("EPUB/nav.xhtml").decode()
    assert 'epub:type="bibliography"' in listed and 'role="doc-bibliography"' in listed
    assert '<a epub:type="bibliography" href="book-references.xhtml">参考文献</a>' in nav
    # (the page list's marker of a printed page may stand before a number)
    entries = dict(re.findall(r'<li class="ref-entry" id="(ref-\d+)" epub:type="biblioentry">'
                              r'<span class="ref-label">(?:<span epub:type="pagebreak"[^>]*>'
                              r"(?:</span>)?)?\[(\d+)\]</span>", listed))  # fmt: skip
    assert len(entries) == 16
    links = re.findall(r'<a class="biblioref" epub:type="biblioref" role="doc-biblioref" '
                       r'href="book-references.xhtml#(ref-\d+)">(\d+)</a>',
                       "".join(chapters))  # fmt: skip
    assert len(links) >= 20
    for target, number in links:
        assert entries[target] == number  # each number leads to its own entry
    assert '<a href="http://www.creader.com/news/20011219/200112190019.html">' in listed


# --- other styles, other places ------------------------------------------------------------


def _book(folder: Path, text: str, extra: str = "", bib: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.md").write_text(text, encoding="utf-8")
    shutil.copy(BOOK / "refs.bib", folder / "refs.bib")
    if bib is not None:
        (folder / "refs.bib").write_text(bib, encoding="utf-8")
    (folder / "book.toml").write_text(
        '[book]\ntitle = "书"\nauthors = ["某"]\nlanguage = "zh-CN"\nchapters = ["a.md"]\n'
        f'bibliography = "refs.bib"\n{extra}',
        encoding="utf-8",
    )
    return folder


def test_author_date_citations_and_a_list_by_language_and_pinyin(tmp_path):
    folder = _book(tmp_path / "ay",
                   "# 甲\n\n见[@kanamori1998]与[@chen2000, 第 29 页]；@wu2003说过；"
                   "[-@yuan2012]；[@desmarais1992; @harrison2012]。\n",
                   'citation-style = "gb7714-2015-author-date"\n')  # fmt: skip
    book = read_book(folder)
    body = book.chapters[0].body
    text = re.sub(r"<[^>]+>", "", body)
    assert "见（KANAMORI，1998）与（陈登原，2000）29；吴云芳（2003）说过；（2012）；" in text
    assert "（DES MARAIS et al.，1992；哈里森 等，2012）" in text
    assert "<sup>29</sup>" in body
    listed = re.findall(r'<li class="ref-entry"[^>]*>(.*?)</li>', book.chapters[-1].body)
    firsts = [re.sub(r"<[^>]+>", "", item).split(",")[0] for item in listed]
    # Chinese first, by pinyin (chen, ha, wu, yuan), then the Western ones by letters.
    assert firsts == ["陈登原", "哈里森", "吴云芳", "袁训来", "DES MARAIS D J", "KANAMORI H"]
    assert listed[-1].startswith("KANAMORI H, 1998. Shaking without quaking[J]. Science, ")


def test_one_authors_works_of_a_year_are_2000a_and_2000b(tmp_path):
    bib = "".join(f"@book{{{key},\n  author = {{陈登原}},\n  title = {{{title}}},\n"
                  f"  publisher = {{中华书局}},\n  year = {{2000}},\n}}\n"
                  for key, title in (("b", "乙书"), ("a", "甲书"), ("c", "丙书")))  # fmt: skip
    folder = _book(tmp_path / "ab", "# 甲\n\n[@b]，[@a]。\n", 'citation-style = '
                   '"gb7714-2015-author-date"\n', bib=bib)  # fmt: skip
    book = read_book(folder)
    assert re.sub(r"<[^>]+>", "", book.chapters[0].body) == "（陈登原，2000b），（陈登原，2000a）。"
    listed = re.sub(r"<[^>]+>", "\n", book.chapters[-1].body)
    assert "陈登原, 2000a. 丙书" not in listed  # 丙书 is not cited: no letter taken by it
    assert listed.index("陈登原, 2000a. 甲书[M]") < listed.index("陈登原, 2000b. 乙书[M]")


def test_per_chapter_lists_start_again_at_one(tmp_path, epoch):
    folder = _book(tmp_path / "per", "# 甲\n\n一[@wu2003]二[@chen2000]。\n",
                   'bibliography-scope = "chapter"\n')  # fmt: skip
    (folder / "b.md").write_text("# 乙\n\n三[@chen2000]。\n", encoding="utf-8")
    toml = folder / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('["a.md"]', '["a.md", "b.md"]'),
                    encoding="utf-8")  # fmt: skip
    book = read_book(folder)
    first, second = (c.body for c in book.chapters)
    assert len(book.chapters) == 2  # no chapter of references: each chapter has its own
    assert 'href="#ref-ch01-2">2</a>' in first and 'href="#ref-ch02-1">1</a>' in second
    assert '<section class="chapter-references" epub:type="bibliography">' in second
    assert re.search(r'id="ref-ch02-1" epub:type="biblioentry"><span class="ref-label">\[1\]'
                     r"</span>陈登原", second)  # fmt: skip
    epub = build(folder, tmp_path / "out", ("epub",)).written[0]
    assert epubcheck(epub) == []


def test_a_footnotes_citation_is_numbered_where_its_call_stands(tmp_path):
    folder = _book(
        tmp_path / "fn", "# 甲\n\n正文[^1]，再引[@wu2003]。\n\n[^1]: 注里先引[@chen2000]。\n"
    )
    book = read_book(folder)
    chapter = book.chapters[0]
    assert 'href="#ref-2">2</a>]</sup>' in chapter.body  # wu2003, after the note's
    assert 'href="#ref-1">1</a>]</sup>' in chapter.footnotes[0].html  # chen2000, first met
    assert re.search(r'id="ref-1" epub:type="biblioentry">.*?陈登原', book.chapters[-1].body)


def test_the_2025_edition_from_a_csl_json_bibliography(tmp_path):
    folder = _book(tmp_path / "csl", "# 甲\n\n见[@kanamori1998]。\n",
                   'citation-style = "gb7714-2025-numeric"\n')  # fmt: skip
    shutil.copy(BENCH / "gb7714-examples.json", folder / "refs.json")
    toml = folder / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("refs.bib", "refs.json"),
                    encoding="utf-8")  # fmt: skip
    book = read_book(folder)
    assert book.warnings == []
    assert ("Kanamori H. Shaking without quaking[J]. Science，1998，279（5359）：2063."
            in book.chapters[-1].body)  # fmt: skip


# --- bad input -------------------------------------------------------------------------------


def test_a_malformed_entry_is_a_warning_at_its_line_and_the_rest_is_used(tmp_path):
    bib = (BOOK / "refs.bib").read_text(encoding="utf-8")
    broken = "@article{broken,\n  title = {unclosed\n  year = 2000\n}\n\n"
    folder = _book(tmp_path / "bad", "# 甲\n\n见[@kanamori1998]与[@broken]。\n",
                   bib=broken + bib)  # fmt: skip
    book = read_book(folder)
    messages = [str(w) for w in book.warnings]
    assert any("refs.bib:1: malformed BibTeX entry" in m for m in messages), messages
    assert any("a.md:3: citation `@broken`: no such key" in m for m in messages), messages
    assert "KANAMORI H. Shaking without quaking" in book.chapters[-1].body
    assert '<span class="citation-missing">[?broken]</span>' in book.chapters[0].body
    with pytest.raises(PublishError, match="--strict"):
        build(folder, tmp_path / "out", ("epub",), strict=True)


def test_a_broken_csl_json_file_names_its_line(tmp_path):
    folder = _book(tmp_path / "json", "# 甲\n\n见[@a]。\n")
    (folder / "refs.json").write_text('[\n{"id": "a", "type": "book", "title": "T"},\n'
                                      '{"id": "b", "title": }\n]\n', encoding="utf-8")  # fmt: skip
    toml = folder / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("refs.bib", "refs.json"),
                    encoding="utf-8")  # fmt: skip
    book = read_book(folder)
    assert [str(w).split(": ", 1)[0] for w in book.warnings] == [f"{folder}/refs.json:3"]
    assert "T[M]." in book.chapters[-1].body  # the good item before it is listed
    warnings: list = []
    assert sources.parse("[" * 100_000, Path("deep.json"), warnings) == {}
    assert [str(w) for w in warnings] == ["deep.json:1: malformed CSL-JSON: nested too deeply"]


def test_an_unknown_style_or_a_missing_csl_file_is_a_warning_naming_book_toml(tmp_path):
    for value, said in (
        ("gb7714-2015-numerci", "citation-style: `gb7714-2015-numerci` is no style; the "
         "styles are " + ", ".join(gb7714.STYLES)),
        ("chinese.csl", "citation-style `chinese.csl`: not found"),
    ):  # fmt: skip
        folder = _book(tmp_path / value, "# 甲\n\n见[@wu2003]。\n", f'citation-style = "{value}"\n')
        book = read_book(folder)
        assert [str(w) for w in book.warnings] == [
            f"{folder}/book.toml:7: {said}; gb7714-2015-numeric used"
        ]
        assert "[1]" in re.sub(r"<[^>]+>", "", book.chapters[0].body)


#: A small CSL style of our own (author-date, the list sorted by author, titles in italics).
CSL = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>Test</title><id>test</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <citation>
    <layout prefix="(" suffix=")" delimiter="; ">
      <names variable="author"><name form="short" and="text"/></names>
      <date variable="issued" prefix=", "><date-part name="year"/></date>
      <text variable="locator" prefix=", p. "/>
    </layout>
  </citation>
  <bibliography>
    <sort><key variable="author"/></sort>
    <layout suffix=".">
      <names variable="author"><name name-as-sort-order="all" and="text"/></names>
      <text variable="title" prefix=". " font-style="italic"/>
      <date variable="issued" prefix=", "><date-part name="year"/></date>
    </layout>
  </bibliography>
</style>
"""


def test_a_csl_style_of_the_books_own(tmp_path, epoch):
    folder = _book(tmp_path / "csl", "# 甲\n\n见[@kanamori1998, p. 12]与[@crawford1995]。\n",
                   'citation-style = "styles/test.csl"\n')  # fmt: skip
    (folder / "styles").mkdir()
    (folder / "styles" / "test.csl").write_text(CSL, encoding="utf-8")
    book = read_book(folder)
    assert book.warnings == []
    body = book.chapters[0].body
    assert (
        re.sub(r"<[^>]+>", "", body) == "见(Kanamori, 1998, p. 12)与(Crawford and Gorman, 1995)。"
    )
    listed = book.chapters[-1].body
    assert listed.index("Crawford, W. and Gorman, M. Future libraries") < listed.index(
        "Kanamori, H. <i>Shaking without quaking</i>, 1998."
    )  # by author, as the style sorts; its italics
    target = re.search(r'href="#(ref-\d+)">\(Kanamori', body).group(1)
    assert re.search(rf'id="{target}" epub:type="biblioentry">Kanamori', listed)
    assert (folder / "styles" / "test.csl").resolve() in book.inputs
    assert epubcheck(build(folder, tmp_path / "out", ("epub",)).written[0]) == []


def test_a_csl_style_citeproc_cannot_use_falls_back_to_gb7714(tmp_path):
    folder = _book(tmp_path / "bad", "# 甲\n\n见[@wu2003]。\n", 'citation-style = "x.csl"\n')
    (folder / "x.csl").write_text("<style>not CSL", encoding="utf-8")
    book = read_book(folder)
    assert len(book.warnings) == 1
    assert str(book.warnings[0]).startswith(f"{folder}/x.csl: citeproc-py cannot use this style")
    assert "[1]" in re.sub(r"<[^>]+>", "", book.chapters[0].body)
    assert "吴云芳. 面向中文信息处理的现代汉语并列结构研究[D]." in book.chapters[-1].body


def test_a_bibliography_outside_the_book_is_refused(tmp_path):
    outside = tmp_path / "elsewhere.bib"
    shutil.copy(BOOK / "refs.bib", outside)
    folder = _book(tmp_path / "book", "# 甲\n\n见[@wu2003]。\n")
    toml = folder / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"refs.bib"', '"../elsewhere.bib"'),
                    encoding="utf-8")  # fmt: skip
    book = read_book(folder)
    assert [str(w) for w in book.warnings] == [
        f"{folder}/book.toml:6: bibliography `../elsewhere.bib`: refused: it is outside the "
        "book folder; citations printed as [?key]"
    ]
    assert '<span class="citation-missing">[?wu2003]</span>' in book.chapters[0].body
    assert len(book.chapters) == 1


def test_without_a_bibliography_at_signs_are_text(tmp_path):
    folder = _book(tmp_path / "none", "# 甲\n\n关注 @ruanyf 与 [@wu2003]，见 @fig:a。\n")
    toml = folder / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('bibliography = "refs.bib"\n', ""),
                    encoding="utf-8")  # fmt: skip
    book = read_book(folder)
    assert "关注 @ruanyf 与 [@wu2003]" in book.chapters[0].body
    assert "citation" not in book.chapters[0].body


def test_an_mdbook_cites_from_its_output_publish_book_table(tmp_path):
    folder = tmp_path / "md"
    (folder / "src").mkdir(parents=True)
    shutil.copy(BOOK / "refs.bib", folder / "refs.bib")
    (folder / "book.toml").write_text('[book]\ntitle = "书"\nlanguage = "zh-CN"\n\n'
                                      '[output.publish.book]\nbibliography = "refs.bib"\n',
                                      encoding="utf-8")  # fmt: skip
    (folder / "src" / "SUMMARY.md").write_text("# Summary\n\n- [甲](a.md)\n", encoding="utf-8")
    (folder / "src" / "a.md").write_text("# 甲\n\n见[@wu2003]。\n", encoding="utf-8")
    book = read_book(folder)
    assert book.kind == "mdBook" and book.warnings == []
    assert 'href="#ref-1">1</a>]</sup>' in book.chapters[0].body
    assert "吴云芳. 面向中文信息处理的现代汉语并列结构研究[D]." in book.chapters[-1].body


def test_a_howpublished_address_is_the_url(tmp_path):
    bib = (
        "@misc{w,\n  author = {Bawden, D.},\n  title = {Digital literacy},\n"
        "  howpublished = {\\url{http://example.org/a}},\n  year = {2008},\n}\n"
    )
    book = read_book(_book(tmp_path / "hp", "# 甲\n\n见[@w]。\n", bib=bib))
    assert "BAWDEN D. Digital literacy[EB/OL]. (2008). " in book.chapters[-1].body
    assert '<a href="http://example.org/a">' in book.chapters[-1].body


def test_an_edit_of_the_bibliography_rebuilds_the_book(tmp_path, epoch):
    folder = _book(tmp_path / "in", "# 甲\n\n见[@wu2003]。\n")
    assert (folder / "refs.bib").resolve() in read_book(folder).inputs
    out = tmp_path / "out"
    epub = build(folder, out, ("epub",)).written[0]
    bib = folder / "refs.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("并列结构研究", "并列结构新论"),
                   encoding="utf-8")  # fmt: skip
    assert build(folder, out, ("epub",)).written == [epub]  # not "up to date"
    with zipfile.ZipFile(epub) as archive:
        assert "现代汉语并列结构新论[D]" in archive.read("EPUB/book-references.xhtml").decode()
