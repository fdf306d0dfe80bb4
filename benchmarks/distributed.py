"""Distributed crawl throughput: 1 and 2 workers on Redis, beside the SQLite default, one run.

A generated fashion-news site (``benchmarks/sitegen.py``, at least 5,000 articles plus listings,
sitemaps and feed) is served on 127.0.0.1 from a separate process with an artificial per-response
latency (``--latency``, default 0.2 s), like a remote site: a single worker is then limited by
the site (``CONCURRENT_REQUESTS_PER_DOMAIN`` / latency pages/s), not by its CPU. Rows:

1. ``sqlite``: the default ``newscrawl crawl`` (one process);
2. ``redis x1``: one worker with ``--state redis://``;
3. ``redis x2, fleet cap C``: two workers; the shared politeness cap per site stays at C
   concurrent requests for the whole fleet (the default: N workers are as polite as one);
4. ``redis x2, fleet cap 2C``: two workers, each bringing its own C (the cap raised to 2C).

pages/s = responses of all workers / wall time from the first start to the last exit.
Extraction is CPU-bound (~tens of ms per page), so on a 2-core machine shared with the site
server and Redis, two workers gain only while the site's latency, not the CPU, is the limit::

    python benchmarks/distributed.py                        # 5,000 articles, 0.2 s latency
    python benchmarks/distributed.py --articles 5000 --latency 0.3 --concurrency 4
    python benchmarks/distributed.py --redis redis://127.0.0.1:6390/0

Redis: ``--redis URL``, else ``$NEWSCRAWL_TEST_REDIS``, else one is started with
``scripts/redis.sh`` on port 6391 (and stopped after).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sitegen import serve_in_subprocess  # benchmarks/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    name: str
    workers: int
    pages: int
    records: int
    seconds: float
    codes: list[int]

    @property
    def rate(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def serve_site(articles: int, latency: float) -> tuple[subprocess.Popen, str]:
    return serve_in_subprocess(articles, latency)


def crawl_cmd(url: str, out: Path, state: str, concurrency: int, extra: list[str]) -> list[str]:
    settings = {
        "AUTOTHROTTLE_ENABLED": "0",
        "DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS": str(max(16, 2 * concurrency)),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "NEWSCRAWL_TEMPLATE_MEMORY": "0",
    }
    cmd = [
        sys.executable, "-m", "newscrawl", "crawl", "--url", url, "-o", str(out),
        "--state", state, "--allow-private-network", "--no-progress",
        "--max-pages", "1000000", "--depth", "3",
    ]  # fmt: skip
    for name, value in settings.items():
        cmd += ["--set", f"{name}={value}"]
    return cmd + extra


def run_fleet(name: str, cmds: list[list[str]], out: Path) -> Row:
    started = time.monotonic()
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        for cmd in cmds
    ]
    codes = [proc.wait() for proc in procs]
    seconds = time.monotonic() - started
    pages = records = 0
    for manifest in out.glob("*.manifest.json"):
        counts = json.loads(manifest.read_text())["counts"]
        pages += counts["responses"]
        records += counts["records_written"]
    return Row(name, len(cmds), pages, records, seconds, codes)


def start_redis() -> tuple[str, str | None]:
    url = os.environ.get("NEWSCRAWL_TEST_REDIS")
    if url:
        return url, None
    port = "6391"
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "redis.sh"), "start", port],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return proc.stdout.strip(), port


def redis_uri(base: str, prefix: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}prefix={prefix}"


def cleanup(base: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(base)
    keys = list(client.scan_iter(match=prefix + "*", count=5000))
    for i in range(0, len(keys), 5000):
        client.delete(*keys[i : i + 5000])
    client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per response")
    parser.add_argument("--concurrency", type=int, default=4, help="per worker and site (C)")
    parser.add_argument("--redis", help="redis://HOST:PORT/DB (default: see module docstring)")
    args = parser.parse_args()
    if args.redis:
        base, started_port = args.redis, None
    else:
        base, started_port = start_redis()
    server, url = serve_site(args.articles, args.latency)
    rows: list[Row] = []
    c = args.concurrency
    try:
        with tempfile.TemporaryDirectory(prefix="nc-distributed-") as tmp:
            work = Path(tmp)
            plans: list[tuple[str, int, list[str]]] = [
                ("sqlite (default)", 1, []),
                ("redis x1", 1, []),
                (f"redis x2, fleet cap {c}", 2, []),
                (f"redis x2, fleet cap {2 * c}", 2,
                 ["--set", f"NEWSCRAWL_SHARED_DOMAIN_CONCURRENCY={2 * c}"]),
            ]  # fmt: skip
            for index, (name, workers, extra) in enumerate(plans):
                out = work / f"out{index}"
                if name.startswith("sqlite"):
                    state = f"sqlite:{work / f'state{index}.sqlite'}"
                    cmds = [crawl_cmd(url, out, state, c, extra)]
                else:
                    prefix = f"ncbench-{uuid.uuid4().hex[:8]}:"
                    state = redis_uri(base, prefix)
                    cmds = [
                        crawl_cmd(url, out, state, c, [*extra, "--set", f"NEWSCRAWL_WORKER=b{i}"])
                        for i in range(workers)
                    ]
                try:
                    rows.append(run_fleet(name, cmds, out))
                finally:
                    if not name.startswith("sqlite"):
                        cleanup(base, prefix)
                row = rows[-1]
                print(
                    f"  {row.name}: {row.pages} pages in {row.seconds:.1f}s, exit {row.codes}",
                    file=sys.stderr,
                )
    finally:
        server.terminate()
        server.wait()
        if started_port:
            subprocess.run(["bash", str(ROOT / "scripts" / "redis.sh"), "stop", started_port])
    base_rate = rows[0].rate or 1.0
    site_bound = c / args.latency if args.latency else float("inf")
    print(
        f"\nnewscrawl crawl, generated site of {args.articles} articles, +{args.latency:g} s per "
        f"response, C={c} per worker and site, {os.cpu_count()} CPUs"
    )
    print(
        f"{'run':<26} {'workers':>7} {'pages':>6} {'records':>7} {'seconds':>8} {'pages/s':>8} {'vs sqlite':>9}"
    )
    for row in rows:
        print(
            f"{row.name:<26} {row.workers:>7} {row.pages:>6} {row.records:>7} {row.seconds:>8.1f} "
            f"{row.rate:>8.1f} {row.rate / base_rate:>8.2f}x"
        )
    if len(rows) == 4 and rows[1].rate:
        print(
            f"2 workers / 1 worker on Redis: {rows[2].rate / rows[1].rate:.2f}x with the fleet "
            f"cap at C, {rows[3].rate / rows[1].rate:.2f}x with 2C; "
            f"site limit per C concurrent requests: {site_bound:.0f} pages/s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
