"""The one way the readers open a file of the book: regular files inside the book folder,
of a bounded size.

A book folder may come from anyone (a clone, a tarball). Its README, SUMMARY, chapters,
includes, book.toml/book.json may be symlinks to files elsewhere (`~/.ssh/id_rsa`), FIFOs
(an open that never returns), or device nodes (`/dev/zero`: a read that never ends). Every
reader goes through `read_bytes` below, which resolves the path, refuses what lies outside
the book, opens without following a link swapped in since (O_NOFOLLOW) and without
blocking (O_NONBLOCK), refuses anything but a regular file, and reads at most the cap.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import PublishError

#: A text file of a book beyond this is refused (a whole novel in one file is ~2 MB).
MAX_TEXT_BYTES = 32 * 1024 * 1024


class BookFileError(PublishError):
    """A file of the book the sandbox refuses; `reason` is the message without the path
    (for a warning that names another file, like an include's)."""

    def __init__(self, reason: str, path: Path | str | None = None, line: int | None = None):
        super().__init__(reason, path, line)
        self.reason = reason


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def inside(path: Path, root: Path) -> Path | None:
    """`path` with its links followed, if that lies inside `root` (else None)."""
    resolved = Path(path).resolve()
    return resolved if resolved.is_relative_to(Path(root).resolve()) else None


def read_bytes(path: Path, root: Path, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of the regular file `path` inside `root`; BookFileError otherwise."""
    resolved = inside(path, root)
    if resolved is None:
        raise BookFileError("refused: it is outside the book folder", path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC
    try:
        fd = os.open(resolved, flags)
    except FileNotFoundError:
        raise BookFileError("not found", path) from None
    except OSError as exc:
        raise BookFileError(f"cannot read: {exc.strerror}", path) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):  # checked before a file object is made (a folder: an error)
        os.close(fd)
        raise BookFileError(f"refused: it is {_kind(mode)}, not a file", path)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise BookFileError(f"refused: larger than {limit // 2**20} MiB", path)
    return data


def read_text(path: Path, root: Path, limit: int = MAX_TEXT_BYTES) -> str:
    """As `read_bytes`, decoded as UTF-8 (a BOM or not); errors name the line."""
    data = read_bytes(path, root, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BookFileError("not UTF-8 text; save it as UTF-8", path, line) from None


def is_file(path: Path, root: Path) -> bool:
    """Whether `path` is a regular file inside `root` (what `read_bytes` would open)."""
    resolved = inside(path, root)
    try:
        return resolved is not None and stat.S_ISREG(os.stat(resolved).st_mode)
    except OSError:
        return False
