"""The Redis protocol under the distributed crawl, without a crawl: registration, claims,
durable commits, the reliable queue, reclaim of dead workers, seed-once and the shared end.

Needs ``NEWSCRAWL_TEST_REDIS``; each test uses its own key prefix and removes it afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from newscrawl.errors import StateLockedError
from newscrawl.store.state import EmittedRecord, PageState, open_state

redis = pytest.importorskip("redis")
pytest.importorskip("scrapy_redis")

from newscrawl.crawl.redis_queue import CrawlJob  # noqa: E402
from newscrawl.store.redis_state import RedisState  # noqa: E402

REDIS_URL = os.environ.get("NEWSCRAWL_TEST_REDIS", "")
pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="NEWSCRAWL_TEST_REDIS is not set (see .ci/run)"),
]


@pytest.fixture
def worker() -> Iterator[Callable[..., RedisState]]:
    """``worker("w1")``: a RedisState for worker w1 under this test's own key prefix."""
    prefix = f"nctest-{uuid.uuid4().hex[:10]}:"
    sep = "&" if "?" in REDIS_URL else "?"
    opened: list[RedisState] = []

    def make(name: str, ttl: float = 30) -> RedisState:
        state = open_state(f"{REDIS_URL}{sep}prefix={prefix}&worker={name}&ttl={ttl:g}")
        assert isinstance(state, RedisState)
        opened.append(state)
        return state

    yield make
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
    for state in opened:
        state.client.close()


def kill(state: RedisState) -> None:
    """What SIGKILL leaves behind: the heartbeat key simply expires."""
    state.client.delete(state.hb_key())


def test_a_worker_id_runs_once_but_many_workers_run_together(worker) -> None:
    a = worker("a")
    a.acquire_lock("run1")
    worker("b").acquire_lock("run2")  # another id: fine
    with pytest.raises(StateLockedError, match="worker id 'a' is already running"):
        worker("a").acquire_lock("run3")
    a.release_lock()
    worker("a").acquire_lock("run4")  # gone: the id is free again


def test_record_claims_let_exactly_one_worker_write_a_record(worker) -> None:
    a, b = worker("a"), worker("b")
    a.acquire_lock("r1")
    b.acquire_lock("r2")
    assert a.claim_record("rec1", "h1") == 1
    assert b.claim_record("rec1", "h1") == -1  # a is writing it right now
    a.commit_emitted([EmittedRecord("rec1", "h1", "http://x/1")], [], "/data/part-a.jsonl", 120)
    assert b.claim_record("rec1", "h1") == 0  # emitted, same content: nothing to write
    assert b.claim_record("rec1", "h2") == 1  # changed content: written again (by b)
    assert a.record_hash("rec1") == "h1"
    # A claim of a worker that died before writing is void.
    assert a.claim_record("rec2", "h") == 1
    kill(a)
    assert b.claim_record("rec2", "h") == 1


def test_commit_is_durable_and_reconcile_sees_only_free_outputs(worker) -> None:
    a, b = worker("a"), worker("b")
    a.acquire_lock("r1")
    b.acquire_lock("r2")
    page = PageState(key="x/1", url="http://x/1", status=200, result="article", site="x")
    retry = PageState(key="x/2", url="http://x/2", result="retry:timeout", site="x", fetched_at=1.0)
    a.save_pages([retry])
    a.commit_emitted([EmittedRecord("rec", "h", "http://x/1")], [page], "/d/part-a.jsonl", 10)
    b.commit_emitted([], [], "/d/part-b.jsonl", 20)
    a.commit()
    assert b.page("x/1").result == "article" and b.retry_urls("x", 10) == ["http://x/2"]
    assert a.output_offset("/d/part-a.jsonl") == 10
    # Reconcile (on open) must not touch the part a live worker is writing...
    assert a.outputs() == [("/d/part-a.jsonl", 10)]
    # ...but does take over the part of a dead one.
    kill(b)
    assert sorted(a.outputs()) == [("/d/part-a.jsonl", 10), ("/d/part-b.jsonl", 20)]
    assert a.commit_count == 1


def test_in_flight_requests_of_a_dead_worker_go_back_to_the_queue(worker) -> None:
    a, b = worker("a", ttl=5), worker("b", ttl=5)
    a.acquire_lock("r1")
    b.acquire_lock("r2")
    job_a, job_b = CrawlJob(a, "crawl"), CrawlJob(b, "crawl")
    job_a.join()
    job_b.join()
    client = a.client
    client.zadd(job_a.queue_key, {b"req-home": -50, b"req-article": -20, b"req-hub": 0})
    assert job_b.pop("1") == b"req-home"  # highest priority first
    assert job_b.pop("2") == b"req-article"
    assert job_a.queued() == 1 and job_b.processing() == 2
    assert not job_a.finished()
    assert job_a.reclaim() == 0  # b is alive: its requests stay with it
    job_b.ack(["1"])
    kill(b)  # b dies holding req-article
    assert job_a.reclaim() == 1
    assert client.zscore(job_a.queue_key, b"req-article") == -20  # priority kept
    assert job_a.pop("1") == b"req-article"
    assert job_a.pop("2") == b"req-hub"
    assert not job_a.finished()  # a still has them in flight
    job_a.ack(["1", "2"])
    assert job_a.finished()


def test_seeding_happens_once_and_is_taken_over_if_the_seeder_dies(worker) -> None:
    a, b, c = worker("a"), worker("b"), worker("c")
    for state in (a, b, c):
        state.acquire_lock("r")
    jobs = [CrawlJob(s, "crawl") for s in (a, b, c)]
    assert jobs[0].claim_seed()
    assert not jobs[1].claim_seed()
    assert not jobs[1].seeding_needed()
    assert not jobs[1].finished()  # seeding in progress: not done even with an empty queue
    kill(a)  # the seeder died before it finished
    assert jobs[1].seeding_needed() and jobs[1].claim_seed()
    jobs[1].seed_finished()
    assert not jobs[2].claim_seed()


def test_the_end_of_a_crawl_clears_it_for_the_next_incremental_run(worker) -> None:
    a = worker("a")
    a.acquire_lock("r")
    job = CrawlJob(a, "crawl")
    job.join()
    assert job.claim_seed()
    a.client.sadd(job.dupefilter_key, "fingerprint")
    job.seed_finished()
    assert job.finished()
    assert not a.client.exists(job.dupefilter_key, job.seed_key, job.seed_done_key)
    assert job.claim_seed()  # the next run seeds again (and fetches conditionally)


def test_a_restarted_worker_requeues_what_its_earlier_life_left_in_flight(worker) -> None:
    a = worker("a")
    a.acquire_lock("r1")
    job = CrawlJob(a, "crawl")
    job.join()
    a.client.zadd(job.queue_key, {b"req": 0})
    assert job.pop("1") == b"req"
    kill(a)  # SIGKILL; restarted under the same worker id before anyone reclaimed
    again = worker("a")
    again.acquire_lock("r2")
    assert CrawlJob(again, "crawl").join() == 1
    assert again.client.zcard(job.queue_key) == 1
