"""HTTP machinery shared by every fixture site: one ``ThreadingHTTPServer`` per site.

A site is any object with a ``name`` and ``handle(request, base) -> Response``; this module
turns that into a real HTTP server on 127.0.0.1 with the behaviour crawlers rely on:
ETag/Last-Modified with 304 answers to conditional requests, HEAD, exact Content-Length,
keep-alive, an in-memory request log (so tests can assert "no URL fetched twice" and
"robots.txt obeyed"), and no tracebacks when a client hangs up mid-response.

Responses may also stream their body chunk by chunk (``Response.stream``) with optional
pauses, so hostile cases (slow drip, truncated bodies) can be served by the same machinery.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger(__name__)

# Errors that only mean "the client went away"; never worth a traceback.
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


@dataclass(frozen=True)
class Request:
    """One parsed request as a site sees it."""

    method: str
    target: str  # path and query exactly as the client sent them
    path: str  # percent-decoded path, without query
    query: dict[str, list[str]]
    headers: Message

    def param(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    @classmethod
    def parse(cls, method: str, target: str, headers: Message) -> Request:
        parts = urlsplit(target)
        return cls(
            method=method,
            target=target,
            path=unquote(parts.path) or "/",
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=headers,
        )


@dataclass
class Response:
    """What a site returns; the server adds validators, length and conditional handling.

    ``etag`` and ``last_modified`` make the response cacheable: the server answers 304 when
    the request's ``If-None-Match``/``If-Modified-Since`` match. ``stream`` replaces ``body``
    for responses that must be written in pieces (``chunk_delay`` seconds apart); a streamed
    response is sent without Content-Length unless ``headers`` sets one, and closes the
    connection.
    """

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: datetime | None = None
    stream: Iterable[bytes] | None = None
    chunk_delay: float = 0.0


def etag_for(data: bytes | str) -> str:
    """A strong ETag from content, stable across server restarts and ports."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return '"' + hashlib.blake2b(data, digest_size=10).hexdigest() + '"'


def http_date(moment: datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


class LoggedRequest(NamedTuple):
    """One line of a site's request log: the raw target (path + query) and the status sent."""

    method: str
    path: str
    status: int


@dataclass
class LogEntry:
    """A request log line with the headers tests sometimes need (User-Agent, validators)."""

    method: str
    path: str
    status: int
    user_agent: str
    conditional: bool
    at: float


class SiteApp(Protocol):
    name: str

    def handle(self, request: Request, base: str) -> Response: ...


def _not_modified(request: Request, response: Response) -> bool:
    """RFC 9110 §13.2.2: If-None-Match wins over If-Modified-Since when both are sent."""
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        if response.etag is None:
            return False
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or response.etag in tags
    ims = request.headers.get("If-Modified-Since")
    if ims and response.last_modified is not None:
        try:
            since = email.utils.parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return response.last_modified.replace(microsecond=0) <= since
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real news sites and crawlers use
    server_version = "FixtureWeb/1.0"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection frees its thread after this
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's
    # delayed ACK (~40 ms per keep-alive response), which would throttle every crawl.
    disable_nagle_algorithm = True
    server: SiteServer

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_POST(self) -> None:  # crawlers never post; answer like a static site would
        self._send_simple(405, b"Method Not Allowed\n", {"Allow": "GET, HEAD"})
        self.server.record(self, 405, conditional=False)

    def _serve(self, head: bool) -> None:
        request = Request.parse(self.command, self.path, self.headers)
        try:
            response = self.server.app.handle(request, self.server.base)
        except Exception:  # a bug in a site must not kill the server; the client sees a 500
            log.exception("fixture site %s failed on %s", self.server.app.name, self.path)
            response = Response(
                status=500, body=b"Internal Server Error\n", content_type="text/plain"
            )
        conditional = bool(
            request.headers.get("If-None-Match") or request.headers.get("If-Modified-Since")
        )
        if response.status == 200 and _not_modified(request, response):
            response = Response(
                status=304, etag=response.etag, last_modified=response.last_modified
            )
        self.server.record(self, response.status, conditional)
        self._write(response, head)

    def _write(self, response: Response, head: bool) -> None:
        self.send_response(response.status)
        headers = dict(response.headers)
        if response.status != 304:
            headers.setdefault("Content-Type", response.content_type)
        if response.etag:
            headers.setdefault("ETag", response.etag)
        if response.last_modified:
            headers.setdefault("Last-Modified", http_date(response.last_modified))
        if response.stream is None:
            if response.status != 304:
                headers.setdefault("Content-Length", str(len(response.body)))
        else:
            headers["Connection"] = "close"
            self.close_connection = True
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if head or response.status == 304:
            return
        if response.stream is None:
            self.wfile.write(response.body)
            return
        for chunk in response.stream:
            self.wfile.write(chunk)
            self.wfile.flush()
            if response.chunk_delay:
                time.sleep(response.chunk_delay)

    def _send_simple(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except _DISCONNECTS:
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.server.app.name, format % args)


class SiteServer(ThreadingHTTPServer):
    """Serves one site on one port in a background thread, and remembers every request."""

    daemon_threads = True
    allow_reuse_address = True
    # Crawlers open dozens of connections at once; the stdlib default backlog of 5 makes the
    # kernel drop SYNs and the client retry a second later, which would distort benchmarks.
    request_queue_size = 256

    def __init__(self, app: SiteApp, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), _Handler)
        self.app = app
        self.host = host
        self.port = int(self.server_address[1])
        self.base = f"http://{host}:{self.port}"
        self._log: list[LogEntry] = []
        self._log_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.base + "/"

    def record(self, handler: BaseHTTPRequestHandler, status: int, conditional: bool) -> None:
        entry = LogEntry(
            method=handler.command,
            path=handler.path,
            status=status,
            user_agent=handler.headers.get("User-Agent", ""),
            conditional=conditional,
            at=time.time(),
        )
        with self._log_lock:
            self._log.append(entry)

    def requests(self) -> list[LoggedRequest]:
        with self._log_lock:
            return [LoggedRequest(e.method, e.path, e.status) for e in self._log]

    def log_entries(self) -> list[LogEntry]:
        with self._log_lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, _DISCONNECTS | socket.timeout):
            return
        log.error("fixture site %s: error serving %s", self.app.name, client_address, exc_info=exc)

    def start(self) -> SiteServer:
        """Serve in a daemon thread; a second call (e.g. ``with site.serve():``) is a no-op."""
        if self._thread is not None:
            return self
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fixtureweb-{self.app.name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
