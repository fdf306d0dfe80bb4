"""LSH buckets of the SQLite dedup index as sorted runs in memory-mapped files (a small LSM tree).

Why not SQLite tables: a batch of 2,000 records brings ~70,000 (key, doc) bucket entries. As rows
of a B-tree they cost a temp-table insert, a join and 70,000 random-position inserts per batch —
about half of the index's CPU time. As sorted numpy arrays, a lookup is one vectorised
``searchsorted`` per run and an insert is one sort of the batch, written once; runs are merged in
a binary-counter pattern, so an entry is rewritten O(log N) times and a lookup visits O(log N)
runs. Files are memory-mapped read-only: opening an index of any size costs nothing, and only the
pages a lookup touches are read.

Crash safety: SQLite stays the source of truth. A run file is written under a temporary name,
fsynced and renamed *before* the transaction that lists it in ``band_runs`` commits; a run that
merging replaces is unlinked only after the commit. A crash therefore leaves at worst unlisted
files, which the next writer removes; a listed run always exists whole. Another process writing
to the same index is noticed at the start of every transaction (the list of runs changed) and its
runs are mapped then.

Hot keys: a key shared by :data:`HOT_BUCKET` docs is a stock phrase, not evidence (see
:meth:`newscrawl.dedup.store.SQLiteStore.band_matches`); it is recorded in ``hot_keys``, ignored by
lookups from then on and dropped from the runs when they are next merged.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from newscrawl.errors import StateError

HOT_BUCKET = 100  # docs per LSH bucket before its key is retired
MERGE_FACTOR = 2  # merge the two newest runs while the older is under FACTOR x the newer

SCHEMA = """
CREATE TABLE IF NOT EXISTS band_runs (id INTEGER PRIMARY KEY, view TEXT NOT NULL, entries INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS hot_keys (key INTEGER PRIMARY KEY);
"""

_EMPTY = np.zeros(0, dtype=np.int64)


@dataclass(slots=True)
class Run:
    """One immutable sorted run: ``keys`` ascending, ``docs`` aligned with them."""

    id: int
    entries: int
    keys: np.ndarray
    docs: np.ndarray


@dataclass(slots=True)
class _Pending:
    """Entries added in the current transaction, not yet written."""

    keys: list[np.ndarray] = field(default_factory=list)
    docs: list[np.ndarray] = field(default_factory=list)
    sorted_run: Run | None = None

    def run(self) -> Run | None:
        if self.sorted_run is None and self.keys:
            keys, docs = unique_pairs(np.concatenate(self.keys), np.concatenate(self.docs))
            self.sorted_run = Run(-1, len(keys), keys, docs)
        return self.sorted_run


def unique_pairs(keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (key, doc) pairs, sorted by key then doc: the same pair twice says nothing
    more (a run stores it once; a probe counts it once)."""
    order = np.lexsort((docs, keys))
    keys, docs = keys[order], docs[order]
    if len(keys) > 1:
        keep = np.ones(len(keys), dtype=bool)
        keep[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
        keys, docs = keys[keep], docs[keep]
    return keys, docs


def _merge(a: Run, b: Run, hot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted runs into one sorted pair of arrays, O(len) (no re-sort), hot keys dropped."""
    n, m = a.entries, b.entries
    keys = np.empty(n + m, dtype=np.int64)
    docs = np.empty(n + m, dtype=np.int64)
    at_b = np.searchsorted(a.keys, b.keys, side="right") + np.arange(m)
    from_a = np.ones(n + m, dtype=bool)
    from_a[at_b] = False
    keys[at_b], docs[at_b] = b.keys, b.docs
    keys[from_a], docs[from_a] = a.keys, a.docs
    if len(hot):
        keep = ~np.isin(keys, hot)
        keys, docs = keys[keep], docs[keep]
    return keys, docs


class BandRuns:
    """The two bucket views of one index (``doc``, ``sent``) as runs under ``directory``."""

    def __init__(self, conn: sqlite3.Connection, directory: Path) -> None:
        self.conn = conn
        self.directory = directory
        self.runs: dict[str, list[Run]] = {}
        self.hot = _EMPTY  # sorted retired keys (all views: their key spaces are salted apart)
        self._pending: dict[str, _Pending] = {}
        self._new_hot: set[int] = set()
        self._written: list[Path] = []  # files of this transaction (removed if it rolls back)
        self._retired: list[Path] = []  # files of merged-away runs (removed once it commits)
        self._known: tuple = ()
        self._swept = False

    # -- transaction hooks (called by SQLiteStore.transaction) --------------------------------
    def begin(self) -> None:
        """Map the runs listed now (another process may have added or merged some)."""
        listed = tuple(self.conn.execute("SELECT id, view, entries FROM band_runs ORDER BY id"))
        if listed != self._known:
            have = {r.id: r for runs in self.runs.values() for r in runs}
            runs: dict[str, list[Run]] = {}
            for run_id, view, entries in listed:
                runs.setdefault(view, []).append(have.get(run_id) or self._open(run_id, entries))
            self.runs = runs
            self.hot = np.array(sorted(k for (k,) in self.conn.execute("SELECT key FROM hot_keys")), dtype=np.int64)
            self._known = listed
        if not self._swept:
            self._sweep()

    def before_commit(self) -> None:
        """Write this transaction's entries as new runs, merge, and list them in ``band_runs``."""
        if self._new_hot:
            self.conn.executemany("INSERT OR IGNORE INTO hot_keys (key) VALUES (?)", [(k,) for k in self._new_hot])
            self.hot = np.union1d(self.hot, np.fromiter(self._new_hot, dtype=np.int64))
        for view, pending in self._pending.items():
            run = pending.run()
            if run is None or not run.entries:
                continue
            runs = self.runs.setdefault(view, [])
            runs.append(self._write(view, run.keys, run.docs))
            while len(runs) > 1 and runs[-2].entries < MERGE_FACTOR * runs[-1].entries:
                newer, older = runs.pop(), runs.pop()
                keys, docs = _merge(older, newer, self.hot)
                if len(keys):  # (all of it can be retired hot keys)
                    runs.append(self._write(view, keys, docs))
                self.conn.execute("DELETE FROM band_runs WHERE id IN (?, ?)", (older.id, newer.id))
                self._retired += [self._path(older.id), self._path(newer.id)]

    def after_commit(self) -> None:
        for path in self._retired:  # (where a mapped file cannot be removed, the next sweep does)
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        self._known = tuple((r.id, view, r.entries) for view, runs in self.runs.items() for r in runs)
        self._known = tuple(sorted(self._known))
        self._reset()

    def after_rollback(self) -> None:
        for path in self._written:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        self._known = ()  # re-read the list at the next transaction
        self.runs = {}
        self._reset()

    def _reset(self) -> None:
        self._pending, self._new_hot, self._written, self._retired = {}, set(), [], []

    # -- entries ---------------------------------------------------------------------------------
    def add(self, view: str, keys: np.ndarray, docs: np.ndarray) -> None:
        if len(keys):
            pending = self._pending.setdefault(view, _Pending())
            pending.keys.append(np.asarray(keys, dtype=np.int64))
            pending.docs.append(np.asarray(docs, dtype=np.int64))
            pending.sorted_run = None

    def matches(self, view: str, keys: np.ndarray, owners: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For probes (key, owner): (owner, doc, shared keys) of every doc sharing a bucket.

        Entries added earlier in this transaction count. A key whose bucket holds
        :data:`HOT_BUCKET` docs or more is retired (see module docstring) and matches nothing.
        """
        keys = np.asarray(keys, dtype=np.int64)
        owners = np.asarray(owners, dtype=np.int64)
        if not len(keys):
            return _EMPTY, _EMPTY, _EMPTY
        uniq, probe_u = np.unique(keys, return_inverse=True)
        runs = list(self.runs.get(view, []))
        pending = self._pending.get(view)
        if pending is not None and (run := pending.run()) is not None:
            runs.append(run)
        spans = []
        total = np.zeros(len(uniq), dtype=np.int64)
        for run in runs:
            lo = np.searchsorted(run.keys, uniq, side="left")
            hi = np.searchsorted(run.keys, uniq, side="right")
            total += hi - lo
            spans.append((run, lo, hi))
        live = total < HOT_BUCKET
        if len(self.hot):
            live &= ~np.isin(uniq, self.hot, assume_unique=True)
        self._new_hot.update(uniq[total >= HOT_BUCKET].tolist())
        # every (probe key, doc) entry of the live buckets ...
        ent_u, ent_doc = [], []
        for run, lo, hi in spans:
            count = np.where(live, hi - lo, 0)
            n = int(count.sum())
            if n:
                ent_u.append(np.repeat(np.arange(len(uniq)), count))
                ent_doc.append(run.docs[np.repeat(lo - (np.cumsum(count) - count), count) + np.arange(n)])
        if not ent_u:
            return _EMPTY, _EMPTY, _EMPTY
        e_u, e_doc = np.concatenate(ent_u), np.concatenate(ent_doc)
        # ... joined with every probe of that key, then counted per (owner, doc)
        by_u = np.argsort(probe_u, kind="stable")
        probes_per_u = np.bincount(probe_u, minlength=len(uniq))
        first_probe = np.cumsum(probes_per_u) - probes_per_u
        reps = probes_per_u[e_u]
        n = int(reps.sum())
        probe_at = by_u[np.repeat(first_probe[e_u] - (np.cumsum(reps) - reps), reps) + np.arange(n)]
        pair_owner, pair_doc = owners[probe_at], np.repeat(e_doc, reps)
        width = int(pair_doc.max()) + 1
        code, shared = np.unique(pair_owner * width + pair_doc, return_counts=True)
        return code // width, code % width, shared

    def docs_in_runs(self) -> np.ndarray:
        """Every doc some listed run points at (consistency checks)."""
        parts = [np.unique(r.docs) for runs in self.runs.values() for r in runs]
        return np.unique(np.concatenate(parts)) if parts else _EMPTY

    # -- files -------------------------------------------------------------------------------------
    def _path(self, run_id: int) -> Path:
        return self.directory / f"run-{run_id}.npy"

    def _open(self, run_id: int, entries: int) -> Run:
        path = self._path(run_id)
        try:
            arr = np.load(path, mmap_mode="r")
        except (OSError, ValueError) as exc:
            raise StateError(f"dedup index bucket file {path} is missing or damaged ({exc}); "
                             "rebuild the index (delete it and its -runs directory, re-run)") from exc
        if arr.shape != (2, entries) or arr.dtype != np.int64:
            raise StateError(f"dedup index bucket file {path} does not match the index "
                             f"({arr.shape} {arr.dtype}, expected (2, {entries}) int64); rebuild the index")
        return Run(run_id, entries, arr[0], arr[1])

    def _write(self, view: str, keys: np.ndarray, docs: np.ndarray) -> Run:
        """A new listed run: file fully on disk before the listing can commit."""
        run_id = self.conn.execute("INSERT INTO band_runs (view, entries) VALUES (?, ?)",
                                   (view, len(keys))).lastrowid
        assert run_id is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(run_id)
        tmp = path.with_suffix(".tmp")
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.int64, shape=(2, len(keys)))
        out[0], out[1] = keys, docs
        out.flush()
        del out
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        self._written.append(path)
        self._fsync_directory()
        return self._open(run_id, len(keys))

    def _fsync_directory(self) -> None:
        try:
            fd = os.open(self.directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    def _sweep(self) -> None:
        """Remove files no committed listing names (left by a crash). Only safe while holding the
        write lock: another writer's not-yet-committed run would look just like a leftover."""
        self._swept = True
        if not self.directory.is_dir():
            return
        listed = {self._path(r.id).name for runs in self.runs.values() for r in runs}
        for path in self.directory.iterdir():
            if path.name.startswith("run-") and path.name not in listed:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
