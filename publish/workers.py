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


def _run(send, function: Callable, args: tuple) -> None:
    worker_start()
    try:
        outcome = (True, function(*args))
    except BaseException as error:  # noqa: BLE001 - handed to the main process
        outcome = (False, error)
    try:
        send.send(outcome)
    except Exception as error:  # noqa: BLE001 - an unpicklable result or error
        send.send((False, RuntimeError(f"{type(error).__name__}: {error}")))


class Background:
    """`function(*args)` run in a forked process, while this one goes on."""

    def __init__(self, function: Callable, *args: Any):
        context = get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_run, args=(send, function, args), daemon=True)
        self._process.start()
        send.close()

    def result(self) -> Any:
        """What the function returned (waiting for it), or raise what it raised."""
        try:
            ok, value = self._receive.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(
                f"a worker process ended unexpectedly (exit {self._process.exitcode})"
            ) from None
        self._process.join()
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()


class Inline:
    """The same interface, run here and now (when there is nothing to overlap)."""

    def __init__(self, function: Callable, *args: Any):
        self._value = function(*args)

    def result(self) -> Any:
        return self._value

    def stop(self) -> None:
        pass
