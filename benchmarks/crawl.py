"""Crawl throughput and memory: ``newscrawl crawl`` against a bare Scrapy + trafilatura spider.

Both crawl a generated fashion-news site (``benchmarks/sitegen.py``) served on 127.0.0.1 from a
separate process (so the server's CPU and memory are not counted). In one run, for each size:

1. ``newscrawl crawl --url <site> --no-dedup`` as a user gets it (default settings, so
   ``NEWSCRAWL_EXTRACT_WORKERS=auto``) — robots.txt, sitemaps, feed, home and section pages,
   link following, canonicalisation, extraction, fsync-ed JSONL, crawl state;
2. the same with extraction in the crawler process (``NEWSCRAWL_EXTRACT_WORKERS=0``, one core)
   and with each worker count in ``--workers``;
3. at ``--dedup-sizes``, the default ``newscrawl crawl`` with in-crawl dedup as well;
4. the floor: a bare Scrapy spider that fetches *the same URLs* (read back from run 1's crawl
   state) and calls ``trafilatura.extract`` on each page, nothing else (one core).

All use the same concurrency and no politeness delays. Printed per crawler: pages fetched,
wall seconds (process start to exit), pages/s and its ratio to the bare spider, CPU seconds
(workers included), CPU ms per page, peak RSS (the process tree's, workers included). Run at
1,000 and 5,000 articles to show that memory does not grow with the number of pages::

    python benchmarks/crawl.py                      # 1,000 and 5,000 articles
    python benchmarks/crawl.py --sizes 5000 --workers 1,2 --dedup-sizes ""
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sitegen import serve_in_subprocess  # benchmarks/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from newscrawl import settings as _settings  # noqa: E402
from newscrawl.crawl.extract_worker import resolve_workers  # noqa: E402

DEFAULT_WORKERS = resolve_workers(_settings.NEWSCRAWL_EXTRACT_WORKERS)


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


def tree_rss_mb(pid: int, seen: set[int] | None = None) -> float:
    """Resident memory of a process and all its descendants (extraction workers, their fork
    server), in MB; their pids are added to ``seen``. Pages shared copy-on-write between
    them count once per process, so this overstates the tree's real footprint."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            with open(f"/proc/{current}/task/{current}/children") as fh:
                stack.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
        if seen is not None and current != pid:
            seen.add(current)
    return total / 1024


def become_subreaper() -> bool:
    """Adopt the crawler's orphaned descendants (Linux ``PR_SET_CHILD_SUBREAPER``).

    Extraction workers may be children of a fork server that the crawler never reaps; as
    our own children once the crawler exits, we reap them and their CPU time counts.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def reap(pids: set[int], timeout: float = 30.0) -> None:
    """Wait for the adopted descendants in ``pids`` to exit (a fork server exits once its
    parent has), so ``RUSAGE_CHILDREN`` includes their CPU time."""
    deadline = time.monotonic() + timeout
    pending = set(pids)
    while pending and time.monotonic() < deadline:
        for pid in list(pending):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not ours (already reaped by its own parent)
                pending.discard(pid)
                continue
            if done:
                pending.discard(pid)
        if pending:
            time.sleep(0.05)


def run_measured(cmd: list[str]) -> tuple[int, float, float, float, str]:
    """Run ``cmd``; return (exit code, wall seconds, peak RSS MB, CPU seconds, stdout).

    Peak RSS is the larger of ``wait4``'s maximum and the process tree's sampled sum, so
    worker processes count. CPU is the whole tree's: the crawler, the workers it waited for,
    and (as their subreaper) descendants it left behind, such as a fork server and its workers.
    """
    adopted = become_subreaper()
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = [0.0]
    descendants: set[int] = set()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.25):
                peak[0] = max(peak[0], tree_rss_mb(proc.pid, descendants))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started  # the crawl is over when the crawler exits
        done.set()
        sampler.join()
        if adopted:
            reap(descendants)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        return proc.returncode, seconds, max(peak[0], usage.ru_maxrss / 1024), cpu, out.read()


def serve_site(articles: int) -> tuple[subprocess.Popen, str]:
    return serve_in_subprocess(articles)


def crawl_newscrawl(
    url: str, work: Path, concurrency: int, workers: int | None = None, dedup: bool = False
) -> tuple[Result, list[str]]:
    """One ``newscrawl crawl`` run; ``workers`` None keeps the default (``auto``)."""
    work = work / f"newscrawl-w{'auto' if workers is None else workers}-{'dedup' if dedup else 'nodedup'}"
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
        *([] if workers is None else ["--set", f"NEWSCRAWL_EXTRACT_WORKERS={workers}"]),
        *([] if dedup else ["--no-dedup"]),
    ]
    code, seconds, rss, cpu, _ = run_measured(cmd)
    manifests = sorted((work / "out").glob("*.manifest.json"))
    if not manifests:
        raise SystemExit(f"newscrawl crawl failed (exit {code}) without a manifest")
    counts = json.loads(manifests[-1].read_text())["counts"]
    with sqlite3.connect(state) as db:
        urls = [row[0] for row in db.execute("SELECT url FROM pages WHERE status = 200")]
    if workers is None:
        mode = f"default: {DEFAULT_WORKERS} worker{'s' * (DEFAULT_WORKERS != 1)}"
    else:
        mode = f"{workers} worker{'s' * (workers != 1)}" if workers else "in-process"
    label = f"newscrawl crawl, {mode}" + (", dedup" if dedup else "")
    result = Result(
        label,
        counts["responses"],
        seconds,
        rss,
        cpu,
        f"{counts['records_written']} records"
        + (f" ({counts['duplicates_dropped']} copies dropped)" if dedup else "")
        + f", CPU s: extraction {counts.get('extract_cpu_s', 0):.1f}"
        f" + HTML parse {counts.get('parse_cpu_s', 0):.1f}, exit {code}",
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
    parser.add_argument(
        "--workers",
        default="1,2",
        help="worker counts to run besides the default (auto) and in-process (0) rows "
        "(comma-separated; default 1,2; counts equal to the default are not repeated)",
    )
    parser.add_argument(
        "--dedup-sizes",
        default="1000",
        help="sizes at which to also run newscrawl with in-crawl dedup (its default); "
        "the other rows use --no-dedup, as the bare spider does no dedup either",
    )
    parser.add_argument("--bare-spider", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_spider:
        bare_spider(args.bare_spider, args.concurrency)
        return 0
    rows: list[tuple[int, list[Result], Result]] = []
    dedup_sizes = {int(n) for n in args.dedup_sizes.split(",") if n}
    extra = [int(n) for n in args.workers.split(",") if n.strip()]
    worker_counts = [n for n in dict.fromkeys([0, *extra]) if n != DEFAULT_WORKERS]
    for size in [int(n) for n in args.sizes.split(",")]:
        server, url = serve_site(size)
        try:
            with tempfile.TemporaryDirectory(prefix="newscrawl-bench-") as tmp:
                ours, urls = crawl_newscrawl(url, Path(tmp), args.concurrency)
                floor = crawl_bare(urls, Path(tmp), args.concurrency)
                results = [ours]
                for workers in worker_counts:
                    results.append(crawl_newscrawl(url, Path(tmp), args.concurrency, workers)[0])
                if size in dedup_sizes:
                    results.append(crawl_newscrawl(url, Path(tmp), args.concurrency, dedup=True)[0])
        finally:
            server.terminate()
            server.wait()
        rows.append((size, results, floor))
        print(f"[{size} articles done]", file=sys.stderr, flush=True)
    print(
        f"\ncrawl benchmark: generated site on 127.0.0.1, concurrency {args.concurrency}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
        f"NEWSCRAWL_EXTRACT_WORKERS default {_settings.NEWSCRAWL_EXTRACT_WORKERS!r} "
        f"= {DEFAULT_WORKERS} here"
    )
    print(
        f"{'articles':>8}  {'crawler':<36} {'pages':>6} {'wall s':>7} {'pages/s':>8} {'vs bare':>7}"
        f" {'CPU s':>7} {'CPU ms/page':>11} {'peak RSS MB':>11}  notes"
    )
    for size, results, floor in rows:
        for r in [*results, floor]:
            ratio = f"{r.rate / floor.rate:.2f}x" if floor.rate else "-"
            print(
                f"{size:>8}  {r.name:<36} {r.pages:>6} {r.seconds:>7.1f} {r.rate:>8.1f} {ratio:>7}"
                f" {r.cpu_seconds:>7.1f} {1000 * r.cpu_seconds / max(1, r.pages):>11.1f}"
                f" {r.peak_rss_mb:>11.0f}  {r.extra}"
            )
    print(
        "vs bare: pages/s relative to the bare spider in the same run (wall clock, so on a busy\n"
        "machine compare CPU ms/page too). Peak RSS includes extraction worker processes."
    )
    if len(rows) > 1:
        for index in range(min(len(rows[0][1]), len(rows[-1][1]))):
            small, large = rows[0][1][index], rows[-1][1][index]
            print(
                f"{small.name} peak RSS: {small.peak_rss_mb:.0f} MB at {rows[0][0]} articles, "
                f"{large.peak_rss_mb:.0f} MB at {rows[-1][0]} articles"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
