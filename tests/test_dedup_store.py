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
        # buckets and docs agree: no bucket points at a doc that was rolled back
        (orphans,) = idx.store.conn.execute(
            "SELECT COUNT(*) FROM sent_bands WHERE doc NOT IN (SELECT doc FROM docs)").fetchone()
        assert orphans == 0
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
