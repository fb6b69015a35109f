"""Reader for plain-text books: a .txt (title line, chapter headings, paragraphs) → a
manuscript folder of book.toml and one Markdown file per chapter.

Made for texts like the 三国演义 corpus: UTF-8 (BOM or not), CRLF or LF, a title line,
headings such as `第一回 宴桃园豪杰三结义 斩黄巾英雄首立功`, paragraphs indented and
separated by blank lines, verse hard-wrapped across "paragraphs". Nothing of the text is
lost: characters Markdown would read as markup are escaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PublishError

HEADING_RE = re.compile(
    r"^\s*(第[一二三四五六七八九十百千零〇两\d]+[回章节卷部篇])(?:[\s\u3000:：]+(.*\S))?\s*$"
)
TITLE_RE = re.compile(r"^《(.+?)》\s*(.*)$")
#: A paragraph ending in none of these was cut by a hard wrap and continues in the next.
_ENDINGS = set("。！？!?…”’」』）)》〕】—：:；;")
_MARKUP_RE = re.compile(r"([\\`*_\[\]<>#|~^&])")
_LIST_START_RE = re.compile(r"^(\d+)([.)])")
_TOML_CONTROL_RE = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
#: The title of the chapter holding the text before the first heading (000.md).
PREFACE_TITLE = "前言"


@dataclass
class _Chapter:
    title: str
    paragraphs: list[str] = field(default_factory=list)


def escape_markdown(text: str) -> str:
    """`text` as Markdown that renders to exactly `text`."""
    text = _MARKUP_RE.sub(r"\\\1", text)
    text = _LIST_START_RE.sub(r"\1\\\2", text)
    if text[:1] in "+-=":
        text = "\\" + text
    return text


def parse_text(text: str) -> tuple[str | None, str | None, list[_Chapter]]:
    """(title, author named on the title line, chapters) of a plain-text book."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title = author = None
    chapters: list[_Chapter] = []
    preface = _Chapter(PREFACE_TITLE)
    current = preface
    paragraph: list[str] = []

    def end_paragraph() -> None:
        if paragraph:
            current.paragraphs.append("".join(paragraph))
            paragraph.clear()

    for line in lines:
        stripped = line.strip().strip("\u3000")
        heading = HEADING_RE.match(line)
        if heading:
            end_paragraph()
            name, rest = heading.group(1), heading.group(2)
            rest = re.sub(r"[\s\u3000]+", "\u3000", rest) if rest else ""
            current = _Chapter(f"{name}\u3000{rest}" if rest else name)
            chapters.append(current)
        elif not stripped:
            end_paragraph()
        elif title is None and not chapters and not preface.paragraphs and not paragraph:
            match = TITLE_RE.match(stripped)
            title, author = (match.group(1), match.group(2) or None) if match else (stripped, None)
        else:
            paragraph.append(stripped)
    end_paragraph()
    if preface.paragraphs:
        chapters.insert(0, preface)
    for chapter in chapters:
        chapter.paragraphs = _join_wrapped(chapter.paragraphs)
    return title, author, chapters


def _join_wrapped(paragraphs: list[str]) -> list[str]:
    """Join a paragraph cut mid-sentence by a hard wrap with the one that continues it."""
    joined: list[str] = []
    for paragraph in paragraphs:
        if joined and joined[-1][-1] not in _ENDINGS:
            joined[-1] += paragraph
        else:
            joined.append(paragraph)
    return joined


def import_text(
    source: Path,
    target: Path,
    *,
    title: str | None = None,
    authors: list[str] | None = None,
    language: str = "zh-CN",
    max_chapters: int | None = None,
    output_name: str | None = None,
) -> Path:
    """Write a manuscript for the plain-text book `source` into `target`; returns book.toml."""
    try:
        text = Path(source).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise PublishError("file not found", source) from None
    except UnicodeDecodeError as exc:
        raise PublishError(f"not UTF-8 text (byte {exc.start})", source) from None
    found_title, found_author, chapters = parse_text(text)
    if not chapters:
        raise PublishError("no chapters found (headings like 第一回 …, 第1章 …)", source)
    if max_chapters is not None:
        if max_chapters < 1:
            raise PublishError(
                f"the number of chapters to import must be 1 or more, not {max_chapters}", source
            )
        # N chapters of the text; a preface (000.md) comes along and is not counted.
        preface = 1 if chapters[0].title == PREFACE_TITLE else 0
        chapters = chapters[: preface + max_chapters]
    title = title or found_title or Path(source).stem
    authors = authors or ([found_author] if found_author else ["佚名"])
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(len(chapters))))
    names = []
    first = 0 if chapters[0].title == PREFACE_TITLE else 1  # 000.md is the preface
    for number, chapter in enumerate(chapters, start=first):
        name = f"{number:0{width}d}.md"
        body = "\n\n".join(escape_markdown(p) for p in chapter.paragraphs)
        (target / name).write_text(
            f"# {escape_markdown(chapter.title)}\n\n{body}\n", encoding="utf-8"
        )
        names.append(name)

    def quoted(value: str) -> str:
        # A TOML basic string: \ and " escaped, control characters (but tab) as \uXXXX.
        value = value.replace("\\", "\\\\").replace('"', '\\"')
        return '"' + _TOML_CONTROL_RE.sub(lambda m: f"\\u{ord(m.group()):04X}", value) + '"'

    toml = [
        "[book]",
        f"title = {quoted(title)}",
        f"authors = [{', '.join(quoted(a) for a in authors)}]",
        f"language = {quoted(language)}",
        "chapters = [",
        *[f"  {quoted(name)}," for name in names],
        "]",
    ]
    if output_name:
        toml += ["", "[output]", f"name = {quoted(output_name)}"]
    path = target / "book.toml"
    path.write_text("\n".join(toml) + "\n", encoding="utf-8")
    return path
