"""Local faults: corrupt or locked state, unwritable or full output disk, invalid registry, Ctrl-C.

For each: a clear message (no traceback), the documented exit code (``newscrawl.exitcodes``),
data already written intact (only whole, valid JSON lines), and state the next run carries on
from (every article exactly once in the end).
"""

from __future__ import annotations

import collections
import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from newscrawl import exitcodes

fixtureweb = pytest.importorskip("newscrawl.fixtureweb")
pytestmark = pytest.mark.slow

QUICK = ["--allow-private-network", "--no-progress", "--set", "AUTOTHROTTLE_ENABLED=0",
         "--set", "DOWNLOAD_DELAY=0", "--set", "NEWSCRAWL_DEDUP=0"]  # fmt: skip


@dataclass
class Run:
    code: int
    stderr: str


@pytest.fixture(scope="module")
def web() -> Iterator[Any]:
    with fixtureweb.FixtureWeb() as served:
        yield served


@pytest.fixture(scope="module")
def registry(web: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "sites.toml"
    path.write_text(
        "\n".join(f'[[site]]\nname = "{n}"\nhome = "{web.url(n)}"\n' for n in web.names),
        encoding="utf-8",
    )
    return path


def _cmd(registry: Path, out: Path, state: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "newscrawl", "crawl", "--registry", str(registry), "-o",
            str(out), "--state", f"sqlite:{state}", *QUICK, *extra]  # fmt: skip


def _run(cmd: list[str], timeout: float = 120) -> Run:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return Run(proc.returncode, proc.stderr)


def _lines(path: Path) -> list[dict[str, Any]]:
    """Every line of a JSONL output; fails on a torn or invalid line."""
    if not path.exists():
        return []
    data = path.read_bytes()
    assert not data or data.endswith(b"\n"), "torn last line"
    return [json.loads(line) for line in data.splitlines()]


def _assert_clear_error(run: Run, code: int, *phrases: str) -> None:
    assert run.code == code, (run.code, run.stderr[-2000:])
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert "newscrawl: error:" in run.stderr
    for phrase in phrases:
        assert phrase in run.stderr.lower(), (phrase, run.stderr[-1000:])


def _every_article_once(rows: list[dict[str, Any]], web: Any, names: list[str]) -> None:
    counts = collections.Counter(r["canonical_url"] for r in rows)
    assert [u for u, n in counts.items() if n > 1] == []
    expected: set[str] = set()
    for name in names:
        expected |= web.article_urls(name)
    assert set(counts) == expected


# --- state --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "garbage",
    [b"this is not a database\n" * 100, b"SQLite format 3\x00" + b"\xff" * 4000, b""],
    ids=["text", "bad-header-pages", "empty-file"],
)
def test_corrupt_state_database(registry: Path, tmp_path: Path, garbage: bytes) -> None:
    state = tmp_path / "state.sqlite"
    state.write_bytes(garbage)
    out = tmp_path / "out"
    run = _run(_cmd(registry, out, state, "--site", "runway-wire"))
    if garbage == b"":  # an empty file is a valid empty SQLite database: the run just works
        assert run.code in (exitcodes.OK, exitcodes.PARTIAL), run.stderr[-2000:]
        return
    _assert_clear_error(run, exitcodes.STATE_ERROR, "state")
    assert str(state) in run.stderr
    assert not list(out.glob("*.jsonl")) if out.exists() else True
    assert state.read_bytes() == garbage  # never "repaired" behind the user's back


def test_state_path_is_a_directory(registry: Path, tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    state.mkdir()
    run = _run(_cmd(registry, tmp_path / "out", state, "--site", "runway-wire"))
    _assert_clear_error(run, exitcodes.STATE_ERROR, "state")


def test_state_database_locked_by_another_program(registry: Path, tmp_path: Path) -> None:
    """Another program (an analyst's sqlite3 shell) holds a write lock on the state database."""
    state = tmp_path / "state.sqlite"
    first = _run(_cmd(registry, tmp_path / "out", state, "--site", "runway-wire"))
    assert first.code in (exitcodes.OK, exitcodes.PARTIAL), first.stderr[-2000:]
    holder = sqlite3.connect(state, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        run = _run(_cmd(registry, tmp_path / "out", state, "--site", "runway-wire"), timeout=90)
        assert time.monotonic() - started < 80  # gives up in bounded time, no hang
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert run.code in (exitcodes.STATE_ERROR, exitcodes.LOCKED), run.stderr[-2000:]
    assert "Traceback" not in run.stderr and "locked" in run.stderr.lower()
    # Released: the next run carries on (nothing new to write, no error).
    again = _run(_cmd(registry, tmp_path / "out", state, "--site", "runway-wire"))
    assert again.code in (exitcodes.OK, exitcodes.NOTHING, exitcodes.PARTIAL), again.stderr[-2000:]


# --- output -------------------------------------------------------------------------------------


def test_unwritable_output_location(registry: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be\n")
    run = _run(_cmd(registry, blocker / "out.jsonl", tmp_path / "state.sqlite",
                    "--site", "runway-wire"))  # fmt: skip
    _assert_clear_error(run, exitcodes.OUTPUT_ERROR, "output")
    assert blocker.read_text() == "a file where the output folder should be\n"


@contextlib.contextmanager
def _tiny_disk(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True)  # fmt: skip
    if proc.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root): " + proc.stderr.decode()[:200])
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_full_output_disk_then_space_freed(web: Any, registry: Path, tmp_path: Path) -> None:
    """The disk fills mid-run: exit 6, only whole lines on disk; with space back, the next run
    writes the rest and every article ends up there exactly once."""
    names = ["hemline-report", "pasarela-diario"]
    sites = [arg for name in names for arg in ("--site", name)]
    with _tiny_disk(tmp_path / f"disk-{uuid.uuid4().hex[:6]}", "40k") as disk:
        out, state = disk / "articles.jsonl", tmp_path / "state.sqlite"
        run = _run(_cmd(registry, out, state, "--set", "NEWSCRAWL_WRITE_BATCH=2", *sites))
        _assert_clear_error(run, exitcodes.OUTPUT_ERROR, "output")
        assert "no space left" in run.stderr.lower()
        written = _lines(out)
        assert 0 < len(written) < 19  # some records made it before the disk filled
        subprocess.run(["mount", "-o", "remount,size=4m", str(disk)], check=True)
        again = _run(_cmd(registry, out, state, "--set", "NEWSCRAWL_WRITE_BATCH=2", *sites))
        assert again.code in (exitcodes.OK, exitcodes.PARTIAL), again.stderr[-2000:]
        rows = _lines(out)
        assert rows[: len(written)] == written  # what was written before is untouched
        _every_article_once(rows, web, names)


# --- registry -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ("[[site]]\nname = 'x'\nhome = \n", "registry"),  # not TOML
        ("[[site]]\nname = 'x'\n", "home"),  # a required field missing
        ("[[site]]\nname = 'x'\nhome = 'not a url'\n", "home"),
        ("[[site]]\nname = 'x'\nhome = 'https://a.example/'\nlanguage = 42\n", "language"),
        ("[[site]]\nname = 'x'\nhome = 'https://a.example/'\n[[site]]\nname = 'x'\n"
         "home = 'https://b.example/'\n", "x"),  # duplicate name
    ],
    ids=["syntax", "missing-home", "bad-url", "bad-type", "duplicate"],
)
def test_invalid_registry(tmp_path: Path, content: str, phrase: str) -> None:
    reg = tmp_path / "sites.toml"
    reg.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    run = _run(_cmd(reg, out, tmp_path / "state.sqlite"))
    _assert_clear_error(run, exitcodes.CONFIG_ERROR, phrase.lower())
    assert not out.exists() or not list(out.iterdir())


def test_missing_registry_file(tmp_path: Path) -> None:
    run = _run(_cmd(tmp_path / "nope.toml", tmp_path / "out", tmp_path / "state.sqlite"))
    _assert_clear_error(run, exitcodes.CONFIG_ERROR, "nope.toml")


# --- Ctrl-C -------------------------------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_mid_crawl_then_rerun(web: Any, registry: Path, tmp_path: Path,
                                     signum: signal.Signals) -> None:  # fmt: skip
    """Ctrl-C, or SIGTERM from cron/systemd/docker stop: a graceful stop with exit 130."""
    names = ["hemline-report", "il-taglio"]
    sites = [arg for name in names for arg in ("--site", name)]
    out, state = tmp_path / "articles.jsonl", tmp_path / "state.sqlite"
    slow = ["--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "--set", "DOWNLOAD_DELAY=0.15",
            "--set", "NEWSCRAWL_WRITE_BATCH=2"]  # fmt: skip
    proc = subprocess.Popen(_cmd(registry, out, state, *slow, *sites),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while len(_lines_safe(out)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the crawl finished before Ctrl-C; slow it down"
    proc.send_signal(signum)
    try:
        _, stderr = proc.communicate(timeout=60)  # a graceful stop, in bounded time
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == exitcodes.INTERRUPTED, stderr[-2000:]
    assert "Traceback" not in stderr
    written = _lines(out)
    manifests = sorted(out.parent.glob("*.manifest.json"))
    assert manifests and json.loads(manifests[-1].read_text())["exit_code"] == exitcodes.INTERRUPTED
    again = _run(_cmd(registry, out, state, *sites))
    assert again.code in (exitcodes.OK, exitcodes.PARTIAL), again.stderr[-2000:]
    rows = _lines(out)
    assert rows[: len(written)] == written
    _every_article_once(rows, web, names)


def _lines_safe(path: Path) -> list[bytes]:
    try:
        return [line for line in path.read_bytes().splitlines() if line.endswith(b"}")]
    except FileNotFoundError:
        return []


def test_second_ctrl_c_still_leaves_whole_lines(web: Any, registry: Path, tmp_path: Path) -> None:
    """Impatient users press Ctrl-C twice: Scrapy then stops hard, output must still be whole."""
    out, state = tmp_path / "articles.jsonl", tmp_path / "state.sqlite"
    slow = ["--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "--set", "DOWNLOAD_DELAY=0.15",
            "--set", "NEWSCRAWL_WRITE_BATCH=1"]  # fmt: skip
    proc = subprocess.Popen(_cmd(registry, out, state, *slow, "--site", "hemline-report"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while len(_lines_safe(out)) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.2)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == exitcodes.INTERRUPTED, stderr[-2000:]
    assert "Traceback" not in stderr and "interrupted" in stderr
    written = _lines(out)  # whole, valid lines only
    again = _run(_cmd(registry, out, state, "--site", "hemline-report"))
    assert again.code in (exitcodes.OK, exitcodes.PARTIAL), again.stderr[-2000:]
    rows = _lines(out)
    assert rows[: len(written)] == written
    _every_article_once(rows, web, ["hemline-report"])
