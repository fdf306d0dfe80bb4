"""Where the dedup index lives: the :class:`IndexStore` interface and its SQLite implementation.

The index logic (:mod:`newscrawl.dedup.index`) talks only to :class:`IndexStore`, so another
backend (Redis, for several crawl workers sharing one index) plugs in without touching it.

SQLite layout — every lookup is an indexed point query, so adding N records costs about N
(times log of the index size), never a scan of the index:

* ``docs`` — one row per record seen: ids, URL key, site, date, length, body hash, the text
  (LZ4, to rebuild features for verification), and its cluster assignment.
* LSH buckets of the two sketch views — sorted runs in memory-mapped files beside the database
  (``<index>-runs/``), listed in ``band_runs`` (:mod:`newscrawl.dedup.bandruns`: a B-tree insert
  per bucket entry was half the index's CPU time).
* ``hot_keys`` — bucket keys retired because too many articles share them (stock phrases).
* ``edges`` — verified copy (and story) relations with their evidence score, both directions.
* ``meta`` — schema version and sketch parameters; an index built with other parameters is
  refused rather than silently giving wrong answers.

Durability: WAL journal, each batch in one transaction (``BEGIN IMMEDIATE``), so a crash or
kill mid-update rolls back to the last complete batch and the index stays usable (bucket files
are on disk before the transaction that lists them commits).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import lz4.frame
import numpy as np

from newscrawl.dedup.bandruns import HOT_BUCKET, BandRuns
from newscrawl.dedup.bandruns import SCHEMA as RUNS_SCHEMA
from newscrawl.errors import StateError, StateLockedError

__all__ = ["HOT_BUCKET", "SCHEMA_VERSION", "Assignment", "DocRow", "IndexStore", "SQLiteStore", "pack_body", "pack_text", "unpack_text"]

SCHEMA_VERSION = "1"  # of the Redis layout (redis_index.py)
SQLITE_SCHEMA = "2"  # 2: buckets in run files, LZ4 bodies (1: bucket tables, zlib)


@dataclass(slots=True)
class DocRow:
    """One record as the index knows it."""

    doc: int
    record_id: str
    url: str
    url_key: int
    site: str | None
    published: str | None
    sort_ts: float | None  # published as a UTC timestamp (None: undated, sorts last)
    length: int  # body length in characters ("most complete" tie-break)
    body_hash: int
    title: str | None
    body: str | None  # may be None when fetched without text
    n_sent: int = 0  # sentences with enough wording to sketch (candidate rule for short texts)
    packed_body: bytes | None = None  # body already compressed (by a featurising worker), to store as is
    alias_of: int | None = None  # URL variant of another doc (exact-url copy)
    canonical: int | None = None
    score: float | None = None
    level: str | None = None
    story: int | None = None


@dataclass(slots=True)
class Assignment:
    doc: int
    canonical: int
    score: float | None
    level: str | None
    story: int | None


class IndexStore(Protocol):
    """Storage the dedup index needs. Implementations must make :meth:`transaction` atomic.

    ``band_matches`` may ignore keys shared by very many docs (stock phrases; SQLite retires a
    key at :data:`HOT_BUCKET` docs) so that the cost of a lookup does not grow with the index.
    """

    def transaction(self) -> Iterator[None]: ...
    def check_params(self, params: str) -> None: ...
    def next_doc_ids(self, n: int) -> list[int]: ...
    def docs_by_record_ids(self, record_ids: Sequence[str]) -> dict[str, DocRow]: ...
    def docs_by_url_keys(self, keys: Sequence[int]) -> dict[int, DocRow]: ...
    def docs_by_body_hashes(self, hashes: Sequence[int]) -> dict[int, list[int]]: ...
    def get_docs(self, docs: Iterable[int], with_text: bool = False) -> dict[int, DocRow]: ...
    def sentence_counts(self, docs: Iterable[int]) -> dict[int, int]: ...
    def add_docs(self, rows: Sequence[DocRow]) -> None: ...
    def add_band_keys(self, view: str, keys: np.ndarray, docs: np.ndarray) -> None: ...
    def band_matches(self, view: str, keys: np.ndarray, owners: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...
    def add_edges(self, edges: Sequence[tuple[int, int, float, str]]) -> None: ...
    def edges_of(self, docs: Iterable[int]) -> list[tuple[int, int, float, str]]: ...
    def set_assignments(self, rows: Sequence[Assignment]) -> None: ...
    def cluster_members(self, canonicals: Iterable[int]) -> dict[int, list[DocRow]]: ...
    def aliases_of(self, docs: Iterable[int]) -> dict[int, list[DocRow]]: ...
    def count_docs(self) -> int: ...
    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    doc INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    url_key INTEGER NOT NULL,
    site TEXT,
    published TEXT,
    sort_ts REAL,
    length INTEGER NOT NULL,
    body_hash INTEGER NOT NULL,
    title TEXT,
    body BLOB,
    n_sent INTEGER NOT NULL DEFAULT 0,
    alias_of INTEGER,
    canonical INTEGER,
    score REAL,
    level TEXT,
    story INTEGER
);
CREATE INDEX IF NOT EXISTS docs_url_key ON docs(url_key);
CREATE INDEX IF NOT EXISTS docs_body_hash ON docs(body_hash);
CREATE INDEX IF NOT EXISTS docs_canonical ON docs(canonical);
CREATE INDEX IF NOT EXISTS docs_alias ON docs(alias_of) WHERE alias_of IS NOT NULL;
CREATE TABLE IF NOT EXISTS edges (a INTEGER NOT NULL, b INTEGER NOT NULL, score REAL NOT NULL, level TEXT NOT NULL,
                                  PRIMARY KEY (a, b)) WITHOUT ROWID;
""" + RUNS_SCHEMA
_DOC_COLS = ("doc, record_id, url, url_key, site, published, sort_ts, length, body_hash, title, {body}, "
             "n_sent, alias_of, canonical, score, level, story")


def pack_text(text: str) -> bytes:
    """Stored form of a body: an LZ4 frame. Six times cheaper than zlib level 1 (which was a
    tenth of a bulk run's CPU) for bodies about 1.5× larger; news text still shrinks ~2×."""
    return lz4.frame.compress(text.encode("utf-8"))


def unpack_text(data: bytes) -> str:
    return lz4.frame.decompress(data).decode("utf-8")


def pack_body(row: DocRow) -> bytes:
    return row.packed_body if row.packed_body is not None else pack_text(row.body or "")


def _chunks(seq: Sequence, size: int = 900) -> Iterator[Sequence]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


class SQLiteStore:
    """The default :class:`IndexStore`: one SQLite file (WAL), safe against crashes mid-batch."""

    def __init__(self, path: str | Path, timeout: float = 30.0) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA cache_size=-200000")
            self.conn.execute("PRAGMA temp_store=MEMORY")
            self.conn.executescript(_SCHEMA)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise StateLockedError(f"dedup index {self.path} is locked by another process") from exc
            raise StateError(f"cannot open dedup index {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise StateError(f"dedup index {self.path} is not a usable SQLite database: {exc}") from exc
        self._depth = 0
        self.bands = BandRuns(self.conn, self.path.with_name(self.path.name + "-runs"))
        self._n_sent = np.zeros(0, dtype=np.int32)  # doc -> sentence count, -1 unknown
        self._n_sent_new: dict[int, int] = {}  # of docs added in the open transaction

    # -- transactions -------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (nested uses join the outer one)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StateLockedError(f"dedup index {self.path} is busy: {exc}") from exc
        self._depth = 1
        try:
            self.bands.begin()
            yield
            self.bands.before_commit()
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self.bands.after_rollback()
            raise
        else:
            self.bands.after_commit()
            self._cache_n_sent(list(self._n_sent_new.items()))
        finally:
            self._n_sent_new = {}
            self._depth = 0

    def check_params(self, params: str) -> None:
        """Record the sketch parameters on first use; refuse an index built with others."""
        with self.transaction():
            rows = dict(self.conn.execute("SELECT key, value FROM meta"))
            if not rows:
                self.conn.executemany("INSERT INTO meta VALUES (?, ?)",
                                      [("schema", SQLITE_SCHEMA), ("params", params)])
                return
        if rows.get("schema") != SQLITE_SCHEMA or rows.get("params") != params:
            raise StateError(
                f"dedup index {self.path} was built with schema {rows.get('schema')} / sketch "
                f"{rows.get('params')}, this version uses {SQLITE_SCHEMA} / {params}; "
                "rebuild it (delete the file and its -runs directory, then re-run over your records)")

    # -- docs -----------------------------------------------------------------------------------
    def next_doc_ids(self, n: int) -> list[int]:
        (top,) = self.conn.execute("SELECT COALESCE(MAX(doc), 0) FROM docs").fetchone()
        return list(range(top + 1, top + 1 + n))

    @staticmethod
    def _row(r: tuple, with_text: bool) -> DocRow:
        body = r[10]
        title_body = None
        if with_text and body is not None:
            title_body = unpack_text(body)
        return DocRow(doc=r[0], record_id=r[1], url=r[2], url_key=r[3], site=r[4], published=r[5],
                      sort_ts=r[6], length=r[7], body_hash=r[8], title=r[9], body=title_body,
                      n_sent=r[11], alias_of=r[12], canonical=r[13], score=r[14], level=r[15], story=r[16])

    def _select(self, where: str, args: Sequence, with_text: bool = False) -> list[DocRow]:
        cols = _DOC_COLS.format(body="body" if with_text else "NULL")
        out: list[DocRow] = []
        for chunk in _chunks(list(args)):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT {cols} FROM docs WHERE {where.format(marks=marks)}"
            out.extend(self._row(r, with_text) for r in self.conn.execute(sql, list(chunk)))
        return out

    def docs_by_record_ids(self, record_ids: Sequence[str]) -> dict[str, DocRow]:
        return {r.record_id: r for r in self._select("record_id IN ({marks})", record_ids)}

    def docs_by_url_keys(self, keys: Sequence[int]) -> dict[int, DocRow]:
        out: dict[int, DocRow] = {}
        for r in self._select("url_key IN ({marks}) AND alias_of IS NULL", keys):
            out.setdefault(r.url_key, r)
        return out

    def docs_by_body_hashes(self, hashes: Sequence[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for chunk in _chunks(list(hashes)):
            marks = ",".join("?" * len(chunk))
            for h, doc in self.conn.execute(
                    f"SELECT body_hash, doc FROM docs WHERE body_hash IN ({marks}) AND alias_of IS NULL", list(chunk)):
                out.setdefault(h, []).append(doc)
        return out

    def get_docs(self, docs: Iterable[int], with_text: bool = False) -> dict[int, DocRow]:
        return {r.doc: r for r in self._select("doc IN ({marks})", sorted(set(docs)), with_text)}

    def sentence_counts(self, docs: Iterable[int]) -> dict[int, int]:
        """``n_sent`` of each doc (asked for thousands of docs per batch). A doc's count never
        changes, so counts are kept in memory once read or committed: a bulk run never asks
        SQLite, a run against last month's index asks once per old doc."""
        wanted = np.fromiter(set(docs), dtype=np.int64)
        known = np.full(len(wanted), -1, dtype=np.int64)
        inside = wanted < len(self._n_sent)
        known[inside] = self._n_sent[wanted[inside]]
        out = dict(zip(wanted[known >= 0].tolist(), known[known >= 0].tolist(), strict=True))
        missing = []
        for d in wanted[known < 0].tolist():
            if d in self._n_sent_new:
                out[d] = self._n_sent_new[d]
            else:
                missing.append(d)
        for chunk in _chunks(sorted(missing)):
            marks = ",".join("?" * len(chunk))
            found = self.conn.execute(f"SELECT doc, n_sent FROM docs WHERE doc IN ({marks})", list(chunk)).fetchall()
            out.update(found)
            self._cache_n_sent(found)
        return out

    def _cache_n_sent(self, pairs: Sequence[tuple[int, int]]) -> None:
        if not pairs:
            return
        arr = np.array(pairs, dtype=np.int64)
        top = int(arr[:, 0].max())
        if top >= len(self._n_sent):
            grown = np.full(max(top + 1, 2 * len(self._n_sent), 1024), -1, dtype=np.int32)
            grown[:len(self._n_sent)] = self._n_sent
            self._n_sent = grown
        self._n_sent[arr[:, 0]] = arr[:, 1]

    def add_docs(self, rows: Sequence[DocRow]) -> None:
        self._n_sent_new.update((r.doc, r.n_sent) for r in rows)  # cached once committed
        self.conn.executemany(
            "INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(r.doc, r.record_id, r.url, r.url_key, r.site, r.published, r.sort_ts, r.length, r.body_hash,
              r.title, pack_body(r) if r.body is not None else None,
              r.n_sent, r.alias_of, r.canonical, r.score, r.level, r.story) for r in rows])

    # -- LSH buckets ------------------------------------------------------------------------------
    def add_band_keys(self, view: str, keys: np.ndarray, docs: np.ndarray) -> None:
        self.bands.add(view, keys, docs)

    def band_matches(self, view: str, keys: np.ndarray, owners: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For probes (key, owner): (owner, doc, number of shared keys) per matching doc.

        Buckets are capped at :data:`HOT_BUCKET` docs: a key that many articles share is a stock
        phrase or template line, not evidence of copying, and a bucket that kept growing would
        make every new record cost more as the index grows. Such a key is recorded in
        ``hot_keys``, ignored from then on, and its entries dropped at the next merge.
        """
        return self.bands.matches(view, keys, owners)

    # -- edges and clusters -------------------------------------------------------------------------
    def add_edges(self, edges: Sequence[tuple[int, int, float, str]]) -> None:
        both = [(a, b, s, lv) for a, b, s, lv in edges] + [(b, a, s, lv) for a, b, s, lv in edges]
        self.conn.executemany("INSERT OR REPLACE INTO edges VALUES (?, ?, ?, ?)", both)

    def edges_of(self, docs: Iterable[int]) -> list[tuple[int, int, float, str]]:
        out: list[tuple[int, int, float, str]] = []
        for chunk in _chunks(sorted(set(docs))):
            marks = ",".join("?" * len(chunk))
            out.extend(self.conn.execute(f"SELECT a, b, score, level FROM edges WHERE a IN ({marks})", list(chunk)))
        return out

    def set_assignments(self, rows: Sequence[Assignment]) -> None:
        self.conn.executemany("UPDATE docs SET canonical = ?, score = ?, level = ?, story = ? WHERE doc = ?",
                              [(a.canonical, a.score, a.level, a.story, a.doc) for a in rows])

    def cluster_members(self, canonicals: Iterable[int]) -> dict[int, list[DocRow]]:
        out: dict[int, list[DocRow]] = {}
        for r in self._select("canonical IN ({marks})", sorted(set(canonicals))):
            out.setdefault(r.canonical, []).append(r)  # type: ignore[arg-type]
        return out

    def aliases_of(self, docs: Iterable[int]) -> dict[int, list[DocRow]]:
        out: dict[int, list[DocRow]] = {}
        for r in self._select("alias_of IN ({marks})", sorted(set(docs))):
            out.setdefault(r.alias_of, []).append(r)  # type: ignore[arg-type]
        return out

    def count_docs(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    def close(self) -> None:
        self.conn.close()
