"""The ``news`` spider: discovery from a home page, link following, incremental fetching.

For each site it fetches the home page(s); robots.txt (fetched once, by Scrapy's robots
middleware) names the sitemaps, else ``/sitemap.xml`` is tried; sitemap indexes, gzipped and
Google News sitemaps and RSS/Atom feeds found via ``<link rel="alternate">`` give article URLs
with dates; links on home and section pages are followed up to the depth and page budgets.

Every URL is canonicalised before it is requested (one page, one fetch), checked against trap
rules and the site's domains, and looked up in the crawl state: unchanged sitemap entries are
skipped and known pages are fetched conditionally. Pages that look like articles (URL shape or
markup signals) go to the item pipelines as raw pages; extraction decides what is emitted.

    scrapy crawl news -a site=fashionunited-uk -a url=https://example.com/
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.selector import Selector
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from newscrawl.crawl.context import CrawlContext, SiteRun, sites_from_settings
from newscrawl.crawl.detect import (
    looks_like_article,
    page_signals,
    trap_reason,
    url_pattern,
)
from newscrawl.crawl.discovery import (
    DiscoveryError,
    Entry,
    feed_links,
    is_feed,
    parse_date,
    parse_feed,
    parse_sitemap,
    robots_sitemaps,
)
from newscrawl.crawl.links import absolute_links, base_url, page_links
from newscrawl.crawl.registry import load_registry, select_sites, site_for_url
from newscrawl.crawl.urls import clean_url, in_domains, url_key
from newscrawl.errors import InputError
from newscrawl.extract.document import Document
from newscrawl.store.state import RETRY_PREFIX, PageState

log = logging.getLogger(__name__)

# Request priorities: discovery files first (they are cheap and tell the most), then articles
# (news sitemap entries first), then hub pages.
PRIO_HOME, PRIO_DISCOVERY, PRIO_NEWS, PRIO_ARTICLE, PRIO_HUB = 50, 40, 30, 20, 0

KIND_HOME, KIND_HUB, KIND_ARTICLE, KIND_SITEMAP, KIND_FEED, KIND_ROBOTS = (
    "home",
    "hub",
    "article",
    "sitemap",
    "feed",
    "robots",
)


class NewsSpider(Spider):
    name = "news"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx: CrawlContext
        self._seen: set[str] = set()  # url keys requested (or known as a page's canonical) this run
        self._sitemap_hosts: set[str] = set()  # hosts whose sitemaps were scheduled
        self._robots: dict[str, list[str]] = {}  # host -> Sitemap: lines from robots.txt
        self._feeds_done: set[str] = set()  # sites whose feeds were scheduled

    # -- setup -------------------------------------------------------------------------------
    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        ctx = getattr(crawler, "_newscrawl_context", None)
        if ctx is None:  # plain `scrapy crawl news -a site=... -a url=...`
            ctx = CrawlContext(crawler.settings, sites=_sites_from_args(crawler, kwargs))
            ctx.acquire()
            CrawlContext.attach(ctx, crawler)
        spider.ctx = ctx
        settings = crawler.settings
        spider.conditional = settings.getbool("NEWSCRAWL_CONDITIONAL_REQUESTS", True)
        spider.revisit_articles = settings.getbool("NEWSCRAWL_REVISIT_ARTICLES", True)
        spider.max_hubs_per_pattern = settings.getint("NEWSCRAWL_MAX_HUBS_PER_PATTERN", 25)
        spider.max_sitemaps = settings.getint("NEWSCRAWL_MAX_SITEMAPS", 50)
        spider.fallback_sitemap = settings.getbool("NEWSCRAWL_FALLBACK_SITEMAP", True)
        spider.obey_robots = settings.getbool("ROBOTSTXT_OBEY")
        spider.extract_by_signals = settings.getbool("NEWSCRAWL_EXTRACT_NON_ARTICLE_URLS", True)
        max_age = settings.getfloat("NEWSCRAWL_SITEMAP_MAX_AGE_DAYS", 0)
        spider.oldest = datetime.now(UTC) - timedelta(days=max_age) if max_age > 0 else None
        if ctx.since and (spider.oldest is None or ctx.since > spider.oldest):
            spider.oldest = ctx.since
        robots_parsed = getattr(signals, "robots_parsed", None)  # Scrapy >= 2.11
        if robots_parsed is not None:
            crawler.signals.connect(spider._robots_parsed, signal=robots_parsed)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[Request]:
        for run in self.ctx.site_runs.values():
            for home in run.site.home:
                req = self._request(home, run, KIND_HOME, depth=0)
                if req is not None:
                    yield req
            for feed in run.site.feeds:
                req = self._request(feed, run, KIND_FEED, depth=1)
                if req is not None:
                    yield req
            for sitemap in run.site.sitemaps:
                req = self._request(sitemap, run, KIND_SITEMAP, depth=1)
                if req is not None:
                    yield req
            # Pages that failed transiently last time: the pages linking to them may well
            # answer 304 now, so they would never be rediscovered.
            for url in self.ctx.state.retry_urls(run.site.name, max(1, run.max_pages // 4)):
                kind = KIND_ARTICLE if looks_like_article(url, run.site) else KIND_HUB
                req = self._request(url, run, kind, depth=1)
                if req is not None:
                    self._stat("retried_from_state")
                    yield req

    # -- requests ----------------------------------------------------------------------------
    def _stat(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"newscrawl/{key}", n)

    def _request(
        self, url: str, run: SiteRun, kind: str, depth: int, entry: Entry | None = None
    ) -> Request | None:
        """A request for ``url`` if it may and should be fetched now, else None (counted)."""
        clean = clean_url(url)
        key = url_key(clean) if clean else None
        if clean is None or key is None:
            self._stat("skipped/not_http")
            return None
        if key in self._seen:
            return None
        site = run.site
        if not in_domains(clean, site.domains):
            return None
        if kind not in (KIND_HOME, KIND_SITEMAP, KIND_FEED, KIND_ROBOTS):
            reason = trap_reason(clean)
            if reason is not None:
                self._stat(f"trap/{reason}")
                return None
            if any(p.search(clean) for p in site.follow_deny):
                self._stat("skipped/follow_deny")
                return None
            if kind == KIND_HUB:
                pattern = url_pattern(clean)
                count = run.hub_patterns.get(pattern, 0)
                if count >= self.max_hubs_per_pattern:
                    self._stat("trap/pattern-cap")
                    return None
                run.hub_patterns[pattern] = count + 1
        if kind == KIND_SITEMAP:
            if run.sitemaps >= self.max_sitemaps:
                self._stat("skipped/sitemap_cap")
                return None
            run.sitemaps += 1
        if run.scheduled >= run.max_pages:
            if not run.budget_hit:
                log.info("site %s: page budget of %d requests reached", site.name, run.max_pages)
            run.budget_hit = True
            self._stat("skipped/budget")
            return None
        headers: dict[str, str] = {}
        known = self.ctx.state.page(key)
        if known is not None:
            lastmod = entry.lastmod if entry else None
            final = not known.should_retry and known.result not in (
                None,
                "hub",
                "sitemap",
                "feed",
                "not-html",
            )
            if kind == KIND_ARTICLE and final and known.status in (200, 404, 410):
                if lastmod and known.lastmod == lastmod:
                    self._seen.add(key)
                    self._stat("skipped/unchanged_lastmod")
                    return None
                if not lastmod and not self.revisit_articles:
                    self._seen.add(key)
                    self._stat("skipped/known_page")
                    return None
            if self.conditional and known.status == 200:
                if known.etag:
                    headers["If-None-Match"] = known.etag
                if known.last_modified:
                    headers["If-Modified-Since"] = known.last_modified
        self._seen.add(key)
        run.scheduled += 1
        callback = {KIND_SITEMAP: self.parse_sitemap, KIND_FEED: self.parse_feed}.get(
            kind, self.parse_page
        )
        priority = {
            KIND_HOME: PRIO_HOME,
            KIND_SITEMAP: PRIO_DISCOVERY,
            KIND_FEED: PRIO_DISCOVERY,
            KIND_ARTICLE: PRIO_NEWS if entry and entry.published else PRIO_ARTICLE,
        }.get(kind, PRIO_HUB)
        return Request(
            clean,
            callback=callback,
            errback=self.on_error,
            headers=headers or None,
            priority=priority,
            meta={
                "nc_site": site.name,
                "nc_kind": kind,
                "nc_depth": depth,
                "nc_key": key,
                "nc_entry": entry,
                "handle_httpstatus_list": [304],
            },
        )

    def _robots_parsed(self, robotparser: Any, request: Request) -> None:
        """Scrapy's robots middleware fetched robots.txt: keep its Sitemap lines."""
        host = urlsplit(request.url).netloc
        protego = getattr(robotparser, "rp", None)
        try:
            sitemaps = list(getattr(protego, "sitemaps", []) or [])
        except Exception:  # a parser without sitemap support: fall back to /sitemap.xml
            sitemaps = []
        self._robots[host] = sitemaps

    def _discover_sitemaps(self, response: Response, run: SiteRun) -> Iterator[Request]:
        """Once per host: sitemaps from robots.txt, else the conventional /sitemap.xml."""
        parts = urlsplit(response.url)
        host = parts.netloc
        if host in self._sitemap_hosts:
            return
        self._sitemap_hosts.add(host)
        base = f"{parts.scheme}://{host}"
        if not self.obey_robots:
            # Nobody fetched robots.txt for us: read it ourselves for its Sitemap lines.
            req = self._request(base + "/robots.txt", run, KIND_ROBOTS, depth=1)
            if req is not None:
                yield req.replace(callback=self.parse_robots)
            return
        sitemaps = self._robots.get(host) or []
        if not sitemaps and self.fallback_sitemap:
            sitemaps = [base + "/sitemap.xml"]
        for url in sitemaps:
            req = self._request(url, run, KIND_SITEMAP, depth=1)
            if req is not None:
                yield req

    # -- callbacks ---------------------------------------------------------------------------
    def _run_of(self, response: Response) -> SiteRun:
        return self.ctx.site_runs[response.meta["nc_site"]]

    def _not_modified(self, response: Response, run: SiteRun) -> None:
        self._stat("not_modified")
        known = self.ctx.state.page(response.meta["nc_key"])
        if known is not None:
            known.fetched_at = _now()
            self.ctx.state.save_pages([known])

    def parse_robots(self, response: Response) -> Iterator[Request]:
        run = self._run_of(response)
        run.fetched += 1
        found = robots_sitemaps(response.body, response.url) if response.status == 200 else []
        if not found and self.fallback_sitemap:
            parts = urlsplit(response.url)
            found = [f"{parts.scheme}://{parts.netloc}/sitemap.xml"]
        for url in found:
            req = self._request(url, run, KIND_SITEMAP, depth=1)
            if req is not None:
                yield req

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        run = self._run_of(response)
        run.fetched += 1
        if response.status == 304:
            self._not_modified(response, run)
            return
        try:
            sitemap = parse_sitemap(response.body, response.url)
        except DiscoveryError as exc:
            if is_feed(response.body):  # some sites list their feed as a sitemap
                yield from self.parse_feed(response, counted=True)
                return
            self.ctx.count_error("sitemap-invalid", run.site.name)
            self._stat("errors")
            log.info("%s: unusable sitemap: %s", response.url, exc)
            return
        self._defer_page_state(response, run, "sitemap")
        if sitemap.is_index:
            children = sorted(sitemap.entries, key=lambda e: e.lastmod or "", reverse=True)
            for child in children:
                if self._older_than_window(child.lastmod):
                    self._stat("skipped/old_sitemap")
                    continue
                known = self.ctx.state.page(url_key(child.url) or "")
                if known is not None and child.lastmod and known.lastmod == child.lastmod:
                    self._stat("skipped/unchanged_sitemap")
                    continue
                req = self._request(child.url, run, KIND_SITEMAP, depth=1, entry=child)
                if req is not None:
                    yield req
            return
        yield from self._entries(sitemap.entries, run, response.meta["nc_depth"])

    def parse_feed(self, response: Response, counted: bool = False) -> Iterator[Request]:
        run = self._run_of(response)
        if not counted:
            run.fetched += 1
        if response.status == 304:
            self._not_modified(response, run)
            return
        try:
            entries = parse_feed(response.body, response.url)
        except DiscoveryError as exc:
            self.ctx.count_error("feed-invalid", run.site.name)
            self._stat("errors")
            log.info("%s: unusable feed: %s", response.url, exc)
            return
        self._defer_page_state(response, run, "feed")
        yield from self._entries(entries, run, response.meta["nc_depth"])

    def _older_than_window(self, value: str | None) -> bool:
        if self.oldest is None:
            return False
        when = parse_date(value)
        return when is not None and when < self.oldest

    def _entries(self, entries: Iterable[Entry], run: SiteRun, depth: int) -> Iterator[Request]:
        """Requests for sitemap/feed entries: newest first, old ones skipped under --since."""
        ordered = sorted(entries, key=lambda e: e.published or e.lastmod or "", reverse=True)
        for entry in ordered:
            if self._older_than_window(entry.published or entry.lastmod):
                self._stat("skipped/before_since")
                continue
            kind = (
                KIND_ARTICLE
                if entry.published or looks_like_article(entry.url, run.site)
                else KIND_HUB
            )
            req = self._request(entry.url, run, kind, depth=max(depth, 1), entry=entry)
            if req is not None:
                yield req

    def parse_page(self, response: Response) -> Iterator[Any]:
        run = self._run_of(response)
        meta = response.meta
        kind, depth = meta["nc_kind"], meta["nc_depth"]
        run.fetched += 1
        if kind == KIND_HOME:
            run.home_ok += 1
        if response.status == 304:
            self._not_modified(response, run)
            if kind == KIND_HOME:
                # An unchanged home page says nothing about the sitemaps and feeds: they have
                # validators of their own, so ask them (conditionally) as usual.
                yield from self._discover_sitemaps(response, run)
                for url in self.ctx.state.urls_with_result(run.site.name, "feed", 20):
                    req = self._request(url, run, KIND_FEED, depth=1)
                    if req is not None:
                        yield req
            return
        if not isinstance(response, TextResponse):
            body = response.body
            if is_feed(body):
                yield from self.parse_feed(response, counted=True)
            elif body.lstrip()[:5] in (b"<?xml", b"<urls", b"<site") or body[:2] == b"\x1f\x8b":
                yield from self.parse_sitemap(response)
            else:
                self._stat("skipped/not_html")
                self._save_page_state(response, "not-html")
            return
        if not _is_html(response):
            if is_feed(response.body):
                yield from self.parse_feed(response, counted=True)
                return
            self._stat("skipped/not_html")
            self._save_page_state(response, "not-html")
            return
        if kind == KIND_HOME:
            yield from self._discover_sitemaps(response, run)
        # One parse per page: the tree extraction will read gives the links too.
        doc, tree = self._parse_html(response)
        links = page_links(tree)
        base = base_url(response.url, links.base)
        # A page whose canonical is another page of this site that we already have (an AMP or
        # tracking copy that slipped through): drop it, and never fetch the canonical again.
        canonical_key = None
        if links.canonical:
            canonical_abs = clean_url(urljoin(base, links.canonical.strip()))
            if canonical_abs and in_domains(canonical_abs, run.site.domains):
                canonical_key = url_key(canonical_abs)
        own_key = meta["nc_key"]
        response_key = url_key(response.url)
        if canonical_key and canonical_key not in (own_key, response_key):
            if canonical_key in self._seen:
                self._stat("skipped/canonical_seen")
                self._save_page_state(response, "copy")
                return
            self._seen.add(canonical_key)
        if response_key:
            self._seen.add(response_key)
        # Feeds advertised by home and section pages.
        if depth <= 1 and run.site.name not in self._feeds_done:
            found = feed_links(links.link_elements, base)
            if found:
                self._feeds_done.add(run.site.name)
            for url in found:
                req = self._request(url, run, KIND_FEED, depth=1)
                if req is not None:
                    yield req
        # Links to follow.
        if depth < run.depth:
            yield from self._follow(absolute_links(links.hrefs, base), run, depth)
        # Article candidates go to extraction.
        article_like = kind == KIND_ARTICLE or looks_like_article(response.url, run.site)
        if article_like or (self.extract_by_signals and kind != KIND_HOME and page_signals(tree)):
            yield self._page_item(response, run, doc)
        else:
            self._stat("pages/hub")
            self._defer_page_state(response, run, "hub")

    def _parse_html(self, response: TextResponse) -> tuple[Document | None, Any]:
        """The page's lxml tree, and the ``Document`` extraction will reuse, if any.

        With in-process extraction the page is parsed the way extraction parses it
        (``Document.parse``) and handed over; when extraction would refuse the page (it then
        says why) or runs in worker processes (which parse their copy), the links come from a
        Scrapy selector's tree, the cheaper parse. The parse CPU is counted in the stats.
        """
        started = time.process_time()
        try:
            if self.ctx.extract_in_process:
                with contextlib.suppress(InputError):
                    doc = Document.parse(
                        response.body, url=response.url, encoding=_header_charset(response)
                    )
                    return doc, doc.tree
            # Not ``response.selector``: that caches the tree on the response, which stays
            # alive until its page is extracted; with ~100 pages queued for the workers those
            # trees were ~100 MB of the crawler's memory.
            return None, Selector(text=response.text, type="html").root
        finally:
            self.crawler.stats.inc_value(
                "newscrawl/parse_cpu_ms", 1000 * (time.process_time() - started)
            )

    def _follow(self, urls: list[str], run: SiteRun, depth: int) -> Iterator[Request]:
        """Requests for the page's links inside the site (``<a>``/``<area>``, ``<base>`` honoured).

        The URL work is ordered cheapest first: navigation links repeat on every page, so most
        are dismissed by a memoised canonicalisation and one set lookup before any other check.
        """
        seen = self._seen
        domains = run.site.domains
        for absolute in urls:
            clean = clean_url(absolute)
            if clean is None or url_key(clean) in seen:
                continue
            if not in_domains(clean, domains):
                continue
            kind = KIND_ARTICLE if looks_like_article(clean, run.site) else KIND_HUB
            req = self._request(clean, run, kind, depth=depth + 1)
            if req is not None:
                yield req

    def _page_item(
        self, response: TextResponse, run: SiteRun, doc: Document | None = None
    ) -> dict[str, Any]:
        """The page item for the extract pipeline. ``doc``, the page as parsed here, goes in
        as ``document``: in-process extraction reuses it instead of parsing again (the
        pipeline takes it out of the item, so it never outlives the extraction)."""
        entry: Entry | None = response.meta.get("nc_entry")
        headers = response.headers
        return {
            "site": run.site.name,
            "language": run.site.language,
            "url": response.url,
            "key": response.meta["nc_key"],
            "body": response.body,
            "encoding": _header_charset(response),
            "fetched_at": datetime.now(UTC),
            "status": response.status,
            "etag": _header(headers, b"ETag"),
            "last_modified": _header(headers, b"Last-Modified"),
            "lastmod": entry.lastmod if entry else None,
            "published_hint": entry.published if entry else None,
            "document": doc,
        }

    # -- state -------------------------------------------------------------------------------
    def _page_state(self, response: Response, result: str, entry: Entry | None = None) -> PageState:
        entry = entry or response.meta.get("nc_entry")
        return PageState(
            key=response.meta["nc_key"],
            url=response.url,
            fetched_at=_now(),
            status=response.status,
            result=result,
            etag=_header(response.headers, b"ETag"),
            last_modified=_header(response.headers, b"Last-Modified"),
            lastmod=entry.lastmod if entry else None,
            site=response.meta["nc_site"],
        )

    def _save_page_state(self, response: Response, result: str) -> None:
        self.ctx.state.save_pages([self._page_state(response, result)])

    def _defer_page_state(self, response: Response, run: SiteRun, result: str) -> None:
        """Hubs, sitemaps and feeds: their validators are saved only if the run ends cleanly.

        A 304 on a hub next time means "no new links", which is only true if every link it
        had was followed — not so if this run is killed or stopped by its budget.
        """
        page = self._page_state(response, result)
        self.ctx.defer_page(run.site.name, page)

    # -- errors ------------------------------------------------------------------------------
    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        meta = request.meta
        run = self.ctx.site_runs.get(meta.get("nc_site", ""))
        kind = error_kind(failure)
        if kind == "ignored":  # robots.txt forbade it, or a middleware dropped it on purpose
            return
        if kind == "http_404" and meta.get("nc_kind") == KIND_SITEMAP:
            kind = "sitemap-missing"
        if run is not None:
            if meta.get("nc_kind") == KIND_HOME:
                run.home_failed += 1
            if isinstance(failure.value, HttpError):
                run.fetched += 1
        self.ctx.count_error(kind, run.site.name if run else None)
        self._stat("errors")
        log.info("%s: %s", request.url, kind)
        status = failure.value.response.status if isinstance(failure.value, HttpError) else None
        key = meta.get("nc_key")
        if not key or run is None or meta.get("nc_kind") == KIND_ROBOTS:
            return
        # Dead links are final; anything else (network, 5xx, 429...) is retried next run even
        # if every page linking to it answers 304 by then.
        final = status is not None and 400 <= status < 500 and status not in (408, 429)
        self.ctx.state.save_pages(
            [
                PageState(
                    key=key,
                    url=request.url,
                    fetched_at=_now(),
                    status=status,
                    result=kind if final else RETRY_PREFIX + kind,
                    site=run.site.name,
                )
            ]
        )


_ERROR_NAMES = (  # exception class name fragment -> error kind (Scrapy and Twisted spellings)
    ("DNSLookup", "dns"),
    ("ConnectionRefused", "connection-refused"),
    ("Timeout", "timeout"),
    ("TimedOut", "timeout"),
    ("Cancelled", "too-large"),
    ("ResponseNeverReceived", "connection"),
    ("ResponseFailed", "connection"),
    ("ConnectionLost", "connection"),
    ("ConnectionDone", "connection"),
    ("ConnectError", "connection"),
    ("SSL", "tls"),
    ("TLS", "tls"),
)


def error_kind(failure: Failure) -> str:
    """A stable, countable name for what went wrong with a request."""
    from scrapy.exceptions import IgnoreRequest

    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    if isinstance(exc, IgnoreRequest):
        return "ignored"
    name = type(exc).__name__
    if "maxsize" in str(exc).lower():
        return "too-large"
    for fragment, kind in _ERROR_NAMES:
        if fragment in name:
            return kind
    return name


def _sites_from_args(crawler: Crawler, kwargs: dict[str, Any]) -> list | None:
    names = [n for n in str(kwargs.get("site") or "").split(",") if n.strip()]
    urls = [u for u in str(kwargs.get("url") or "").split(",") if u.strip()]
    if not names and not urls:
        return sites_from_settings(crawler.settings)
    sites = []
    if names:
        sites = select_sites(
            load_registry(kwargs.get("registry") or crawler.settings.get("NEWSCRAWL_REGISTRY")),
            [n.strip() for n in names],
        )
    known = {s.name for s in sites}
    for url in urls:
        site = site_for_url(url.strip())
        if site.name not in known:
            sites.append(site)
    return sites


def _is_html(response: TextResponse) -> bool:
    ctype = _header(response.headers, b"Content-Type") or ""
    if "html" in ctype.lower():
        return True
    if ctype and not ctype.lower().startswith(("text/plain", "application/octet-stream")):
        return False
    head = response.body[:2048].lower()
    return b"<html" in head or b"<!doctype html" in head


def _header(headers: Any, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1").strip() if value else None


def _header_charset(response: TextResponse) -> str | None:
    ctype = _header(response.headers, b"Content-Type") or ""
    for part in ctype.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _now() -> float:
    return datetime.now(UTC).timestamp()
