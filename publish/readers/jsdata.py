"""Plain data out of a JavaScript or TypeScript file, never run: a docsify `index.html`'s
`window.$docsify = {…}`, a VitePress/VuePress config's `sidebar: [...]`.

A site's config is code; running it would run whatever it imports. What a book needs from
it (title, sidebar) is most often written as a literal, so the literal is cut out of the
source by a small scanner that knows strings, template literals and comments, and read as
JSON5 (unquoted keys, single quotes, trailing commas, comments: what JS literals look like).
A value that is code (a call, a variable, a spread) is no data: `NotData` says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import json5

_OPEN = {"{": "}", "[": "]", "(": ")"}
_CLOSE = set(_OPEN.values())
_IDENT_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


class NotData(ValueError):
    """A value written as code, not as a literal."""


@dataclass
class Found:
    """The source text of a key's value and the line (from 1) the key is on."""

    text: str
    line: int


def _skip(source: str, index: int) -> int:
    """The index after the string, template literal or comment starting at `index`, or
    `index` itself when none starts there."""
    char = source[index]
    if char in "'\"`":
        end = index + 1
        while end < len(source) and source[end] != char:
            end += 2 if source[end] == "\\" else 1
        return end + 1
    if source.startswith("//", index):
        end = source.find("\n", index)
        return len(source) if end < 0 else end
    if source.startswith("/*", index):
        end = source.find("*/", index + 2)
        return len(source) if end < 0 else end + 2
    return index


def _keys(source: str):
    """(key, depth, index after its `:` or `=`) of every `key:` / `key =` outside strings
    and comments; depth counts the brackets around it."""
    depth = 0
    index = 0
    while index < len(source):
        after = _skip(source, index)
        if after != index:
            quoted = source[index] in "'\""
            if quoted:  # a quoted key: 'name': …
                rest = re.match(r"\s*:", source[after:])
                if rest:
                    yield source[index + 1 : after - 1], depth, after + rest.end()
            index = after
            continue
        char = source[index]
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        else:
            match = _IDENT_RE.match(source, index)
            if match and (index == 0 or not re.match(r"[\w$]", source[index - 1])):
                rest = re.match(r"\s*(:|=(?![=>]))", source[match.end() :])
                if rest:
                    yield match.group(0), depth, match.end() + rest.end()
                index = match.end()
                continue
        index += 1


def _value_end(source: str, start: int) -> int:
    """Where the value starting at `start` ends: its closing bracket, or the `,`, `;`,
    closing bracket or line end after it at its own depth."""
    depth = 0
    index = start
    while index < len(source):
        after = _skip(source, index)
        if after != index:
            index = after
            continue
        char = source[index]
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            if depth == 0:
                return index
            depth -= 1
            if depth == 0 and source[start] in _OPEN:
                return index + 1
        elif depth == 0 and char in ",;\n" and index > start:
            return index
        index += 1
    return len(source)


def find(source: str, key: str) -> Found | None:
    """The value of the least nested `key:` (or `key =`) of `source`, if any."""
    best: tuple[int, int] | None = None
    for name, depth, after in _keys(source):
        if name == key and (best is None or depth < best[0]):
            best = (depth, after)
    if best is None:
        return None
    start = best[1]
    while start < len(source) and source[start] in " \t\r\n":
        start += 1
    end = _value_end(source, start)
    return Found(source[start:end].strip(), source.count("\n", 0, best[1]) + 1)


def value(found: Found) -> Any:
    """The data of a literal; NotData naming the first piece of code in it."""
    text = found.text
    if text.startswith("`") and text.endswith("`") and "${" not in text:
        return text[1:-1]
    try:
        return json5.loads(text)
    except ValueError:
        code = _IDENT_RE.search(re.sub(r"(['\"`]).*?\1", "", text, flags=re.S))
        what = f"`{code.group(0)}`" if code else f"`{text[:30]}`"
        raise NotData(f"written as code ({what}), not as plain data") from None


def _after_equals(source: str, index: int) -> int | None:
    """The index after the `=` that ends a declaration's name and type annotation
    (`sidebar: DefaultTheme.Config['sidebar'] =`), from `index`."""
    depth = 0
    while index < len(source):
        after = _skip(source, index)
        if after != index:
            index = after
            continue
        char = source[index]
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif char == ";" and depth == 0:
            return None
        elif char == "=" and depth == 0 and source[index + 1 : index + 2] not in ("=", ">"):
            return index + 1
        index += 1
    return None


def _value_at(source: str, start: int) -> Found:
    while start < len(source) and source[start] in " \t\r\n":
        start += 1
    end = _value_end(source, start)
    return Found(source[start:end].strip(), source.count("\n", 0, start) + 1)


def binding(source: str, name: str) -> Found | None:
    """The value given to `name` (`const name = …`, `export const name: T = …`), or, for
    name "default", the module's `export default …`."""
    if name == "default":
        match = re.search(r"\bexport\s+default\s+", source)
        return _value_at(source, match.end()) if match else None
    for match in re.finditer(rf"\b(?:const|let|var)\s+{re.escape(name)}\b", source):
        equals = _after_equals(source, match.end())
        if equals is not None:
            return _value_at(source, equals)
    return None


def imported(source: str, name: str) -> tuple[str, str] | None:
    """Where `name` is imported from: (module path as written, its name there)."""
    for match in re.finditer(r"\bimport\s+(.+?)\s+from\s+(['\"])(.+?)\2", source, re.S):
        what, module = match.group(1).strip(), match.group(3)
        if re.fullmatch(re.escape(name), what):
            return module, "default"
        braces = re.search(r"\{(.*)\}", what, re.S)
        for item in braces.group(1).split(",") if braces else []:
            parts = item.split()
            if parts and parts[0] == "type":
                parts = parts[1:]
            if len(parts) == 1 and parts[0] == name:
                return module, name
            if len(parts) == 3 and parts[1] == "as" and parts[2] == name:
                return module, parts[0]
    return None
