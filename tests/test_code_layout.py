"""The shape of the code: no import cycle in publish/, and every late import says why.

Every import counts: at the top of a module, inside a function, under TYPE_CHECKING. A cycle
hidden by a late import is still a cycle a reader must untangle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "publish"


def _modules() -> dict[str, Path]:
    """Every module of publish/, by its dotted name (a package by its own name)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported(name: str, path: Path, node: ast.Import | ast.ImportFrom, known) -> set[str]:
    """The modules of publish/ that `node`, in module `name`, imports."""
    if isinstance(node, ast.Import):
        candidates = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, base] if base else package)
        # `from x import y`: y is a module when there is one of that name, else a name in x.
        candidates = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
            for alias in node.names
        ]
    modules = set()
    for candidate in candidates:
        while candidate and candidate not in known:  # `import a.b.c` of a name in a.b
            candidate = candidate.rpartition(".")[0]
        if candidate:
            modules.add(candidate)
    return modules


def _relative_imports():
    """Every relative import of publish/: module, node, the module it names."""
    known = _modules()
    for name, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                yield path, node, ".".join([*package, node.module] if node.module else package)


def test_every_relative_import_names_a_module_of_publish():
    """(Else the graph below would miss it, and a moved module's late import would fail
    only when it runs.)"""
    known = _modules()
    wrong = [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {target}"
        for path, node, target in _relative_imports()
        if target not in known
    ]
    assert not wrong, "relative imports of no module: " + ", ".join(wrong)


def _graph() -> dict[str, set[str]]:
    known = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        edges = graph.setdefault(name, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= _imported(name, path, node, known)
        edges.discard(name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan), named in order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_path_round(graph, sorted(group)) for group in groups]


def _path_round(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """A cycle through the group's first module (breadth first, so the shortest)."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for other in sorted(graph[node] & members):
            if other == start:
                return [*paths[node], start]
            if other not in paths:
                paths[other] = [*paths[node], other]
                queue.append(other)
    return group


def test_no_import_cycle_in_publish():
    cycles = _cycles(_graph())
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def test_cycle_finder_names_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _late_imports(tree: ast.Module):
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    yield node


def test_every_late_import_says_why():
    """An import inside a function is there to save start-up time (or to load a library
    only when it is used); a comment on it, or above the run of late imports it is in,
    says so."""
    silent = []
    for path in _modules().values():
        lines = path.read_text(encoding="utf-8").splitlines()
        late = list(_late_imports(ast.parse("\n".join(lines))))
        importing = {n for node in late for n in range(node.lineno, node.end_lineno + 1)}
        for node in late:
            if any("#" in line for line in lines[node.lineno - 1 : node.end_lineno]):
                continue
            above = node.lineno - 1  # the line above, skipping the run's imports and blanks
            while above > 0 and (above in importing or not lines[above - 1].strip()):
                above -= 1
            if above == 0 or not lines[above - 1].strip().startswith("#"):
                silent.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not silent, "late imports without a comment saying why: " + ", ".join(silent)


def test_the_build_and_the_cli_take_their_outputs_from_the_renderers():
    """Adding an output is one line: RENDERERS. The CLI's `--format` offers each, and each
    writes a file of its own."""
    from publish.cli import build_command
    from publish.renderers import DEFAULT_OUTPUTS, RENDERERS

    names = [renderer.name for renderer in RENDERERS]
    option = next(param for param in build_command.params if param.name == "fmt")
    assert list(option.type.choices) == [*names, "all"]
    assert DEFAULT_OUTPUTS == ("pdf", "epub")
    files = [renderer.file_name("book") for renderer in RENDERERS]
    assert files == ["book.pdf", "book.epub", "book-cover.pdf"]
