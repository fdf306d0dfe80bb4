"""Several ``newscrawl crawl`` workers sharing one crawl over a real Redis (``--state redis://``).

Needs ``NEWSCRAWL_TEST_REDIS`` (``.ci/run`` starts a redis-server and sets it); every test uses
its own key prefix and deletes its keys afterwards. The fixture web is served from this process,
so its request log shows what all workers together fetched.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newscrawl import exitcodes

redis = pytest.importorskip("redis")
fixtureweb = pytest.importorskip("newscrawl.fixtureweb")

REDIS_URL = os.environ.get("NEWSCRAWL_TEST_REDIS", "")
pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="NEWSCRAWL_TEST_REDIS is not set (see .ci/run)"),
]

FAST = ["--set", "AUTOTHROTTLE_ENABLED=0", "--set", "DOWNLOAD_DELAY=0"]


@pytest.fixture
def state_uri() -> Iterator[str]:
    """The test Redis with a fresh key prefix; its keys are removed afterwards."""
    prefix = f"nctest-{uuid.uuid4().hex[:10]}:"
    sep = "&" if "?" in REDIS_URL else "?"
    yield f"{REDIS_URL}{sep}prefix={prefix}"
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="module")
def web() -> Iterator[Any]:
    with fixtureweb.FixtureWeb() as served:
        yield served


@pytest.fixture(scope="module")
def registry(web: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "sites.toml"
    blocks = []
    for name in web.names:
        language = web.site(name).manifest().get("language") or "en"
        blocks.append(f'[[site]]\nname = "{name}"\nhome = "{web.url(name)}"\nlanguage = "{language}"\n')
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def worker_cmd(registry: Path, out: Path, state: str, worker: str, *extra: str,
               sites: list[str] | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "newscrawl", "crawl", "--registry", str(registry), "-o", str(out),
           "--state", state, "--allow-private-network", "--no-progress", *FAST,
           "--set", f"NEWSCRAWL_WORKER={worker}", "--set", "NEWSCRAWL_WORKER_TTL=3", *extra]
    for name in sites or []:
        cmd += ["--site", name]
    return cmd


def start(cmd: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log.open("w"))


def finish(procs: list[subprocess.Popen], timeout: float = 150) -> list[int]:
    deadline = time.monotonic() + timeout
    codes = []
    for proc in procs:
        try:
            codes.append(proc.wait(timeout=max(1, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            codes.append(-9)
    return codes


def merge(out: Path, merged: Path, state: str | None = None) -> list[dict[str, Any]]:
    """``newscrawl merge``; with the crawl's state, copies are resolved by its shared index."""
    extra = ["--dedup", "--index", state] if state and dedup_enabled() else []
    proc = subprocess.run([sys.executable, "-m", "newscrawl", "merge", str(out), "-o", str(merged), *extra],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == exitcodes.OK, proc.stderr
    return [json.loads(line) for line in merged.read_text(encoding="utf-8").splitlines()]


def manifests(out: Path) -> dict[str, dict[str, Any]]:
    """Run manifests by worker id (``part-<worker>-<run>.manifest.json``)."""
    found = {}
    for path in out.glob("part-*.manifest.json"):
        found[path.name.split("-")[1]] = json.loads(path.read_text())
    return found


def expected_articles(web: Any) -> tuple[set[str], list[tuple[str, str]]]:
    """Every article URL, and (copy, original) URL pairs of articles syndicated across sites.

    Read from the articles' front matter: the manifest's ``syndicated`` entries carry the
    original's path in place of the copy's (``{"path": a.path, **a.syndicated_from}``)."""
    urls: set[str] = set()
    pairs = []
    for name in web.names:
        urls |= web.article_urls(name)
        for article in web.site(name).articles.values():
            origin = article.syndicated_from
            if origin and origin.get("site") in web.names:
                pairs.append((web.base(name) + article.path, web.base(origin["site"]) + origin["path"]))
    return urls, pairs


def dedup_enabled() -> bool:
    try:
        import newscrawl.pipelines.dedup  # noqa: F401
    except ImportError:
        return False
    return True


def assert_every_article_once(rows: list[dict[str, Any]], web: Any) -> None:
    emitted = collections.Counter(r["canonical_url"] for r in rows)
    assert [u for u, n in emitted.items() if n > 1] == [], "a record was written twice"
    assert len({r["id"] for r in rows}) == len(rows)
    urls, pairs = expected_articles(web)
    if dedup_enabled():  # one of each syndicated pair is kept
        for copy, original in pairs:
            assert (copy in emitted) != (original in emitted), (copy, original)
            urls -= {copy, original}
            emitted.pop(copy, None)
            emitted.pop(original, None)
    assert set(emitted) == urls


def test_two_workers_share_the_crawl_every_article_once_no_url_fetched_twice(
        web: Any, registry: Path, state_uri: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    web.clear_requests()
    procs = [start(worker_cmd(registry, out, state_uri, f"w{i}"), tmp_path / f"w{i}.log")
             for i in range(2)]
    codes = finish(procs)
    logs = [(tmp_path / f"w{i}.log").read_text() for i in range(2)]
    assert codes == [exitcodes.OK, exitcodes.OK], logs
    # Each worker wrote its own part and manifest; both did part of the work.
    runs = manifests(out)
    assert set(runs) == {"w0", "w1"}
    for worker, manifest in runs.items():
        assert manifest["finish_reason"] == "finished"
        assert manifest["counts"]["pages_fetched"] > 0, f"{worker} fetched nothing"
    assert sum(m["counts"]["records_written"] for m in runs.values()) > 0
    # All workers together: no URL fetched twice (robots.txt included: read once per fleet),
    # nothing robots.txt forbids.
    for name in web.names:
        entries = web.log_entries(name)
        counts = collections.Counter(e.path for e in entries)
        assert [p for p, n in counts.items() if n > 1] == [], name
        assert not set(web.manifest(name)["disallowed"]) & set(counts), name
    raw = merge(out, tmp_path / "parts.jsonl")
    assert sum(m["counts"]["records_written"] for m in runs.values()) == len(raw)
    assert_every_article_once(merge(out, tmp_path / "articles.jsonl", state_uri), web)


def _lines(path_glob: Iterator[Path]) -> int:
    total = 0
    for path in path_glob:
        with contextlib.suppress(FileNotFoundError):
            total += sum(1 for _ in path.open("rb"))
    return total


def test_a_worker_killed_mid_crawl_loses_nothing(web: Any, registry: Path, state_uri: str,
                                                 tmp_path: Path) -> None:
    out = tmp_path / "out"
    slow = ["--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "--set", "DOWNLOAD_DELAY=0.08",
            "--set", "NEWSCRAWL_WRITE_BATCH=2"]
    client = redis.Redis.from_url(REDIS_URL)
    survivor = start(worker_cmd(registry, out, state_uri, "w0", *slow), tmp_path / "w0.log")
    victim = start(worker_cmd(registry, out, state_uri, "w1", *slow), tmp_path / "w1.log")
    prefix = state_uri.split("prefix=")[1]
    deadline = time.monotonic() + 90
    in_flight = 0
    while time.monotonic() < deadline and victim.poll() is None:
        processing = [k for k in client.scan_iter(match=f"{prefix}crawl:*:processing:w1")]
        in_flight = sum(client.hlen(k) for k in processing)
        if in_flight >= 2 and _lines(out.glob("part-w1-*.jsonl")) >= 2:
            break
        time.sleep(0.05)
    assert victim.poll() is None, "the victim finished before it could be killed; slow it down"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    client.close()
    assert in_flight >= 2
    codes = finish([survivor])
    log = (tmp_path / "w0.log").read_text()
    assert codes == [exitcodes.OK], log[-3000:]
    assert "re-queued" in log and "dead worker" in log  # the victim's requests came back
    rows = merge(out, tmp_path / "articles.jsonl", state_uri)  # the victim's part may be torn
    assert_every_article_once(rows, web)


def test_shared_dedup_index_finds_copies_fetched_by_different_workers(
        web: Any, registry: Path, state_uri: str, tmp_path: Path) -> None:
    if not dedup_enabled():
        pytest.skip("the dedup pipeline is not available in this checkout")
    pairs = expected_articles(web)[1]
    if not pairs:
        pytest.skip("the fixture web has no syndicated copy across sites")
    copy_url, original_url = pairs[0]
    sites = {}
    for name in web.names:
        for url in (copy_url, original_url):
            if url.startswith(web.base(name)):
                sites[url] = name
    out = tmp_path / "out"
    # Each worker crawls one of the two sites (two crawls, one state and dedup index), at once.
    procs = [
        start(worker_cmd(registry, out, state_uri, "wa", sites=[sites[copy_url]]), tmp_path / "a.log"),
        start(worker_cmd(registry, out, state_uri, "wb", sites=[sites[original_url]]), tmp_path / "b.log"),
    ]
    codes = finish(procs)
    logs = [(tmp_path / f"{n}.log").read_text() for n in ("a", "b")]
    assert all(code in (exitcodes.OK, exitcodes.PARTIAL) for code in codes), logs
    # The shared index put the two records, written by different workers, in one cluster.
    from newscrawl.dedup.index import DedupIndex
    from newscrawl.record import record_id

    with DedupIndex.open(state_uri) as index:
        known = index.store.docs_by_record_ids([record_id(copy_url), record_id(original_url)])
        assert len(known) == 2, "a worker's record is missing from the shared index"
        resolved = index.resolve([row.doc for row in known.values()])
        assert {r.canonical.record_id for r in resolved.values()} == {record_id(original_url)}
    rows = merge(out, tmp_path / "articles.jsonl", state_uri)
    emitted = {r["canonical_url"] for r in rows}
    assert original_url in emitted and copy_url not in emitted


def test_unreachable_redis_is_a_clear_state_error(registry: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cmd = worker_cmd(registry, tmp_path / "out", f"redis://127.0.0.1:{port}/0?retries=1", "w0")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == exitcodes.STATE_ERROR
    assert "Redis" in proc.stderr and f"127.0.0.1:{port}" in proc.stderr
    assert not list((tmp_path / "out").glob("*.jsonl")) if (tmp_path / "out").exists() else True
