"""Retries with backoff that honour ``Retry-After`` (replaces Scrapy's RetryMiddleware).

Scrapy retries a failed request at once. A site answering 429 or 503 is asking us to wait, so:

- the wait is the server's ``Retry-After`` (seconds or an HTTP date) when it gives one, else
  exponential backoff with jitter (``NEWSCRAWL_RETRY_BACKOFF_BASE`` * 2^(attempt-1)); both are
  capped by ``NEWSCRAWL_RETRY_MAX_DELAY``;
- the retried request waits before it is sent, and the site's download slot gets at least that
  delay too, so the site is slowed as a whole while other sites carry on at full speed;
- the slot's own delay comes back after the site answers well again.

Uses Scrapy's ``RETRY_TIMES``, ``RETRY_HTTP_CODES`` and retry stats, so nothing else changes.
"""

from __future__ import annotations

import logging
import random
import time
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor, task

log = logging.getLogger(__name__)
_NOT_BEFORE = "newscrawl_not_before"


def parse_retry_after(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class RetryAfterMiddleware(RetryMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        settings = crawler.settings
        self.crawler = crawler
        self.base = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_BASE", 2.0)
        self.max_delay = settings.getfloat("NEWSCRAWL_RETRY_MAX_DELAY", 120.0)
        self._slot_delays: dict[str, float] = {}  # slot -> its delay before we raised it

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter in the upper half, capped."""
        delay = self.base * (2 ** max(0, attempt - 1))
        return min(self.max_delay, delay * random.uniform(0.5, 1.0))

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        not_before = request.meta.get(_NOT_BEFORE)
        if not_before:
            wait = not_before - time.time()
            if wait > 0:
                await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if response.status < 400:
            self._restore_slot(request)
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        attempt = request.meta.get("retry_times", 0) + 1
        server_wait = parse_retry_after(response.headers.get(b"Retry-After"))
        delay = (
            min(self.max_delay, server_wait) if server_wait is not None else self.backoff(attempt)
        )
        retry = self._retry(request, f"http_{response.status}", delay)
        if retry is None:
            return response
        if server_wait is not None:
            self.crawler.stats.inc_value("newscrawl/retry/retry_after_honoured")
            self._slow_slot(request, delay)
        return retry

    def process_exception(
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | None:
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        attempt = request.meta.get("retry_times", 0) + 1
        return self._retry(request, type(exception).__name__, self.backoff(attempt))

    def _retry(self, request: Request, reason: str, delay: float) -> Request | None:
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=reason,
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
        )
        if retry is not None:
            retry.meta[_NOT_BEFORE] = time.time() + delay
        return retry

    def _slot(self, request: Request) -> Any:
        key = request.meta.get("download_slot")
        engine = getattr(self.crawler, "engine", None)
        slots = getattr(getattr(engine, "downloader", None), "slots", {})
        return key, slots.get(key) if key else None

    def _slow_slot(self, request: Request, delay: float) -> None:
        key, slot = self._slot(request)
        if slot is not None and delay > slot.delay:
            self._slot_delays.setdefault(key, slot.delay)
            slot.delay = delay

    def _restore_slot(self, request: Request) -> None:
        if not self._slot_delays:
            return
        key, slot = self._slot(request)
        if key in self._slot_delays:
            original = self._slot_delays.pop(key)
            if slot is not None:
                slot.delay = original
