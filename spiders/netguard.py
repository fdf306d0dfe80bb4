"""Scrapy side of the address policy (:mod:`newscrawl.crawl.netguard`): resolver + middlewares.

Three pieces, because a request can reach a private address three ways:

- :class:`GuardedResolver` (``TWISTED_DNS_RESOLVER``) checks every DNS answer, on every
  connection, cache hits included: a public-looking name that resolves to ``10.0.0.5`` (or is
  rebound to it between two requests) is refused before a socket is opened.
- :class:`NetGuardMiddleware` (early downloader middleware) checks the scheme and IP-literal
  hosts of every request. Redirects are re-scheduled through the middlewares, so every hop of a
  redirect chain is checked too.
- :class:`RefusedLookupMiddleware` (after the retry middleware) turns the resolver's refusal,
  which reaches Scrapy as an ordinary DNS failure, into a counted, non-retried refusal.

Refusals are counted in the crawl stats as ``newscrawl/refused/<kind>`` and logged once per host.
The opt-in (``NEWSCRAWL_ALLOW_PRIVATE_NETWORK`` setting or environment variable,
``--allow-private-network``) lets private addresses through; metadata addresses never pass.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from newscrawl.crawl.netguard import Refusal, address_refusal, allow_private_from, url_refusal

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

STATS_PREFIX = "newscrawl/refused/"


class AddressRefused(IgnoreRequest):
    """A request the address policy refused; ``refusal.kind`` says why."""

    def __init__(self, url: str, refusal: Refusal) -> None:
        super().__init__(f"refused {url}: {refusal.reason}")
        self.url = url
        self.refusal = refusal


class _RefusedHosts:
    """Host names the resolver refused, so the middleware can tell a refusal from a DNS failure.

    The resolver is process-wide and has no access to a crawler's stats; this small bounded
    registry is how its decisions reach the middleware that counts them.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._hosts: OrderedDict[str, Refusal] = OrderedDict()
        self._limit = limit

    def add(self, host: str, refusal: Refusal) -> None:
        self._hosts[host.lower()] = refusal
        self._hosts.move_to_end(host.lower())
        while len(self._hosts) > self._limit:
            self._hosts.popitem(last=False)

    def get(self, host: str | None) -> Refusal | None:
        return self._hosts.get(host.lower()) if host else None

    def discard(self, host: str) -> None:
        self._hosts.pop(host.lower(), None)


refused_hosts = _RefusedHosts()


class GuardedResolver(CachingThreadedResolver):
    """The default caching resolver, refusing answers that are not public addresses."""

    def __init__(self, reactor: Any, cache_size: int, timeout: float, allow_private: bool = False,
                 proxy_hosts: frozenset[str] = frozenset()):  # fmt: skip
        super().__init__(reactor, cache_size, timeout)
        self.allow_private = allow_private
        # A configured HTTP proxy often lives on a private address; the crawler must reach it.
        # (Targets behind a proxy are resolved by the proxy, which should apply this policy.)
        self.proxy_hosts = proxy_hosts

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        # Scrapy passes the CrawlerProcess here: only its settings are available.
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"),
                   allow_private=allow_private_from(settings), proxy_hosts=_proxy_hosts())  # fmt: skip

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        result = super().getHostByName(name, timeout)
        result.addCallback(self._check, name)
        return result

    def _check(self, address: str, name: str) -> str:
        allow = self.allow_private or name.lower().rstrip(".") in getattr(self, "proxy_hosts", ())
        refusal = address_refusal(address, allow)
        if refusal is None:
            refused_hosts.discard(name)
            return address
        refused_hosts.add(
            name, Refusal(refusal.kind, f"{name} resolves to {address}: {refusal.reason}")
        )
        raise DNSLookupError(f"{name} resolves to a refused address ({refusal.reason})")


class _Counting:
    """Shared by both middlewares: stats per kind, one log line per refused host."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.allow_private = allow_private_from(crawler.settings)
        self._logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    def refuse(self, request: Request, refusal: Refusal) -> AddressRefused:
        if self.stats is not None:
            self.stats.inc_value(STATS_PREFIX + refusal.kind)
        host = _host(request.url) or request.url[:80]
        if host not in self._logged and len(self._logged) < 10_000:
            self._logged.add(host)
            logger.warning("refused %s: %s (further refusals for this host are only counted)",
                           request.url, refusal.reason)  # fmt: skip
        return AddressRefused(request.url, refusal)


class NetGuardMiddleware(_Counting):
    """Refuse non-HTTP(S) schemes and private IP-literal hosts on every request and redirect hop."""

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        refusal = url_refusal(request.url, self.allow_private)
        if refusal is None:
            # A host the resolver refused before is refused now, without another DNS round trip.
            refusal = refused_hosts.get(_host(request.url))
        if refusal is not None:
            raise self.refuse(request, refusal)


class RefusedLookupMiddleware(_Counting):
    """Turn a resolver refusal (seen as a DNS failure) into a counted refusal that is not retried.

    Must sit closer to the downloader than the retry middleware (a higher number), so it sees
    the failure first.
    """

    def process_exception(self, request: Request, exception: Exception,
                          spider: Spider | None = None) -> None:  # fmt: skip
        if not isinstance(exception, CannotResolveHostError | DNSLookupError):
            return None
        refusal = refused_hosts.get(_host(request.url))
        if refusal is not None:
            raise self.refuse(request, refusal)
        return None


def _proxy_hosts() -> frozenset[str]:
    """Host names of the proxies configured in the environment (``http_proxy``, ...)."""
    from urllib.request import getproxies

    hosts = set()
    for scheme, url in getproxies().items():
        if scheme in ("http", "https") and url:
            host = _host(url if "://" in url else f"http://{url}")
            if host:
                hosts.add(host.lower().rstrip("."))
    return frozenset(hosts)


def _host(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None
