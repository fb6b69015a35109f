"""mdBook's include directives (publish/includes.py), against mdBook's documented behaviour
(its guide, "mdBook-specific features", and src/preprocess/links.rs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.includes import MAX_DEPTH, expand, include

LINES = "".join(f"line {n}\n" for n in range(1, 13))

RUST = """\
use std::fmt;

// ANCHOR: all
// ANCHOR: main
fn main() {
    println!("hi");
}
// ANCHOR_END: main

fn other() {}
// ANCHOR_END: all
"""


class Warnings(list):
    def __call__(self, message: str, path: Path, line: int | None) -> None:
        self.append((message, Path(path).name, line))


@pytest.fixture
def book(tmp_path: Path) -> Path:
    (tmp_path / "src" / "code").mkdir(parents=True)
    (tmp_path / "src" / "code" / "lines.txt").write_text(LINES, encoding="utf-8")
    (tmp_path / "src" / "code" / "main.rs").write_text(RUST, encoding="utf-8")
    return tmp_path


def run(book: Path, text: str) -> tuple[str, Warnings]:
    warnings = Warnings()
    chapter = book / "src" / "chapter.md"
    chapter.write_text(text, encoding="utf-8")
    return expand(text, chapter, book, warnings), warnings


@pytest.mark.parametrize(
    "spec, lines",
    [
        ("", list(range(1, 13))),  # the whole file
        (":2", [2]),  # one line
        ("::10", list(range(1, 11))),  # up to line 10
        (":2:", list(range(2, 13))),  # from line 2 on
        (":2:10", list(range(2, 11))),  # lines 2 to 10
        (":2:x", list(range(2, 13))),  # an end that is no number: to the end (as mdBook)
        (":11:100", [11, 12]),  # past the end: what there is
        (":20", []),
    ],
)
def test_line_ranges(book: Path, spec: str, lines: list[int]) -> None:
    out, warnings = run(book, f"before\n{{{{#include code/lines.txt{spec}}}}}\nafter")
    expected = "\n".join(f"line {n}" for n in lines)
    assert out == f"before\n{expected}\nafter"
    assert warnings == []


def test_anchor_without_its_marker_lines(book: Path) -> None:
    out, warnings = run(book, "```rust\n{{#include code/main.rs:main}}\n```\n")
    assert out == '```rust\nfn main() {\n    println!("hi");\n}\n```\n'
    out, _ = run(book, "{{#include code/main.rs:all}}")
    # Nested anchors' own lines are left out too.
    assert out == 'fn main() {\n    println!("hi");\n}\n\nfn other() {}'
    assert "ANCHOR" not in out and warnings == []


def test_anchor_in_any_comment_syntax(book: Path) -> None:
    (book / "src" / "code" / "conf.py").write_text(
        "x = 1\n# ANCHOR: py\ny = 2\n# ANCHOR_END: py\n<!-- ANCHOR: html -->\n<b>\n"
        "<!-- ANCHOR_END: html -->\n",
        encoding="utf-8",
    )
    assert run(book, "{{#include code/conf.py:py}}")[0] == "y = 2"
    assert run(book, "{{#include code/conf.py:html}}")[0] == "<b>"


def test_whole_file_keeps_anchor_comments_as_mdbook(book: Path) -> None:
    out, _ = run(book, "{{#include code/main.rs}}")
    assert out == RUST.rstrip("\n")


def test_rustdoc_include_hides_the_rest(book: Path) -> None:
    out, _ = run(book, "{{#rustdoc_include code/lines.txt:2:3}}")
    assert out.split("\n") == ["# line 1", "line 2", "line 3"] + [
        f"# line {n}" for n in range(4, 13)
    ]
    out, _ = run(book, "{{#rustdoc_include code/main.rs:main}}")
    assert out.split("\n") == [
        "# use std::fmt;",
        "# ",
        "fn main() {",
        '    println!("hi");',
        "}",
        "# ",
        "# fn other() {}",
    ]


def test_playground_is_a_rust_block(book: Path) -> None:
    out, _ = run(book, "{{#playground code/main.rs}}")
    assert out == "```rust\n" + RUST + "```\n"
    out, _ = run(book, "{{#playground code/main.rs editable}}")
    assert out.startswith("```rust,editable\n")


def test_title(book: Path) -> None:
    chapter = book / "src" / "chapter.md"
    result = include("{{#title 第一章 安装}}\n# 安装\n", chapter, book, Warnings())
    assert result.title == "第一章 安装"
    assert result.text == "\n# 安装\n"


def test_escaped_directive_stays_literal(book: Path) -> None:
    out, warnings = run(book, "写作 \\{{#include code/lines.txt}} 即可。")
    assert out == "写作 {{#include code/lines.txt}} 即可。"
    assert warnings == []


def test_nested_includes_relative_to_the_including_file(book: Path) -> None:
    (book / "src" / "code" / "outer.md").write_text(
        "outer\n{{#include inner/inner.md}}\n", encoding="utf-8"
    )
    (book / "src" / "code" / "inner").mkdir()
    (book / "src" / "code" / "inner" / "inner.md").write_text(
        "inner {{#include ../lines.txt:1}}", encoding="utf-8"
    )
    out, warnings = run(book, "{{#include code/outer.md}}")
    assert out == "outer\ninner line 1"
    assert warnings == []


def test_cycle_stops_with_a_warning(book: Path) -> None:
    (book / "src" / "loop.md").write_text("x{{#include loop.md}}", encoding="utf-8")
    out, warnings = run(book, "{{#include loop.md}}")
    assert out == "x" * MAX_DEPTH + "{{#include loop.md}}"
    assert len(warnings) == 1 and "nested more than 10" in warnings[0][0]


def test_missing_file_and_anchor_are_warnings_with_a_marker(book: Path) -> None:
    out, warnings = run(book, "一\n二 {{#include code/nope.rs}}\n{{#include code/main.rs:nope}}")
    assert out == "一\n二 {{#include code/nope.rs}}\n{{#include code/main.rs:nope}}"
    assert warnings == [
        ("include `code/nope.rs` not found", "chapter.md", 2),
        ("include `code/main.rs`: no anchor `nope` in it", "chapter.md", 3),
    ]


def test_warning_names_the_included_file(book: Path) -> None:
    (book / "src" / "code" / "part.md").write_text("a\nb\n{{#include gone.md}}", encoding="utf-8")
    _, warnings = run(book, "{{#include code/part.md}}")
    assert warnings == [("include `gone.md` not found", "part.md", 3)]


def test_paths_stay_inside_the_book(book: Path, tmp_path_factory) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.txt"
    outside.write_text("PRIVATE", encoding="utf-8")
    (book / "src" / "link.txt").symlink_to(outside)
    out, warnings = run(book, f"{{{{#include {outside}}}}}\n{{{{#include link.txt}}}}")
    assert "PRIVATE" not in out
    assert [w[0].endswith("outside the book folder") for w in warnings] == [True, True]


def test_not_utf8_is_a_warning(book: Path) -> None:
    (book / "src" / "gbk.txt").write_bytes("中文".encode("gbk"))
    out, warnings = run(book, "{{#include gbk.txt}}")
    assert out == "{{#include gbk.txt}}" and "not UTF-8" in warnings[0][0]


def test_unknown_directive_left_alone(book: Path) -> None:
    out, warnings = run(book, "{{#tabs x}} {{ not a directive }}")
    assert out == "{{#tabs x}} {{ not a directive }}" and warnings == []
