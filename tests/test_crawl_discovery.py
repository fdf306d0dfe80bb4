"""Discovery parsing and URL decisions, without a crawler: sitemaps, feeds, traps, article shapes."""

from __future__ import annotations

import gzip
from datetime import date

import pytest
from parsel import Selector

from newscrawl.crawl.detect import (
    is_pagination,
    looks_like_article,
    page_signals,
    trap_reason,
    url_pattern,
)
from newscrawl.crawl.discovery import (
    DiscoveryError,
    feed_links,
    gunzip_limited,
    is_feed,
    parse_date,
    parse_feed,
    parse_sitemap,
    robots_sitemaps,
)
from newscrawl.crawl.registry import site_from_table

BASE = "https://news.example/"

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://news.example/fashion/2024/03/14/dior-appoints/</loc>
    <news:news>
      <news:publication><news:name>News</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2024-03-14T09:30:00+01:00</news:publication_date>
      <news:title>Dior appoints</news:title>
    </news:news>
    <image:image><image:loc>https://news.example/i.jpg</image:loc></image:image>
  </url>
  <url><loc> /retail/2024/03/12/store-closures/ </loc><lastmod>2024-03-12</lastmod></url>
  <url><lastmod>2024-03-12</lastmod></url>
</urlset>"""

INDEX = b"""<?xml version="1.0"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://news.example/sitemaps/news.xml</loc><lastmod>2024-03-14T10:00:00Z</lastmod></sitemap>
  <sitemap><loc>https://news.example/sitemaps/archive.xml.gz</loc></sitemap>
</sitemapindex>"""


def test_google_news_sitemap_gives_urls_and_publication_dates() -> None:
    sitemap = parse_sitemap(NEWS_SITEMAP, BASE)
    assert not sitemap.is_index
    assert [e.url for e in sitemap.entries] == [
        "https://news.example/fashion/2024/03/14/dior-appoints/",
        "https://news.example/retail/2024/03/12/store-closures/",
    ]
    first, second = sitemap.entries
    assert first.published == "2024-03-14T09:30:00+01:00" and first.title == "Dior appoints"
    assert second.lastmod == "2024-03-12" and second.published is None


def test_sitemap_index_and_gzipped_child() -> None:
    index = parse_sitemap(INDEX, BASE)
    assert index.is_index and [e.lastmod for e in index.entries] == ["2024-03-14T10:00:00Z", None]
    gz = parse_sitemap(gzip.compress(NEWS_SITEMAP), BASE)
    assert len(gz.entries) == 2


def test_hostile_xml_is_not_expanded() -> None:
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://news.example/&lol2;&xxe;</loc></url></urlset>"""
    entries = parse_sitemap(bomb, BASE).entries
    assert all("lollol" not in e.url and "root:" not in e.url for e in entries)


def test_gzip_bomb_is_refused() -> None:
    bomb = gzip.compress(b"<" + b" " * (2 * 1024 * 1024))
    with pytest.raises(DiscoveryError, match="expands past"):
        gunzip_limited(bomb, max_size=1024 * 1024)


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body>not a sitemap</body></html>", b"\x00\x01binary", b"\x1f\x8bnot gzip"],
)
def test_non_sitemaps_raise_discovery_error(body: bytes) -> None:
    with pytest.raises(DiscoveryError):
        parse_sitemap(body, BASE)


def test_url_count_is_capped() -> None:
    many = (
        b"<urlset>"
        + b"".join(b"<url><loc>/a/%d</loc></url>" % i for i in range(100))
        + b"</urlset>"
    )
    assert len(parse_sitemap(many, BASE, max_urls=10).entries) == 10


def test_rss_and_atom_feeds() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
<item><title>A</title><link>https://news.example/a-long-story-title/?utm_source=rss</link>
<pubDate>Thu, 14 Mar 2024 09:30:00 +0100</pubDate></item>
<item><title>B</title><guid isPermaLink="true">https://news.example/b/</guid></item></channel></rss>"""
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>C</title>
<link rel="alternate" href="/c-story/"/><link rel="edit" href="/edit/c"/>
<published>2024-03-01T08:00:00Z</published><updated>2024-03-02T08:00:00Z</updated></entry></feed>"""
    assert is_feed(rss) and is_feed(atom) and not is_feed(NEWS_SITEMAP)
    items = parse_feed(rss, BASE)
    assert [i.url for i in items] == [
        "https://news.example/a-long-story-title/?utm_source=rss",
        "https://news.example/b/",
    ]
    assert parse_date(items[0].published).isoformat() == "2024-03-14T08:30:00+00:00"
    (entry,) = parse_feed(atom, BASE)
    assert entry.url == "https://news.example/c-story/" and entry.lastmod == "2024-03-02T08:00:00Z"


def test_feed_links_and_robots_sitemaps() -> None:
    links = [
        ("alternate", "application/rss+xml", "/feed/"),
        ("alternate", "text/html", "/es/"),
        ("stylesheet", "text/css", "/a.css"),
        ("alternate", "application/atom+xml; charset=utf-8", "atom.xml"),
    ]
    assert feed_links(links, "https://news.example/section/") == [
        "https://news.example/feed/",
        "https://news.example/section/atom.xml",
    ]
    robots = "User-agent: *\nDisallow: /private/\nSitemap: https://news.example/sitemap_index.xml\nsitemap: /news.xml\n"
    assert robots_sitemaps(robots, BASE) == [
        "https://news.example/sitemap_index.xml",
        "https://news.example/news.xml",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example/fashion/2024/03/14/dior-appoints-new-director/",
        "https://news.example/news/retail/store-closures-hit-high-street-chains/2024031412345",
        "https://news.example/noticias/moda/balenciaga-presenta-coleccion.html",
        "https://fashionunited.uk/news/business/balenciaga-names-new-ceo/2024031474821",
        "https://news.example/a/123456",
        "https://news.example/20240314-dior-appoints",
    ],
)
def test_article_shaped_urls(url: str) -> None:
    assert looks_like_article(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example/",
        "https://news.example/fashion/",
        "https://news.example/tag/sustainability/",
        "https://news.example/author/jane-doe/",
        "https://news.example/fashion/?page=2",
        "https://news.example/page/3/",
        "https://news.example/about/privacy-policy/",
        "https://news.example/2024/03/",
    ],
)
def test_hub_shaped_urls(url: str) -> None:
    assert not looks_like_article(url)


def test_site_patterns_override_the_url_shape() -> None:
    site = site_from_table(
        {"name": "s", "home": BASE, "article_allow": ["/story/"], "article_deny": ["/live/"]}, "t"
    )
    assert looks_like_article("https://news.example/story/x", site)
    assert not looks_like_article(
        "https://news.example/live/2024/03/14/fashion-week-live-blog/", site
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://news.example/events/calendar?month=2031-07", "calendar"),
        ("https://news.example/calendario/2024/05", "calendar"),
        ("https://news.example/archive/2087/01/", "calendar"),
        ("https://news.example/search?q=denim&color=black", "faceted-search"),
        ("https://news.example/shop?sort=price", "faceted-search"),
        ("https://news.example/a/b/a/b/a/b/", "repeating-path"),
        ("https://news.example/img/look.jpg", "not-html"),
        ("https://news.example/login?next=/x", "not-crawlable"),
        ("https://news.example/" + "x/" * 12, "too-deep"),
    ],
)
def test_traps(url: str, reason: str) -> None:
    assert trap_reason(url, today=date(2024, 3, 14)) == reason


@pytest.mark.parametrize(
    "url",
    [
        "https://news.example/fashion/2024/03/14/dior/",
        "https://news.example/fashion/?page=2",
        "https://news.example/",
    ],
)
def test_ordinary_pages_are_not_traps(url: str) -> None:
    assert trap_reason(url, today=date(2024, 3, 14)) is None


def test_pattern_groups_generated_urls_and_pagination() -> None:
    assert url_pattern("https://n.example/cal/2024/05?x=1") == url_pattern(
        "https://n.example/cal/1999/12?x=7"
    )
    assert is_pagination("https://n.example/fashion/?page=7") and is_pagination(
        "https://n.example/news/page/4/"
    )


def test_page_signals() -> None:
    article = Selector(text='<html><head><meta property="og:type" content="article"></head></html>')
    ld = Selector(text='<script type="application/ld+json">{"@type": "NewsArticle"}</script>')
    listing = Selector(text='<html><head><meta property="og:type" content="website"></head></html>')
    assert page_signals(article) and page_signals(ld) and not page_signals(listing)
