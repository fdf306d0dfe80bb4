"""Politeness under pressure: Retry-After is honoured, backoff grows, a failing site is reported."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from newscrawl import exitcodes
from newscrawl.crawl.middlewares import parse_retry_after

ARTICLE = """<!doctype html><html lang="en"><head><title>Trench coats return</title>
<meta property="og:type" content="article">
<meta property="article:published_time" content="2024-03-11T09:00:00+00:00">
<link rel="canonical" href="{base}/fashion/2024/03/11/trench-coats-return-to-the-runway/"></head>
<body><article><h1>Trench coats return to the runway</h1><p class="byline">By Jane Doe</p>
{paragraphs}</article></body></html>"""
PARAGRAPH = (
    "<p>The trench coat, a wardrobe staple for more than a century, dominated the autumn "
    "shows in Paris and Milan this season, with designers reworking the classic in leather, "
    "recycled nylon and heavy wool while buyers reported strong early orders. {n}</p>"
)


class Site(BaseHTTPRequestHandler):
    """A one-article site whose home page first answers 429 (Retry-After) and then 503."""

    log: ClassVar[list[tuple[str, int, float]]] = []
    script: ClassVar[dict[str, list[tuple[int, dict[str, str]]]]] = {}
    slow_ports: ClassVar[dict[int, float]] = {}  # port -> seconds every answer takes

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        port = self.server.server_address[1]
        if port in self.slow_ports:
            time.sleep(self.slow_ports[port])
        queue = self.script.get(self.path)
        status, headers = queue.pop(0) if queue else (200, {})
        self.log.append((self.path, status, time.monotonic()))
        if status != 200:
            body = b"slow down"
        elif self.path == "/":
            body = b'<html><body><a href="/fashion/2024/03/11/trench-coats-return-to-the-runway/">x</a></body></html>'
        elif self.path.startswith("/fashion/"):
            body = ARTICLE.format(
                base=base, paragraphs="".join(PARAGRAPH.format(n=i) for i in range(8))
            ).encode()
        else:
            status, body = 404, b"not found"
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the crawler hanging up on a slow answer is the point, not an error


@pytest.fixture
def server() -> Any:
    Site.log = []
    httpd = QuietServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()


def crawl(url: str, tmp: Path, *extra: str) -> tuple[int, str, dict[str, Any]]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "newscrawl",
            "crawl",
            "--url",
            url,
            "-o",
            str(tmp / "out"),
            "--allow-private-network",
            "--no-progress",
            "--set",
            "AUTOTHROTTLE_ENABLED=0",
            "--set",
            "DOWNLOAD_DELAY=0",
            "--set",
            "NEWSCRAWL_RETRY_BACKOFF_BASE=0.3",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    manifest = json.loads(sorted((tmp / "out").glob("*.manifest.json"))[-1].read_text())
    return proc.returncode, proc.stderr, manifest


def test_retry_after_is_honoured_then_backoff(server: Any, tmp_path: Path) -> None:
    Site.script = {"/": [(429, {"Retry-After": "2"}), (503, {})]}
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    code, stderr, manifest = crawl(url, tmp_path)
    assert code == exitcodes.OK, stderr[-2000:]
    home = [(status, at) for path, status, at in Site.log if path == "/"]
    assert [s for s, _ in home] == [429, 503, 200]
    assert home[1][1] - home[0][1] >= 1.9  # waited as told
    # Then backoff; the site's slot keeps the slower pace until it answers well again.
    assert home[2][1] - home[1][1] >= 0.15
    assert manifest["counts"]["records_written"] == 1


def test_a_site_that_keeps_failing_is_partial_and_reported(server: Any, tmp_path: Path) -> None:
    Site.script = {"/": [(503, {})] * 10}
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    code, stderr, manifest = crawl(url, tmp_path, "--set", "RETRY_TIMES=1")
    assert code == exitcodes.NOTHING  # nothing could be crawled at all
    assert manifest["errors"].get("http_503") == 1
    (site,) = manifest["sites"].values()
    assert not site["reachable"]
    assert "UNREACHABLE" in stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), (b"0", 0.0), ("soon", None), ("", None), (None, None)],
)
def test_parse_retry_after_seconds(value: Any, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    now = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(header, now=now.timestamp()) == pytest.approx(30, abs=1)


def test_a_slow_site_does_not_stall_the_others(server: Any, tmp_path: Path) -> None:
    Site.script = {}
    slow = QuietServer(("127.0.0.1", 0), Site)
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    Site.slow_ports = {slow.server_address[1]: 3.0}
    try:
        fast_url = f"http://127.0.0.1:{server.server_address[1]}/"
        slow_url = f"http://127.0.0.1:{slow.server_address[1]}/"
        started = time.monotonic()
        code, stderr, manifest = crawl(
            fast_url,
            tmp_path,
            "--url",
            slow_url,
            "--set",
            "DOWNLOAD_TIMEOUT=1",
            "--set",
            "RETRY_TIMES=1",
        )
        elapsed = time.monotonic() - started
    finally:
        Site.slow_ports = {}
        slow.shutdown()
    assert code == exitcodes.PARTIAL, stderr[-2000:]  # written, but one site failed
    assert manifest["counts"]["records_written"] == 1  # the fast site's article
    assert manifest["errors"].get("timeout", 0) >= 1
    assert elapsed < 40
