"""The words a book prints on its own (目录, 注意, （见第 35 页）…), per language, in one table.

A leaf module (it imports nothing of publish): the readers, the markup, the typography and
the renderers all ask `words(book_language)`. Each key is looked up along the tag's
fallback chain — `zh-TW` → `zh-Hant` → `zh` → `en` — so a language or a region gets its own
words by adding only the ones that differ; a language without a table (and English) reads
English.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

#: Callout kinds (markup/callouts.py) have their words under `callout.KIND`.
_CALLOUTS = ("note", "tip", "info", "important", "warning", "caution", "danger", "details")

#: Words by lower-case BCP 47 tag. `en` has every key; others only what differs.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        # Landmarks and headings of the editions (render.labels).
        "toc": "Contents",
        "cover": "Cover",
        "title_page": "Title Page",
        "notes": "Notes",
        "back": "Back",
        "landmarks": "Landmarks",
        "pages": "Pages",
        # Around the page number after a link in print (printlinks.py).
        "page_ref.before": " (see page ",
        "page_ref.after": ")",
        # Before a diagram's words, in its alt text (markup/diagrams.py).
        "diagram": "Diagram: ",
        # A GitBook introduction without a heading (readers/gitbook.py).
        "introduction": "Introduction",
        # Numbered objects and references to them (apparatus/crossref.py): the objects'
        # words, chapter and number's separator, after a caption's label, an equation's
        # number ({} the number), between the word and an equation's number, a reference
        # to a chapter or a section, between references.
        "crossref.fig": "Figure",
        "crossref.tbl": "Table",
        "crossref.eq": "Equation",
        "crossref.lst": "Listing",
        "crossref.separator": ".",
        "crossref.caption_separator": ": ",
        "crossref.equation": "({})",
        "crossref.eq_join": " ",
        "crossref.chapter": "Chapter {}",
        "crossref.section": "section “{}”",
        "crossref.and": ", ",
        # The index (apparatus/index.py, order.py).
        "index.title": "Index",
        # The list of references (apparatus/citations/).
        "citations.title": "References",
        "index.see": "see",
        "index.also": "see also",
        "index.separator": ", ",
        "index.symbols": "Symbols and numbers",
        "index.strokes": "{} strokes",
        **{f"callout.{kind}": kind.capitalize() for kind in _CALLOUTS},
        # The labels of the copyright page's 版本记录 (imprint/copyright.py): a Chinese page
        # in every book (`imprint_labels`); English names them here.
        "imprint.title": "Title",
        "imprint.authors": "Authors",
        "imprint.publisher": "Publisher",
        "imprint.date": "Date",
        "imprint.editor": "Editor",
        "imprint.designer": "Designer",
        "imprint.proofreader": "Proofreader",
        "imprint.printer": "Printer",
        "imprint.distributor": "Distributor",
        "imprint.format": "Format",
        "imprint.sheets": "Printed sheets",
        "imprint.characters": "Characters",
        "imprint.edition": "Edition",
        "imprint.printing": "Printing",
        "imprint.print_run": "Print run",
        "imprint.isbn": "ISBN",
        "imprint.price": "Price",
    },
    "zh": {
        "toc": "目录",
        "cover": "封面",
        "title_page": "书名页",
        "notes": "注释",
        "back": "返回",
        "landmarks": "导览",
        "pages": "页码",
        "page_ref.before": "（见第",
        "page_ref.after": "页）",
        "diagram": "图：",
        "introduction": "简介",
        "callout.note": "注意",
        "callout.tip": "提示",
        "callout.info": "说明",
        "callout.important": "重要",
        "callout.warning": "警告",
        "callout.caution": "小心",
        "callout.danger": "危险",
        "callout.details": "详情",
        "imprint.title": "书名",
        "imprint.authors": "著者",
        "imprint.publisher": "出版者",
        "imprint.date": "出版日期",
        "imprint.editor": "责任编辑",
        "imprint.designer": "装帧设计",
        "imprint.proofreader": "责任校对",
        "imprint.printer": "印刷者",
        "imprint.distributor": "发行者",
        "imprint.format": "开本",
        "imprint.sheets": "印张",
        "imprint.characters": "字数",
        "imprint.edition": "版次",
        "imprint.printing": "印次",
        "imprint.print_run": "印数",
        "imprint.isbn": "书号",
        "imprint.price": "定价",
        "crossref.fig": "图",
        "crossref.tbl": "表",
        "crossref.eq": "式",
        "crossref.lst": "代码清单",
        "crossref.separator": "-",
        "crossref.caption_separator": "\u3000",
        "crossref.equation": "（{}）",
        "crossref.eq_join": "",
        "crossref.chapter": "第 {} 章",
        "crossref.section": "“{}”一节",
        "crossref.and": "、",
        "index.title": "索引",
        "citations.title": "参考文献",
        "index.see": "见",
        "index.also": "另见",
        "index.separator": "，",
        "index.symbols": "符号与数字",
        "index.strokes": "{} 画",
    },
    "zh-hant": {
        "toc": "目錄",
        "title_page": "書名頁",
        "notes": "註釋",
        "back": "返回",
        "landmarks": "導覽",
        "pages": "頁碼",
        "page_ref.before": "（見第",
        "page_ref.after": "頁）",
        "diagram": "圖：",
        "introduction": "簡介",
        "callout.info": "說明",
        "callout.danger": "危險",
        "callout.details": "詳情",
        "imprint.title": "書名",
        "imprint.editor": "責任編輯",
        "imprint.designer": "裝幀設計",
        "imprint.proofreader": "責任校對",
        "imprint.printer": "印刷者",
        "imprint.distributor": "發行者",
        "imprint.format": "開本",
        "imprint.sheets": "印張",
        "imprint.characters": "字數",
        "imprint.edition": "版次",
        "imprint.print_run": "印數",
        "imprint.isbn": "書號",
        "imprint.price": "定價",
        "crossref.fig": "圖",
        "crossref.lst": "程式清單",
        "crossref.section": "「{}」一節",
        "index.see": "見",
        "index.also": "另見",
        "index.symbols": "符號與數字",
        "index.strokes": "{} 畫",
    },
    "ja": {
        "toc": "目次",
        "cover": "表紙",
        "title_page": "扉",
        "notes": "注",
        "back": "戻る",
        "landmarks": "ランドマーク",
        "pages": "ページ",
        "page_ref.before": "（",
        "page_ref.after": " ページ参照）",
        "callout.note": "注記",
        "callout.tip": "ヒント",
        "callout.info": "情報",
        "callout.important": "重要",
        "callout.warning": "警告",
        "callout.caution": "注意",
        "callout.danger": "危険",
        "callout.details": "詳細",
        "crossref.fig": "図",
        "crossref.tbl": "表",
        "crossref.eq": "式",
        "crossref.lst": "リスト",
        "crossref.separator": "-",
        "crossref.caption_separator": "\u3000",
        "crossref.equation": "（{}）",
        "crossref.eq_join": "",
        "crossref.chapter": "第 {} 章",
        "crossref.section": "「{}」",
        "crossref.and": "、",
        "index.title": "索引",
        "index.see": "→",
        "index.also": "→",
        "index.separator": "，",
        "index.symbols": "記号・数字",
        "index.strokes": "{} 画",
    },
}
#: Regions that write Chinese in traditional characters when the tag names no script.
_HANT_REGIONS = ("tw", "hk", "mo")


def fallbacks(language: str) -> list[str]:
    """The tags `language` looks its words up in, most specific first: `zh-TW` →
    [`zh-tw`, `zh-hant`, `zh`, `en`]."""
    tag = language.strip().lower().replace("_", "-")
    subtags = [part for part in tag.split("-") if part]
    chain = ["-".join(subtags[:n]) for n in range(len(subtags), 0, -1)]
    traditional = "hant" in subtags or any(region in subtags for region in _HANT_REGIONS)
    if subtags[:1] == ["zh"] and "hans" not in subtags and traditional:
        chain.insert(chain.index("zh"), "zh-hant")
    return list(dict.fromkeys([*chain, "en"]))


@cache
def words(language: str) -> Mapping[str, str]:
    """Every word, in the BCP 47 `language` where it has its own, else along `fallbacks`."""
    merged: dict[str, str] = {}
    for tag in reversed(fallbacks(language)):
        merged.update(WORDS.get(tag, {}))
    return MappingProxyType(merged)


def imprint_labels(language: str) -> dict[str, str]:
    """The labels of the copyright page's 版本记录 (书名, 责任编辑…): a Chinese page (GB/T
    12450) in any language, in traditional characters for a traditional edition."""
    chinese = words(language if fallbacks(language)[-2:-1] == ["zh"] else "zh")
    prefix = "imprint."
    return {key[len(prefix) :]: value for key, value in chinese.items() if key.startswith(prefix)}


def callouts(language: str) -> dict[str, str]:
    """The titles of the callout kinds (`note` → 注意), in `language`."""
    table = words(language)
    return {kind: table[f"callout.{kind}"] for kind in _CALLOUTS}
