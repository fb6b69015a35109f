"""Errors a user can cause: each one prints as a single line naming the file."""

from __future__ import annotations

from pathlib import Path


class PublishError(Exception):
    """A problem in the user's input or environment, reported without a traceback.

    ``str()`` gives ``path:line: message`` (parts left out when unknown), the one line
    the command line prints.
    """

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line

    def __reduce__(self):  # raised in a worker process, reported by the main one
        return (type(self), (self.message, self.path, self.line))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        return where + self.message
