"""The sandbox around WeasyPrint: what it may fetch, and what it may print.

Uses WeasyPrint's public URL-fetcher API only; the internals live in the weasy package.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .weasy.load import load

load()  # before anything imports WeasyPrint (see weasy/load.py)

from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

from .model import Resource  # noqa: E402
from .render import STYLES  # noqa: E402

LOG = logging.getLogger("publish")


class SandboxFetcher(URLFetcher):
    """Fetches `file:` URLs inside the allowed folders and nothing else (no network).

    WeasyPrint's default fetcher reads any local file and any URL; a manuscript is not
    trusted that far. Refused URLs are remembered so the build can report them.
    """

    def __init__(self, roots: Iterable[Path], virtual: dict[Path, Resource] | None = None):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.roots = [Path(root).resolve() for root in roots]
        self.virtual = {path.resolve(): resource for path, resource in (virtual or {}).items()}
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "file":
            self.refused.append(url)
            raise ValueError(f"refused (not a file in the manuscript): {url}")
        path = Path(unquote(parts.path)).resolve()
        if path in self.virtual:  # image bytes book.toml let in (data: URL, download)
            resource = self.virtual[path]
            return URLFetcherResponse(url, resource.data, {"Content-Type": resource.media_type})
        if not any(path.is_relative_to(root) for root in self.roots):
            self.refused.append(url)
            raise ValueError(f"refused (outside the manuscript): {url}")
        return super().fetch(url, headers)


def url_fetcher(
    root: Path, fonts: Iterable[Path] = (), resources: Iterable[Resource] = ()
) -> SandboxFetcher:
    """The fetcher for one book: its manuscript, the project's styles, the chosen font
    files, and image bytes that are no file (where book.toml allows them)."""
    virtual = {r.path: r for r in resources if r.data is not None}
    return SandboxFetcher([root, STYLES, *fonts], virtual)


@contextlib.contextmanager
def quiet_logging() -> Iterator[None]:
    """Keep WeasyPrint's own log lines (warnings about CSS it ignores…) off the terminal."""
    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
