"""Folders the tool writes and cleans (the output folder's cache, its `.part` files): never
through a link, and only files of the names it writes.

A book folder may come from anyone, with its `build/` in it: git and tar carry symlinks,
and `build/.publish-cache -> ~/somewhere` would make cleaning the cache delete there.
"""

from __future__ import annotations

import contextlib
import re
import stat
from collections.abc import Callable
from pathlib import Path

from .errors import PublishError


def check_own_folder(folder: Path, what: str) -> None:
    """Refuse `folder` if it is a link or no folder (it may not exist yet), in one line."""
    if folder.is_symlink():
        raise PublishError(
            f"the {what} is a link; publish writes and cleans it only as a folder of its own "
            "(remove the link)",
            folder,
        )
    if folder.exists() and not folder.is_dir():
        raise PublishError(f"the {what} is not a folder (remove it)", folder)


def remove_own_files(folder: Path, names: re.Pattern, remove: Callable[[re.Match], bool]) -> None:
    """Delete the regular files directly in `folder` whose name matches `names` and that
    `remove` says go; links, folders and files of other names are left alone."""
    if folder.is_symlink() or not folder.is_dir():
        return
    for path in folder.iterdir():
        match = names.match(path.name)
        if match is None or not remove(match):
            continue
        with contextlib.suppress(OSError):
            if stat.S_ISREG(path.lstat().st_mode):
                path.unlink()
