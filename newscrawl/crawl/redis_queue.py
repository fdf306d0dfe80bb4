"""The shared frontier of a distributed crawl in Redis: a reliable queue and its bookkeeping.

scrapy-redis gives the shared priority queue (a sorted set of pickled requests) and the shared
fingerprint set. Its ``pop`` removes a request from Redis for good, so a worker killed with
requests in flight loses them. :class:`ReliablePriorityQueue` pops with a Lua script that moves
the request, atomically, into the worker's *processing* hash; the worker acknowledges it (HDEL)
only once the request was fully handled and its records are durable. :class:`CrawlJob` holds
the Lua for the rest of the protocol:

- **reclaim**: the processing entries of a worker whose heartbeat key expired go back to the
  queue with their priority (a live worker calls this every tick);
- **seed once**: the first worker to ``SET`` the seed key (or the next one, if the seeder died
  before it finished) enqueues the start URLs; the others only consume;
- **done**: the crawl is over when the queue is empty, seeding finished and no registered
  worker has anything in processing; the last check clears the fingerprints and the seed
  keys, so the next cron run is a new incremental crawl over the same state.

Keys, under ``<prefix>crawl:<name>:``: ``queue`` (zset), ``dupefilter`` (set), ``workers``
(set), ``processing:<worker>`` (hash token -> ``score|request``), ``seed``, ``seed_done``.
Heartbeats are the state's ``<prefix>hb:<worker>`` keys. Lua keys are built inside the scripts,
so this needs one Redis server (or a primary with replicas), not Redis Cluster.
"""

from __future__ import annotations

import itertools
from typing import Any

from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue

from newscrawl.store.redis_state import RedisState

TOKEN_META = "nc_inflight"

# Idempotent per token: if the reply to a pop is lost (Redis restarting) and the client retries
# with the same token, the same request comes back instead of a second one being parked.
_POP_LUA = """
local prev = redis.call('HGET', KEYS[2], ARGV[1])
if prev then return string.sub(prev, string.find(prev, '|', 1, true) + 1) end
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1], r[2] .. '|' .. r[1])
return r[1]
"""

# Fingerprint check and push in one step. Separately, a retried SADD whose first reply was
# lost would answer "seen" and the request would never be queued. KEYS: dupefilter, queue.
# ARGV: fingerprint, score, request.
_PUSH_NEW_LUA = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS: workers set, queue. ARGV: processing prefix, hb prefix, worker to spare ('' = none).
_RECLAIM_LUA = """
local moved = 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if w ~= ARGV[3] and redis.call('EXISTS', ARGV[2] .. w) == 0 then
    local pkey = ARGV[1] .. w
    for _, v in ipairs(redis.call('HVALS', pkey)) do
      local i = string.find(v, '|', 1, true)
      redis.call('ZADD', KEYS[2], tonumber(string.sub(v, 1, i - 1)), string.sub(v, i + 1))
      moved = moved + 1
    end
    redis.call('DEL', pkey)
    redis.call('SREM', KEYS[1], w)
  end
end
return moved
"""

# KEYS: processing hash, queue: move every entry back.
_REQUEUE_LUA = """
local moved = 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do
  local i = string.find(v, '|', 1, true)
  redis.call('ZADD', KEYS[2], tonumber(string.sub(v, 1, i - 1)), string.sub(v, i + 1))
  moved = moved + 1
end
redis.call('DEL', KEYS[1])
return moved
"""

# KEYS: seed, seed_done. ARGV: me, hb prefix. 1 = we seed, 0 = someone else did / does.
_SEED_LUA = """
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then return 1 end
if owner and (redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', ARGV[2] .. owner) == 1) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""

# KEYS: queue, workers, seed, seed_done, dupefilter. ARGV: processing prefix.
_DONE_LUA = """
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 and redis.call('EXISTS', KEYS[4]) == 0 then return 0 end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HLEN', ARGV[1] .. w) > 0 then return 0 end
end
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5])
return 1
"""


class CrawlJob:
    """One named crawl's keys and protocol, for one worker."""

    def __init__(self, state: RedisState, name: str) -> None:
        self.state = state
        self.name = name
        self.worker = state.worker
        base = f"{state.prefix}crawl:{name}:"
        self.queue_key = base + "queue"
        self.dupefilter_key = base + "dupefilter"
        self.workers_key = base + "workers"
        self.processing_prefix = base + "processing:"
        self.processing_key = self.processing_prefix + self.worker
        self.seed_key = base + "seed"
        self.seed_done_key = base + "seed_done"
        client = state.client
        self._pop = client.register_script(_POP_LUA)
        self._push_new = client.register_script(_PUSH_NEW_LUA)
        self._reclaim = client.register_script(_RECLAIM_LUA)
        self._requeue = client.register_script(_REQUEUE_LUA)
        self._seed = client.register_script(_SEED_LUA)
        self._done = client.register_script(_DONE_LUA)

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return self.state._guard(fn)(*args, **kwargs)

    def join(self) -> int:
        """Register this worker; requests left in processing by an earlier life of the same
        worker id go back to the queue. Returns how many were re-queued."""
        moved = self.reclaim(spare_self=False)
        self._call(self.state.client.sadd, self.workers_key, self.worker)
        return moved

    def rejoin(self) -> None:
        """Back after our heartbeat had expired: register again (whatever others re-queued of
        ours will be fetched twice; records are still written once, thanks to the claims)."""
        self._call(self.state.client.sadd, self.workers_key, self.worker)

    def leave(self) -> None:
        """Deregister, but only with nothing in processing (else others must reclaim it)."""
        if not self._call(self.state.client.hlen, self.processing_key):
            self._call(self.state.client.srem, self.workers_key, self.worker)

    def pop(self, token: str) -> bytes | None:
        return self._call(self._pop, keys=[self.queue_key, self.processing_key], args=[token])

    def push(self, data: bytes, score: float, fingerprint: str | None) -> bool:
        """Queue a request; with a fingerprint, only if it was never seen (atomically)."""
        if fingerprint is None:
            self._call(self.state.client.zadd, self.queue_key, {data: score})
            return True
        added = self._call(
            self._push_new,
            keys=[self.dupefilter_key, self.queue_key],
            args=[fingerprint, score, data],
        )
        return bool(added)

    def ack(self, tokens: list[str]) -> None:
        if tokens:
            self._call(self.state.client.hdel, self.processing_key, *tokens)

    def processing(self) -> int:
        return int(self._call(self.state.client.hlen, self.processing_key))

    def reclaim(self, spare_self: bool = True) -> int:
        """Re-queue the in-flight requests of dead workers; how many were moved.

        ``spare_self=False`` at start-up: entries under our own id are from an earlier life of
        this worker id (killed, restarted), so they go back to the queue too.
        """
        moved = 0
        if not spare_self:
            moved += int(
                self._call(self._requeue, keys=[self.processing_key, self.queue_key], args=[])
            )
        moved += int(
            self._call(
                self._reclaim,
                keys=[self.workers_key, self.queue_key],
                args=[self.processing_prefix, self.state.key("hb", ""), self.worker],
            )
        )
        return moved

    def claim_seed(self) -> bool:
        return bool(
            self._call(
                self._seed,
                keys=[self.seed_key, self.seed_done_key],
                args=[self.worker, self.state.key("hb", "")],
            )
        )

    def seed_finished(self) -> None:
        self._call(self.state.client.set, self.seed_done_key, self.worker)

    def seeding_needed(self) -> bool:
        """Nobody finished seeding and the seeder (if any) is dead: we should take over."""
        client = self.state.client
        if self._call(client.exists, self.seed_done_key):
            return False
        owner = self._call(client.get, self.seed_key)
        return owner is None or not self.state.is_alive(owner.decode())

    def finished(self) -> bool:
        """True once the whole crawl is done (and its per-run keys were cleared)."""
        return bool(
            self._call(
                self._done,
                keys=[
                    self.queue_key,
                    self.workers_key,
                    self.seed_key,
                    self.seed_done_key,
                    self.dupefilter_key,
                ],
                args=[self.processing_prefix],
            )
        )

    def queued(self) -> int:
        return int(self._call(self.state.client.zcard, self.queue_key))


class ReliablePriorityQueue(PriorityQueue):
    """scrapy-redis' priority queue whose pop parks the request in the worker's processing
    hash instead of dropping it; the request comes back with ``meta[TOKEN_META]`` set."""

    job: CrawlJob

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tokens = itertools.count(1)

    def __len__(self) -> int:
        return self.job.queued()

    def push(self, request: Request, fingerprint: str | None = None) -> bool:
        """Queue ``request`` (if ``fingerprint`` is given: only if never seen); True if queued."""
        request.meta.pop(TOKEN_META, None)  # a redirect/retry copies its parent's meta
        data = self._encode_request(request)
        return self.job.push(data, -request.priority, fingerprint)

    def pop(self, timeout: int = 0) -> Request | None:
        token = str(next(self._tokens))
        data = self.job.pop(token)
        if data is None:
            return None
        request = self._decode_request(data)
        request.meta[TOKEN_META] = token
        return request


class CanonicalRedisDupeFilter(RFPDupeFilter):
    """scrapy-redis' shared fingerprint set, fingerprinting with the crawler's fingerprinter.

    scrapy-redis 0.9.1 hashes ``canonicalize_url`` itself and ignores
    ``REQUEST_FINGERPRINTER_CLASS``; newscrawl fingerprints the canonical URL key (no ``www.``,
    no tracking parameters, AMP folded), so without this two workers would fetch both spellings.
    """

    fingerprinter: Any = None

    @classmethod
    def from_spider(cls, spider: Any) -> CanonicalRedisDupeFilter:
        job: CrawlJob = spider.crawler._newscrawl_job
        dupefilter = cls(job.state.client, key=job.dupefilter_key, debug=False)
        dupefilter.fingerprinter = spider.crawler.request_fingerprinter
        dupefilter.job = job
        return dupefilter

    def request_fingerprint(self, request: Request) -> str:
        if self.fingerprinter is None:
            return super().request_fingerprint(request)
        return self.fingerprinter.fingerprint(request).hex()

    def request_seen(self, request: Request) -> bool:
        added = self.job._call(self.server.sadd, self.key, self.request_fingerprint(request))
        return added == 0
