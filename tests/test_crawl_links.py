"""Link discovery from the one parse a page gets: base, canonical, feeds, <a>/<area> links."""

from __future__ import annotations

from datetime import UTC, datetime

from newscrawl.spiders.news import NewsSpider
from parsel import Selector
from scrapy.utils.misc import is_generator_with_return_value

from newscrawl.crawl.detect import page_signals
from newscrawl.crawl.links import absolute_links, base_url, page_links
from newscrawl.extract import extract
from newscrawl.extract.document import Document

PAGE = """<!DOCTYPE html><html><head>
<title>Autumn collections</title>
<link rel="stylesheet" href="/static/site.css">
<link rel="Canonical" href="/news/2024/05/autumn-collections">
<link rel="canonical" href="/not-the-first">
<link rel="alternate" type="application/rss+xml" href="/feed.xml">
<meta property="og:type" content="article">
</head><body>
<nav><a href="/section/fashion">Fashion</a> <a href="/section/fashion">Fashion again</a>
<a>no href</a> <a href="">empty</a> <a href="#top">top</a> <a href="mailto:desk@news.example">mail</a>
<a href="javascript:void(0)">js</a> <a href="  /section/retail  ">Retail</a></nav>
<map><area href="/map/paris" alt="Paris"></map>
<p>Read <a href="related-story">the related story</a>, <a href="//cdn.news.example/x">cdn</a>
and <a href="https://other.example/a">elsewhere</a>.</p>
</body></html>"""


def test_page_links_reads_everything_in_one_pass() -> None:
    links = page_links(Document.parse(PAGE, url="https://news.example/news/a").tree)
    assert links.base is None
    assert links.canonical == "/news/2024/05/autumn-collections"  # first, rel case-insensitive
    assert ("alternate", "application/rss+xml", "/feed.xml") in links.link_elements
    assert links.hrefs[0] == "/section/fashion" and links.hrefs.count("/section/fashion") == 1
    assert "/map/paris" in links.hrefs  # <area> too
    assert len(links.hrefs) == len(set(links.hrefs))


def test_absolute_links_resolve_against_base_and_skip_non_pages() -> None:
    links = page_links(Document.parse(PAGE).tree)
    urls = absolute_links(links.hrefs, "https://news.example/news/a")
    assert urls == [
        "https://news.example/section/fashion",
        "https://news.example/section/retail",
        "https://news.example/map/paris",
        "https://news.example/news/related-story",
        "https://cdn.news.example/x",
        "https://other.example/a",
    ]


def test_base_href_is_honoured() -> None:
    html = (
        '<html><head><base href="/archive/2023/"></head><body><a href="story">s</a></body></html>'
    )
    links = page_links(Document.parse(html).tree)
    base = base_url("https://news.example/index", links.base)
    assert base == "https://news.example/archive/2023/"
    assert absolute_links(links.hrefs, base) == ["https://news.example/archive/2023/story"]
    assert base_url("https://news.example/index", None) == "https://news.example/index"


def test_page_links_work_on_a_selector_root_too() -> None:
    links = page_links(Selector(text=PAGE).root)
    assert links.canonical == "/news/2024/05/autumn-collections"
    assert "/map/paris" in links.hrefs


def test_page_signals_on_the_parsed_tree() -> None:
    assert page_signals(Document.parse(PAGE).tree)
    ld = '<html><script type="application/ld+json">{"@type": "NewsArticle"}</script></html>'
    assert page_signals(Document.parse(ld).tree)
    published = (
        '<html><head><meta name="article:published_time" content="2024-05-01"></head></html>'
    )
    assert page_signals(Document.parse(published).tree)
    listing = '<html><head><meta property="og:type" content="website"></head><body>x</body></html>'
    assert not page_signals(Document.parse(listing).tree)
    assert not page_signals(Selector(text=listing))


def test_extraction_from_the_spiders_parse_equals_a_fresh_parse() -> None:
    url = "https://news.example/news/2024/05/autumn-collections"
    html = PAGE.replace(
        "<nav>",
        "<article><h1>Autumn collections</h1>" + "<p>Buyers in Paris said "
        "the knitwear orders rose sharply this season, lifting margins.</p>"
        * 12
        + "</article><nav>",
    ).encode()
    fetched = datetime(2024, 5, 2, tzinfo=UTC)
    doc = Document.parse(html, url=url, encoding="utf-8")
    shared = extract(html, url=url, fetched_at=fetched, encoding="utf-8", document=doc)
    fresh = extract(html, url=url, fetched_at=fetched, encoding="utf-8")
    assert shared.record == fresh.record and shared.page_type == fresh.page_type


def test_spider_callbacks_return_no_values() -> None:
    """Scrapy's per-request version of this check is switched off (WARN_ON_GENERATOR_RETURN_VALUE):
    it re-parsed callback sources during the crawl. The answer is checked here once instead."""
    for callback in (
        NewsSpider.parse_page,
        NewsSpider.parse_sitemap,
        NewsSpider.parse_feed,
        NewsSpider.parse_robots,
    ):
        assert not is_generator_with_return_value(callback), callback.__name__
