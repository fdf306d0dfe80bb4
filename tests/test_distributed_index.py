"""The dedup index on Redis (``newscrawl.dedup.redis_index``): same answers as SQLite, and
shared by workers — a copy added by one worker is found against an original added by another,
even when both add at the same moment. Needs ``NEWSCRAWL_TEST_REDIS``."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

redis = pytest.importorskip("redis")
index_mod = pytest.importorskip("newscrawl.dedup.index")

from newscrawl.dedup import synth  # noqa: E402
from newscrawl.dedup.redis_index import RedisStore, open_store  # noqa: E402
from newscrawl.dedup.store import SQLiteStore  # noqa: E402

REDIS_URL = os.environ.get("NEWSCRAWL_TEST_REDIS", "")
pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="NEWSCRAWL_TEST_REDIS is not set (see .ci/run)"),
]


@pytest.fixture
def uri() -> Iterator[str]:
    prefix = f"nctest-{uuid.uuid4().hex[:10]}:"
    yield f"{REDIS_URL}{'&' if '?' in REDIS_URL else '?'}prefix={prefix}"
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=prefix + "*", count=5000))
    if keys:
        client.delete(*keys)
    client.close()


def corpus(n: int = 160) -> list[dict]:
    return [record for record, _family in synth.cheap_corpus(n, seed=11)]


def clusters(index: object, docs: list[int]) -> set[tuple[str, str, str]]:
    resolved = index.resolve(docs)  # type: ignore[attr-defined]
    return {(r.row.record_id, r.canonical.record_id, r.role) for r in resolved.values()}


def test_same_clusters_and_provenance_as_the_sqlite_index(uri: str, tmp_path: Path) -> None:
    records = corpus()
    sqlite_index = index_mod.DedupIndex(SQLiteStore(tmp_path / "index.sqlite"))
    redis_index = index_mod.DedupIndex(open_store(uri))
    assert isinstance(redis_index.store, RedisStore)
    docs_a: list[int] = []
    docs_b: list[int] = []
    for i in range(0, len(records), 20):
        docs_a += sqlite_index.add(records[i:i + 20])
        docs_b += redis_index.add(records[i:i + 20])
    assert docs_a == docs_b
    expected = clusters(sqlite_index, docs_a)
    assert any(role == "copy" for _, _, role in expected)
    assert clusters(redis_index, docs_b) == expected
    ra, rb = sqlite_index.resolve(docs_a), redis_index.resolve(docs_b)
    assert sqlite_index.dedup_of(ra) == redis_index.dedup_of(rb)
    assert redis_index.store.count_docs() == len(set(docs_b))


def test_workers_sharing_the_index_see_each_others_copies_even_at_the_same_moment(uri: str) -> None:
    records = corpus()
    # Two workers, two processes' worth of index objects on one Redis, adding at the same time.
    workers = [index_mod.DedupIndex(RedisStore(uri)) for _ in range(2)]
    halves = [records[0::2], records[1::2]]
    errors: list[BaseException] = []

    def feed(index: object, part: list[dict]) -> None:
        try:
            for record in part:
                index.add([record])  # type: ignore[attr-defined]
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=feed, args=(w, h)) for w, h in zip(workers, halves, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    docs = workers[0].add(records)  # all known: returns their doc numbers, adds nothing
    assert workers[0].store.count_docs() == len(records)
    shared = clusters(workers[0], docs)
    # The same clusters as one worker adding everything alone.
    alone = index_mod.DedupIndex(RedisStore(uri.replace("prefix=", "prefix=alone-")))
    try:
        alone_docs = alone.add(records)
        assert clusters(alone, alone_docs) == shared
    finally:
        client = alone.store.client
        keys = list(client.scan_iter(match="*alone-*", count=5000))
        if keys:
            client.delete(*keys)
    # And copies really crossed workers: some copy and its canonical came from different halves.
    half_of = {r["url"]: i % 2 for i, r in enumerate(records)}
    by_id = {index_mod.prepare(r).record_id: r["url"] for r in records}
    crossed = [(rid, cid) for rid, cid, role in shared
               if role == "copy" and half_of[by_id[rid]] != half_of[by_id[cid]]]
    assert crossed


def test_stock_line_buckets_are_retired_as_in_sqlite(uri: str, tmp_path: Path) -> None:
    """A sentence that more than HOT_BUCKET articles share (a newsletter prompt left in the body)
    is a stock phrase: Redis retires its bucket like SQLite does, so lookups stay cheap, and
    the two stores still give the same clusters."""
    from newscrawl.dedup.store import HOT_BUCKET

    stock = "Sign up for our weekly newsletter to receive the latest fashion business stories in your inbox."
    records = [dict(r, body=r["body"] + "\n\n" + stock)
               for r, _ in synth.cheap_corpus(HOT_BUCKET + 30, seed=5, copy_rate=0.0)]
    sqlite_index = index_mod.DedupIndex(SQLiteStore(tmp_path / "index.sqlite"))
    redis_index = index_mod.DedupIndex(open_store(uri))
    docs_a: list[int] = []
    docs_b: list[int] = []
    for i in range(0, len(records), 25):
        docs_a += sqlite_index.add(records[i:i + 25])
        docs_b += redis_index.add(records[i:i + 25])
    sqlite_hot = {k for (k,) in sqlite_index.store.conn.execute("SELECT key FROM hot_keys")}
    store = redis_index.store
    redis_hot = {int(k) for k in store.client.smembers(store._k("hot", "sent"))}
    assert sqlite_hot and redis_hot == sqlite_hot
    for key in redis_hot:
        assert not store.client.exists(store._k("band", "sent", key))
    assert clusters(redis_index, docs_b) == clusters(sqlite_index, docs_a)
    assert {r.role for r in redis_index.resolve(docs_b).values()} == {"canonical"}
