"""A minimal crawl over the hostile site with the safety middlewares wired in, run as a script.

Used by ``tests/test_hostile_crawl.py`` in a subprocess (Scrapy's reactor cannot restart in the
test process, and the subprocess's peak RSS is what we measure). It discovers the way the real
spider does — home links, robots.txt ``Sitemap:``, sitemap indexes via
``newscrawl.crawl.discovery`` — extracts pages with ``newscrawl.extract.extract`` and writes the
crawl stats and the emitted article URLs as JSON.

    python tests/hostile_probe.py URL OUT.json [--no-allow-private] [-s NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess

from newscrawl.crawl.discovery import DiscoveryError, parse_sitemap, robots_sitemaps
from newscrawl.errors import InputError
from newscrawl.extract import extract

SAFETY_SETTINGS: dict[str, Any] = {
    "TWISTED_DNS_RESOLVER": "newscrawl.spiders.netguard.GuardedResolver",
    "DOWNLOADER_MIDDLEWARES": {
        "newscrawl.spiders.netguard.NetGuardMiddleware": 50,
        "newscrawl.spiders.netguard.RefusedLookupMiddleware": 560,
        "newscrawl.spiders.hostile.HostileResponseMiddleware": 580,
        "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
        "newscrawl.spiders.hostile.CountingHttpCompressionMiddleware": 590,
        "newscrawl.spiders.hostile.RedirectCounter": 610,
    },
}


class HostileProbe(scrapy.Spider):
    name = "hostile-probe"

    def __init__(self, home: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.home = home
        self.articles: list[str] = []

    async def start(self):  # type: ignore[override]
        yield scrapy.Request(self.home, callback=self.parse_home)
        yield scrapy.Request(self.home.rstrip("/") + "/robots.txt", callback=self.parse_robots)

    def parse_home(self, response):  # type: ignore[no-untyped-def]
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, callback=self.parse_page)

    def parse_robots(self, response):  # type: ignore[no-untyped-def]
        for url in robots_sitemaps(response.body, response.url):
            yield scrapy.Request(url, callback=self.parse_sitemap)

    def parse_sitemap(self, response):  # type: ignore[no-untyped-def]
        try:
            sitemap = parse_sitemap(response.body, response.url)
        except DiscoveryError:
            self.crawler.stats.inc_value("newscrawl/hostile/bad-sitemap")
            return
        for entry in sitemap.entries:
            callback = self.parse_sitemap if sitemap.is_index else self.parse_page
            yield scrapy.Request(entry.url, callback=callback)

    def parse_page(self, response):  # type: ignore[no-untyped-def]
        try:
            result = extract(response.body, response.url, encoding=response.headers.get(
                "Content-Type", b"").decode("latin-1").partition("charset=")[2] or None)
        except InputError:
            self.crawler.stats.inc_value("newscrawl/hostile/unusable-page")
            return
        if result.is_article:
            record = result.record.model_dump(mode="json")
            self.articles.append(response.url)
            yield {"url": response.url, "title": record.get("title"), "text": record.get("text")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--no-allow-private", action="store_true")
    parser.add_argument("-s", action="append", default=[])
    args = parser.parse_args(argv)
    settings: dict[str, Any] = {
        **SAFETY_SETTINGS,
        "LOG_LEVEL": "WARNING",
        "ROBOTSTXT_OBEY": True,
        "TELNETCONSOLE_ENABLED": False,
        "NEWSCRAWL_ALLOW_PRIVATE_NETWORK": not args.no_allow_private,
        "DOWNLOAD_MAXSIZE": 8 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 4 * 1024 * 1024,
        "DOWNLOAD_TIMEOUT": 3,
        "REDIRECT_MAX_TIMES": 5,
        "RETRY_TIMES": 1,
        "CONCURRENT_REQUESTS": 16,
    }
    for item in args.s:
        name, _, value = item.partition("=")
        settings[name] = json.loads(value) if value[:1] in "0123456789[{tf" else value
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(HostileProbe)
    process.crawl(crawler, home=args.url)
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, int | float | str)}
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump({"stats": stats, "articles": sorted(crawler.spider.articles)}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
