"""SUMMARY.md, both dialects: every rule of mdBook's and HonKit's grammar, and the ids and
section trees the structure makes of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.errors import PublishError
from publish.readers.assemble import _tree
from publish.readers.slugs import BookIds, FileSlugs, slug
from publish.readers.summary import parse_summary

HERE = Path("SUMMARY.md")


def tree(entries) -> list:
    """(title, target, children…) of entries, for comparing."""
    return [(e.title, e.target, *([tree(e.children)] if e.children else [])) for e in entries]


def test_mdbook_full_grammar():
    text = """# Summary

[Preface](preface.md)
[Foreword](foreword.md)

---

[Introduction](intro.md)

# Part One

- [Chapter 1](ch1.md)
    - [Section 1.1](ch1/s1.md)
        - [Section 1.1.1](ch1/s1/a.md)
    - [Draft section]()
- [Chapter 2](ch2.md)

---

# Part Two

* [Chapter 3](ch3.md)

[Appendix](appendix.md)
[Credits](credits.md)
"""
    summary = parse_summary(text, HERE)
    assert summary.title == "Summary"
    assert tree(summary.prefix) == [
        ("Preface", "preface.md"),
        ("Foreword", "foreword.md"),
        ("Introduction", "intro.md"),
    ]
    assert [(p.title, tree(p.chapters)) for p in summary.parts] == [
        ("Part One", [
            ("Chapter 1", "ch1.md", [
                ("Section 1.1", "ch1/s1.md", [("Section 1.1.1", "ch1/s1/a.md")]),
                ("Draft section", None),
            ]),
            ("Chapter 2", "ch2.md"),
        ]),
        ("Part Two", [("Chapter 3", "ch3.md")]),
    ]  # fmt: skip
    assert tree(summary.suffix) == [("Appendix", "appendix.md"), ("Credits", "credits.md")]
    assert [(d.title, d.line) for d in summary.drafts()] == [("Draft section", 15)]


def test_mdbook_separator_keeps_the_part_gitbook_ends_it():
    text = "# S\n\n# Part\n\n- [A](a.md)\n\n---\n\n- [B](b.md)\n"
    mdbook = parse_summary(text, HERE)
    assert [(p.title, [c.title for c in p.chapters]) for p in mdbook.parts] == [
        ("Part", ["A", "B"])
    ]
    gitbook = parse_summary(text, HERE, "gitbook")
    assert [(p.title, [c.title for c in p.chapters]) for p in gitbook.parts] == [
        ("Part", ["A"]),
        (None, ["B"]),
    ]


def test_gitbook_parts_are_h2_to_h4_headings_and_anchors_stay_in_the_target():
    text = """# Summary

* [Introduction](README.md)

## Part I

* [Part I](part1/README.md)
    * [Writing is nice](part1/README.md#writing)
    * [HonKit is nice](part1/README.md#honkit)

### Part II

* [We love feedback](part2/feedback_please.md)

#### Part III

* [Last](last.md)
"""
    summary = parse_summary(text, HERE, "gitbook")
    assert [p.title for p in summary.parts] == [None, "Part I", "Part II", "Part III"]
    assert tree(summary.parts[0].chapters) == [("Introduction", "README.md")]
    writing = summary.parts[1].chapters[0].children[0]
    assert (writing.path, writing.anchor) == ("part1/README.md", "writing")
    assert summary.prefix == [] and summary.suffix == []


def test_lists_with_star_or_dash_and_tabs_or_spaces_nest_alike():
    spaces = "- [A](a.md)\n  - [B](b.md)\n    - [C](c.md)\n- [D](d.md)\n"
    tabs = "* [A](a.md)\n\t* [B](b.md)\n\t\t* [C](c.md)\n* [D](d.md)\n"
    four = "* [A](a.md)\n    - [B](b.md)\n        - [C](c.md)\n* [D](d.md)\n"
    expected = [("A", "a.md", [("B", "b.md", [("C", "c.md")])]), ("D", "d.md")]
    for text in (spaces, tabs, four):
        assert tree(parse_summary(text, HERE).parts[0].chapters) == expected, text


def test_items_without_links_drafts_and_reference_links():
    text = """# Summary

* 第二章 语法
    * [2.1 变量][vars]
    * [2.2 草稿]()
* [第三章](<第 三 章.md>)

[vars]: 02/变量.md
"""
    summary = parse_summary(text, HERE)
    chapters = summary.parts[0].chapters
    assert tree(chapters) == [
        ("第二章 语法", None, [("2.1 变量", "02/变量.md"), ("2.2 草稿", None)]),
        ("第三章", "第 三 章.md"),
    ]
    assert chapters[0].draft is False and chapters[0].children[1].draft is True
    assert [d.title for d in summary.drafts()] == ["2.2 草稿"]


def test_an_anchor_only_target():
    summary = parse_summary("- [A](a.md)\n  - [Here](#here)\n", HERE)
    here = summary.parts[0].chapters[0].children[0]
    assert (here.path, here.anchor) == ("", "here")


def test_line_numbers_of_entries():
    summary = parse_summary("# S\n\n- [A](a.md)\n\n  - [B](b.md)\n- [C](c.md)\n", HERE)
    lines = [(e.title, e.line) for e in summary.entries()]
    assert lines == [("A", 3), ("B", 5), ("C", 6)]


def test_a_summary_without_entries_is_an_error():
    with pytest.raises(PublishError, match="no chapters in the summary"):
        parse_summary("# Summary\n\nNothing here yet.\n", HERE)


def test_only_a_first_h1_is_the_title():
    summary = parse_summary("[Pre](pre.md)\n\n# Part\n\n- [A](a.md)\n", HERE)
    assert summary.title is None
    assert [p.title for p in summary.parts] == ["Part"]
    assert tree(summary.prefix) == [("Pre", "pre.md")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello World", "hello-world"),
        ("1.1 安装 Rust", "11-安装-rust"),
        ("所有权：规则！", "所有权规则"),
        ("C++ & Rust", "c--rust"),
        ("`unsafe` 代码", "unsafe-代码"),
        ("snake_case-name", "snake_case-name"),
        ("Ünïcödé", "ünïcödé"),
    ],
)
def test_web_slugs_keep_chinese(text, expected):
    assert slug(text) == expected


def test_duplicate_headings_numbered_as_on_the_web_and_book_ids_unique():
    slugs = FileSlugs()
    assert [slugs.next(t) for t in ["移动", "移动", "移动", "其他"]] == [
        "移动", "移动-1", "移动-2", "其他",
    ]  # fmt: skip
    ids = BookIds({"ch01"})
    assert ids.claim("移动") == "移动"
    assert ids.claim("移动") == "移动-1"  # the same slug in another file
    assert ids.claim("11-安装") == "h-11-安装"  # an XML id cannot start with a digit
    assert ids.claim("ch01") == "ch01-1"
    assert ids.claim("") == "h"


def test_section_tree_to_the_configured_depth():
    headings = [(2, "A", "a"), (3, "A1", "a1"), (4, "A1x", "a1x"), (2, "B", "b"),
                (4, "B deep", "bd")]  # fmt: skip
    two = _tree(headings, 2)
    assert [(h.title, [c.title for c in h.children]) for h in two] == [
        ("A", ["A1"]),
        ("B", ["B deep"]),  # a skipped level is taken one below its parent
    ]
    assert two[1].children[0].level == 3
    assert [h.title for h in _tree(headings, 1)] == ["A", "B"]
    assert _tree(headings, 1)[0].children == []
    assert _tree(headings, 3)[0].children[0].children[0].title == "A1x"


def test_links_to_other_sites_are_no_chapters():
    summary = parse_summary("* [A](a.md)\n* [GitHub](https://github.com/x/y)\n", HERE)
    github = summary.parts[0].chapters[1]
    assert github.external and github.path is None and not github.draft
    assert summary.external() == [github]
