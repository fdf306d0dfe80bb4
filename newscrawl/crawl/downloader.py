"""Scrapy's downloader with its per-site concurrency limit actually enforced.

Scrapy 2.19's ``Downloader._process_queue`` starts queued requests while
``slot.free_transfer_slots() > 0``, but a request only enters ``slot.transferring`` once the
coroutine scheduled for it runs, i.e. after the loop: every request queued on the slot starts at
once, and ``CONCURRENT_REQUESTS_PER_DOMAIN`` is not a limit at all (measured: 37 pages/s against
a site answering in 0.2 s with the limit at 1; the global ``CONCURRENT_REQUESTS`` was the only
bound). Here a request is counted as transferring the moment it is taken off the queue; Scrapy's
own ``_download`` adds it again (a set) and removes it when the download ends, as before.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro


class PoliteDownloader(Downloader):
    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall:
            return
        now = monotonic()
        delay = slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # the fix: counted before its coroutine runs
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:
                self._process_queue(slot)
                break
