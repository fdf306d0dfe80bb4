"""A scheduler queue that keeps a site waiting out its delay from filling the downloader.

Scrapy's ``DownloaderAwarePriorityQueue`` hands out first the requests of the sites with the
fewest downloads under way. But a request handed to the downloader for a site whose slot is
waiting out a long delay (a ``Retry-After``, a backoff) sits in that slot's queue and still
counts against the global ``CONCURRENT_REQUESTS``: whenever the other sites have nothing
queued for a moment, the waiting site takes the free places, and the others then wait for it.

This queue holds back a site's requests while its slot already has one waiting for its delay:
one waiting request is enough to keep the site's pace, the rest stay in the scheduler.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from scrapy import Request
from scrapy.pqueues import DownloaderAwarePriorityQueue


class PaceAwarePriorityQueue(DownloaderAwarePriorityQueue):
    """``DownloaderAwarePriorityQueue`` that skips sites whose slot is waiting out its delay."""

    def pop(self) -> Request | None:
        with self._without_waiting_slots():
            return super().pop()

    def peek(self) -> Request | None:
        with self._without_waiting_slots():
            return super().peek()

    @contextmanager
    def _without_waiting_slots(self) -> Iterator[None]:
        """Hide, for one pop/peek, the per-site queues of slots that are waiting out a delay."""
        engine = self.crawler.engine
        slots: dict[str, Any] = engine.downloader.slots if engine else {}
        held = {key: queue for key, queue in self.pqueues.items() if _waiting(slots.get(key))}
        for key in held:
            del self.pqueues[key]
        try:
            yield
        finally:
            self.pqueues.update(held)


def _waiting(slot: Any) -> bool:
    """Whether a download slot has a request queued until its delay has passed."""
    return slot is not None and bool(slot.queue) and slot.latercall is not None
