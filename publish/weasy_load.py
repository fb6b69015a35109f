"""Importing WeasyPrint without its slow search for its libraries (0.2 s of every build).

WeasyPrint opens GObject, Pango, HarfBuzz… by trying several names for each; for a bare
name that is no file (`gobject-2.0-0`), cffi asks `ctypes.util.find_library`, which runs
ldconfig, gcc and ld in turn: ~25 ms a call, a dozen calls. On Linux the sonames tried
next (`libgobject-2.0.so.0`) open directly, so the search is switched off while WeasyPrint
is imported. Elsewhere nothing changes.
"""

from __future__ import annotations

import sys


def load() -> None:
    """Import WeasyPrint (once), skipping ctypes' library search on Linux."""
    if "weasyprint.text.ffi" in sys.modules or not sys.platform.startswith("linux"):
        return
    import ctypes.util

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        import weasyprint.text.ffi  # noqa: F401
    finally:
        ctypes.util.find_library = search
