"""End-to-end crawls of the fixture web on 127.0.0.1 with the real spiders and pipelines.

Each crawl runs ``newscrawl crawl`` in a subprocess (the Twisted reactor cannot restart); the
fixture sites are served from this process, so their request logs show exactly what the
crawler fetched. Politeness delays are switched off for loopback via ``--set``.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from newscrawl import exitcodes
from newscrawl.record import shipped_schema

fixtureweb = pytest.importorskip("newscrawl.fixtureweb")

FAST = ["--set", "AUTOTHROTTLE_ENABLED=0", "--set", "DOWNLOAD_DELAY=0"]


@dataclass
class Run:
    code: int
    stderr: str
    manifest: dict[str, Any]


def crawl_command(registry: Path, out: Path, state: Path, *extra: str, sites: list[str] | None = None) -> list[str]:
    """``newscrawl crawl`` over the fixture registry, quick settings, private network allowed."""
    cmd = [
        sys.executable,
        "-m",
        "newscrawl",
        "crawl",
        "--registry",
        str(registry),
        "-o",
        str(out),
        "--state",
        f"sqlite:{state}",
        "--allow-private-network",
        "--no-progress",
        *FAST,
        *extra,
    ]
    for name in sites or []:
        cmd += ["--site", name]
    return cmd


def crawl(
    registry: Path,
    out: Path,
    state: Path,
    *extra: str,
    sites: list[str] | None = None,
    timeout: float = 120,
) -> Run:
    cmd = crawl_command(registry, out, state, *extra, sites=sites)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return Run(proc.returncode, proc.stderr, latest_manifest(out))


def latest_manifest(out: Path) -> dict[str, Any]:
    folder = out if out.is_dir() else out.parent
    manifests = sorted(folder.glob("*.manifest.json"))
    return json.loads(manifests[-1].read_text()) if manifests else {}


def records(out: Path) -> list[dict[str, Any]]:
    files = sorted(out.glob("*.jsonl")) if out.is_dir() else [out]
    rows = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            rows.append(json.loads(line))  # every line must be valid JSON
    return rows


def dedup_enabled() -> bool:
    try:
        import newscrawl.pipelines.dedup  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def web() -> Any:
    with fixtureweb.FixtureWeb() as served:
        yield served


@pytest.fixture(scope="module")
def registry(web: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture sites as a registry file, so runs use their names, as a user would."""
    path = tmp_path_factory.mktemp("registry") / "sites.toml"
    blocks = []
    for name in web.names:
        language = web.site(name).manifest().get("language") or "en"
        blocks.append(
            f'[[site]]\nname = "{name}"\nhome = "{web.url(name)}"\nlanguage = "{language}"\n'
        )
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def expected_articles(web: Any) -> tuple[set[str], list[tuple[str, str]]]:
    """Every article URL, and (copy, original) pairs of syndicated articles."""
    urls: set[str] = set()
    pairs = []
    for name in web.names:
        urls |= web.article_urls(name)
        for syn in web.manifest(name).get("syndicated", []):
            if syn["site"] in web.names:
                pairs.append(
                    (web.base(name) + syn["path"], web.base(syn["site"]) + syn["original_path"])
                )
    return urls, pairs


@pytest.fixture(scope="module")
def first(web: Any, registry: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("first")
    web.clear_requests()
    started = time.monotonic()
    run = crawl(registry, tmp / "out", tmp / "state.sqlite")
    return {
        "run": run,
        "out": tmp / "out",
        "state": tmp / "state.sqlite",
        "seconds": time.monotonic() - started,
        "logs": {name: web.log_entries(name) for name in web.names},
    }


def test_first_run_succeeds_and_writes_a_manifest(first: dict[str, Any]) -> None:
    run: Run = first["run"]
    assert run.code == exitcodes.OK, run.stderr[-3000:]
    m = run.manifest
    assert m["finish_reason"] == "finished" and m["exit_code"] == exitcodes.OK
    assert m["counts"]["records_written"] == len(records(first["out"]))
    assert m["output_files"] and all(Path(f).exists() for f in m["output_files"])
    assert set(m["errors"]) <= {
        "http_404",
        "robots-forbidden",
        "sitemap-missing",
    }  # dead links only
    assert "new article records written" in run.stderr  # the summary


def test_every_article_found_and_no_non_article_emitted(first: dict[str, Any], web: Any) -> None:
    rows = records(first["out"])
    emitted = collections.Counter(r["canonical_url"] for r in rows)
    assert all(n == 1 for n in emitted.values()), "a record was written twice"
    urls, pairs = expected_articles(web)
    if dedup_enabled():  # a syndicated copy and its original: exactly one is kept
        for copy, original in pairs:
            # In-crawl dedup drops a copy met after its original; one met first is only
            # resolved by the final pass (see the demo test), so one or both may be here.
            assert copy in emitted or original in emitted
            urls -= {copy, original}
            emitted.pop(copy, None)
            emitted.pop(original, None)
    assert set(emitted) == urls
    validator = jsonschema.Draft202012Validator(shipped_schema())
    for row in rows:
        validator.validate(row)
        assert row["page_type"] == "article" and row["site"] in web.names


def test_no_url_fetched_twice_and_robots_obeyed(first: dict[str, Any], web: Any) -> None:
    for name, log in first["logs"].items():
        counts = collections.Counter(entry.path for entry in log)
        assert [p for p, n in counts.items() if n > 1] == [], name
        disallowed = set(web.manifest(name)["disallowed"])
        assert not disallowed & set(counts), f"{name}: fetched a robots.txt-disallowed page"
        assert all(entry.user_agent.startswith("newscrawl/") for entry in log)


def test_traps_are_bounded(first: dict[str, Any], web: Any) -> None:
    for name, log in first["logs"].items():
        traps = web.manifest(name)["traps"]
        in_traps = [e.path for e in log if any(e.path.startswith(t) for t in traps)]
        assert len(in_traps) <= 10, f"{name}: {len(in_traps)} trap pages fetched: {in_traps[:10]}"
        assert len(log) < 120, f"{name}: {len(log)} requests for a site of a few dozen pages"
    assert first["run"].manifest["counts"]["traps_avoided"] > 0


def test_second_run_fetches_nothing_unchanged_and_emits_nothing(
    first: dict[str, Any], web: Any, registry: Path
) -> None:
    web.clear_requests()
    run = crawl(registry, first["out"], first["state"])
    assert run.code == exitcodes.OK, run.stderr[-3000:]
    assert run.manifest["counts"]["records_written"] == 0
    for name in web.names:
        log = web.log_entries(name)
        full = [e for e in log if e.status == 200 and e.path != "/robots.txt"]
        assert full == [], f"{name}: unchanged pages fetched again: {[e.path for e in full]}"
        assert any(e.status == 304 and e.conditional for e in log)
    # Folder output: the empty second run leaves a manifest but no empty data file.
    assert len(list(first["out"].glob("*.jsonl"))) == 1


def test_new_edition_brings_only_new_and_changed_articles(
    first: dict[str, Any], web: Any, registry: Path
) -> None:
    name = web.names[0]
    published = set(web.publish_edition(name, 2))
    if not published:
        pytest.skip(f"{name} has no edition 2")
    before = {r["id"] for r in records(first["out"])}
    web.clear_requests()
    run = crawl(registry, first["out"], first["state"], sites=[name])
    assert run.code == exitcodes.OK, run.stderr[-3000:]
    new_rows = [
        r
        for r in records(first["out"])
        if r["id"] not in before or r["fetched_at"] >= run.manifest["started"]
    ]
    written = {r["canonical_url"].removeprefix(web.base(name)) for r in new_rows}
    assert written and written <= published
    assert run.manifest["counts"]["records_written"] == len(new_rows)


def _count_lines(out: Path) -> int:
    try:
        return sum(1 for _ in out.open("rb"))
    except FileNotFoundError:
        return 0


def test_sigkill_mid_crawl_then_rerun_gives_every_article_exactly_once(
    web: Any, registry: Path, tmp_path: Path
) -> None:
    out, state = tmp_path / "articles.jsonl", tmp_path / "state.sqlite"
    # One request at a time and small batches, so the kill lands mid-crawl; depth 1 (sitemaps,
    # feeds and the home page still list every article) keeps it quick.
    slow = [
        "--set",
        "CONCURRENT_REQUESTS_PER_DOMAIN=1",
        "--set",
        "DOWNLOAD_DELAY=0.1",
        "--set",
        "NEWSCRAWL_WRITE_BATCH=2",
        "--depth",
        "1",
    ]
    names = web.names[-2:]  # two sites keep it quick; the last one carries a syndicated copy
    cmd = crawl_command(registry, out, state, *slow, sites=names)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while _count_lines(out) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the crawl finished before it could be killed; slow it down"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = _count_lines(out)
    with out.open("ab") as fh:  # and as if the kill had landed mid-write
        fh.write(b'{"schema_version": "1.0", "id": "torn-li')
    run = crawl(
        registry, out, state, "--set", "NEWSCRAWL_WRITE_BATCH=2", "--depth", "1", sites=names
    )
    assert run.code in (exitcodes.OK, exitcodes.PARTIAL), run.stderr[-3000:]
    rows = records(out)  # raises if any line is not valid JSON
    counts = collections.Counter(r["canonical_url"] for r in rows)
    assert [u for u, n in counts.items() if n > 1] == []
    urls: set[str] = set()
    for name in names:
        urls |= web.article_urls(name)
    if dedup_enabled():  # a copy whose original is on a site not crawled here is kept
        _, pairs = expected_articles(web)
        for copy, original in pairs:
            if copy in urls and original in urls:
                assert copy in counts or original in counts
                urls -= {copy, original}
                counts.pop(copy, None)
                counts.pop(original, None)
    assert set(counts) == urls
    assert len(rows) > killed_at


def test_two_concurrent_runs_on_one_state_one_refuses(
    web: Any, registry: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.sqlite"
    slow = ["--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "--set", "DOWNLOAD_DELAY=0.2"]
    cmd = [
        sys.executable,
        "-m",
        "newscrawl",
        "crawl",
        "--registry",
        str(registry),
        "-o",
        str(tmp_path / "a"),
        "--state",
        f"sqlite:{state}",
        "--allow-private-network",
        "--no-progress",
        *FAST,
        *slow,
        "--site",
        web.names[0],
    ]
    first = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lock = state.with_name(state.name + ".lock")
    deadline = time.monotonic() + 30
    while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        second = crawl(registry, tmp_path / "b", state, sites=[web.names[1]])
        assert second.code == exitcodes.LOCKED
        assert "another run holds the lock" in second.stderr and f"pid {first.pid}" in second.stderr
        assert not (tmp_path / "b").exists() or not list((tmp_path / "b").glob("*.jsonl"))
    finally:
        first.send_signal(signal.SIGINT)  # a graceful stop: Ctrl-C
        try:
            first.wait(timeout=30)
        except subprocess.TimeoutExpired:
            first.kill()
    assert first.returncode in (exitcodes.INTERRUPTED, exitcodes.OK, exitcodes.PARTIAL)


def test_since_keeps_only_articles_published_after_the_date(
    first: dict[str, Any], web: Any, registry: Path, tmp_path: Path
) -> None:
    name = web.names[1]
    dated = sorted(
        (r["published"], r["canonical_url"])
        for r in records(first["out"])
        if r["site"] == name and r["published"]
    )
    since = dated[len(dated) // 2][0][:10]
    run = crawl(
        registry, tmp_path / "out", tmp_path / "state.sqlite", "--since", since, sites=[name]
    )
    assert run.code == exitcodes.OK, run.stderr[-3000:]
    rows = records(tmp_path / "out")
    assert rows and all(r["published"] is None or r["published"][:10] >= since for r in rows)
    wanted = {url for published, url in dated if published[:10] >= since}
    assert wanted <= {r["canonical_url"] for r in rows}
    assert run.manifest["since"].startswith(since)
    assert run.manifest["counts"]["skipped_before_since"] > 0


def test_plain_scrapy_crawl_from_the_repo_root(web: Any, tmp_path: Path) -> None:
    name = web.names[0]
    root = Path(__file__).resolve().parent.parent
    if not (root / "scrapy.cfg").exists():
        pytest.skip("not a checkout")
    proc = subprocess.run(
        [
            "scrapy",
            "crawl",
            "news",
            "-a",
            f"url={web.url(name)}",
            "-s",
            f"NEWSCRAWL_OUTPUT={tmp_path / 'out.jsonl'}",
            "-s",
            f"NEWSCRAWL_STATE=sqlite:{tmp_path / 's.sqlite'}",
            "-s",
            f"NEWSCRAWL_DEDUP_INDEX={tmp_path / 'dedup.sqlite'}",
            "-s",
            "NEWSCRAWL_ALLOW_PRIVATE_NETWORK=1",
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
            "-s",
            "DOWNLOAD_DELAY=0",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    emitted = {r["canonical_url"] for r in records(tmp_path / "out.jsonl")}
    assert emitted == web.article_urls(name)
    assert latest_manifest(tmp_path / "out.jsonl")["finish_reason"] == "finished"


def test_extraction_in_worker_processes_gives_the_same_records(
    first: dict[str, Any], web: Any, registry: Path, tmp_path: Path
) -> None:
    name = web.names[2]  # a site no other test changes
    run = crawl(
        registry,
        tmp_path / "out",
        tmp_path / "state.sqlite",
        "--set",
        "NEWSCRAWL_EXTRACT_WORKERS=1",
        sites=[name],
    )
    assert run.code == exitcodes.OK, run.stderr[-3000:]
    in_process = {r["id"]: r["title"] for r in records(first["out"]) if r["site"] == name}
    in_worker = {r["id"]: r["title"] for r in records(tmp_path / "out")}
    assert in_worker == in_process
    # The worker saved what it learnt about the site's template when the pool shut down.
    assert list((tmp_path / "templates").glob("*.json"))


def test_demo_writes_a_deduplicated_dataset(web: Any, tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "newscrawl",
            "demo",
            "-o",
            str(tmp_path / "demo"),
            "--port",
            "0",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == exitcodes.OK, proc.stderr[-3000:]
    dataset = tmp_path / "demo" / "articles.jsonl"
    if not dedup_enabled():
        pytest.skip("dedup is not part of this installation")
    rows = records(dataset)
    urls = collections.Counter(r["canonical_url"].split("/", 3)[3] for r in rows)  # ports differ
    assert all(n == 1 for n in urls.values())
    # The demo serves fresh fixture sites (no edition published): expect their manifests.
    manifests = [site.manifest() for site in fixtureweb.load_sites()]
    expected = {path.lstrip("/") for m in manifests for path in m["articles"]}
    copies = sum(len(m.get("syndicated", [])) for m in manifests)
    assert len(rows) == sum(len(m["articles"]) for m in manifests) - copies
    assert set(urls) <= expected
