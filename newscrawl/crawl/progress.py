"""A throttled progress line on stderr while a crawl runs.

On a terminal the line is redrawn in place every ``NEWSCRAWL_PROGRESS_INTERVAL`` seconds; in a
log (cron) a plain line is written ten times less often, so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class ProgressLine:
    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("NEWSCRAWL_PROGRESS", True):
            raise NotConfigured
        self.crawler = crawler
        self.stream = sys.stderr
        self.tty = self.stream.isatty()
        interval = crawler.settings.getfloat("NEWSCRAWL_PROGRESS_INTERVAL", 2.0)
        self.interval = interval if self.tty else interval * 10
        self._loop: task.LoopingCall | None = None
        self._start = time.monotonic()
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressLine:
        return cls(crawler)

    def line(self) -> str:
        stats: dict[str, Any] = self.crawler.stats.get_stats()
        elapsed = max(1e-6, time.monotonic() - self._start)
        pages = stats.get("response_received_count", 0)
        return (
            f"newscrawl: {elapsed:6.0f}s  {pages} pages ({pages / elapsed:.1f}/s)  "
            f"{stats.get('newscrawl/records_written', 0)} written  "
            f"{stats.get('newscrawl/not_modified', 0)} unchanged  "
            f"{stats.get('newscrawl/errors', 0)} errors  "
            f"{self._in_flight()} in flight"
        )

    def _in_flight(self) -> int:
        downloader = getattr(self.crawler.engine, "downloader", None)
        return len(getattr(downloader, "active", ()))

    def tick(self) -> None:
        text = self.line()
        if self.tty:
            self.stream.write("\r\x1b[2K" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def opened(self, spider: Any) -> None:
        self._start = time.monotonic()
        self._loop = task.LoopingCall(self.tick)
        self._loop.start(self.interval, now=False)

    def closed(self, spider: Any, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self.tty:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
