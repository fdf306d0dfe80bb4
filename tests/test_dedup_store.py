"""The dedup index on disk: crashes mid-update, foreign files, parameter changes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from newscrawl.dedup import synth
from newscrawl.dedup.index import DedupIndex
from newscrawl.dedup.store import SQLiteStore
from newscrawl.errors import StateError


def corpus(n: int, seed: int = 1) -> list[dict]:
    return [r for r, _ in synth.cheap_corpus(n, seed=seed)]


def test_exception_inside_a_batch_leaves_the_index_as_before(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "i.sqlite"
    records = corpus(120)
    with DedupIndex.open(path) as idx:
        idx.add(records[:60])
        before = idx.store.count_docs()

        def boom(*args, **kwargs):
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(idx.store, "add_edges", boom)  # fails after docs and buckets were written
        with pytest.raises(RuntimeError):
            idx.add(records[60:])
        assert idx.store.count_docs() == before
        monkeypatch.undo()
        docs = idx.add(records[60:])  # the same batch goes through afterwards
        assert idx.store.count_docs() == 120
        assert len(idx.resolve(docs)) == 60


def test_killed_process_mid_update_leaves_a_usable_index(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    marker = tmp_path / "started"
    script = textwrap.dedent(f"""
        from pathlib import Path
        from newscrawl.dedup import synth
        from newscrawl.dedup.index import DedupIndex
        records = [r for r, _ in synth.cheap_corpus(6000, seed=2)]
        with DedupIndex.open({str(path)!r}) as idx:
            for i in range(0, len(records), 200):
                idx.add(records[i:i + 200])
                Path({str(marker)!r}).write_text(str(i))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)  # let it get into the next batch
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with DedupIndex.open(path) as idx:
        n = idx.store.count_docs()
        assert n % 200 == 0 and n >= 200  # only whole batches survived
        (check,) = idx.store.conn.execute("PRAGMA integrity_check").fetchone()
        assert check == "ok"
        # buckets and docs agree: no bucket points at a doc that was rolled back, and the files
        # of an uncommitted batch (or merge) are gone, the listed ones all there
        in_buckets = set(idx.store.bands.docs_in_runs().tolist())
        assert in_buckets and in_buckets <= {d for (d,) in idx.store.conn.execute("SELECT doc FROM docs")}
        listed = {f"run-{i}.npy" for (i,) in idx.store.conn.execute("SELECT id FROM band_runs")}
        assert {p.name for p in idx.store.bands.directory.iterdir()} == listed
        more = [{**r, "url": r["url"] + "?p=new", "canonical_url": r["url"] + "?p=new"} for r in corpus(50, seed=3)]
        docs = idx.add(more)
        assert idx.store.count_docs() == n + 50
        assert len(idx.resolve(docs)) == 50


def test_not_a_database_is_a_clear_state_error(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StateError, match=r"not a usable SQLite database|cannot open"):
        DedupIndex.open(path)


def test_index_built_with_other_sketch_parameters_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "i.sqlite"
    store = SQLiteStore(path)
    store.check_params("some-older-sketch")
    store.close()
    with pytest.raises(StateError, match="rebuild"):
        DedupIndex.open(path)


def _copies_of(records: list[dict]) -> list[dict]:
    """Shortened copies of the records on another site (new ids and URLs, last paragraph cut):
    not the same body hash, so only the LSH buckets can bring them together."""
    return [{**r, "url": r["url"].replace("https://", "https://mirror.") + "?syndicated=1",
             "canonical_url": None, "id": None, "body": r["body"].rsplit("\n\n", 1)[0]} for r in records]


def _same_cluster(idx: DedupIndex, docs_a: list[int], docs_b: list[int]) -> bool:
    resolved = idx.resolve(docs_a + docs_b)
    return all(resolved[a].canonical.doc == resolved[b].canonical.doc for a, b in zip(docs_a, docs_b, strict=True))


def test_failure_while_writing_bucket_files_rolls_back_and_leaves_no_stray_file(tmp_path: Path, monkeypatch) -> None:
    """Bucket runs are files beside the database: a failure after some were written (disk full
    during a merge) must roll the batch back, remove its files and keep the earlier ones."""
    import newscrawl.dedup.bandruns as bandruns

    path = tmp_path / "i.sqlite"
    records = corpus(160)
    with DedupIndex.open(path) as idx:
        first = idx.add(records[:80])  # one run per view
        listed_before = {p.name for p in idx.store.bands.directory.iterdir()}
        real_replace = os.replace
        calls = []

        def fail_second(src, dst):
            calls.append(dst)
            if len(calls) == 2:
                raise OSError(28, "No space left on device")
            return real_replace(src, dst)

        monkeypatch.setattr(bandruns.os, "replace", fail_second)
        with pytest.raises(OSError, match="No space"):
            idx.add(records[80:])
        monkeypatch.undo()
        assert idx.store.count_docs() == 80
        assert {p.name for p in idx.store.bands.directory.iterdir()
                if not p.name.endswith(".tmp")} == listed_before
        idx.add(records[80:])
        copies = idx.add(_copies_of(records[:5]))
        assert _same_cluster(idx, copies, first[:5])


def test_two_processes_on_one_index_see_each_others_buckets(tmp_path: Path) -> None:
    """Two handles (as two cron jobs would have) share one index: each transaction maps the runs
    the other one wrote or merged since, so a copy added through B finds its original from A."""
    path = tmp_path / "i.sqlite"
    records = corpus(300)
    with DedupIndex.open(path) as a, DedupIndex.open(path) as b:
        originals = []
        for i in range(0, 300, 50):  # several runs, merged along the way
            originals += a.add(records[i:i + 50])
            b.add(_copies_of(records[i:i + 1]))  # B interleaves its own batches
        copies = b.add(_copies_of(records[100:110]))
        assert _same_cluster(b, copies, originals[100:110])
        assert len(list(a.store.bands.directory.glob("run-*.npy"))) == a.store.conn.execute(
            "SELECT COUNT(*) FROM band_runs").fetchone()[0]


def test_bucket_of_a_stock_key_is_retired_and_merged_away(tmp_path: Path) -> None:
    """A key in HOT_BUCKET docs (a stock line) stops matching; merging runs that hold nothing
    else leaves no empty run behind, and other keys keep matching across merges and reopening."""
    import numpy as np

    from newscrawl.dedup.bandruns import HOT_BUCKET

    stock, own = 7, 1000
    path = tmp_path / "i.sqlite"
    store = SQLiteStore(path)
    doc = 0
    for _ in range(HOT_BUCKET // 10 + 12):  # batches of 10 docs, each with the stock key
        with store.transaction():
            docs = np.arange(doc, doc + 10)
            store.add_band_keys("sent", np.full(10, stock), docs)
            owners, found, _ = store.band_matches("sent", np.array([stock]), np.array([0]))
            doc += 10
        if doc < HOT_BUCKET:
            assert set(found.tolist()) == set(range(doc))  # every earlier doc shares the key
    assert not len(found)  # retired
    assert all(run.entries for run in store.bands.runs["sent"])  # no empty run listed
    assert store.conn.execute("SELECT key FROM hot_keys").fetchall() == [(stock,)]
    with store.transaction():
        store.add_band_keys("sent", np.array([own]), np.array([doc]))
    store.close()
    store = SQLiteStore(path)
    with store.transaction():
        owners, found, shared = store.band_matches("sent", np.array([own, stock]), np.array([3, 4]))
    assert (owners.tolist(), found.tolist(), shared.tolist()) == ([3], [doc], [1])
    store.close()
