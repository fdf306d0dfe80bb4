"""Hostile and broken responses: bounded cost, and every case counted by kind.

Scrapy already bounds most costs; these middlewares make sure each case is *reported*, in the
crawl stats under ``newscrawl/hostile/<kind>`` (the run manifest lists them), and drop the
responses nothing downstream could use. What bounds what:

=====================  ==========================================  ==========================
kind                   bounded by                                  counted by
=====================  ==========================================  ==========================
too-large              ``DOWNLOAD_MAXSIZE`` (cancelled mid-body)   HostileResponseMiddleware
decompression-bomb     ``DOWNLOAD_MAXSIZE`` on the decoded size    CountingHttpCompression…
truncated              ``DOWNLOAD_FAIL_ON_DATALOSS``               HostileResponseMiddleware
timeout (slow drip)    ``DOWNLOAD_TIMEOUT`` (whole download)       HostileResponseMiddleware
redirect-limit         ``REDIRECT_MAX_TIMES``                      RedirectCounter
binary-as-html         sniffed here, dropped                       HostileResponseMiddleware
pathological-markup    sniffed here (linear scan), dropped         HostileResponseMiddleware
empty-body             dropped                                     HostileResponseMiddleware
robots-truncated       first 500 KiB of robots.txt kept (RFC 9309)  HostileResponseMiddleware
wrong-charset          decoded as extraction decides (header set)  HostileResponseMiddleware
http-error             ``RETRY_TIMES``, capped ``Retry-After``     HostileResponseMiddleware
                       (404/410 are left to the crawl's error counts)
http-error-retry-after (same; the server asked us to wait)         HostileResponseMiddleware
=====================  ==========================================  ==========================

Counts are per response or attempt: a page retried three times for a timeout counts three.
"""

from __future__ import annotations

import codecs
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import TextResponse
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.web._newclient import ResponseFailed

from newscrawl.crawl.netguard import KIND_SCHEME
from newscrawl.errors import InputError
from newscrawl.extract.document import decode_html, looks_binary, looks_pathological

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

STATS_PREFIX = "newscrawl/hostile/"
ROBOTS_MAX_BYTES = 500 * 1024
REFUSED_PREFIX = "newscrawl/refused/"  # shared with newscrawl.spiders.netguard
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_CP1252_ALIASES = frozenset({"latin-1", "iso8859-1", "ascii"})  # browsers read these as cp1252
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_GONE = frozenset({404, 410})  # dead links are the web being the web: reported as errors only
_HTML_TYPES = (b"text/html", b"application/xhtml+xml")


class HostileResponse(IgnoreRequest):
    """A response dropped because nothing downstream could use it; ``kind`` says why."""

    def __init__(self, kind: str, url: str, detail: str) -> None:
        super().__init__(f"{kind}: {url}: {detail}")
        self.kind = kind


def count(stats: StatsCollector | None, kind: str) -> None:
    if stats is not None:
        stats.inc_value(STATS_PREFIX + kind)


class HostileResponseMiddleware:
    """Sniff and count broken responses; drop the unusable ones.

    Sits between HTTP decompression (590) and the retry middleware (550), e.g. at 580, so it
    sees decoded bodies and every download failure before it is retried.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostileResponseMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Response:  # fmt: skip
        status = response.status
        if status >= 400 and status not in _GONE:
            count(self.stats, "http-error")
            if response.headers.get(b"Retry-After"):
                count(self.stats, "http-error-retry-after")
            return response
        if status in _REDIRECT_CODES:
            return response
        if 200 <= status < 300 and request.method != "HEAD":
            if urlsplit(request.url).path == "/robots.txt":
                return self._cap_robots(response)
            return self._check_body(request, response)
        return response

    def _cap_robots(self, response: Response) -> Response:
        """Keep the first 500 KiB of a robots.txt (RFC 9309's minimum; Google's limit).

        Rules are matched against every request to the site in the reactor thread: 200,000
        wildcard rules (5 MB) cost 11 s to parse and 0.4 s per request checked.
        """
        if len(response.body) <= ROBOTS_MAX_BYTES:
            return response
        count(self.stats, "robots-truncated")
        cut = response.body[:ROBOTS_MAX_BYTES]
        return response.replace(body=cut[: cut.rfind(b"\n") + 1])

    def _check_body(self, request: Request, response: Response) -> Response:
        content_type = (response.headers.get(b"Content-Type") or b"").lower()
        declared_html = not content_type or content_type.split(b";")[0].strip() in _HTML_TYPES
        if not declared_html:
            return response  # sitemaps, feeds, robots.txt: their parsers judge them
        body = response.body
        if not body.strip():
            count(self.stats, "empty-body")
            raise HostileResponse("empty-body", request.url, "empty body served as a page")
        if looks_binary(body):
            count(self.stats, "binary-as-html")
            raise HostileResponse("binary-as-html", request.url, "binary body served as text/html")
        if looks_pathological(body):  # before any selector parses it: it would stall the crawl
            count(self.stats, "pathological-markup")
            raise HostileResponse("pathological-markup", request.url, "markup built to stall parsers")
        return self._decide_charset(response, content_type)

    def _decide_charset(self, response: Response, content_type: bytes) -> Response:
        """Make Scrapy decode the page the way extraction will; count lying declarations.

        Scrapy believes the declared charset: ``charset=base64`` or ``<meta charset=rot13>``
        make ``response.text`` raise, ``utf-16`` on ASCII bytes turns every link into CJK
        noise. Extraction's decoder checks declarations against the bytes; its verdict goes in
        the header, so selectors (link discovery) and extraction see the same text.
        """
        charset = _declared_charset(content_type)
        try:
            _, codec = decode_html(response.body, charset)
        except InputError:
            return response
        declared = _codec_name(charset)
        lying = codec != declared and not (codec == "cp1252" and declared in _CP1252_ALIASES)
        if charset and lying and not response.body.startswith(_BOMS):  # a BOM overrides headers
            count(self.stats, "wrong-charset")
        if codec == declared or not isinstance(response, TextResponse):
            return response
        mime = content_type.split(b";")[0].strip().decode("latin-1") or "text/html"
        headers = response.headers.copy()
        headers[b"Content-Type"] = f"{mime}; charset={codec}".encode("ascii")
        return response.replace(headers=headers, encoding=codec)

    def process_exception(self, request: Request, exception: Exception,
                          spider: Spider | None = None) -> None:  # fmt: skip
        kind = _exception_kind(exception)
        if kind:
            count(self.stats, kind)
        return None


class RedirectCounter:
    """Count redirects Scrapy drops silently: past ``REDIRECT_MAX_TIMES``, or to a non-HTTP URL.

    Scrapy's RedirectMiddleware (600) drops the first with an IgnoreRequest raised from
    ``process_response``, which no other middleware sees, and hands the second back as a plain
    3xx response; this one sits just before it (610). Redirects it follows are re-scheduled
    through every middleware, so the address guard checks each hop itself.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.max_redirects = crawler.settings.getint("REDIRECT_MAX_TIMES")
        self.enabled = crawler.settings.getbool("REDIRECT_ENABLED")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectCounter:
        return cls(crawler)

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Response:  # fmt: skip
        location = response.headers.get(b"Location")
        if (not self.enabled or response.status not in _REDIRECT_CODES or not location
                or request.meta.get("dont_redirect")):  # fmt: skip
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        if urlsplit(target).scheme.lower() not in ("http", "https"):
            if self.stats is not None:
                self.stats.inc_value(REFUSED_PREFIX + KIND_SCHEME)
        elif request.meta.get("redirect_times", 0) + 1 > self.max_redirects:
            count(self.stats, "redirect-limit")
        return response


class CountingHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression (bounded by ``DOWNLOAD_MAXSIZE`` on the decoded size), counted.

    Replaces ``scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware`` at 590.
    """

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Any:  # fmt: skip
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            count(self.stats, "decompression-bomb")
            raise
        except (OSError, EOFError, ValueError) as exc:  # corrupt gzip/deflate/brotli data
            count(self.stats, "bad-encoding")
            raise HostileResponse("bad-encoding", request.url, f"undecodable body: {exc}") from exc


def _exception_kind(exception: Exception) -> str | None:
    if isinstance(exception, DownloadTimeoutError | TxTimeoutError):
        return "timeout"
    if isinstance(exception, ResponseDataLossError):
        return "truncated"
    if isinstance(exception, DownloadCancelledError):
        # Scrapy cancels a download for two reasons: DOWNLOAD_MAXSIZE (the message says so when
        # the Content-Length announced it; empty when the body grew past it) and its own
        # timeout, which it reports as DownloadTimeoutError instead.
        message = str(exception)
        return "too-large" if not message or "max size" in message else None
    if isinstance(exception, ResponseFailed) and any(
        "DataLoss" in type(getattr(r, "value", r)).__name__ for r in exception.reasons
    ):
        return "truncated"
    return None


def _declared_charset(content_type: bytes) -> str | None:
    """The charset label of a Content-Type header, as declared (maybe bogus)."""
    for part in content_type.split(b";")[1:]:
        key, _, value = part.partition(b"=")
        if key.strip() == b"charset" and value.strip():
            return value.strip().strip(b"\"'").decode("ascii", "replace")
    return None


def _codec_name(label: str | None) -> str | None:
    try:
        return codecs.lookup(label).name if label else None
    except LookupError:
        return None


