"""The scheduler queue holds back the requests of a site whose download slot is waiting out a
delay, so they cannot fill the downloader's global concurrency while other sites have work."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy import Request
from scrapy.core.downloader import Slot
from scrapy.squeues import FifoMemoryQueue
from scrapy.utils.test import get_crawler

from newscrawl.crawl.pqueue import PaceAwarePriorityQueue


class _Downloader:
    def __init__(self) -> None:
        self.slots: dict[str, Slot] = {}

    def get_slot_key(self, request: Request) -> str:
        return request.url.split("/")[2]


def _queue() -> tuple[PaceAwarePriorityQueue, _Downloader]:
    crawler = get_crawler()
    downloader = _Downloader()
    crawler.engine = SimpleNamespace(downloader=downloader)  # type: ignore[assignment]
    return PaceAwarePriorityQueue.from_crawler(crawler, FifoMemoryQueue, ""), downloader


def _waiting_slot() -> Slot:
    """A slot with one request queued behind a pending delay (as after a Retry-After)."""
    slot = Slot(concurrency=4, delay=8.0, jitter=0.0)
    slot.queue.append((Request("http://busy.example/queued"), None))  # type: ignore[arg-type]
    slot.latercall = object()  # type: ignore[assignment]
    return slot


def test_a_waiting_site_is_skipped_while_others_have_requests() -> None:
    queue, downloader = _queue()
    downloader.slots["busy.example"] = _waiting_slot()
    for i in range(3):
        queue.push(Request(f"http://busy.example/{i}"))
    queue.push(Request("http://healthy.example/a"))
    assert queue.peek().url == "http://healthy.example/a"  # type: ignore[union-attr]
    assert queue.pop().url == "http://healthy.example/a"  # type: ignore[union-attr]
    assert queue.pop() is None  # only the waiting site is left: nothing to hand out now
    assert len(queue) == 3  # ... but its requests are kept, not lost


def test_a_site_is_served_again_once_its_wait_is_over() -> None:
    queue, downloader = _queue()
    slot = downloader.slots["busy.example"] = _waiting_slot()
    queue.push(Request("http://busy.example/0"))
    assert queue.pop() is None
    slot.latercall = None  # the delay has passed
    slot.queue.clear()
    assert queue.pop().url == "http://busy.example/0"  # type: ignore[union-attr]
    assert len(queue) == 0
