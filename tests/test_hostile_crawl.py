"""``newscrawl crawl`` over the hostile site: it finishes, emits every valid article, reports every
bad case in the run manifest by kind, and stays under a stated memory ceiling.

Each crawl runs as a real subprocess; its own peak RSS is read from ``/proc/PID/status`` (VmHWM).
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from newscrawl import exitcodes
from newscrawl.fixtureweb.hostile import ARTICLES, HOSTILE_CASES, HostileSite
from newscrawl.fixtureweb.server import SiteServer
from newscrawl.record import shipped_schema

pytestmark = pytest.mark.slow

# Peak RSS ceiling for the whole crawl process. Measured ~280 MB on the dev VM, where a crawl of
# an ordinary fixture site peaks at ~217 MB: every hostile case at once (a 128 MB gzip sitemap
# bomb cut at 50 MB, three 64 MB Content-Encoding bombs cut at DOWNLOAD_MAXSIZE, 24 MB pages)
# adds ~60 MB.
RSS_CEILING_MB = 400
# --no-dedup: the generated articles share one pool of sentences, so dedup rightly calls them copies.
QUICK = ["--no-dedup", "--set", "AUTOTHROTTLE_ENABLED=0", "--set", "DOWNLOAD_DELAY=0",
         "--set", "DOWNLOAD_TIMEOUT=3", "--set", "RETRY_TIMES=1",
         "--set", "NEWSCRAWL_RETRY_MAX_DELAY=1", "--set", "NEWSCRAWL_RETRY_BACKOFF_BASE=0.2"]  # fmt: skip


@pytest.fixture(scope="module")
def hostile_site() -> Iterator[SiteServer]:
    with SiteServer(HostileSite()) as server:
        yield server


def _crawl(url: str, out: Path, *extra: str, timeout: float = 150) -> tuple[int, float, dict[str, Any]]:
    """Run ``newscrawl crawl``; returns (exit code, peak RSS in MB, manifest)."""
    cmd = [sys.executable, "-m", "newscrawl", "crawl", "--url", url, "-o", str(out),
           "--state", f"sqlite:{out.parent / 'state.sqlite'}", "--no-progress", *QUICK, *extra]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "NEWSCRAWL_ALLOW_PRIVATE_NETWORK"}
    log = out.parent / "crawl.log"
    out.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=sink, env=env)
        deadline = time.monotonic() + timeout
        peak_kb = 0
        while proc.poll() is None:
            peak_kb = max(peak_kb, _high_water_kb(proc.pid))
            if time.monotonic() > deadline:
                proc.kill()
            time.sleep(0.02)
    manifests = sorted(out.glob("*.manifest.json"))
    assert manifests, log.read_text()[-3000:]
    return proc.returncode, peak_kb / 1024, json.loads(manifests[-1].read_text())


def _high_water_kb(pid: int) -> int:
    """The process's peak RSS so far (``VmHWM``), counted for its own program only.

    ``ru_maxrss`` from ``wait4`` is no good here: Linux carries the high-water mark across
    fork+exec, so a child of a large pytest process reports the parent's size.
    """
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _records(out: Path) -> list[dict[str, Any]]:
    rows = []
    for path in sorted(out.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            rows.append(json.loads(line))  # every line is whole, valid JSON
    return rows


def test_crawl_survives_every_hostile_case(hostile_site: SiteServer, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, peak_mb, manifest = _crawl(hostile_site.url, out, "--allow-private-network")
    print(f"hostile crawl: exit {code}, peak RSS {peak_mb:.0f} MB (ceiling {RSS_CEILING_MB}),"
          f" {manifest['duration_s']:.1f} s, hostile={manifest['hostile']},"
          f" refused={manifest['refused']}")  # fmt: skip

    assert manifest["finish_reason"] == "finished"
    assert code == exitcodes.PARTIAL  # articles written, some pages failed: cron sees "partial"
    # Every valid article, once, including the lying-charset, BOM and no-charset ones.
    records = _records(out)
    assert sorted(r["url"] for r in records) == sorted(hostile_site.base + a.path for a in ARTICLES)
    validator = jsonschema.Draft202012Validator(shipped_schema())
    for record in records:
        validator.validate(record)
        if "Zürich" in record["body"] or "Zurich" in record["body"]:
            assert "Zürich’s boutiques — and the café crème crowd" in record["body"]
    # Every hostile case is reported in the manifest under its kind.
    for path, kind in HOSTILE_CASES.items():
        section, _, name = kind.partition("/")
        assert manifest[section].get(name, 0) >= 1, (path, kind, manifest[section])
    assert manifest["hostile"]["decompression-bomb"] >= 3  # gzip, deflate, brotli
    assert manifest["hostile"]["too-large"] >= 2  # announced and streamed
    # The HTML error page and the gzip bomb posing as sitemaps are rejected, nothing else:
    # billion laughs, XXE, truncated and BOM-prefixed sitemaps still yield their URLs.
    assert manifest["errors"].get("sitemap-invalid") == 2
    # Nothing was fetched from the metadata address, and no file was read.
    fetched = [entry.path for entry in hostile_site.requests()]
    assert not any("meta-data" in p or "passwd" in p for p in fetched)
    assert peak_mb < RSS_CEILING_MB


def test_private_addresses_are_refused_without_opt_in(hostile_site: SiteServer,
                                                      tmp_path: Path) -> None:  # fmt: skip
    hostile_site.clear_log()
    code, _, manifest = _crawl(hostile_site.url, tmp_path / "out")
    assert code == exitcodes.NOTHING
    assert manifest["refused"].get("private-address", 0) >= 1
    assert hostile_site.requests() == []  # not even robots.txt


def _loopback_name() -> str | None:
    """A host name (not ``localhost``) that this machine resolves to a loopback address."""
    name = socket.gethostname()
    try:
        address = ipaddress.ip_address(socket.gethostbyname(name))
    except (OSError, ValueError):
        return None
    if name.lower().rstrip(".").endswith("localhost") or not address.is_loopback:
        return None
    return name


def test_resolver_refuses_names_that_resolve_to_private_addresses(hostile_site: SiteServer,
                                                                  tmp_path: Path) -> None:  # fmt: skip
    """The check happens after DNS: a harmless-looking name pointing at 127.0.0.1 is refused."""
    name = _loopback_name()
    if name is None:
        pytest.skip("this machine's host name does not resolve to a loopback address")
    hostile_site.clear_log()
    code, _, manifest = _crawl(f"http://{name}:{hostile_site.port}/", tmp_path / "out")
    assert code == exitcodes.NOTHING
    assert manifest["refused"].get("private-address", 0) >= 1
    assert not any("dns" in k.lower() or "resolve" in k.lower() for k in manifest["errors"])
    assert hostile_site.requests() == []


def test_a_site_asking_to_wait_does_not_stall_the_others(tmp_path: Path) -> None:
    """An overloaded site (every page 503 + Retry-After) crawled with a healthy one: the healthy
    site must be crawled as fast as alone, while the overloaded one is waited out.

    The two sites must be on different hosts: Scrapy paces requests per host (one download slot),
    so two sites on 127.0.0.1 would rightly be slowed together. The busy one is named localhost.
    """
    from newscrawl.fixtureweb import FixtureWeb
    from newscrawl.fixtureweb.hostile import OverloadedSite

    if socket.gethostbyname("localhost") != "127.0.0.1":
        pytest.skip("localhost does not resolve to 127.0.0.1 here")
    with FixtureWeb() as web, SiteServer(OverloadedSite(pages=24, retry_after=8)) as busy:
        healthy = web.names[0]
        busy_url = busy.url.replace("//127.0.0.1:", "//localhost:")
        registry = tmp_path / "sites.toml"
        registry.write_text(f'[[site]]\nname = "busy"\nhome = "{busy_url}"\n'
                            f'[[site]]\nname = "healthy"\nhome = "{web.url(healthy)}"\n')  # fmt: skip
        cmd = [sys.executable, "-m", "newscrawl", "crawl", "--registry", str(registry),
               "-o", str(tmp_path / "out"), "--state", f"sqlite:{tmp_path / 'state.sqlite'}",
               "--allow-private-network", "--no-progress", "--set", "AUTOTHROTTLE_ENABLED=0",
               "--set", "DOWNLOAD_DELAY=0", "--set", "CONCURRENT_REQUESTS=8",
               "--set", "NEWSCRAWL_RETRY_MAX_DELAY=8"]  # fmt: skip
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(25)  # alone, the healthy site takes ~5 s on the dev VM
        finally:
            proc.kill()
            proc.wait()
        fetched = {e.path for e in web.log_entries(healthy) if e.status == 200}
        articles = {url.removeprefix(web.base(healthy)) for url in web.article_urls(healthy)}
        assert articles <= fetched, f"{len(articles - fetched)} healthy articles never fetched"
