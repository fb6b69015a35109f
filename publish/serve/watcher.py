"""Following the author's saves: watchfiles watches the manuscript folder and the
stylesheets in a thread of its own and hands each batch of changed paths to a queue,
so that saves made while a build runs are waiting, together, for the next one."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

from watchfiles import Change, DefaultFilter, watch

#: Quiet time (ms) that ends a batch of changes: editors write a file in several steps.
STEP_MS = 30


class _Filter(DefaultFilter):
    """watchfiles' default (editor swap files, .git, __pycache__…), and not the outputs
    nor the layout cache, which the build itself writes."""

    def __init__(self, ignored: list[Path]) -> None:
        super().__init__()
        self._ignored = [str(path.resolve()) for path in ignored]

    def __call__(self, change: Change, path: str) -> bool:
        if any(path == folder or path.startswith(folder + "/") for folder in self._ignored):
            return False
        if Path(path).name.startswith("."):
            return False
        return super().__call__(change, path)


class Watcher:
    """Watches `folders` (except `ignored`); `changes.get()` gives sets of changed paths."""

    def __init__(self, folders: list[Path], ignored: list[Path]) -> None:
        self.changes: queue.Queue[set[Path]] = queue.Queue()
        self._stop = threading.Event()
        self._folders = [folder.resolve() for folder in folders if folder.is_dir()]
        self._filter = _Filter(ignored)
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(5)

    def _run(self) -> None:
        batches = watch(
            *self._folders,
            watch_filter=self._filter,
            step=STEP_MS,
            debounce=1000,
            stop_event=self._stop,
            raise_interrupt=False,
            yield_on_timeout=True,
            rust_timeout=200,
        )
        for batch in batches:
            self._ready.set()  # the first (timeout) yield: the watch is in place
            if batch:
                self.changes.put({Path(path) for _, path in batch})

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def take(self, timeout: float) -> set[Path] | None:
        """The paths changed since the last call, waiting up to `timeout` s for the first."""
        try:
            changed = self.changes.get(timeout=timeout)
        except queue.Empty:
            return None
        while True:  # everything that came meanwhile, in one batch
            try:
                changed |= self.changes.get_nowait()
            except queue.Empty:
                return changed
