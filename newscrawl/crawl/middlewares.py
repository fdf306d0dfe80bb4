"""Retries with backoff that honour ``Retry-After`` (replaces Scrapy's RetryMiddleware).

Scrapy retries a failed request at once. A site answering 429 or 503 is asking us to wait, so:

- the wait is the server's ``Retry-After`` (seconds or an HTTP date) when it gives one, else
  exponential backoff with jitter (``NEWSCRAWL_RETRY_BACKOFF_BASE`` * 2^(attempt-1)); both are
  capped by ``NEWSCRAWL_RETRY_MAX_DELAY``;
- the wait is served by the site's download slot, not by sleeping on the request: the slot's delay
  is raised to at least the wait (its random jitter switched off, so Retry-After is never cut
  short) and counts from the failed answer. A request asleep inside the downloader would count
  against the global ``CONCURRENT_REQUESTS``, so retries waiting on one site would stall every
  other site; a slot delay only holds that site's queue, and the scheduler's
  ``DownloaderAwarePriorityQueue`` hands out the other sites' requests first;
- the slot's own delay and jitter come back as soon as the site answers well again.

Uses Scrapy's ``RETRY_TIMES``, ``RETRY_HTTP_CODES`` and retry stats, so nothing else changes.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.http import Response

log = logging.getLogger(__name__)


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


@dataclass(frozen=True, slots=True)
class _SlotPace:
    """A download slot's own pace, kept while we slow the slot down for a site asking to wait."""

    delay: float
    jitter: float | bool  # Slot.jitter (Scrapy 2.19+) or Slot.randomize_delay (older)


class RetryAfterMiddleware(RetryMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        settings = crawler.settings
        self.crawler = crawler
        self.base = settings.getfloat("NEWSCRAWL_RETRY_BACKOFF_BASE", 2.0)
        self.max_delay = settings.getfloat("NEWSCRAWL_RETRY_MAX_DELAY", 120.0)
        self._slot_paces: dict[str, _SlotPace] = {}  # slot -> its pace before we slowed it

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter in the upper half, capped."""
        delay = self.base * (2 ** max(0, attempt - 1))
        return min(self.max_delay, delay * random.uniform(0.5, 1.0))

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
        retry = self._retry(request, f"http_{response.status}")
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
        delay = self.backoff(attempt)
        retry = self._retry(request, type(exception).__name__)
        if retry is not None:
            self._slow_slot(request, delay)
        return retry

    def _retry(self, request: Request, reason: str) -> Request | None:
        return get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=reason,
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=request.meta.get("priority_adjust", self.priority_adjust),
        )

    def _slot(self, request: Request) -> Any:
        key = request.meta.get("download_slot")
        engine = getattr(self.crawler, "engine", None)
        slots = getattr(getattr(engine, "downloader", None), "slots", {})
        return key, slots.get(key) if key else None

    def _slow_slot(self, request: Request, delay: float) -> None:
        """Make the site's slot wait ``delay`` seconds from now between requests, until it recovers.

        Only ever raises the delay while the slot is slowed (a later, shorter backoff must not cut
        a server's Retry-After short), and never below the slot's own delay.
        """
        key, slot = self._slot(request)
        if slot is None:
            return
        jitter = _jitter_attribute(slot)
        self._slot_paces.setdefault(key, _SlotPace(slot.delay, getattr(slot, jitter)))
        setattr(slot, jitter, type(getattr(slot, jitter))(0))  # jitter could undercut Retry-After
        slot.delay = max(slot.delay, delay)
        # The slot counts its delay from the last request it sent; count from this answer.
        slot.lastseen = max(slot.lastseen, time.monotonic())

    def _restore_slot(self, request: Request) -> None:
        """Give a slot its own delay and jitter back once its site answers well again."""
        if not self._slot_paces:
            return
        key, slot = self._slot(request)
        pace = self._slot_paces.pop(key, None)
        if pace is not None and slot is not None:
            slot.delay = pace.delay
            setattr(slot, _jitter_attribute(slot), pace.jitter)


def _jitter_attribute(slot: Any) -> str:
    """The slot attribute that randomises its delay: ``jitter`` since Scrapy 2.19."""
    return "jitter" if hasattr(slot, "jitter") else "randomize_delay"
