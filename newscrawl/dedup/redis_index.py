"""The dedup index on Redis: one :class:`~newscrawl.dedup.store.IndexStore` for many crawl workers.

With ``--state redis://...`` every worker's dedup pipeline opens this store on the same Redis, so
a copy fetched by one worker is recognised against an original fetched by another — even at the
same moment:

- **Serialised batches.** :meth:`RedisStore.transaction` holds a lock key (``SET NX PX``, renewed
  while held, released with a compare-and-delete script). The index's "look up candidates, then
  add" is thus atomic across workers: the second of two simultaneous copies always sees the
  first. Batches in the crawl are small (one to a few records), so the lock is held for
  milliseconds; a worker that dies holding it frees it when the lock expires.
- **All or nothing.** Writes inside a transaction go to a local overlay that reads see (the
  index reads its own writes), and are applied in one ``MULTI``/``EXEC`` at the end; a crash
  before that leaves Redis as it was, a crash after it leaves the whole batch.

Keys under ``<prefix>dedup:`` (prefix from the state URI, default ``newscrawl:``): ``meta``,
``next`` (doc id counter), ``docs`` (doc -> JSON row), ``text`` (doc -> compressed body, :func:`~newscrawl.dedup.store.pack_text`),
``rid`` (record id -> doc), ``url`` (URL key -> page doc), ``body:<hash>`` (docs),
``band:<view>:<key>`` (LSH bucket), ``hot:<view>`` (retired bucket keys), ``edges:<doc>`` (other -> "score|level"),
``canon:<doc>`` (cluster members), ``alias:<doc>``. Memory: about 2–4 KB per record (text
compressed) plus ~70 bucket entries; size Redis for the records you keep (see docs/distributed.md).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from typing import Any

import numpy as np
from redis.exceptions import RedisError

from newscrawl.dedup.store import (
    HOT_BUCKET,
    SCHEMA_VERSION,
    Assignment,
    DocRow,
    pack_body,
    unpack_text,
)
from newscrawl.errors import StateError, StateLockedError
from newscrawl.store.redis_state import DEFAULT_PREFIX, connect, safe_uri, split_uri

LOCK_TTL_MS = 30_000
LOCK_WAIT_S = 120.0
_ROW_FIELDS = [f for f in DocRow.__slots__ if f not in ("body", "packed_body")]  # type: ignore[attr-defined]

_UNLOCK_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RENEW_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class RedisStore:
    """:class:`~newscrawl.dedup.store.IndexStore` on Redis, shared by many processes."""

    def __init__(self, uri: str, client: Any = None) -> None:
        self.location = safe_uri(uri)
        _, options = split_uri(uri)
        self.base = (options.get("prefix") or DEFAULT_PREFIX) + "dedup:"
        self.client = client if client is not None else connect(uri)
        self._unlock = self.client.register_script(_UNLOCK_LUA)
        self._renew = self.client.register_script(_RENEW_LUA)
        self._depth = 0
        self._token: str | None = None
        self._renewer: threading.Event | None = None
        self._reset_overlay()

    # -- plumbing ------------------------------------------------------------------------------
    def _k(self, *parts: object) -> str:
        return self.base + ":".join(str(p) for p in parts)

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RedisError as exc:
            raise StateError(f"dedup index {self.location}: Redis failed: {exc}") from exc

    def _reset_overlay(self) -> None:
        self._docs: dict[int, DocRow] = {}  # rows added or changed in this transaction
        self._new_docs: set[int] = set()
        self._old_canon: dict[int, int | None] = {}
        self._bands: dict[str, dict[int, set[int]]] = {"doc": {}, "sent": {}}
        self._new_hot: dict[str, set[int]] = {"doc": set(), "sent": set()}  # retired in this batch
        self._hot: dict[str, set[int]] = {"doc": set(), "sent": set()}  # retired before, met in this batch
        self._edges: dict[int, dict[int, tuple[float, str]]] = {}

    # -- transactions --------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the index lock; apply the batch's writes in one MULTI at the end, or none."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._lock()
        self._depth = 1
        try:
            self._reset_overlay()
            yield
            self._flush()
        finally:
            self._reset_overlay()
            self._depth = 0
            self._release()

    def _lock(self) -> None:
        token = secrets.token_hex(8)
        deadline = time.monotonic() + LOCK_WAIT_S
        pause = 0.002
        while not self._call(self.client.set, self._k("lock"), token, nx=True, px=LOCK_TTL_MS):
            if time.monotonic() > deadline:
                raise StateLockedError(
                    f"dedup index {self.location}: the index lock stayed taken for "
                    f"{LOCK_WAIT_S:.0f}s (another worker stuck?)"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        self._token = token
        stop = threading.Event()
        self._renewer = stop

        def renew() -> None:  # a long batch (a big `newscrawl dedup` file) keeps its lock
            while not stop.wait(LOCK_TTL_MS / 3000):
                try:
                    self._renew(keys=[self._k("lock")], args=[token, LOCK_TTL_MS])
                except RedisError:
                    return

        threading.Thread(target=renew, name="dedup-lock", daemon=True).start()

    def _release(self) -> None:
        if self._renewer is not None:
            self._renewer.set()
            self._renewer = None
        if self._token is not None:
            with contextlib.suppress(RedisError):  # else it expires
                self._unlock(keys=[self._k("lock")], args=[self._token])
            self._token = None

    def _flush(self) -> None:
        if not (self._docs or self._edges or any(self._bands.values())):
            return
        pipe = self.client.pipeline(transaction=True)
        for doc, row in self._docs.items():
            pipe.hset(self._k("docs"), str(doc), _row_json(row))
            if doc in self._new_docs:
                pipe.hset(self._k("rid"), row.record_id, doc)
                if row.body is not None:
                    text = pack_body(row)
                    pipe.hset(self._k("text"), str(doc), text)
                if row.alias_of is None:
                    pipe.hsetnx(self._k("url"), str(row.url_key), doc)
                    pipe.sadd(self._k("body", row.body_hash), doc)
                else:
                    pipe.sadd(self._k("alias", row.alias_of), doc)
            old = self._old_canon.get(doc)
            if row.canonical != old:
                if old is not None:
                    pipe.srem(self._k("canon", old), doc)
                if row.canonical is not None:
                    pipe.sadd(self._k("canon", row.canonical), doc)
        for view, buckets in self._bands.items():
            for key, docs in buckets.items():
                if key not in self._new_hot[view] and key not in self._hot[view]:
                    pipe.sadd(self._k("band", view, key), *docs)
        for view, hot in self._new_hot.items():
            if hot:
                pipe.sadd(self._k("hot", view), *hot)
                pipe.delete(*(self._k("band", view, key) for key in hot))
        for a, others in self._edges.items():
            pipe.hset(
                self._k("edges", a), mapping={str(b): f"{s}|{lv}" for b, (s, lv) in others.items()}
            )
        self._call(pipe.execute)

    # -- meta ----------------------------------------------------------------------------------
    def check_params(self, params: str) -> None:
        key = self._k("meta")
        self._call(self.client.hsetnx, key, "schema", SCHEMA_VERSION)
        self._call(self.client.hsetnx, key, "params", params)
        meta = {k.decode(): v.decode() for k, v in self._call(self.client.hgetall, key).items()}
        if meta.get("schema") != SCHEMA_VERSION or meta.get("params") != params:
            raise StateError(
                f"dedup index {self.location} was built with schema {meta.get('schema')} / sketch "
                f"{meta.get('params')}, this version uses {SCHEMA_VERSION} / {params}; rebuild it "
                f"(delete the {self.base}* keys and re-run over your records)"
            )

    def next_doc_ids(self, n: int) -> list[int]:
        top = int(self._call(self.client.incrby, self._k("next"), n))
        return list(range(top - n + 1, top + 1))

    # -- docs ----------------------------------------------------------------------------------
    def get_docs(self, docs: Iterable[int], with_text: bool = False) -> dict[int, DocRow]:
        wanted = sorted(set(docs))
        out: dict[int, DocRow] = {}
        remote = [d for d in wanted if d not in self._docs]
        if remote:
            raw = self._call(self.client.hmget, self._k("docs"), [str(d) for d in remote])
            texts = (
                self._call(self.client.hmget, self._k("text"), [str(d) for d in remote])
                if with_text
                else [None] * len(remote)
            )
            for d, blob, text in zip(remote, raw, texts, strict=True):
                if blob is not None:
                    row = _row_from_json(blob)
                    if text is not None:
                        row.body = unpack_text(text)
                    out[d] = row
        for d in wanted:
            if d in self._docs:
                row = self._docs[d]
                out[d] = row if with_text else replace(row, body=None)
        return out

    def sentence_counts(self, docs: Iterable[int]) -> dict[int, int]:
        return {d: r.n_sent for d, r in self.get_docs(docs).items()}

    def docs_by_record_ids(self, record_ids: Sequence[str]) -> dict[str, DocRow]:
        ids = list(record_ids)
        if not ids:
            return {}
        docs = self._call(self.client.hmget, self._k("rid"), ids)
        found = {rid: int(d) for rid, d in zip(ids, docs, strict=True) if d is not None}
        for row in self._docs.values():
            if row.doc in self._new_docs and row.record_id in ids:
                found[row.record_id] = row.doc
        rows = self.get_docs(found.values())
        return {rid: rows[d] for rid, d in found.items() if d in rows}

    def docs_by_url_keys(self, keys: Sequence[int]) -> dict[int, DocRow]:
        keys = list(keys)
        if not keys:
            return {}
        docs = self._call(self.client.hmget, self._k("url"), [str(k) for k in keys])
        found = {k: int(d) for k, d in zip(keys, docs, strict=True) if d is not None}
        for row in self._docs.values():
            if row.doc in self._new_docs and row.alias_of is None and row.url_key in keys:
                found.setdefault(row.url_key, row.doc)
        rows = self.get_docs(found.values())
        return {k: rows[d] for k, d in found.items() if d in rows}

    def docs_by_body_hashes(self, hashes: Sequence[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        if hashes:
            pipe = self.client.pipeline(transaction=False)
            for h in hashes:
                pipe.smembers(self._k("body", h))
            for h, members in zip(hashes, self._call(pipe.execute), strict=True):
                if members:
                    out[h] = sorted(int(m) for m in members)
        wanted = set(hashes)
        for row in self._docs.values():
            if row.doc in self._new_docs and row.alias_of is None and row.body_hash in wanted:
                out.setdefault(row.body_hash, []).append(row.doc)
        return out

    def add_docs(self, rows: Sequence[DocRow]) -> None:
        for row in rows:
            self._docs[row.doc] = replace(row)
            self._new_docs.add(row.doc)
            self._old_canon[row.doc] = None

    # -- LSH buckets ---------------------------------------------------------------------------
    def add_band_keys(self, view: str, keys: np.ndarray, docs: np.ndarray) -> None:
        buckets = self._bands[view]
        for key, doc in zip(keys.tolist(), docs.tolist(), strict=True):
            buckets.setdefault(key, set()).add(doc)

    def band_matches(
        self, view: str, keys: np.ndarray, owners: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Like :meth:`SQLiteStore.band_matches`, buckets included: a key shared by
        :data:`HOT_BUCKET` docs is retired (``hot:<view>``) and its bucket deleted, so a lookup
        costs the same however large the index grows."""
        pairs = list(zip(keys.tolist(), owners.tolist(), strict=True))
        distinct = sorted({k for k, _ in pairs})
        members: dict[int, set[int]] = {}
        if distinct:
            hot_flags = self._call(self.client.smismember, self._k("hot", view), distinct)
            self._hot[view].update(k for k, hot in zip(distinct, hot_flags, strict=True) if hot)
            live = [k for k, hot in zip(distinct, hot_flags, strict=True) if not hot]
            pipe = self.client.pipeline(transaction=False)
            for key in live:
                pipe.smembers(self._k("band", view, key))
            for key, found in zip(live, self._call(pipe.execute), strict=True):
                docs = {int(m) for m in found} | self._bands[view].get(key, set())
                if len(docs) >= HOT_BUCKET:
                    self._new_hot[view].add(key)
                else:
                    members[key] = docs
        shared: dict[tuple[int, int], set[int]] = {}
        for key, local in pairs:
            for doc in members.get(key, ()):
                shared.setdefault((local, doc), set()).add(key)
        found = [(local, doc, len(ks)) for (local, doc), ks in shared.items()]
        out = np.array(found, dtype=np.int64).reshape(-1, 3)
        return out[:, 0], out[:, 1], out[:, 2]

    # -- edges and clusters --------------------------------------------------------------------
    def add_edges(self, edges: Sequence[tuple[int, int, float, str]]) -> None:
        for a, b, score, level in edges:
            self._edges.setdefault(a, {})[b] = (score, level)
            self._edges.setdefault(b, {})[a] = (score, level)

    def edges_of(self, docs: Iterable[int]) -> list[tuple[int, int, float, str]]:
        wanted = sorted(set(docs))
        out: dict[tuple[int, int], tuple[float, str]] = {}
        if wanted:
            pipe = self.client.pipeline(transaction=False)
            for d in wanted:
                pipe.hgetall(self._k("edges", d))
            for a, found in zip(wanted, self._call(pipe.execute), strict=True):
                for b, value in found.items():
                    score, _, level = value.decode().partition("|")
                    out[(a, int(b))] = (float(score), level)
        for a in wanted:
            for b, value in self._edges.get(a, {}).items():
                out[(a, b)] = value
        return [(a, b, s, lv) for (a, b), (s, lv) in out.items()]

    def set_assignments(self, rows: Sequence[Assignment]) -> None:
        current = self.get_docs([a.doc for a in rows], with_text=True)
        for a in rows:
            row = self._docs.get(a.doc) or current.get(a.doc)
            if row is None:
                continue
            if a.doc not in self._old_canon:
                self._old_canon[a.doc] = row.canonical
            self._docs[a.doc] = replace(
                row, canonical=a.canonical, score=a.score, level=a.level, story=a.story
            )

    def _members(self, prefix: str, docs: Iterable[int], attr: str) -> dict[int, list[DocRow]]:
        wanted = sorted(set(docs))
        ids: dict[int, set[int]] = {}
        if wanted:
            pipe = self.client.pipeline(transaction=False)
            for d in wanted:
                pipe.smembers(self._k(prefix, d))
            for d, found in zip(wanted, self._call(pipe.execute), strict=True):
                ids[d] = {int(m) for m in found}
        for row in self._docs.values():  # overlay: moves in this transaction
            for d in wanted:
                ids.setdefault(d, set()).discard(row.doc)
            target = getattr(row, attr)
            if target in ids or target in wanted:
                ids.setdefault(target, set()).add(row.doc)
        rows = self.get_docs({m for ms in ids.values() for m in ms})
        out: dict[int, list[DocRow]] = {}
        for d, members in ids.items():
            found = [rows[m] for m in sorted(members) if m in rows and getattr(rows[m], attr) == d]
            if found:
                out[d] = found
        return out

    def cluster_members(self, canonicals: Iterable[int]) -> dict[int, list[DocRow]]:
        return self._members("canon", canonicals, "canonical")

    def aliases_of(self, docs: Iterable[int]) -> dict[int, list[DocRow]]:
        return self._members("alias", docs, "alias_of")

    def count_docs(self) -> int:
        return int(self._call(self.client.hlen, self._k("docs")))

    def close(self) -> None:
        self._release()
        self.client.close()


def _row_json(row: DocRow) -> str:
    data = asdict(row)
    data.pop("body", None)
    data.pop("packed_body", None)
    return json.dumps(data, separators=(",", ":"))


def _row_from_json(blob: bytes) -> DocRow:
    data = json.loads(blob)
    return DocRow(**{k: data.get(k) for k in _ROW_FIELDS}, body=None)


def open_store(location: str) -> Any:
    """The index store named by ``NEWSCRAWL_DEDUP_INDEX``: a Redis URI or a SQLite path."""
    if location.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(location)
    from newscrawl.dedup.store import SQLiteStore

    return SQLiteStore(location)
