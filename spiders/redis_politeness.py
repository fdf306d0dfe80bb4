"""Per-site politeness that holds across workers: a shared slot and delay per domain in Redis,
and robots.txt read once per fleet.

Scrapy's ``CONCURRENT_REQUESTS_PER_DOMAIN``, ``DOWNLOAD_DELAY`` and AutoThrottle live in one
process: N workers alone would hit a site N times as hard. With ``--state redis://`` this
downloader middleware makes every request to a domain first take a *lease* in Redis:

- at most ``NEWSCRAWL_SHARED_DOMAIN_CONCURRENCY`` leases per domain at a time across all
  workers (default: ``CONCURRENT_REQUESTS_PER_DOMAIN``, so N workers together are as polite as
  one), and never more per worker than it downloads at once (so one worker cannot hoard them);
- consecutive lease starts on a domain at least ``DOWNLOAD_DELAY`` seconds apart, across all
  workers (time from the Redis server's clock, so machines need not agree on the time).

A lease is returned when the response or error comes back; the leases of a worker whose
heartbeat expired (killed) are dropped, and any lease expires after ``DOWNLOAD_TIMEOUT`` + 30 s. AutoThrottle still adapts each worker's own
delay on top of the shared floor. Waiting is asynchronous: a request waiting for a lease holds
one of its worker's ``CONCURRENT_REQUESTS``, never the reactor.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

from newscrawl.spiders.robots import ConcurrentRobotsTxtMiddleware, robots_txt_url
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task
from twisted.internet.defer import Deferred

from newscrawl.errors import StateError

try:
    from redis.exceptions import RedisError
except ImportError:  # Scrapy's spider loader imports every module here, also without the redis
    class RedisError(Exception):  # type: ignore[no-redef]  # extra; nothing raises it then
        """Stand-in: this middleware is only enabled with ``--state redis://``."""

log = logging.getLogger(__name__)
LEASE_META = "nc_domain_lease"
MAX_WAIT = 5.0  # longest single wait for a domain's delay
CAP_POLL = 0.05  # at the cap, re-ask this often (a lease freed by another worker)

# KEYS: leases zset, next-start key. ARGV: lease id ("worker|n"), limit, delay ms, lease ttl
# ms, heartbeat key prefix. Leases of workers whose heartbeat expired are dropped first.
# Returns 0 when the lease was taken (or already is: a retried call), -1 when the domain is at
# its cap, else milliseconds to wait for the domain's delay.
_ACQUIRE_LUA = """
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for _, lease in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local bar = string.find(lease, '|', 1, true)
  if bar and redis.call('EXISTS', ARGV[5] .. string.sub(lease, 1, bar - 1)) == 0 then
    redis.call('ZREM', KEYS[1], lease)
  end
end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return nxt - now end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return -1
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[2], now + tonumber(ARGV[3]), 'PX', tonumber(ARGV[3]) + 1000)
end
return 0
"""


class SharedPolitenessMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        from newscrawl.crawl.context import CrawlContext

        settings = crawler.settings
        self.crawler = crawler
        self.state = CrawlContext.of(crawler).state
        self.limit = settings.getint(
            "NEWSCRAWL_SHARED_DOMAIN_CONCURRENCY",
            settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 4),
        )
        self.delay_ms = int(settings.getfloat("DOWNLOAD_DELAY", 0) * 1000)
        self.lease_ttl_ms = int((settings.getfloat("DOWNLOAD_TIMEOUT", 30) + 30) * 1000)
        client = getattr(self.state, "client", None)
        self._acquire = client.register_script(_ACQUIRE_LUA) if client is not None else None
        self.prefix = getattr(self.state, "prefix", "newscrawl:") + "polite:"
        self._waiters: dict[str, list[Deferred]] = {}
        self._held: dict[str, int] = {}  # leases this worker holds, per domain
        self.local_limit = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 4))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPolitenessMiddleware:
        return cls(crawler)

    def _keys(self, request: Request) -> list[str]:
        domain = (urlsplit(request.url).hostname or "").lower()
        return [f"{self.prefix}{domain}:leases", f"{self.prefix}{domain}:next"]

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if self._acquire is None or LEASE_META in request.meta:
            return
        lease = f"{self.state.worker}|{secrets.token_hex(6)}"
        keys = self._keys(request)
        args = [lease, self.limit, self.delay_ms, self.lease_ttl_ms, self.state.hb_key("")]
        waited = False
        while True:
            if self._held.get(keys[0], 0) >= self.local_limit:
                # Never hold more leases than this worker can download at once: a lease held
                # by a request queued behind its own slot would starve the other workers.
                waited = True
                await self._sleep(keys[0], MAX_WAIT)  # a local release wakes us
                continue
            wait_ms = int(self.state._guard(self._acquire)(keys=keys, args=args))
            if wait_ms == 0:
                break
            waited = True
            # At the cap: a lease freed by this worker wakes the first waiter at once; only that
            # first waiter polls Redis (for leases freed by other workers), the rest queue here.
            head = not self._waiters.get(keys[0])
            pause = (
                (CAP_POLL if head else MAX_WAIT) if wait_ms < 0 else min(wait_ms / 1000, MAX_WAIT)
            )
            await self._sleep(keys[0], pause)
        self._held[keys[0]] = self._held.get(keys[0], 0) + 1
        self._wake(keys[0])  # the next waiter becomes the one that polls
        request.meta[LEASE_META] = lease
        if waited:
            self.crawler.stats.inc_value("newscrawl/politeness/waits")

    async def _sleep(self, domain_key: str, seconds: float) -> None:
        from twisted.internet import reactor  # the one Scrapy installed (asyncio)

        woken: Deferred = Deferred()
        timer = reactor.callLater(seconds, woken.callback, None)
        self._waiters.setdefault(domain_key, []).append(woken)
        try:
            await maybe_deferred_to_future(woken)
        finally:
            if timer.active():
                timer.cancel()
            waiters = self._waiters.get(domain_key, [])
            if woken in waiters:
                waiters.remove(woken)

    def _release(self, request: Request) -> None:
        lease = request.meta.pop(LEASE_META, None)
        if lease is None or self._acquire is None:
            return
        domain_key = self._keys(request)[0]
        self._held[domain_key] = max(0, self._held.get(domain_key, 0) - 1)
        try:
            self.state._guard(self.state.client.zrem)(domain_key, lease)
        except StateError as err:  # the lease expires by itself
            log.warning("%s", err)
        self._wake(domain_key)

    def _wake(self, domain_key: str) -> None:
        waiters = self._waiters.get(domain_key)
        if waiters:
            woken = waiters.pop(0)
            if not woken.called:
                woken.callback(None)

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        self._release(request)
        return response

    def process_exception(
        self, request: Request, exception: BaseException, spider: Any = None
    ) -> None:
        self._release(request)


class SharedRobotsTxtMiddleware(ConcurrentRobotsTxtMiddleware):
    """The robots.txt middleware of every crawl (``robots.py``: requests that arrive while
    robots.txt downloads are checked too), with robots.txt fetched once per crawl fleet.

    With a Redis state the body is cached in Redis (``robots:<scheme>://<host>`` for
    ``NEWSCRAWL_ROBOTS_CACHE_TTL`` seconds) and one worker fetches while the others wait for its
    copy, so N workers read a site's robots.txt once, not N times.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        from newscrawl.crawl.context import CrawlContext

        self.state = CrawlContext.of(crawler).state
        self.client = getattr(self.state, "client", None)
        self.prefix = getattr(self.state, "prefix", "newscrawl:") + "robots:"
        self.cache_ttl = crawler.settings.getint("NEWSCRAWL_ROBOTS_CACHE_TTL", 3600)

    async def _load(self, request: Request) -> Any:
        url = robots_txt_url(request)
        body = await self._cached_body(url)
        if body is not None:
            self._stats.inc_value("robotstxt/shared_cache_hit")
        else:
            body = await self._download(url)
            if body is None:
                self._release_fetch(url)
                return None
            self._store_body(url, body)
        return await self._parse(body, request)

    # -- the shared copy ------------------------------------------------------------------
    async def _cached_body(self, robots_url: str) -> bytes | None:
        """The fleet's copy of robots.txt; if another worker is fetching it, wait (≤ 60 s)."""
        if self.client is None:
            return None
        from twisted.internet import reactor

        key = self.prefix + robots_url
        me = getattr(self.state, "worker", "")
        for _ in range(300):
            try:
                body = self.client.get(key)
                if body is not None:
                    return body
                if self.client.set(key + ":fetching", me, nx=True, ex=60):
                    return None  # our turn to fetch it
                fetcher = self.client.get(key + ":fetching")
                if fetcher is not None and not self.state.is_alive(fetcher.decode()):
                    self.client.delete(key + ":fetching")  # its fetcher died: take over
                    continue
            except (RedisError, StateError):
                return None  # no shared copy: fetch it ourselves
            await maybe_deferred_to_future(task.deferLater(reactor, 0.2, lambda: None))
        return None

    def _store_body(self, robots_url: str, body: bytes) -> None:
        if self.client is None:
            return
        key = self.prefix + robots_url
        with contextlib.suppress(RedisError):
            self.client.set(key, body, ex=self.cache_ttl)
            self.client.delete(key + ":fetching")

    def _release_fetch(self, robots_url: str) -> None:
        if self.client is not None:
            with contextlib.suppress(RedisError):
                self.client.delete(self.prefix + robots_url + ":fetching")
