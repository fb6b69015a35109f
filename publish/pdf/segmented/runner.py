"""Pieces laid out in parallel: from the cache when it has them, else in worker processes."""

from __future__ import annotations

import contextlib
from concurrent import futures
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from ...workers import worker_start
from ..html import Setup
from .piece import Piece, PieceCache, lay_out


class Runner:
    """Lays out pieces, from the cache when it has them, otherwise in `jobs` worker
    processes (forked, so a worker starts at once with what this process has loaded) or,
    when there is only one to do, here. Use as a context manager: leaving it early
    (Ctrl-C, an error) stops the workers at once."""

    def __init__(
        self, setup: Setup, cache: PieceCache, jobs: int, faces: dict[str, tuple[Path, int]]
    ):
        self.setup = setup
        self.faces = faces
        self.cache = cache
        self.jobs = jobs
        self.done: dict[str, Piece] = {}
        self.queued: dict[str, tuple[str, str]] = {}
        self.running: dict[str, Future] = {}
        self.executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> Runner:
        self.cache.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, kind, *exc) -> None:
        if self.executor is None:
            return
        if kind is not None:
            for process in list(getattr(self.executor, "_processes", {}).values()):
                with contextlib.suppress(Exception):
                    process.terminate()
            self.executor.shutdown(wait=False, cancel_futures=True)
        else:
            self.executor.shutdown()

    def submit(self, key: str, html: str, css: str) -> None:
        if key in self.done or key in self.queued or key in self.running:
            return
        piece = self.cache.get(key)
        if piece is not None:
            self.done[key] = piece
        elif self.executor is not None:
            self._start(key, html, css)
        else:
            self.queued[key] = (html, css)

    def _start(self, key: str, html: str, css: str) -> None:
        assert self.executor is not None
        self.running[key] = self.executor.submit(
            lay_out, self.setup, html, css, self.cache.pdf(key), self.faces
        )

    def start(self) -> None:
        """Start laying out the pieces submitted, if there are several to lay out."""
        if self.executor is None and len(self.queued) > 1 and self.jobs > 1:
            # Forked, not spawned: no script calling build() needs a __main__ guard, and
            # the workers start with WeasyPrint and the Chinese layout loaded here (this
            # process needs them anyway, for the front matter).
            if self.setup.chinese_layout:
                from ...weasy.cjk import install  # late: imports WeasyPrint (~0.25 s)

                install()
            self.executor = ProcessPoolExecutor(
                min(self.jobs, len(self.queued)), get_context("fork"), initializer=worker_start
            )
            for queued_key, (html, css) in self.queued.items():
                self._start(queued_key, html, css)
            self.queued.clear()

    def release(self) -> None:
        """End the worker processes once what they were given is done (their results are
        kept); pieces submitted later are laid out as if none had been started."""
        if self.executor is not None:
            self.executor.shutdown()
            self.executor = None

    def busy(self) -> int:
        """How many pieces submitted are not laid out yet."""
        return len(self.queued) + len(self.running)

    def wait(self) -> list[str]:
        """Wait until a piece is laid out (here, if no worker runs); the keys of those done."""
        if self.running:
            finished, _ = futures.wait(self.running.values(), return_when=futures.FIRST_COMPLETED)
            keys = [key for key, future in self.running.items() if future in finished]
        else:
            keys = list(self.queued)[:1]
        for key in keys:
            self.result(key)
        return keys

    def result(self, key: str) -> Piece:
        """The piece `key` (submitted before), laid out if need be."""
        if key in self.done:
            return self.done[key]
        self.start()
        if key in self.running:
            piece = self.running.pop(key).result()
        else:
            html, css = self.queued.pop(key)
            piece = lay_out(self.setup, html, css, self.cache.pdf(key), self.faces)
        self.cache.put(key, piece)
        self.done[key] = piece
        return piece

    def here(self, key: str, html: str, css: str) -> Piece:
        """Lay out `key` in this process now, while the workers go on with theirs."""
        piece = self.cache.get(key)
        if piece is None:
            piece = lay_out(self.setup, html, css, self.cache.pdf(key), self.faces)
            self.cache.put(key, piece)
        self.done[key] = piece
        return piece
