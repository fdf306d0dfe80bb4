"""Crawl state kept between runs: what was fetched, when, with what result and validators.

The crawl talks to :class:`CrawlState` only, so another backend (Redis, for several workers)
can replace the SQLite default without touching spiders or pipelines. What is stored:

- pages: per URL key — last fetch time, HTTP status, result (``article``, ``listing``, ``304``,
  an error kind…), ``ETag`` / ``Last-Modified`` for conditional requests, the sitemap ``lastmod``
  seen, and for articles the record id and a hash of its content;
- records: the ids already written to the output, with their content hash, so a rerun never
  emits the same record twice (and emits it again only if its content changed);
- outputs: per output file, the byte offset up to which the state knows its contents; on open,
  lines past it (written just before a crash, before the state commit) are reconciled.

Every write that marks a record emitted happens in the same transaction as the output offset,
after the lines were fsync-ed — that ordering is what makes ``kill -9`` safe.
"""

from __future__ import annotations

import abc
import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import xxhash

from newscrawl.errors import ConfigError, StateError, StateLockedError

RETRY_PREFIX = "retry:"


@dataclass(slots=True)
class PageState:
    """What the state knows about one URL (keyed by :func:`newscrawl.crawl.urls.url_key`)."""

    key: str
    url: str
    fetched_at: float | None = None
    status: int | None = None
    result: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    lastmod: str | None = None  # sitemap/feed lastmod the page was fetched for
    record_id: str | None = None
    content_hash: str | None = None
    site: str | None = None

    @property
    def should_retry(self) -> bool:
        """A transient failure (network, 5xx, extraction crash): the next run tries again."""
        return bool(self.result and self.result.startswith(RETRY_PREFIX))


def content_hash_of(title: str | None, body: str) -> str:
    """What makes a record "changed" for a rerun: its title and body (not the fetch time)."""
    return xxhash.xxh64_hexdigest(f"{title or ''}\n{body}".encode())


@dataclass(slots=True)
class EmittedRecord:
    id: str
    content_hash: str
    url: str


class CrawlState(abc.ABC):
    """Backend-neutral crawl state. Methods are called from the crawler's single thread."""

    location: str

    @abc.abstractmethod
    def acquire_lock(self, run_id: str) -> None:
        """Take the run lock or raise :class:`StateLockedError` naming the holder."""

    @abc.abstractmethod
    def release_lock(self) -> None: ...

    @abc.abstractmethod
    def page(self, key: str) -> PageState | None: ...

    @abc.abstractmethod
    def retry_urls(self, site: str, limit: int) -> list[str]:
        """URLs of ``site`` whose last fetch failed transiently, oldest first."""

    def urls_with_result(self, site: str, result: str, limit: int) -> list[str]:
        """URLs of ``site`` whose last result was ``result`` (e.g. its feeds). Optional for a
        backend: without it a rerun rediscovers feeds only from a changed home page."""
        return []

    @abc.abstractmethod
    def record_hash(self, record_id: str) -> str | None:
        """Content hash of the emitted record with this id, or None if never emitted."""

    @abc.abstractmethod
    def save_pages(self, pages: Iterable[PageState]) -> None:
        """Upsert page rows (buffered; durable after :meth:`commit`)."""

    @abc.abstractmethod
    def commit_emitted(
        self, records: list[EmittedRecord], pages: list[PageState], output: str, output_size: int
    ) -> None:
        """Atomically: mark records emitted, save their pages, move the output offset."""

    @abc.abstractmethod
    def output_offset(self, output: str) -> int | None: ...

    @abc.abstractmethod
    def outputs(self) -> list[tuple[str, int]]: ...

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def start_run(self, run_id: str, info: dict) -> None: ...

    @abc.abstractmethod
    def finish_run(self, run_id: str, info: dict) -> None: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def stats(self) -> dict[str, int]:
        return {}


_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    key TEXT PRIMARY KEY, url TEXT NOT NULL, fetched_at REAL, status INTEGER, result TEXT,
    etag TEXT, last_modified TEXT, lastmod TEXT, record_id TEXT, content_hash TEXT, site TEXT
);
CREATE INDEX IF NOT EXISTS pages_retry ON pages (site, result);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, url TEXT NOT NULL, emitted_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS outputs (path TEXT PRIMARY KEY, committed_size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, started_at REAL NOT NULL, finished_at REAL, info TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""
STATE_FORMAT = "1"
_PAGE_COLS = (
    "key",
    "url",
    "fetched_at",
    "status",
    "result",
    "etag",
    "last_modified",
    "lastmod",
    "record_id",
    "content_hash",
    "site",
)


class SqliteState(CrawlState):
    """SQLite in WAL mode; one file per state, a sibling ``.lock`` file for the run lock."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.location = f"sqlite:{self.path}"
        self._lock_fh: int | None = None
        self._pending_pages: dict[str, PageState] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key='format'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta VALUES ('format', ?)", (STATE_FORMAT,))
            elif row[0] != STATE_FORMAT:
                raise StateError(
                    f"state {self.path} has format {row[0]}, this version reads {STATE_FORMAT}"
                )
            self._db.execute("PRAGMA quick_check(1)").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StateError(
                f"crawl state {self.path} is unreadable or corrupt ({exc}); move it away to start afresh"
            ) from exc
        except OSError as exc:
            raise StateError(f"cannot open crawl state {self.path}: {exc}") from exc

    # -- lock --------------------------------------------------------------------------------
    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def acquire_lock(self, run_id: str) -> None:
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "unknown"
            os.close(fd)
            raise StateLockedError(
                f"another run holds the lock on crawl state {self.path} ({holder}); "
                "not starting an overlapping run"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(
            fd,
            f"pid {os.getpid()}, run {run_id}, since {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}".encode(),
            0,
        )
        self._lock_fh = fd

    def release_lock(self) -> None:
        if self._lock_fh is not None:
            os.ftruncate(self._lock_fh, 0)
            fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            os.close(self._lock_fh)
            self._lock_fh = None

    # -- reads -------------------------------------------------------------------------------
    def page(self, key: str) -> PageState | None:
        pending = self._pending_pages.get(key)
        if pending is not None:
            return pending
        row = self._db.execute(
            f"SELECT {', '.join(_PAGE_COLS)} FROM pages WHERE key=?", (key,)
        ).fetchone()
        return PageState(*row) if row else None

    def retry_urls(self, site: str, limit: int) -> list[str]:
        self.commit()
        rows = self._db.execute(
            "SELECT url FROM pages WHERE site=? AND result LIKE ? ORDER BY fetched_at LIMIT ?",
            (site, RETRY_PREFIX + "%", limit),
        )
        return [r[0] for r in rows]

    def urls_with_result(self, site: str, result: str, limit: int) -> list[str]:
        self.commit()
        rows = self._db.execute(
            "SELECT url FROM pages WHERE site=? AND result=? LIMIT ?", (site, result, limit)
        )
        return [r[0] for r in rows]

    def record_hash(self, record_id: str) -> str | None:
        row = self._db.execute(
            "SELECT content_hash FROM records WHERE id=?", (record_id,)
        ).fetchone()
        return row[0] if row else None

    def output_offset(self, output: str) -> int | None:
        row = self._db.execute(
            "SELECT committed_size FROM outputs WHERE path=?", (output,)
        ).fetchone()
        return row[0] if row else None

    def outputs(self) -> list[tuple[str, int]]:
        return list(self._db.execute("SELECT path, committed_size FROM outputs"))

    def stats(self) -> dict[str, int]:
        return {
            "pages": self._db.execute("SELECT count(*) FROM pages").fetchone()[0],
            "records": self._db.execute("SELECT count(*) FROM records").fetchone()[0],
        }

    # -- writes ------------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise StateError(f"cannot write crawl state {self.path}: {exc}") from exc

    def save_pages(self, pages: Iterable[PageState]) -> None:
        for page in pages:
            self._pending_pages[page.key] = page
        if len(self._pending_pages) >= 200:
            self.commit()

    def _write_pages(self, db: sqlite3.Connection, pages: Iterable[PageState]) -> None:
        db.executemany(
            f"INSERT OR REPLACE INTO pages ({', '.join(_PAGE_COLS)}) VALUES ({', '.join('?' * len(_PAGE_COLS))})",
            [tuple(getattr(p, c) for c in _PAGE_COLS) for p in pages],
        )

    def commit(self) -> None:
        if not self._pending_pages:
            return
        pages, self._pending_pages = list(self._pending_pages.values()), {}
        with self._transaction() as db:
            self._write_pages(db, pages)

    def commit_emitted(
        self, records: list[EmittedRecord], pages: list[PageState], output: str, output_size: int
    ) -> None:
        now = time.time()
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO records (id, content_hash, url, emitted_at) VALUES (?, ?, ?, ?)",
                [(r.id, r.content_hash, r.url, now) for r in records],
            )
            self._write_pages(db, pages)
            db.execute(
                "INSERT OR REPLACE INTO outputs (path, committed_size) VALUES (?, ?)",
                (output, output_size),
            )
        for page in pages:
            self._pending_pages.pop(page.key, None)

    def start_run(self, run_id: str, info: dict) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO runs (run_id, started_at, info) VALUES (?, ?, ?)",
                (run_id, time.time(), json.dumps(info)),
            )

    def finish_run(self, run_id: str, info: dict) -> None:
        self.commit()
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at=?, info=? WHERE run_id=?",
                (time.time(), json.dumps(info), run_id),
            )

    def close(self) -> None:
        try:
            self.commit()
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self._db.close()
            self.release_lock()


def open_state(uri: str) -> CrawlState:
    """Open the state named by ``--state``: ``sqlite:PATH`` or a bare path (SQLite), or
    ``redis://HOST:PORT/DB`` (shared by many workers, see ``newscrawl.store.redis_state``)."""
    if uri.startswith(("redis://", "rediss://", "unix://")):
        from newscrawl.store.redis_state import open_redis_state

        return open_redis_state(uri)
    path = uri.removeprefix("sqlite:")
    if not path:
        raise ConfigError(f"--state {uri!r}: expected sqlite:PATH")
    return SqliteState(path)
