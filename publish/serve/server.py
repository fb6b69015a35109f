"""The preview's web server: the page (static/), its state as Server-Sent Events, the
page images and texts, and the EPUB's files. Standard library only: one reader, on the
loopback interface by default; each request in a thread of its own."""

from __future__ import annotations

import json
import mimetypes
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from urllib.parse import unquote, urlsplit

from .pages import Edition, Images

#: A comment line sent on idle event streams, so that a closed browser tab is noticed.
HEARTBEAT_S = 10.0


class State:
    """What the browser shows: the last good edition, and the build's status. Each change
    makes a new version; the event streams wait for it."""

    def __init__(self) -> None:
        self.edition = Edition()
        self.images = Images()
        self.version = 0
        self.building = False
        self.error: str | None = None
        self.warnings: list[str] = []
        self.changed: list[int] = []  # pages whose key changed in the last build
        self.seconds: float | None = None
        self.closing = False
        self._changed = threading.Condition()

    def update(self, **values) -> None:
        with self._changed:
            if "edition" in values and values["edition"] is not self.edition:
                old = self.edition
                before = [page.key for page in old.pages]
                after = values["edition"].pages
                values["changed"] = [
                    i for i, page in enumerate(after) if i >= len(before) or before[i] != page.key
                ]
                old.close()
            for name, value in values.items():
                setattr(self, name, value)
            self.version += 1
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self.closing = True
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        """The version after `seen`, waiting up to `timeout` s for it."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen or self.closing, timeout)
            return self.version

    def as_json(self) -> str:
        edition = self.edition
        return json.dumps(
            {
                "version": self.version,
                "building": self.building,
                "error": self.error,
                "warnings": self.warnings,
                "seconds": self.seconds,
                "changed": self.changed,
                "pages": [[p.key, round(p.width, 1), round(p.height, 1)] for p in edition.pages],
                "toc": [[e.title, e.level, e.page] for e in edition.toc],
                "chapters": edition.chapters,
            },
            ensure_ascii=False,
        )


_STATIC = files(__package__) / "static"


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base's name
        pass  # the terminal shows builds, not requests

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = unquote(urlsplit(self.path).path)
        state = self.server.state
        if path in ("/", "/index.html"):
            return self._static("index.html")
        if path in ("/app.js", "/app.css"):
            return self._static(path[1:])
        if path == "/events":
            return self._events(state)
        if path == "/state":
            return self._send(state.as_json().encode(), "application/json")
        if path.startswith(("/page/", "/text/")):
            return self._page(state, path)
        if path.startswith("/epub/"):
            return self._epub(state.edition, path.removeprefix("/epub/"))
        self.send_error(HTTPStatus.NOT_FOUND)

    def _send(self, body: bytes, kind: str, cache: bool = False) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=31536000, immutable" if cache else "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _static(self, name: str) -> None:
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        self._send((_STATIC / name).read_bytes(), kind + "; charset=utf-8")

    def _page(self, state: State, path: str) -> None:
        """/page/N/KEY (PNG) or /text/N/KEY (the page's text): page N as it was with KEY,
        404 once it no longer is (the browser has the next state by then)."""
        try:
            kind, index, key = path.strip("/").split("/")
            index = int(index)
        except ValueError:
            return self.send_error(HTTPStatus.NOT_FOUND)
        edition = state.edition
        if kind == "page":
            data = state.images.image(edition, index, key)
            kind = "image/png"
        else:
            data = state.images.text(edition, index, key)
            kind = "text/plain; charset=utf-8"
        if data is None:
            return self.send_error(HTTPStatus.NOT_FOUND)
        self._send(data, kind, cache=True)

    def _epub(self, edition: Edition, member: str) -> None:
        epub = edition.epub
        if epub is None or member not in epub.namelist():
            return self.send_error(HTTPStatus.NOT_FOUND)
        kind = mimetypes.guess_type(member)[0] or "application/octet-stream"
        if member.endswith(".xhtml"):
            kind = "application/xhtml+xml"
        self._send(epub.read(member), kind)

    def _events(self, state: State) -> None:
        """The state as an event stream: now, and after every change."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = -1
        try:
            while not state.closing:
                if state.version != seen:
                    seen = state.version
                    message = f"event: state\ndata: {state.as_json()}\n\n"
                else:
                    message = ": still here\n\n"
                self.wfile.write(message.encode())
                self.wfile.flush()
                state.wait(seen, HEARTBEAT_S)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: State) -> None:
        self.state = state
        super().__init__(address, Handler)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="server", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.state.close()
        self.shutdown()
        self.server_close()
