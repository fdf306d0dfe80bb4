"""robots.txt checked for every request, also those that arrive while it is still downloading.

Scrapy 2.19's ``RobotsTxtMiddleware`` lets every request for a host that arrives while the
host's robots.txt is downloading await one shared ``Deferred``. On the asyncio reactor each
waiter turns it into a future with ``Deferred.asFuture``, which *consumes* the result: the first
waiter gets the parser, every later one gets ``None`` -- Scrapy's "no robots.txt rules" -- and
is fetched unchecked. A crawl starts with many requests per host at once (home pages, feeds,
sitemaps, pages to retry), so pages robots.txt forbids were fetched. Here every waiter gets
its own ``Deferred``, fired with the parser (or ``None`` when robots.txt could not be fetched,
as in Scrapy) once the download is done.

Enabled for every crawl in ``newscrawl/settings.py`` in place of Scrapy's middleware; the
distributed crawl's ``SharedRobotsTxtMiddleware`` (``redis_politeness.py``) overrides
:meth:`ConcurrentRobotsTxtMiddleware._load` to share one copy of robots.txt across workers.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from scrapy.robotstxt import RobotParser

log = logging.getLogger(__name__)


def robots_txt_url(request: Request) -> str:
    """The robots.txt URL that governs ``request`` (same scheme, host and port)."""
    parts = urlparse_cached(request)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"


class ConcurrentRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every request that waits for robots.txt checked."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        # Hosts whose robots.txt is being loaded -> the requests waiting for it, one each.
        self._waiters: dict[str, list[Deferred[RobotParser | None]]] = {}

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        if netloc in self._waiters:  # being loaded: wait for our own copy of the result
            waiter: Deferred[RobotParser | None] = Deferred()
            self._waiters[netloc].append(waiter)
            return await maybe_deferred_to_future(waiter)
        if netloc in self._parsers:
            parser = self._parsers[netloc]
            assert not isinstance(parser, Deferred)  # only Scrapy's own robot_parser stores one
            return parser
        self._waiters[netloc] = []
        parser = None
        try:
            parser = await self._load(request)
        finally:
            self._parsers[netloc] = parser
            for waiter in self._waiters.pop(netloc):
                waiter.callback(parser)
        return parser

    async def _load(self, request: Request) -> RobotParser | None:
        """The robots.txt rules for ``request``'s host; None (no rules) when unavailable."""
        body = await self._download(robots_txt_url(request))
        return None if body is None else await self._parse(body, request)

    async def _download(self, url: str) -> bytes | None:
        """robots.txt's body, or None when it could not be fetched (Scrapy's stats and logs)."""
        robots_request = Request(
            url,
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True},
            callback=NO_CALLBACK,
        )
        self._stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(robots_request)
        except Exception as exc:  # as Scrapy: no robots.txt rules when it cannot be fetched
            if not isinstance(exc, IgnoreRequest):
                log.error("Error downloading %s: %s", url, exc)
                self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
            return None
        self._stats.inc_value("robotstxt/response_count")
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        return response.body

    async def _parse(self, body: bytes, request: Request) -> RobotParser:
        """Parse robots.txt and announce it (``robots_parsed``: the spider reads its sitemaps)."""
        parser = build_from_crawler(self._parserimpl, self.crawler, body)
        await self.crawler.signals.send_catch_log_async(
            signal=signals.robots_parsed, robotparser=parser, request=request
        )
        return parser
