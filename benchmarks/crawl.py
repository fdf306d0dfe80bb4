"""Crawl throughput and memory: ``newscrawl crawl`` against a bare Scrapy + trafilatura spider.

Both crawl a generated fashion-news site (``benchmarks/sitegen.py``) served on 127.0.0.1 from a
separate process (so the server's CPU and memory are not counted). In one run, for each size:

1. ``newscrawl crawl --url <site>`` — the real thing: robots.txt, sitemaps, feed, home and
   section pages, link following, canonicalisation, extraction, dedup, fsync-ed JSONL, state;
2. the floor: a bare Scrapy spider that fetches *the same URLs* (read back from newscrawl's
   crawl state) and calls ``trafilatura.extract`` on each page, nothing else.

Both use the same concurrency and no politeness delays. Printed per crawler: pages fetched,
wall seconds (process start to exit), pages/s, peak RSS (``wait4`` of the crawler process),
and the ratio newscrawl / bare. Run at 1,000 and 5,000 articles to show that memory does not
grow with the number of pages::

    python benchmarks/crawl.py                      # 1,000 and 5,000 articles
    python benchmarks/crawl.py --sizes 5000 --concurrency 8
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    name: str
    pages: int
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float = 0.0
    extra: str = ""

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def run_measured(cmd: list[str]) -> tuple[int, float, float, float, str]:
    """Run ``cmd``; return (exit code, wall seconds, peak RSS MB, CPU seconds, stdout)."""
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return proc.returncode, seconds, usage.ru_maxrss / 1024, cpu, out.read()


def serve_site(articles: int) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "benchmarks" / "sitegen.py"), "--articles", str(articles)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if len(line) != 2:
        proc.kill()
        raise SystemExit(f"sitegen did not start: {line}")
    return proc, line[1]


def crawl_newscrawl(url: str, work: Path, concurrency: int) -> tuple[Result, list[str]]:
    state = work / "state.sqlite"
    cmd = [
        sys.executable,
        "-m",
        "newscrawl",
        "crawl",
        "--url",
        url,
        "-o",
        str(work / "out"),
        "--state",
        f"sqlite:{state}",
        "--allow-private-network",
        "--no-progress",
        "--max-pages",
        "1000000",
        "--depth",
        "3",
        "--set",
        "AUTOTHROTTLE_ENABLED=0",
        "--set",
        "DOWNLOAD_DELAY=0",
        "--set",
        f"CONCURRENT_REQUESTS={concurrency}",
        "--set",
        f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
    ]
    code, seconds, rss, cpu, _ = run_measured(cmd)
    manifests = sorted((work / "out").glob("*.manifest.json"))
    if not manifests:
        raise SystemExit(f"newscrawl crawl failed (exit {code}) without a manifest")
    counts = json.loads(manifests[-1].read_text())["counts"]
    with sqlite3.connect(state) as db:
        urls = [row[0] for row in db.execute("SELECT url FROM pages WHERE status = 200")]
    result = Result(
        "newscrawl crawl",
        counts["responses"],
        seconds,
        rss,
        cpu,
        f"{counts['records_written']} records, extraction {counts.get('extract_cpu_s', 0):.1f} s CPU,"
        f" exit {code}",
    )
    return result, urls


def crawl_bare(urls: list[str], work: Path, concurrency: int) -> Result:
    url_file = work / "urls.txt"
    url_file.write_text("\n".join(urls))
    code, seconds, rss, cpu, out = run_measured(
        [
            sys.executable,
            __file__,
            "--bare-spider",
            str(url_file),
            "--concurrency",
            str(concurrency),
        ]
    )
    stats = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    return Result(
        "bare scrapy + trafilatura",
        stats.get("pages", 0),
        seconds,
        rss,
        cpu,
        f"{stats.get('extracted', 0)} extracted, exit {code}",
    )


def bare_spider(url_file: Path, concurrency: int) -> None:
    """The floor: fetch every URL once, ``trafilatura.extract`` each page, keep nothing."""
    import scrapy
    import trafilatura
    from scrapy.crawler import CrawlerProcess

    urls = url_file.read_text().split()
    counters = {"pages": 0, "extracted": 0}

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):  # type: ignore[no-untyped-def]
            for url in urls:
                yield scrapy.Request(url, dont_filter=True)

        def parse(self, response):  # type: ignore[no-untyped-def]
            counters["pages"] += 1
            if isinstance(response, scrapy.http.TextResponse):
                text = trafilatura.extract(response.text, url=response.url)
                counters["extracted"] += bool(text)

    process = CrawlerProcess(
        {
            "LOG_LEVEL": "ERROR",
            "TELNETCONSOLE_ENABLED": False,
            "ROBOTSTXT_OBEY": False,
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "COOKIES_ENABLED": False,
        }
    )
    process.crawl(BareSpider)
    process.start()
    print(json.dumps(counters))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000", help="article counts (default 1000,5000)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--bare-spider", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_spider:
        bare_spider(args.bare_spider, args.concurrency)
        return 0
    rows: list[tuple[int, Result, Result]] = []
    for size in [int(s) for s in args.sizes.split(",")]:
        server, url = serve_site(size)
        try:
            with tempfile.TemporaryDirectory(prefix="newscrawl-bench-") as tmp:
                ours, urls = crawl_newscrawl(url, Path(tmp), args.concurrency)
                floor = crawl_bare(urls, Path(tmp), args.concurrency)
        finally:
            server.terminate()
            server.wait()
        rows.append((size, ours, floor))
        print(f"[{size} articles done]", file=sys.stderr, flush=True)
    print(
        f"\ncrawl benchmark: generated site on 127.0.0.1, concurrency {args.concurrency}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'articles':>8}  {'crawler':<27} {'pages':>6} {'wall s':>7} {'pages/s':>8} {'CPU s':>7}"
        f" {'CPU ms/page':>11} {'peak RSS MB':>11}  notes"
    )
    for size, ours, floor in rows:
        for r in (ours, floor):
            print(
                f"{size:>8}  {r.name:<27} {r.pages:>6} {r.seconds:>7.1f} {r.rate:>8.1f} {r.cpu_seconds:>7.1f}"
                f" {1000 * r.cpu_seconds / max(1, r.pages):>11.1f} {r.peak_rss_mb:>11.0f}  {r.extra}"
            )
        ratio = ours.rate / floor.rate if floor.rate else 0
        ours_cost = ours.cpu_seconds / max(1, ours.pages)
        cpu_ratio = (floor.cpu_seconds / max(1, floor.pages)) / ours_cost if ours_cost else 0
        print(
            f"{'':>8}  {'ratio newscrawl / bare':<27} {'':>6} {'':>7} {ratio:>8.2f}x {'':>7}"
            f" {cpu_ratio:>10.2f}x {ours.peak_rss_mb / max(1.0, floor.peak_rss_mb):>10.2f}x"
        )
    print(
        "ratios: pages/s is wall clock (noisy on a shared machine); CPU ms/page is shown as\n"
        "pages per CPU-second, newscrawl / bare (1.00x = as cheap as the bare spider)"
    )
    if len(rows) > 1:
        small, large = rows[0][1], rows[-1][1]
        print(
            f"newscrawl peak RSS: {small.peak_rss_mb:.0f} MB at {rows[0][0]} articles, "
            f"{large.peak_rss_mb:.0f} MB at {rows[-1][0]} articles"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
