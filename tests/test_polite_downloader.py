"""The per-site concurrency limit holds: with CONCURRENT_REQUESTS_PER_DOMAIN = 2, a slow site
never has more than 2 of our requests in flight (Scrapy 2.19's own downloader started every
queued request at once; see newscrawl/crawl/downloader.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("scrapy")

SPIDER = textwrap.dedent("""
    import sys
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from newscrawl import settings as ns

    base, limit = sys.argv[1], int(sys.argv[2])

    class Slow(scrapy.Spider):
        name = "slow"

        async def start(self):
            for i in range(12):
                yield scrapy.Request(f"{base}/page/{i}", dont_filter=True)

        def parse(self, response):
            pass

    process = CrawlerProcess({"DOWNLOADER": ns.DOWNLOADER, "CONCURRENT_REQUESTS": 16,
                              "CONCURRENT_REQUESTS_PER_DOMAIN": limit, "ROBOTSTXT_OBEY": False,
                              "LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False})
    process.crawl(Slow)
    process.start()
""")


class _Counting(BaseHTTPRequestHandler):
    lock = threading.Lock()
    active = 0
    peak = 0
    served = 0

    def do_GET(self) -> None:
        cls = type(self)
        with cls.lock:
            cls.active += 1
            cls.peak = max(cls.peak, cls.active)
        time.sleep(0.25)
        with cls.lock:
            cls.active -= 1
            cls.served += 1
        body = b"<html><body>ok</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_slow_site_never_has_more_than_the_per_domain_limit_in_flight() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", SPIDER, f"http://127.0.0.1:{server.server_port}", "2"],
            capture_output=True, text=True, timeout=60,
        )
    finally:
        server.shutdown()
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _Counting.served == 12
    assert _Counting.peak == 2  # the allowance is used, and never exceeded
