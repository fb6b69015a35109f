"""Importing WeasyPrint without its slow search for its libraries (0.2 s of every build).

WeasyPrint opens GObject, Pango, HarfBuzz… by trying several names for each; for a bare
name that is no file (`gobject-2.0-0`), cffi asks `ctypes.util.find_library`, which runs
ldconfig, gcc and ld in turn: ~25 ms a call, a dozen calls. On Linux the sonames tried
next (`libgobject-2.0.so.0`) open directly, so the search is switched off while WeasyPrint
is imported. Elsewhere nothing changes.

Its arrays of a given length (`ffi.new(f"hb_codepoint_t[{n}]", …)` when it subsets a font)
are made from the type of unknown length instead: cffi parses every new type string with
pycparser (~5 ms each, a dozen per document), and caches only the unknown-length one.
"""

from __future__ import annotations

import re
import sys

_SIZED_ARRAY = re.compile(r"([A-Za-z_][\w ]*\**)\s*\[(\d+)\]")


def load() -> None:
    """Import WeasyPrint (once), skipping ctypes' library search on Linux."""
    if "weasyprint.text.ffi" in sys.modules or not sys.platform.startswith("linux"):
        return
    import ctypes.util  # late: standard library, loaded only when used (start-up time)

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        import weasyprint.text.ffi  # late: WeasyPrint loads only when used (start-up time)
    finally:
        ctypes.util.find_library = search
    _cache_array_types(weasyprint.text.ffi.ffi)


def _cache_array_types(ffi) -> None:
    """`ffi.new("T[n]", init)` as `ffi.new("T[]", n)` filled with `init`: same array."""
    new = ffi.new

    def new_array(cdecl, init=None):
        sized = _SIZED_ARRAY.fullmatch(cdecl) if isinstance(cdecl, str) else None
        if sized is None:
            return new(cdecl, init)
        length = int(sized[2])
        array = new(f"{sized[1]}[]", length)
        if init is not None:
            array[0 : len(init)] = init
        return array

    ffi.new = new_array


def missing_snippets(function, snippets) -> list[str]:
    """The `snippets` not in `function`'s source. The source is first taken as the lines
    from its `def` to the next line indented no deeper (~0.1 ms); only if a snippet is not
    there is it asked of inspect.getsource, which tokenizes the module (~2 ms a function,
    a dozen functions checked per build)."""
    import inspect  # late: standard library, loaded only when used (start-up time)
    import linecache  # late: standard library, loaded only when used (start-up time)

    code = getattr(function, "__code__", None)
    lines = linecache.getlines(code.co_filename) if code else []
    if lines:
        first = code.co_firstlineno - 1
        indent = len(lines[first]) - len(lines[first].lstrip())
        end = first + 1
        while end < len(lines) and (
            not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
        ):
            end += 1
        source = "".join(lines[first:end])
        if all(snippet in source for snippet in snippets):
            return []
    source = inspect.getsource(function)
    return [snippet for snippet in snippets if snippet not in source]


def refuse_if_changed(patch: str, expect: dict, problems: list[str] | None = None) -> None:
    """Raise if a function of `expect` lacks one of its snippets (or `problems` holds
    others): WeasyPrint changed under the patch module `patch`, which must not install."""
    problems = [*(problems or [])] + [
        f"{function.__qualname__}: missing {snippet!r}"
        for function, snippets in expect.items()
        for snippet in missing_snippets(function, snippets)
    ]
    if problems:
        raise RuntimeError(
            f"publish.weasy.{patch}: WeasyPrint internals changed, refusing to patch:\n  "
            + "\n  ".join(problems)
        )
