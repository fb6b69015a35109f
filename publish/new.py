"""`publish new`: a small working manuscript to start from, showing what a chapter can hold
and, in book.toml, every setting with its default (commented out)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from .errors import PublishError

BOOK_TOML = """\
# The book's settings. Lines starting with # are comments: remove the # to use a setting.
# The values shown commented out are the defaults.

[book]
title = {title}
# subtitle = "副标题"
authors = {authors}                      # one or more
language = {language}                    # a BCP 47 tag: zh-CN, zh-TW, zh-Hant, ja…
identifier = {identifier}   # keep it: readers and stores know the book by it (or urn:isbn:…)
# publisher = "出版社"
# date = "2024-01-01"                    # YYYY-MM-DD, YYYY-MM or YYYY
# description = "一段简介"                # PDF Subject, EPUB dc:description
# rights = "版权所有"
# subjects = ["主题一", "主题二"]          # PDF Keywords, EPUB dc:subject
chapters = ["01-kaipian.md", "02-jixu.md"]   # reading order, relative to this file
# cover = "images/cover.jpg"             # JPEG or PNG; without it a cover is drawn
# bibliography = "refs.bib"             # BibTeX or CSL-JSON, for citations [@key]
# citation-style = "gb7714-2015-numeric"  # -author-date, gb7714-2025-…, or "apa.csl"
# bibliography-scope = "book"            # 参考文献 at the end of the book, or "chapter"

[output]
# name = {name}                          # file name of the outputs (default: the folder's name)

[pdf]
# page-size = "A5"                       # A4 A5 A6 B5 B6 JIS-B5 JIS-B6 16K 32K LETTER, "148 210"
# font-size = "10.5pt"
# line-height = 1.7                      # times the font size
# margin = [20, 16, 20, 18]              # mm: [top, outer, bottom, inner], [vert., horiz.] or one
# body-font = "Noto Serif CJK SC"        # Song/Ming face for the text
# heading-font = "Noto Sans CJK SC"      # Hei face for headings, TOC, captions
# latin-font = "Noto Serif"
# mono-font = "Noto Sans Mono CJK SC"
# writing-mode = "horizontal-tb"         # 竖排: "vertical-rl", pages turning right to left

[epub]
# embed-fonts = true                     # embed the faces, subset to the book's characters
# writing-mode = "horizontal-tb"         # or "vertical-rl"
# justify = true
# line-height = 1.75
# certified-by = "审校者"                 # who checked the accessibility
# accessibility-summary = "…"            # replaces the generated summary

[typography]
# normalize-punctuation = true           # ASCII , : ; ? ! ( ) between Chinese → ，：；？！（）

[crossref]
# numbering = "chapter"                  # 图 1-1 per chapter, or "book": 图 1 through the book
# figure = "图"                          # the words: figure, table, equation, listing

[index]
# terms = "index.txt"                    # a term a line, marked wherever it stands
# order = "pinyin"                       # or "stroke" (笔画), "radical" (部首)

[security]
# allow-data-urls = false                # images given as data: URLs
# allow-remote-images = false            # http(s) images, fetched once while reading
"""

CHAPTER_1 = """\
# 第一章　开篇

这是新书的第一章。每章一个 Markdown 文件，以一级标题开头；章节的顺序写在 `book.toml` 的
`chapters` 里。中文可以随意换行，排版时行尾的换行会消失。

## 文字

强调用*星号*，加重用**两个星号**。链接写成 [CommonMark 的说明](https://commonmark.org/help/)，
脚注写在方括号里[^1]，内容放在本章末尾。

## 图片

单独成段的图片会排成插图，图题取自引号里的标题（或替代文字）：

![一幅示意图：三个色块](images/figure.png "图 1　示意图")

[^1]: 脚注按章编号，排在页脚。
"""

CHAPTER_2 = """\
# 第二章　继续

每章都从右页开始。下面是一张表格：

| 项目 | 说明 |
| --- | --- |
| 书名 | 写在 `book.toml` 的 `title` |
| 作者 | 写在 `authors`，可以有多位 |
| 页面 | `[pdf]` 一节设定开本、字号和边距 |

## 小节

二级和三级标题出现在目录、PDF 书签和 EPUB 导航中。

### 再下一级

- 运行 `publish build` 得到 PDF 和 EPUB；
- 运行 `publish serve` 一边写一边在浏览器里看排好的页面。
"""


def _figure_png() -> bytes:
    """A small picture for the sample chapter: three coloured blocks (made here, so that
    the starter needs no file of its own)."""
    import io  # late: standard library, loaded only when used (start-up time)

    from PIL import Image, ImageDraw  # late: Pillow loads only when used (start-up time)

    image = Image.new("RGB", (600, 200), "white")
    draw = ImageDraw.Draw(image)
    for i, colour in enumerate(("#c0392b", "#2e86c1", "#27ae60")):
        draw.rectangle((40 + i * 185, 30 + i * 40, 190 + i * 185, 180), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def new_book(
    folder: Path, *, title: str = "新书", authors: list[str] | None = None, language: str = "zh-CN"
) -> list[Path]:
    """Write a starter manuscript into `folder` (new or empty); the files written."""
    if folder.exists() and not folder.is_dir():
        raise PublishError("exists and is not a folder", folder)
    if folder.is_dir() and any(folder.iterdir()):
        message = "the folder is not empty (publish new writes only into a new one)"
        raise PublishError(message, folder)
    toml = BOOK_TOML.format(
        title=json.dumps(title, ensure_ascii=False),
        authors=json.dumps(authors or ["佚名"], ensure_ascii=False),
        language=json.dumps(language),
        identifier=json.dumps(f"urn:uuid:{uuid.uuid4()}"),
        name=json.dumps(folder.resolve().name, ensure_ascii=False),
    )
    files = {
        "book.toml": toml.encode(),
        "01-kaipian.md": CHAPTER_1.encode(),
        "02-jixu.md": CHAPTER_2.encode(),
        "images/figure.png": _figure_png(),
    }
    written = []
    try:
        for name, data in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(path)
    except OSError as exc:
        raise PublishError(f"cannot write the manuscript: {exc.strerror}", exc.filename) from None
    return written
