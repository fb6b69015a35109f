"""Work done in other processes: forked, so that each starts at once with what this
process has loaded (no script calling build() needs an `if __name__ == "__main__"`).

Ctrl-C is the main process's to handle: workers ignore it and are stopped by it.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from multiprocessing import get_context
from typing import Any


def worker_start() -> None:
    """Set up a worker: no Ctrl-C, no progress line (the main process shows it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    progress = logging.getLogger("weasyprint.progress")
    progress.handlers.clear()
    progress.setLevel(logging.WARNING)


def _talk(end, function: Callable, args: tuple) -> None:
    worker_start()
    try:
        function(end, *args)
    except BaseException as error:  # noqa: BLE001 - handed to the main process
        try:
            end.send((False, error))
        except Exception as unsent:  # noqa: BLE001 - an unpicklable error
            end.send((False, RuntimeError(f"{type(unsent).__name__}: {unsent}")))


class Companion:
    """`function(channel, *args)` run in a forked process beside this one, in steps: each
    `(True, value)` it sends on `channel` is what `receive` returns here (`(False, error)`
    is raised here), and what `send` passes it, it takes with `channel.recv()`."""

    def __init__(self, function: Callable, *args: Any):
        context = get_context("fork")
        self._end, end = context.Pipe()
        self._process = context.Process(target=_talk, args=(end, function, args), daemon=True)
        self._process.start()
        end.close()

    def send(self, message: Any) -> None:
        self._end.send(message)

    def receive(self) -> Any:
        """What the function sent next (waiting for it), or raise what it raised."""
        try:
            ok, value = self._end.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(
                f"a worker process ended unexpectedly (exit {self._process.exitcode})"
            ) from None
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
