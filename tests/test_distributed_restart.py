"""Redis restarting mid-crawl: the worker retries with backoff and finishes with nothing lost.

Uses a private ``redis-server`` (AOF, ``appendfsync everysec``, as recommended) on a free port,
so restarting it disturbs nobody; skipped without the binary or ``NEWSCRAWL_TEST_REDIS`` (the
marker that the distributed tests are wanted).
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newscrawl import exitcodes

fixtureweb = pytest.importorskip("newscrawl.fixtureweb")
pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not os.environ.get("NEWSCRAWL_TEST_REDIS"), reason="NEWSCRAWL_TEST_REDIS is not set"),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed"),
]


class PrivateRedis:
    def __init__(self, folder: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        subprocess.run(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder),
             "--daemonize", "yes", "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
             "--logfile", str(self.folder / "redis.log")], check=True)
        for _ in range(100):
            if self.ping():
                return
            time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def ping(self) -> bool:
        return subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                              text=True).stdout.strip() == "PONG"

    def stop(self) -> None:
        # SHUTDOWN fsyncs the AOF first: what the workers wrote is kept, as after a clean restart.
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown"], capture_output=True)
        for _ in range(100):
            if not self.ping():
                return
            time.sleep(0.05)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    subprocess.run(["redis-cli", "-p", str(server.port), "shutdown", "nosave"], capture_output=True)


@pytest.fixture(scope="module")
def web() -> Iterator[Any]:
    with fixtureweb.FixtureWeb(["hemline-report", "runway-wire"]) as served:
        yield served


def test_redis_restart_mid_crawl_is_ridden_out_with_nothing_lost(web: Any, private_redis: PrivateRedis,
                                                                  tmp_path: Path) -> None:
    registry = tmp_path / "sites.toml"
    registry.write_text("\n".join(f'[[site]]\nname = "{n}"\nhome = "{web.url(n)}"\nlanguage = "en"\n'
                                  for n in web.names))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "newscrawl", "crawl", "--registry", str(registry), "-o", str(out),
           "--state", private_redis.url, "--allow-private-network", "--no-progress",
           "--set", "AUTOTHROTTLE_ENABLED=0", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
           "--set", "DOWNLOAD_DELAY=0.05", "--set", "NEWSCRAWL_WRITE_BATCH=2",
           "--set", "NEWSCRAWL_WORKER=w0", "--no-dedup"]
    log = tmp_path / "w0.log"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if sum(1 for p in out.glob("*.jsonl") for _ in p.open("rb")) >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the crawl finished before Redis could be restarted"
    private_redis.stop()
    time.sleep(2.0)  # the worker keeps retrying meanwhile
    private_redis.start()
    code = proc.wait(timeout=120)
    stderr = log.read_text()
    assert code == exitcodes.OK, stderr[-3000:]
    rows = [json.loads(line) for p in out.glob("*.jsonl") for line in p.read_text().splitlines()]
    emitted = collections.Counter(r["canonical_url"] for r in rows)
    assert [u for u, n in emitted.items() if n > 1] == []
    expected = set().union(*(web.article_urls(n) for n in web.names))
    assert set(emitted) == expected
    for name in web.names:
        counts = collections.Counter(e.path for e in web.log_entries(name))
        assert [p for p, n in counts.items() if n > 1] == [], name


def test_redis_gone_for_good_stops_the_worker_with_a_clear_error(web: Any, private_redis: PrivateRedis,
                                                                 tmp_path: Path) -> None:
    registry = tmp_path / "sites.toml"
    registry.write_text(f'[[site]]\nname = "hemline-report"\nhome = "{web.url("hemline-report")}"\n')
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "newscrawl", "crawl", "--registry", str(registry), "-o", str(out),
           "--state", private_redis.url + "?retries=2", "--allow-private-network", "--no-progress",
           "--set", "AUTOTHROTTLE_ENABLED=0", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
           "--set", "DOWNLOAD_DELAY=0.1", "--set", "NEWSCRAWL_WORKER=w0", "--no-dedup"]
    log = tmp_path / "w0.log"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if sum(1 for p in out.glob("*.jsonl") for _ in p.open("rb")) >= 1:
            break
        time.sleep(0.05)
    assert proc.poll() is None
    private_redis.stop()
    code = proc.wait(timeout=120)
    stderr = log.read_text()
    assert code == exitcodes.STATE_ERROR, stderr[-3000:]
    assert "newscrawl: error: crawl state redis://" in stderr and "Redis failed" in stderr
    # What it had in flight is still in its processing hash, for the next worker.
    private_redis.start()
    held = subprocess.run(["redis-cli", "-p", str(private_redis.port), "--scan", "--pattern",
                           "newscrawl:crawl:*:processing:w0"], capture_output=True, text=True).stdout.split()
    queued = subprocess.run(["redis-cli", "-p", str(private_redis.port), "--scan", "--pattern",
                             "newscrawl:crawl:*:queue"], capture_output=True, text=True).stdout.split()
    assert held or queued
