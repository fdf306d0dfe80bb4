"""robots.txt is obeyed by requests that arrive while the host's robots.txt is still downloading.

A crawl starts with many requests for one host at once (several home pages, feeds, sitemaps,
pages to retry from the last run). Scrapy 2.19's robots middleware makes all but the first of
them await one shared ``Deferred``; on the asyncio reactor, ``Deferred.asFuture`` hands its
result to the first waiter only and the others get ``None`` (= "no rules"), so they were
fetched unchecked. Here robots.txt answers after a delay while disallowed pages are already
queued as start requests, and the real ``newscrawl crawl`` must not fetch any of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROBOTS_DELAY = 1.0  # seconds: long enough for every start request to reach the middleware
ROBOTS_TXT = b"User-agent: *\nDisallow: /private/\n"
DISALLOWED = [f"/private/story-{i}" for i in range(6)]
ALLOWED = ["/", "/news/"]


class SlowRobotsSite:
    """A loopback site whose robots.txt is slow; it records every path it is asked for."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with site._lock:
                    site.paths.append(path)
                if path == "/robots.txt":
                    time.sleep(ROBOTS_DELAY)
                    self._send(200, "text/plain", ROBOTS_TXT)
                elif path in ALLOWED or path.startswith("/private/"):
                    page = (
                        f"<html><head><title>{path}</title></head><body><p>{path}</p></body></html>"
                    )
                    self._send(200, "text/html; charset=utf-8", page.encode())
                else:
                    self._send(404, "text/plain", b"not found")

            def _send(self, status: int, ctype: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> SlowRobotsSite:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def site() -> Iterator[SlowRobotsSite]:
    with SlowRobotsSite() as served:
        yield served


def test_requests_queued_before_robots_txt_arrives_are_still_checked(
    site: SlowRobotsSite, tmp_path: Path
) -> None:
    # Every URL is a start request of the site, so all reach the robots middleware together,
    # before robots.txt has answered.
    homes = ", ".join(f'"{site.base}{path}"' for path in ALLOWED + DISALLOWED)
    registry = tmp_path / "sites.toml"
    registry.write_text(f'[[site]]\nname = "slow-robots"\nhome = [{homes}]\n', encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "newscrawl", "crawl", "--registry", str(registry),
           "-o", str(out), "--state", f"sqlite:{tmp_path / 'state.sqlite'}",
           "--allow-private-network", "--no-progress", "--no-dedup",
           "--set", "AUTOTHROTTLE_ENABLED=0", "--set", "DOWNLOAD_DELAY=0",
           "--set", "NEWSCRAWL_FALLBACK_SITEMAP=0"]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    manifests = sorted(out.glob("*.manifest.json"))
    assert manifests, proc.stderr[-3000:]
    manifest = json.loads(manifests[-1].read_text())

    fetched = set(site.paths)
    assert site.paths.count("/robots.txt") == 1, site.paths
    assert not fetched & set(DISALLOWED), f"fetched despite robots.txt: {sorted(fetched)}"
    assert set(ALLOWED) <= fetched, site.paths  # the crawl did run; allowed pages came through
    assert manifest["errors"].get("robots-forbidden") == len(DISALLOWED), manifest["errors"]
