"""The preview's web server: the page (static/), its state as Server-Sent Events, the
page images and texts, and the EPUB's files. Standard library only: one reader, on the
loopback interface by default; each request in a thread of its own.

A web page the author visits may try to read the preview (DNS rebinding: its own name
made to point at 127.0.0.1). So: only the Host names the server was started for are
answered (421 otherwise); every answer says `nosniff` and has a Content-Security-Policy;
the book's own files (EPUB chapters, SVG images) are sandboxed, so that nothing in them
runs as the preview's origin; a client that goes away is one quiet log line."""

from __future__ import annotations

import json
import logging
import mimetypes
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from urllib.parse import unquote, urlsplit

from .pages import Edition, Images

#: A comment line sent on idle event streams, so that a closed browser tab is noticed.
HEARTBEAT_S = 10.0
LOG = logging.getLogger("publish.serve")
#: The Host names every preview answers to (with any port); the --host given is added.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
#: The preview's own page: its script and style only, the page images, its own frames.
APP_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
#: The book's files: a sandbox (no script, an origin of their own), their own resources.
BOOK_POLICY = (
    "sandbox allow-same-origin; default-src 'none'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'"
)
#: An SVG image of the book: shown as an image, never run as a document.
IMAGE_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def host_name(header: str | None) -> str | None:
    """The name in a Host header, without its port, lower case (None: no header)."""
    if header is None:
        return None
    header = header.strip().lower()
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


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

    def end_headers(self) -> None:
        """Every answer, errors included: no sniffing, a policy, no referrer."""
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", getattr(self, "policy", APP_POLICY))
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.policy = APP_POLICY
        if host_name(self.headers.get("Host")) not in self.server.hosts:
            self.close_connection = True
            return self.send_error(HTTPStatus.MISDIRECTED_REQUEST, "unknown Host")
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
        self.policy = IMAGE_POLICY if kind == "image/svg+xml" else BOOK_POLICY
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
        given = address[0].lower()
        self.hosts = LOCAL_HOSTS | {f"[{given}]" if ":" in given else given}
        super().__init__(address, Handler)

    def handle_error(self, request, client_address) -> None:
        """A browser that closes a connection is normal: one quiet line, no traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            LOG.debug("client %s went away: %s", client_address[0], type(error).__name__)
            return
        super().handle_error(request, client_address)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="server", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.state.close()
        self.shutdown()
        self.server_close()
