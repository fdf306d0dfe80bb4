"""The safety middlewares and resolver one by one, without a crawl (the crawl test covers wiring)."""

from __future__ import annotations

import gzip

import pytest
from newscrawl.spiders import netguard
from newscrawl.spiders.hostile import (
    CountingHttpCompressionMiddleware,
    HostileResponse,
    HostileResponseMiddleware,
    RedirectCounter,
)
from newscrawl.spiders.netguard import (
    AddressRefused,
    GuardedResolver,
    NetGuardMiddleware,
    RefusedLookupMiddleware,
)
from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError


def _crawler(**settings: object):  # type: ignore[no-untyped-def]
    crawler = get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": 1_000_000, **settings})
    crawler.stats.open_spider()
    return crawler


def _stat(crawler, key: str) -> int:  # type: ignore[no-untyped-def]
    return crawler.stats.get_value(key, 0)


# --- address guard ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [("http://10.1.2.3/", "private-address"), ("http://[::1]:8080/x", "private-address"),
     ("http://169.254.169.254/latest/", "metadata-address"), ("ftp://example.com/", "scheme")],
)  # fmt: skip
def test_guard_refuses_and_counts(url: str, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSCRAWL_ALLOW_PRIVATE_NETWORK", raising=False)
    crawler = _crawler()
    guard = NetGuardMiddleware.from_crawler(crawler)
    with pytest.raises(AddressRefused) as info:
        guard.process_request(Request(url))
    assert isinstance(info.value, IgnoreRequest)  # never retried, never an error trace
    assert _stat(crawler, f"newscrawl/refused/{kind}") == 1


def test_guard_lets_public_urls_through_and_honours_the_opt_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NEWSCRAWL_ALLOW_PRIVATE_NETWORK", raising=False)
    assert NetGuardMiddleware.from_crawler(_crawler()).process_request(
        Request("https://fashionunited.uk/news/x")) is None  # fmt: skip
    opted = NetGuardMiddleware.from_crawler(_crawler(NEWSCRAWL_ALLOW_PRIVATE_NETWORK=True))
    assert opted.process_request(Request("http://127.0.0.1:8601/")) is None
    with pytest.raises(AddressRefused):
        opted.process_request(Request("http://169.254.169.254/"))
    monkeypatch.setenv("NEWSCRAWL_ALLOW_PRIVATE_NETWORK", "1")
    assert NetGuardMiddleware.from_crawler(_crawler()).process_request(
        Request("http://192.168.1.10/")) is None  # fmt: skip


def test_guard_logs_once_per_host(caplog: pytest.LogCaptureFixture,
                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.delenv("NEWSCRAWL_ALLOW_PRIVATE_NETWORK", raising=False)
    crawler = _crawler()
    guard = NetGuardMiddleware.from_crawler(crawler)
    for path in ("a", "b", "c"):
        with pytest.raises(AddressRefused):
            guard.process_request(Request(f"http://10.0.0.7/{path}"))
    assert sum("refused" in r.message for r in caplog.records) == 1
    assert _stat(crawler, "newscrawl/refused/private-address") == 3


def test_resolver_refuses_private_answers_and_tells_the_middleware() -> None:
    resolver = GuardedResolver.__new__(GuardedResolver)  # no reactor needed for the check
    resolver.allow_private = False
    assert resolver._check("151.101.1.140", "public.example") == "151.101.1.140"
    with pytest.raises(DNSLookupError):
        resolver._check("10.0.0.5", "rebound.example")
    crawler = _crawler()
    lookup = RefusedLookupMiddleware.from_crawler(crawler)
    request = Request("https://rebound.example/news")
    with pytest.raises(AddressRefused):
        lookup.process_exception(request, CannotResolveHostError("no results"))
    assert _stat(crawler, "newscrawl/refused/private-address") == 1
    # An ordinary DNS failure is left to the retry middleware.
    assert lookup.process_exception(Request("https://nxdomain.example/"),
                                    CannotResolveHostError("no results")) is None  # fmt: skip
    # And the next request to the refused host is refused before any lookup.
    with pytest.raises(AddressRefused):
        NetGuardMiddleware.from_crawler(crawler).process_request(request)
    resolver._check("151.101.1.140", "rebound.example")  # rebound to public: allowed again
    assert netguard.refused_hosts.get("rebound.example") is None


def test_resolver_metadata_answers_refused_even_when_opted_in() -> None:
    resolver = GuardedResolver.__new__(GuardedResolver)
    resolver.allow_private = True
    assert resolver._check("127.0.0.1", "dev.local") == "127.0.0.1"
    with pytest.raises(DNSLookupError):
        resolver._check("169.254.169.254", "sneaky.example")


# --- hostile responses --------------------------------------------------------------------------


def _html(url: str, body: bytes, ctype: bytes = b"text/html; charset=utf-8",
          status: int = 200, **headers: bytes) -> Response:  # fmt: skip
    return HtmlResponse(url, body=body, status=status,
                        headers={"Content-Type": ctype, **headers})  # fmt: skip


def test_binary_empty_and_pathological_bodies_are_dropped_and_counted() -> None:
    crawler = _crawler()
    mw = HostileResponseMiddleware.from_crawler(crawler)
    cases = {
        "binary-as-html": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        "empty-body": b"  \n",
        "pathological-markup": b"<div " + b" ".join(b"a%d=x" % i for i in range(5000)) + b">",
    }
    for kind, body in cases.items():
        request = Request("https://news.example/" + kind)
        with pytest.raises(HostileResponse):
            mw.process_response(request, _html(request.url, body))
        assert _stat(crawler, f"newscrawl/hostile/{kind}") == 1


def test_non_html_and_good_pages_pass() -> None:
    crawler = _crawler()
    mw = HostileResponseMiddleware.from_crawler(crawler)
    sitemap = Response("https://news.example/s.xml.gz", body=gzip.compress(b"<urlset/>"),
                       headers={"Content-Type": b"application/x-gzip"})  # fmt: skip
    page = _html("https://news.example/a", "<p>Café</p>".encode())
    for response in (sitemap, page):
        assert mw.process_response(Request(response.url), response) is response
    assert not any(k.startswith("newscrawl/hostile/") for k in crawler.stats.get_stats())


def test_wrong_charset_counted_but_kept() -> None:
    crawler = _crawler()
    mw = HostileResponseMiddleware.from_crawler(crawler)
    lying = _html("https://news.example/a", "<p>Café crème</p>".encode("cp1252"))
    kept = mw.process_response(Request(lying.url), lying)
    assert "Café crème" in kept.text  # and decoded as extraction will decode it
    assert _stat(crawler, "newscrawl/hostile/wrong-charset") == 1
    bom = _html("https://news.example/b", b"\xef\xbb\xbf<p>ok</p>", b"text/html; charset=latin-1")
    mw.process_response(Request(bom.url), bom)
    assert _stat(crawler, "newscrawl/hostile/wrong-charset") == 1  # a BOM overrides the header


def test_http_errors_counted_with_and_without_retry_after() -> None:
    crawler = _crawler()
    mw = HostileResponseMiddleware.from_crawler(crawler)
    for status, headers in ((503, {"Retry-After": b"5"}), (500, {}), (404, {}), (429, {"Retry-After": b"1"})):
        response = _html("https://news.example/e", b"<h1>err</h1>", status=status, **headers)
        assert mw.process_response(Request(response.url), response) is response
    assert _stat(crawler, "newscrawl/hostile/http-error") == 3  # 404 is a plain dead link
    assert _stat(crawler, "newscrawl/hostile/http-error-retry-after") == 2


@pytest.mark.parametrize(
    ("exception", "kind"),
    [(DownloadTimeoutError("took longer than 30 seconds"), "timeout"),
     (ResponseDataLossError(), "truncated"),
     (DownloadCancelledError("Received 9000000 bytes which is larger than download max size"),
      "too-large"),
     (DownloadCancelledError(""), "too-large")],
)  # fmt: skip
def test_download_failures_counted_by_kind(exception: Exception, kind: str) -> None:
    crawler = _crawler()
    mw = HostileResponseMiddleware.from_crawler(crawler)
    assert mw.process_exception(Request("https://news.example/x"), exception) is None  # retry decides
    assert _stat(crawler, f"newscrawl/hostile/{kind}") == 1


def test_decompression_bomb_is_cut_at_maxsize_and_counted() -> None:
    crawler = _crawler(DOWNLOAD_MAXSIZE=1_000_000)
    mw = CountingHttpCompressionMiddleware.from_crawler(crawler)
    bomb = gzip.compress(b"\0" * 20_000_000)
    response = Response("https://news.example/bomb", body=bomb,
                        headers={"Content-Encoding": b"gzip", "Content-Type": b"text/html"})  # fmt: skip
    with pytest.raises(IgnoreRequest):
        mw.process_response(Request(response.url), response)
    assert _stat(crawler, "newscrawl/hostile/decompression-bomb") == 1
    ok = Response("https://news.example/ok", body=gzip.compress(b"<p>fine</p>"),
                  headers={"Content-Encoding": b"gzip", "Content-Type": b"text/html"})  # fmt: skip
    assert mw.process_response(Request(ok.url), ok).body == b"<p>fine</p>"


def test_redirects_past_the_limit_or_to_other_schemes_are_counted() -> None:
    crawler = _crawler(REDIRECT_MAX_TIMES=3)
    mw = RedirectCounter.from_crawler(crawler)
    hop = Request("https://news.example/r/3", meta={"redirect_times": 3})
    loop = Response(hop.url, status=302, headers={"Location": b"/r/4"})
    assert mw.process_response(hop, loop) is loop
    assert _stat(crawler, "newscrawl/hostile/redirect-limit") == 1
    first = Request("https://news.example/r/0")
    assert mw.process_response(first, Response(first.url, status=301, headers={"Location": b"/a"}))
    assert _stat(crawler, "newscrawl/hostile/redirect-limit") == 1  # within the limit
    to_file = Response(first.url, status=302, headers={"Location": b"file:///etc/passwd"})
    mw.process_response(first, to_file)
    assert _stat(crawler, "newscrawl/refused/scheme") == 1


def test_resolver_reaches_a_configured_proxy_on_a_private_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("https_proxy", "http://proxy.corp.example:3128")
    resolver = GuardedResolver.__new__(GuardedResolver)
    resolver.allow_private = False
    resolver.proxy_hosts = netguard._proxy_hosts()
    assert resolver._check("10.20.0.3", "proxy.corp.example") == "10.20.0.3"
    with pytest.raises(DNSLookupError):
        resolver._check("10.20.0.4", "intranet.corp.example")


@pytest.mark.parametrize("charset", ["base64", "rot13", "utf-16", "cp037", "punycode"])
def test_bogus_charsets_do_not_break_selectors(charset: str) -> None:
    """Scrapy believes the declared charset: ``base64`` made ``response.text`` raise and
    ``utf-16`` hid every link; the middleware puts extraction's verdict in the header."""
    crawler = _crawler()
    mw = HostileResponseMiddleware.from_crawler(crawler)
    body = (f"<html><head><meta charset='{charset}'></head><body><p>Café "
            "<a href='/news/x'>x</a></p></body></html>").encode()  # fmt: skip
    for header in (b"text/html", b"text/html; charset=" + charset.encode()):
        response = _html("https://news.example/", body, header)
        fixed = mw.process_response(Request(response.url), response)
        assert fixed.css("a::attr(href)").getall() == ["/news/x"]
        assert "Café" in fixed.text
    assert _stat(crawler, "newscrawl/hostile/wrong-charset") == 1  # the header lied once


def test_huge_robots_txt_is_cut_to_500_kib_on_a_line_boundary() -> None:
    crawler = _crawler()
    mw = HostileResponseMiddleware.from_crawler(crawler)
    rules = "User-agent: *\n" + "".join(f"Disallow: /p{i}/*x*y$\n" for i in range(100_000))
    response = Response("https://news.example/robots.txt", body=rules.encode(),
                        headers={"Content-Type": b"text/plain"})  # fmt: skip
    cut = mw.process_response(Request(response.url), response)
    assert len(cut.body) <= 500 * 1024 and cut.body.endswith(b"$\n")
    assert rules.encode().startswith(cut.body)
    assert _stat(crawler, "newscrawl/hostile/robots-truncated") == 1
    small = Response("https://news.example/robots.txt", body=b"User-agent: *\nDisallow: /x\n")
    assert mw.process_response(Request(small.url), small) is small
