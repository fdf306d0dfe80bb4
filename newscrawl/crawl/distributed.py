"""Several workers, one crawl: the Scrapy side of ``--state redis://HOST:PORT/DB``.

``newscrawl crawl`` with a Redis state swaps three things together, and nothing else changes
for the user (same spider, pipelines, options):

- the **crawl state** (:mod:`newscrawl.store.redis_state`): pages, emitted records, claims;
- the **frontier**: scrapy-redis' scheduler and fingerprint set, with a reliable queue
  (:mod:`newscrawl.crawl.redis_queue`) so a killed worker's in-flight requests are re-queued;
- the **dedup index**: ``NEWSCRAWL_DEDUP_INDEX`` points at the same Redis.

Every worker runs the same command (same sites, same ``--state``); they share the work of the
crawl named ``NEWSCRAWL_CRAWL_NAME`` (default: derived from the sites). The first worker to
start seeds the start URLs (:class:`SeedOnceMiddleware`), every worker writes its own part
``OUT/part-<worker>-<run>.jsonl`` plus manifest, and ``newscrawl merge`` combines the parts.

How a request is handled exactly once, even when workers die (see :class:`DistributedScheduler`):
pop moves it into this worker's processing hash; it is acknowledged when the engine is done
with it (callback/errback and item pipelines finished, or a redirect/retry was queued in its
place) *and* the records it produced were fsync-ed and committed (:class:`ClaimPipeline` notes
which commit that must be). A worker whose heartbeat expires has its processing hash moved
back to the queue by the others. A record is written only by the worker that claimed it in
Redis (``SET``-if-free in Lua), so two workers that fetched copies of one page at the same
moment cannot both emit it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import Any

import xxhash
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, DropItem
from scrapy.settings import Settings
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from newscrawl.crawl.context import CrawlContext
from newscrawl.crawl.redis_queue import TOKEN_META, CrawlJob, ReliablePriorityQueue
from newscrawl.crawl.registry import Site
from newscrawl.errors import ConfigError, StateError
from newscrawl.store.redis_state import (
    DEFAULT_RETRIES,
    DEFAULT_WORKER_TTL,
    RedisState,
    default_worker_id,
    with_options,
)

log = logging.getLogger(__name__)

_NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,80}$")
_ATTR_SCHEDULER = "_newscrawl_scheduler"
_ATTR_JOB = "_newscrawl_job"


def default_crawl_name(sites: list[Site]) -> str:
    """Workers given the same sites share one crawl; a different site list is another crawl
    (so a worker started with other sites can never pick up requests it has no site for)."""
    names = sorted(s.name for s in sites)
    digest = xxhash.xxh64_hexdigest("\n".join(names).encode())[:10]
    head = names[0] if len(names) == 1 else f"{len(names)}sites"
    return f"{re.sub(r'[^A-Za-z0-9._-]', '-', head)[:40]}-{digest}"


def configure_distributed(settings: Settings, sites: list[Site]) -> None:
    """Swap state, frontier and dedup index to Redis in ``settings`` (the runner calls this
    when ``--state`` is a ``redis://`` URI)."""
    worker = str(settings.get("NEWSCRAWL_WORKER") or default_worker_id())
    name = str(settings.get("NEWSCRAWL_CRAWL_NAME") or default_crawl_name(sites))
    for label, value in (("NEWSCRAWL_WORKER", worker), ("NEWSCRAWL_CRAWL_NAME", name)):
        if not _NAME_RE.match(value):
            raise ConfigError(f"{label} {value!r}: use letters, digits, '.', '_' or '-'")
    ttl = settings.getfloat("NEWSCRAWL_WORKER_TTL", DEFAULT_WORKER_TTL)
    retries = settings.getint("NEWSCRAWL_REDIS_RETRIES", DEFAULT_RETRIES)
    uri = with_options(
        str(settings.get("NEWSCRAWL_STATE")), worker=worker, ttl=f"{ttl:g}", retries=str(retries)
    )
    prio = "cmdline"
    run_id = settings.get("NEWSCRAWL_RUN_ID")
    values: dict[str, Any] = {
        "NEWSCRAWL_STATE": uri,
        "NEWSCRAWL_WORKER": worker,
        "NEWSCRAWL_CRAWL_NAME": name,
        "NEWSCRAWL_RUN_ID": f"part-{worker}-{run_id}" if run_id else None,
        "SCHEDULER": "newscrawl.crawl.distributed.DistributedScheduler",
        "SCHEDULER_QUEUE_CLASS": "newscrawl.crawl.redis_queue.ReliablePriorityQueue",
        "DUPEFILTER_CLASS": "newscrawl.crawl.redis_queue.CanonicalRedisDupeFilter",
        "SCHEDULER_PERSIST": True,
    }
    output = Path(str(settings.get("NEWSCRAWL_OUTPUT")))
    if output.suffix in (".jsonl", ".json", ".ndjson") or output.is_file():
        # Many writers cannot share one file: parts go in FILE.parts/, merge makes FILE.
        values["NEWSCRAWL_OUTPUT"] = str(output.with_name(output.name + ".parts"))
    if not settings.get("NEWSCRAWL_DEDUP_INDEX"):
        values["NEWSCRAWL_DEDUP_INDEX"] = uri
    settings.setdict({k: v for k, v in values.items() if v is not None}, priority=prio)
    spider_mw = dict(settings.getdict("SPIDER_MIDDLEWARES"))
    spider_mw["newscrawl.crawl.distributed.SeedOnceMiddleware"] = 10
    pipelines = dict(settings.getdict("ITEM_PIPELINES"))
    pipelines["newscrawl.crawl.distributed.ClaimPipeline"] = 850  # after dedup, before store
    downloader_mw = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    if settings.getbool("ROBOTSTXT_OBEY"):
        downloader_mw["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] = None
        downloader_mw["newscrawl.spiders.robots.ConcurrentRobotsTxtMiddleware"] = None
        downloader_mw["newscrawl.spiders.redis_politeness.SharedRobotsTxtMiddleware"] = 100
    if settings.getbool("NEWSCRAWL_SHARED_POLITENESS", True):
        downloader_mw["newscrawl.spiders.redis_politeness.SharedPolitenessMiddleware"] = 880
    settings.set("SPIDER_MIDDLEWARES", spider_mw, priority=prio)
    settings.set("ITEM_PIPELINES", pipelines, priority=prio)
    settings.set("DOWNLOADER_MIDDLEWARES", downloader_mw, priority=prio)


class DistributedScheduler(Scheduler):
    """scrapy-redis' scheduler with acknowledged pops, heartbeats, reclaim and a shared end.

    Every tick (``NEWSCRAWL_WORKER_TTL`` / 5, at most 1 s) the worker refreshes its heartbeat,
    acknowledges the requests it is done with, re-queues those of dead workers and wakes the
    engine if the shared queue has work. When its own engine is idle it stays open
    (``DontCloseSpider``) until the whole crawl is done, since another worker may still add
    requests.
    """

    crawler: Crawler
    ctx: CrawlContext
    state: RedisState
    job: CrawlJob
    queue: ReliablePriorityQueue

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DistributedScheduler:
        ctx = CrawlContext.of(crawler)
        if not isinstance(ctx.state, RedisState):
            raise ConfigError("the distributed scheduler needs --state redis://HOST:PORT/DB")
        settings = crawler.settings
        name = settings.get("NEWSCRAWL_CRAWL_NAME") or default_crawl_name(ctx.sites)
        job = CrawlJob(ctx.state, name)
        scheduler = cls(
            server=ctx.state.client,
            persist=True,
            queue_key=job.queue_key,
            queue_cls=settings.get("SCHEDULER_QUEUE_CLASS") or ReliablePriorityQueue,
            dupefilter_key=job.dupefilter_key,
            dupefilter_cls=settings.get("DUPEFILTER_CLASS"),
        )
        scheduler.stats = crawler.stats
        scheduler.crawler, scheduler.ctx, scheduler.state, scheduler.job = (
            crawler,
            ctx,
            ctx.state,
            job,
        )
        scheduler.inflight: dict[str, Request] = {}
        scheduler.pending_commit: dict[str, int] = {}  # url key -> commit that makes it durable
        scheduler._loop = None
        scheduler._heart = None
        scheduler._closing = False
        setattr(crawler, _ATTR_SCHEDULER, scheduler)
        setattr(crawler, _ATTR_JOB, job)
        return scheduler

    # -- lifecycle ---------------------------------------------------------------------------
    def open(self, spider: Any) -> None:
        self.spider = spider
        queue_cls = (
            load_object(self.queue_cls) if isinstance(self.queue_cls, str) else self.queue_cls
        )
        self.queue = queue_cls(
            server=self.server, spider=spider, key=self.queue_key, serializer=self.serializer
        )
        self.queue.job = self.job
        self.df = load_object(self.dupefilter_cls).from_spider(spider)
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is None or not hasattr(slot, "inprogress"):
            raise RuntimeError(
                "this Scrapy version's engine has no _slot.inprogress; the distributed "
                "scheduler uses it to know when a request is fully handled"
            )
        moved = self.job.join()
        if moved:
            log.warning(
                "re-queued %d request(s) left in flight by an earlier run of worker %s",
                moved,
                self.job.worker,
            )
        queued = self.job.queued()
        if queued:
            log.info("joining crawl %s: %d request(s) queued", self.job.name, queued)
        self.crawler.signals.connect(self._on_idle, signal=signals.spider_idle)
        interval = min(1.0, self.state.worker_ttl / 5)
        self._loop = task.LoopingCall(self._tick)
        self._loop.start(interval, now=False)
        self._heart = Heartbeat(self.state)
        self._heart.start()

    def close(self, reason: str) -> None:
        self._closing = True
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self._heart is not None:
            self._heart.stop()
        if self.state.fatal is not None:
            return  # leave everything in processing: re-queued once our heartbeat expires
        try:
            if reason == "finished":
                # Pipelines closed before the scheduler: every record is durable by now.
                self.job.ack(list(self.inflight))
                self.inflight.clear()
            else:
                self._ack_done()
            self.job.leave()
        except StateError as err:
            log.error("%s", err)

    # -- scheduler interface -----------------------------------------------------------------
    def enqueue_request(self, request: Request) -> bool:
        # Not scrapy-redis' version: it passes ``spider=`` to the stats (deprecated in Scrapy
        # 2.19), and its separate "seen?" and "push" calls can lose a request when Redis
        # restarts between them; here both are one script.
        try:
            fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
            if not self.queue.push(request, fingerprint):
                self.df.log(request, self.spider)
                return False
        except StateError as err:
            self._fail(err)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self._closing or self.state.fatal is not None:
            return None
        try:
            request = self.queue.pop()
        except StateError as err:
            self._fail(err)
            return None
        if request is None:
            return None
        self.inflight[request.meta[TOKEN_META]] = request
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.state.fatal is not None:
            return False
        try:
            return self.job.queued() > 0
        except StateError as err:
            self._fail(err)
            return False

    # -- bookkeeping -------------------------------------------------------------------------
    def note_written(self, url_key: str) -> None:
        """A record of ``url_key`` is buffered for writing: its request is acknowledged only
        after the next durable commit (see :class:`ClaimPipeline`)."""
        self.pending_commit[url_key] = self.state.commit_count

    def _ack_done(self) -> None:
        slot = getattr(self.crawler.engine, "_slot", None)
        inprogress = slot.inprogress if slot is not None else set()
        committed = self.state.commit_count
        acks = []
        for token, request in list(self.inflight.items()):
            if request in inprogress:
                continue
            key = request.meta.get("nc_key")
            waiting = self.pending_commit.get(key) if key else None
            if waiting is not None and committed <= waiting:
                continue  # its record is still in the write buffer
            if key:
                self.pending_commit.pop(key, None)
            acks.append(token)
            del self.inflight[token]
        self.job.ack(acks)

    def _tick(self, nudge: bool = True) -> None:
        if self.state.fatal is not None:
            self._fail(self.state.fatal)  # e.g. seen first by the heartbeat thread
            return
        self._heart.reactor_alive()
        try:
            if self._heart.lapsed:
                self._heart.lapsed = False
                self.job.rejoin()
            self._ack_done()
            moved = self.job.reclaim()
            if moved:
                log.warning("re-queued %d in-flight request(s) of dead worker(s)", moved)
                self.stats.inc_value("newscrawl/distributed/requeued", moved)
        except StateError as err:
            self._fail(err)
            return
        slot = getattr(self.crawler.engine, "_slot", None)
        if nudge and slot is not None and slot.closing is None:
            slot.nextcall.schedule()  # pick up work other workers queued

    def _on_idle(self, spider: Any) -> None:
        if self.state.fatal is not None:
            return
        # No nudge here: the engine calls this whenever it finds itself idle, and waking it
        # from here would spin; the periodic tick wakes it at most once per interval.
        self._tick(nudge=False)
        if self.state.fatal is not None:
            return
        try:
            if self.inflight:
                raise DontCloseSpider  # waiting for the last records to be committed
            if self.job.finished():
                log.info("crawl %s finished (all workers idle, queue empty)", self.job.name)
                return
            if self.job.seeding_needed() and self.job.claim_seed():
                log.warning("the seeding worker died before it finished: seeding again")
                self._seed(spider)
        except StateError as err:
            self._fail(err)
            return
        raise DontCloseSpider

    def _seed(self, spider: Any) -> None:
        for request in spider.start_requests():
            self.crawler.engine.crawl(request)
        self.job.seed_finished()

    def _fail(self, err: StateError) -> None:
        """Redis stayed unreachable through the retries: stop this worker loudly."""
        if self.state.fatal is None:
            self.state.fatal = err
        if getattr(self, "_failed", False):
            return
        self._failed = True
        log.error("%s", err)
        self.ctx.count_error("redis-unavailable")
        engine = self.crawler.engine
        if engine is not None and engine.running:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason="redis-unavailable"))


class Heartbeat(threading.Thread):
    """Refreshes the worker's heartbeat key from a thread, while the reactor is responsive.

    A thread, so that a CPU-bound stretch of extraction (seconds, on a busy machine) does not
    look like a dead worker and get its requests fetched twice; but only while the reactor
    ticked within ``NEWSCRAWL_WORKER_HANG`` seconds, so a wedged worker is still given up.
    """

    def __init__(self, state: RedisState, hang_after: float | None = None) -> None:
        super().__init__(name="newscrawl-heartbeat", daemon=True)
        self.state = state
        self.every = state.worker_ttl / 3
        self.hang_after = hang_after or max(120.0, 10 * state.worker_ttl)
        self.lapsed = False
        self._last_tick = time.monotonic()
        self._stop_event = threading.Event()

    def reactor_alive(self) -> None:
        self._last_tick = time.monotonic()

    def run(self) -> None:
        while not self._stop_event.wait(self.every):
            if time.monotonic() - self._last_tick > self.hang_after:
                log.error(
                    "worker %s: reactor unresponsive for %.0fs; letting the heartbeat lapse",
                    self.state.worker,
                    time.monotonic() - self._last_tick,
                )
                continue
            try:
                if not self.state.heartbeat():
                    self.lapsed = True
                    log.warning(
                        "worker %s: heartbeat had expired; other workers may have re-queued "
                        "its requests (they will be fetched twice, written once)",
                        self.state.worker,
                    )
            except StateError as err:
                log.warning("heartbeat: %s", err)

    def stop(self) -> None:
        self._stop_event.set()


class SeedOnceMiddleware:
    """Only the worker that wins the seed key reads the spider's start requests."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeedOnceMiddleware:
        return cls(crawler)

    async def process_start(self, start: Any) -> Any:
        job: CrawlJob | None = getattr(self.crawler, _ATTR_JOB, None)
        if job is None:  # not the distributed scheduler: pass through
            async for item_or_request in start:
                yield item_or_request
            return
        if not job.claim_seed():
            log.info("crawl %s is seeded by another worker; consuming the shared queue", job.name)
            return
        async for item_or_request in start:
            yield item_or_request
        job.seed_finished()


class ClaimPipeline:
    """Last stop before the store: take the record's claim in Redis, or drop it.

    0 = already emitted with this content (a re-queued request another worker finished),
    -1 = another live worker is writing it right now (copies fetched at the same moment).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClaimPipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        scheduler: DistributedScheduler | None = getattr(self.crawler, _ATTR_SCHEDULER, None)
        if scheduler is None or "record" not in item:
            return item
        record = item["record"]
        outcome = scheduler.state.claim_record(record.id, item["content_hash"])
        if outcome == 0:
            self.stats.inc_value("newscrawl/dropped/unchanged")
            scheduler.state.save_pages([item["page"]])
            raise DropItem(f"unchanged (emitted by another worker): {record.url}")
        if outcome < 0:
            self.stats.inc_value("newscrawl/dropped/duplicate")
            self.stats.inc_value("newscrawl/distributed/claimed_elsewhere")
            raise DropItem(f"duplicate: another worker is writing {record.url}")
        scheduler.note_written(item["page"].key)
        return item
