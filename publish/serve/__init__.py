"""`publish serve`: a live preview of the book as it will print, following the author's
saves.

The main thread builds; a thread watches the files (watcher.py) and one serves the
browser (server.py). Each batch of saves makes one build, the same as `publish build`
(the record of the last build and the segment cache make it incremental), which writes
the outputs atomically; the preview then reads them (pages.py) and tells the browser,
which fetches again only the pages that changed. A failed build leaves the last good
pages on show, with the error above them.
"""

from __future__ import annotations

import time
import webbrowser
from collections.abc import Callable
from pathlib import Path

from ..build import build
from ..errors import PublishError
from ..render import STYLES
from ..renderers import DEFAULT_OUTPUTS
from ..report import grouped
from .pages import open_edition
from .server import PreviewServer, State
from .watcher import Watcher

#: Segments of a long book are cut smaller than `build`'s (pdf.segmented.plan.SEGMENT_SIZE): an edit
#: then lays out again ~15 pages, not ~70, the most of the wait after a save. The pages are
#: the same however a book is cut; the first build of a session costs ~0.1 s more a segment.
SEGMENT_SIZE = 10_000


def _rebuild(manuscript: Path, out: Path, state: State, echo: Callable[[str], None]) -> None:
    """One build, and the state the browser is told about."""
    state.update(building=True)
    start = time.perf_counter()
    try:
        result = build(
            manuscript, out, DEFAULT_OUTPUTS, segment_size=SEGMENT_SIZE, cover_if_configured=True
        )
    except PublishError as error:
        state.update(building=False, error=str(error))
        echo(f"publish: error: {error}")
        return
    except Exception as error:  # noqa: BLE001 - shown in the page; serving goes on
        state.update(building=False, error=f"internal error: {type(error).__name__}: {error}")
        echo(f"publish: internal error: {type(error).__name__}: {error}")
        return
    warnings = grouped(result.warnings)  # one line per kind of repeated warning
    for warning in warnings:
        echo(f"publish: warning: {warning}")
    seconds = time.perf_counter() - start
    if result.cached and state.edition.pages:
        state.update(building=False, error=None, warnings=warnings)
        return
    # The print edition and the EPUB (not the cover spread, when book.toml has one).
    pdf = next((p for p in result.written if p.suffix == ".pdf" and p.stem != "cover"
                and not p.name.endswith("-cover.pdf")), None)  # fmt: skip
    epub = next((p for p in result.written if p.suffix == ".epub"), None)
    edition = open_edition(pdf, epub)
    state.update(edition=edition, building=False, error=None, warnings=warnings, seconds=seconds)
    echo(f"built in {seconds:.1f} s: {len(edition.pages)} pages, {len(state.changed)} changed")


def serve(
    manuscript: Path,
    out: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    open_browser: bool = False,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve the preview of `manuscript` on `host`:`port` until Ctrl-C, building into `out`."""
    if not (manuscript / "book.toml").is_file():
        raise PublishError("not a manuscript folder (no book.toml)", manuscript)
    state = State()
    try:
        server = PreviewServer((host, port), state)
    except OSError as exc:
        raise PublishError(f"cannot serve on {host}:{port}: {exc.strerror}") from None
    watcher = Watcher([manuscript, STYLES], ignored=[out])
    server.start()
    try:
        watcher.start()
        bound_host, bound_port = server.server_address[:2]
        url = f"http://{'localhost' if bound_host == '127.0.0.1' else bound_host}:{bound_port}/"
        echo(f"serving {manuscript} at {url} (Ctrl-C stops)")
        if open_browser:
            webbrowser.open(url)
        _rebuild(manuscript, out, state, echo)
        while True:
            if watcher.take(timeout=1.0):
                _rebuild(manuscript, out, state, echo)
    except KeyboardInterrupt:
        echo("stopped")
    finally:
        watcher.stop()
        server.stop()
