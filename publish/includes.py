"""mdBook's include directives, expanded in a chapter's text before Markdown is parsed.

mdBook books pull code (and sometimes text) in from other files: `{{#include file.rs}}`,
with a line range (`:5`, `:5:10`, `::10`, `:5:`) or an anchor (`:name`, the lines between
`ANCHOR: name` and `ANCHOR_END: name` comments), `{{#rustdoc_include …}}` (the lines
outside the range kept behind `# `, Rust's hidden lines), `{{#playground file.rs}}` (the
file as a Rust code block) and `{{#title …}}` (the chapter's title). This module does what
mdBook's `links` preprocessor does, on plain text (directives inside code blocks are
expanded too, as there), with our rules added: an included path must stay inside the book
folder (sandbox rule), and a missing file or anchor is a warning naming file:line that
leaves the directive in the text, where a reader sees it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PublishError
from .readers.files import BookFileError, read_text

#: mdBook stops expanding includes nested deeper than this (a cycle, most likely).
MAX_DEPTH = 10
#: A chapter's text with its includes expanded may not grow beyond this: a file including
#: itself four times would otherwise make 4**10 copies (gigabytes in a minute).
MAX_EXPANDED = 16 * 1024 * 1024
#: Line numbers longer than this are no line of any file (and int() refuses 4,300 digits).
MAX_DIGITS = 9

#: A directive, or an escaped one (`\{{#…}}`, given back without its backslash).
#: The same pattern as mdBook's (src/preprocess/links.rs).
_DIRECTIVE = re.compile(r"\\\{\{#.*\}\}|\{\{\s*#([a-zA-Z0-9_]+)\s+([^}]+)\}\}")
_ANCHOR_START = re.compile(r"ANCHOR:\s*([\w_-]+)")
_ANCHOR_END = re.compile(r"ANCHOR_END:\s*([\w_-]+)")

#: warn(message, file, line): how problems are reported (the reader's warning list).
Warn = Callable[[str, Path, "int | None"], None]


@dataclass
class Included:
    """A chapter's text with its directives expanded, the title `{{#title}}` set, and the
    files read (inputs of the build, for the record of what it depends on)."""

    text: str
    title: str | None = None
    files: list[Path] = field(default_factory=list)
    #: Characters included so far (bounded by MAX_EXPANDED).
    size: int = 0


@dataclass(frozen=True)
class _Lines:
    """Which lines of a file: a 0-based half-open range, or an anchor's."""

    start: int = 0
    end: int | None = None
    anchor: str | None = None


def expand(text: str, path: Path, root: Path, warn: Warn) -> str:
    """`text` (the content of the file `path`) with its include directives expanded;
    included files must lie inside `root`."""
    return include(text, path, root, warn).text


def include(text: str, path: Path, root: Path, warn: Warn) -> Included:
    """As `expand`, also returning the title a `{{#title …}}` directive sets."""
    result = Included("")
    result.text = _replace_all(text, Path(path), Path(root).resolve(), warn, 0, result)
    return result


def _replace_all(text: str, path: Path, root: Path, warn: Warn, depth: int, out: Included) -> str:
    if "{{" not in text:
        return text  # most files: nothing to look for
    parts: list[str] = []
    done = 0
    for match in _DIRECTIVE.finditer(text):
        parts.append(text[done : match.start()])
        done = match.end()
        line = text.count("\n", 0, match.start()) + 1
        kind, argument = match.group(1), match.group(2)
        if kind is None:  # escaped
            parts.append(match.group(0)[1:])
            continue
        if kind == "title":
            out.title = argument.strip()
            continue
        words = argument.split()
        if kind not in ("include", "rustdoc_include", "playground", "playpen") or not words:
            parts.append(match.group(0))  # not a directive mdBook knows: left as written
            continue
        expanded = _render(kind, words, path, root, warn, line)
        if expanded is None:
            parts.append(match.group(0))
            continue
        content, source = expanded
        out.files.append(source)
        if depth >= MAX_DEPTH:
            warn(f"includes nested more than {MAX_DEPTH} deep (a cycle?): not expanded", path, line)
            parts.append(match.group(0))
            continue
        out.size += len(content)
        if out.size > MAX_EXPANDED:
            raise PublishError(
                f"includes expand to more than {MAX_EXPANDED // 2**20} MiB of text "
                "(a file including itself?)",
                path,
                line,
            )
        parts.append(_replace_all(content, source, root, warn, depth + 1, out))
    parts.append(text[done:])
    return "".join(parts)


def _render(
    kind: str, words: list[str], path: Path, root: Path, warn: Warn, line: int
) -> tuple[str, Path] | None:
    """The text one directive stands for, and the file it came from (None: a warning
    was given and the directive stays)."""
    name, _, spec = words[0].partition(":")
    target = (path.parent / name).resolve()
    try:  # regular files inside the book only, size-capped (no FIFO, device, link out)
        content = read_text(target, root)
    except BookFileError as exc:
        warn(f"include `{name[:200]}` {exc.reason}", path, line)
        return None
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    if kind in ("playground", "playpen"):
        # As mdBook: the whole file as a Rust block; the attributes join the info string.
        attributes = ",".join(words[1:])
        fence = "rust," + attributes if attributes else "rust"
        body = content if content.endswith("\n") else content + "\n"
        return f"```{fence}\n{body}```\n", target
    lines = _parse_lines(spec)
    all_lines = content.split("\n")
    if content.endswith("\n"):
        all_lines.pop()  # as str.lines() in Rust: no empty last line
    if lines.anchor is not None and not any(
        (m := _ANCHOR_START.search(text)) and m.group(1) == lines.anchor for text in all_lines
    ):
        warn(f"include `{name}`: no anchor `{lines.anchor}` in it", path, line)
        return None
    if kind == "rustdoc_include":
        return _rustdoc_lines(all_lines, lines), target
    return _take(all_lines, lines), target


def _parse_lines(spec: str) -> _Lines:
    """What follows the path's first colon: `5`, `5:10`, `:10`, `5:`, `name` or nothing.
    Line numbers count from 1; as in mdBook, an end that is no number means "to the end"."""
    if not spec:
        return _Lines()
    first, _, rest = spec.partition(":")
    has_end = ":" in spec
    first, rest = _number(first), _number(rest)
    if first.isdigit():
        start = max(int(first) - 1, 0)
    elif first == "":
        start = None
    else:
        return _Lines(anchor=first)
    end_text = rest.split(":")[0] if has_end else None
    end = int(end_text) if end_text is not None and end_text.isdigit() else None
    if start is not None:
        if not has_end:
            return _Lines(start, start + 1)
        return _Lines(start, end)
    return _Lines(0, end)


def _number(text: str) -> str:
    """A line number of more than MAX_DIGITS digits is past any file's end: the largest."""
    head, colon, tail = text.partition(":")
    if head.isdigit() and len(head) > MAX_DIGITS:
        head = "9" * MAX_DIGITS
    return head + colon + tail


def _in_range(index: int, lines: _Lines) -> bool:
    return index >= lines.start and (lines.end is None or index < lines.end)


def _take(all_lines: list[str], lines: _Lines) -> str:
    if lines.anchor is None:
        return "\n".join(text for i, text in enumerate(all_lines) if _in_range(i, lines))
    kept: list[str] = []
    inside = False
    for text in all_lines:
        if inside:
            end = _ANCHOR_END.search(text)
            if end and end.group(1) == lines.anchor:
                break
            if not end and not _ANCHOR_START.search(text):
                kept.append(text)  # other anchors' marker lines are never shown
        else:
            start = _ANCHOR_START.search(text)
            inside = bool(start and start.group(1) == lines.anchor)
    return "\n".join(kept)


def _rustdoc_lines(all_lines: list[str], lines: _Lines) -> str:
    """The lines asked for as they are, every other line of the file behind `# `."""
    if lines.anchor is None:
        return "\n".join(
            text if _in_range(i, lines) else "# " + text for i, text in enumerate(all_lines)
        )
    out: list[str] = []
    inside = False
    for text in all_lines:
        start, end = _ANCHOR_START.search(text), _ANCHOR_END.search(text)
        if inside:
            if end and end.group(1) == lines.anchor:
                inside = False
            elif not end and not start:
                out.append(text)
        elif start:
            inside = start.group(1) == lines.anchor  # other anchors' lines are left out
        elif not end:
            out.append("# " + text)
    return "\n".join(out)


#: docsify's embed: `[text](file.md ':include')`, options after it (`:type=code`,
#: `:fragment=name`), quoted with ' or ".
_EMBED = re.compile(
    r"\[([^\]\n]*)\]\(\s*<?([^\s)>]+)>?\s+(['\"]):include((?:\s+:[^'\"\n]*)?)\3\s*\)"
)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")


def embed(text: str, path: Path, root: Path, warn: Warn) -> Included:
    """`text` with docsify's `':include'` embeds expanded: a Markdown file's text in place,
    any other file (or `:type=code`) as a code block, `:fragment=name` the lines between
    the two marked `[name]`. A path starting with `/` is the site's (the nearest folder
    above `path` that has it). A remote file cannot be read at build time: a warning,
    and nothing in its place (the embed's text is a placeholder, not the book's)."""
    result = Included("")
    root = Path(root).resolve()

    def replace(match: re.Match, depth: int, where: Path) -> str:
        name, options = match.group(2), match.group(4)
        line = text.count("\n", 0, match.start()) + 1 if depth == 0 else None
        if _SCHEME.match(name):
            warn(f"embed of the remote file `{name}` left out (nothing is fetched)", where, line)
            return ""
        target = _site_path(name, where, root)
        if target is None:
            warn(f"embedded file `{name}` not found", where, line)
            return match.group(0)
        result.files.append(target)
        content = target.read_text(encoding="utf-8-sig", errors="replace").replace("\r\n", "\n")
        option = dict(re.findall(r":(\w+)=(\S+)", options or ""))
        if "fragment" in option:
            content = _fragment(content, option["fragment"])
        if option.get("type") == "code" or target.suffix.lower() not in (".md", ".markdown"):
            language = option.get("lang", target.suffix.lstrip("."))
            fence = "~~~" if "```" in content else "```"
            return f"{fence}{language}\n{content.rstrip()}\n{fence}"
        if depth >= MAX_DEPTH:
            warn(f"embeds nested more than {MAX_DEPTH} deep (a cycle?): not expanded", where, line)
            return match.group(0)
        return _EMBED.sub(lambda m: replace(m, depth + 1, target), content)

    result.text = _EMBED.sub(lambda m: replace(m, 0, Path(path)), text)
    return result


def _site_path(name: str, path: Path, root: Path) -> Path | None:
    """The file an embed names, inside `root`: relative to `path`'s folder, or, for `/…`,
    to the nearest folder above it that has it."""
    name = name.split("?", 1)[0].split("#", 1)[0]
    folders = (
        [path.parent]
        if not name.startswith("/")
        else [
            folder for folder in (path.parent, *path.parent.parents) if folder.is_relative_to(root)
        ]
    )
    for folder in folders:
        target = (folder / name.lstrip("/")).resolve()
        if target.is_relative_to(root) and target.is_file():
            return target
    return None


def _fragment(content: str, name: str) -> str:
    """The lines between the two lines marked `[name]` (docsify's `:fragment=`)."""
    lines = content.split("\n")
    marks = [i for i, line in enumerate(lines) if f"[{name}]" in line]
    if len(marks) < 2:
        return content
    return "\n".join(lines[marks[0] + 1 : marks[1]])
