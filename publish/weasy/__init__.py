"""Everything that reaches into WeasyPrint's internals, pinned to WeasyPrint 70.x
(pyproject.toml) and checked before it patches anything (a test fails loudly if they change):

- `load`: importing WeasyPrint without ctypes' library search, cheaper cffi arrays;
- `cjk`: Chinese (clreq) line composition;
- `footnotes`: every note on the page of its call (none lost, none set a page late);
- `grid`: every line box exactly its line-height tall, so that lines fall on the grid;
- `fonts`: the font programs embedded, stubs in pieces of long books, subsets kept.
"""
