"""Crawl state on Redis, shared by many workers of one crawl (``--state redis://HOST:PORT/DB``).

Same contract as the SQLite state (:class:`~newscrawl.store.state.CrawlState`), with what many
workers on many machines need instead of one exclusive lock:

- **registration, not a lock**: each worker registers under its id with a heartbeat key that
  expires (``NEWSCRAWL_WORKER_TTL``); a second process with the *same* worker id while the
  first is alive is refused (:class:`StateLockedError`), any number of distinct ids may run;
- **claims**: before a record is written, :meth:`claim_record` takes it atomically (Lua) so
  two workers that fetched copies of one page at the same moment cannot both emit it; a claim
  of a worker whose heartbeat expired (killed) is void and is taken over;
- **durability**: :meth:`commit_emitted` marks records emitted, saves their pages and moves the
  worker's output offset in one ``MULTI``; listeners (the distributed scheduler) learn that
  everything buffered before is now on disk and in Redis.

Options ride in the URI's query (stripped before connecting): ``prefix`` (key prefix, default
``newscrawl:``), ``worker`` (this worker's id, default ``host-pid``), ``ttl`` (heartbeat
seconds), ``retries``. The runner fills ``worker``/``ttl``/``retries`` from ``NEWSCRAWL_WORKER``,
``NEWSCRAWL_WORKER_TTL`` and ``NEWSCRAWL_REDIS_RETRIES``.

Keys (all under the prefix):
``pages`` (hash key -> JSON), ``records`` (hash id -> content hash), ``retry:<site>`` (zset of
URLs to retry), ``outputs:<host>`` (hash path -> JSON {size, worker}), ``runs`` (hash),
``hb:<worker>`` (heartbeat, expires), ``claim:<record id>`` (owner worker).

Connection errors are retried by the client with exponential backoff
(``NEWSCRAWL_REDIS_RETRIES`` attempts); when Redis stays away the call raises
:class:`StateError` (exit code 5) and :attr:`RedisState.fatal` keeps it for the runner, so an
outage ends the run loudly instead of losing requests or records silently.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, fields
from typing import Any, ParamSpec, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from newscrawl.errors import ConfigError, StateError, StateLockedError
from newscrawl.store.state import CrawlState, EmittedRecord, PageState

DEFAULT_PREFIX = "newscrawl:"
DEFAULT_RETRIES = 8  # ~0.2 s doubling, capped at 5 s: about 20 s of outage is ridden out
DEFAULT_WORKER_TTL = 30.0
STARTUP_TTL = 30.0
STATE_FORMAT = "1"
_PAGE_FIELDS = tuple(f.name for f in fields(PageState))

P = ParamSpec("P")
R = TypeVar("R")

# Take the claim on a record unless it was already emitted with the same content, or a live
# worker other than us holds it. KEYS: claim key, records hash. ARGV: me, id, digest, hb prefix.
_CLAIM_LUA = """
if redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[3] then return 0 end
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] and redis.call('EXISTS', ARGV[4] .. owner) == 1 then
  return -1
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""

# Register a worker: refuse if a live process already holds this id under another run.
# KEYS: hb key. ARGV: run token, ttl ms.
_REGISTER_LUA = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return holder end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
"""


def default_worker_id() -> str:
    """``host-pid``: unique on a machine; pass a stable id (systemd ``%i``) to resume parts."""
    return f"{socket.gethostname()}-{os.getpid()}"


def is_redis_uri(uri: str | None) -> bool:
    return bool(uri) and str(uri).startswith(("redis://", "rediss://", "unix://"))


OPTIONS = ("prefix", "worker", "ttl", "retries")


def split_uri(uri: str) -> tuple[str, dict[str, str]]:
    """``redis://h:p/db?prefix=x:&worker=w1`` -> (URI for redis-py, newscrawl options)."""
    parts = urlsplit(uri)
    query = parse_qs(parts.query, keep_blank_values=True)
    options = {name: query.pop(name)[-1] for name in OPTIONS if name in query}
    clean = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    return clean, options


def with_options(uri: str, **options: str) -> str:
    """``uri`` with newscrawl options added where the URI does not already say them."""
    _, present = split_uri(uri)
    parts = urlsplit(uri)
    extra = {k: v for k, v in options.items() if v and k not in present}
    if not extra:
        return uri
    query = "&".join(q for q in (parts.query, urlencode(extra)) if q)
    return urlunsplit(parts._replace(query=query))


def connect(uri: str, retries: int = DEFAULT_RETRIES) -> redis.Redis:
    """A client that retries connection errors with exponential backoff before giving up."""
    clean, _ = split_uri(uri)
    try:
        return redis.Redis.from_url(
            clean,
            socket_timeout=10,
            socket_connect_timeout=5,
            retry=Retry(ExponentialWithJitterBackoff(base=0.2, cap=5.0), retries),
            retry_on_error=[RedisConnectionError, RedisTimeoutError, ConnectionResetError],
            health_check_interval=15,
        )
    except ValueError as exc:
        raise ConfigError(f"--state {uri!r}: not a usable Redis URL ({exc})") from exc


def safe_uri(uri: str) -> str:
    """The URI without a password, for messages and manifests."""
    parts = urlsplit(uri)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return uri


class RedisState(CrawlState):
    """The crawl state of many workers, in one Redis database."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.location = safe_uri(uri)
        _, options = split_uri(uri)
        self.prefix = options.get("prefix") or DEFAULT_PREFIX
        self.worker = options.get("worker") or default_worker_id()
        try:
            self.worker_ttl = float(options.get("ttl") or DEFAULT_WORKER_TTL)
            retries = int(options.get("retries") or DEFAULT_RETRIES)
        except ValueError as exc:
            raise ConfigError(f"--state {self.location}: bad ttl/retries option ({exc})") from exc
        if self.worker_ttl <= 0 or retries < 0 or ":" in self.worker:
            raise ConfigError(
                f"--state {self.location}: ttl must be positive, retries 0 or more, "
                "and a worker id may not contain ':'"
            )
        self.host = socket.gethostname()
        self.fatal: StateError | None = None
        self.commit_count = 0  # durable commits so far (see :meth:`commit_emitted`)
        self._commit_listeners: list[Callable[[], None]] = []
        self._pending_pages: dict[str, PageState] = {}
        self._run_token: str | None = None
        self.client = connect(uri, retries)
        self._claim = self.client.register_script(_CLAIM_LUA)
        self._register = self.client.register_script(_REGISTER_LUA)
        self._guard(self._check_format)()

    # -- plumbing ----------------------------------------------------------------------------
    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def _guard(self, fn: Callable[P, R]) -> Callable[P, R]:
        """Redis errors (after the client's retries) become a StateError kept in ``fatal``."""

        @functools.wraps(fn)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except RedisError as exc:
                err = StateError(
                    f"crawl state {self.location}: Redis failed ({type(exc).__name__}: {exc}); "
                    "gave up after retrying with backoff. Requests in flight stay queued in "
                    "Redis and are resumed by the next worker that starts"
                )
                if self.fatal is None:
                    self.fatal = err
                raise err from exc

        return call

    def _check_format(self) -> None:
        key = self.key("meta")
        self.client.hsetnx(key, "format", STATE_FORMAT)
        found = self.client.hget(key, "format")
        if found is not None and found.decode() != STATE_FORMAT:
            raise StateError(
                f"state {self.location} has format {found.decode()}, this version reads {STATE_FORMAT}"
            )

    def hb_key(self, worker: str | None = None) -> str:
        return self.key("hb", self.worker if worker is None else worker)

    # -- registration (the "lock") ----------------------------------------------------------
    def acquire_lock(self, run_id: str) -> None:
        token = f"pid {os.getpid()} on {self.host}, run {run_id}"
        # Until the crawler's first heartbeat (imports, reactor start) allow a generous TTL.
        ttl_ms = str(int(max(self.worker_ttl, STARTUP_TTL) * 1000))
        holder = self._guard(self._register)(keys=[self.hb_key()], args=[token, ttl_ms])
        if holder is not None:
            raise StateLockedError(
                f"worker id {self.worker!r} is already running on crawl state {self.location} "
                f"({holder.decode('utf-8', 'replace')}); give each worker its own id "
                "(-s NEWSCRAWL_WORKER=NAME)"
            )
        self._run_token = token

    def heartbeat(self) -> bool:
        """Refresh this worker's heartbeat; False if it had expired (we were presumed dead)."""
        if self._run_token is None:
            return True
        ttl_ms = int(self.worker_ttl * 1000)
        existed = self._guard(self.client.set)(self.hb_key(), self._run_token, px=ttl_ms, get=True)
        return existed is not None

    def is_alive(self, worker: str) -> bool:
        return bool(self._guard(self.client.exists)(self.hb_key(worker)))

    def release_lock(self) -> None:
        if self._run_token is None:
            return
        with contextlib.suppress(RedisError):  # else it expires by itself
            self.client.delete(self.hb_key())
        self._run_token = None

    # -- reads -------------------------------------------------------------------------------
    def page(self, key: str) -> PageState | None:
        pending = self._pending_pages.get(key)
        if pending is not None:
            return pending
        raw = self._guard(self.client.hget)(self.key("pages"), key)
        return _page_from_json(key, raw) if raw else None

    def retry_urls(self, site: str, limit: int) -> list[str]:
        self.commit()
        urls = self._guard(self.client.zrange)(self.key("retry", site), 0, max(0, limit - 1))
        return [u.decode() for u in urls]

    def record_hash(self, record_id: str) -> str | None:
        raw = self._guard(self.client.hget)(self.key("records"), record_id)
        return raw.decode() if raw else None

    def claim_record(self, record_id: str, digest: str) -> int:
        """Take the right to write this record: 1 taken, 0 already emitted unchanged,
        -1 held by another live worker (it is writing the same record right now)."""
        return int(
            self._guard(self._claim)(
                keys=[self.key("claim", record_id), self.key("records")],
                args=[self.worker, record_id, digest, self.hb_key("")],
            )
        )

    def _outputs_key(self) -> str:
        return self.key("outputs", self.host)

    def output_offset(self, output: str) -> int | None:
        raw = self._guard(self.client.hget)(self._outputs_key(), output)
        return int(json.loads(raw)["size"]) if raw else None

    def outputs(self) -> list[tuple[str, int]]:
        """This host's outputs that no live worker is writing (ours, or left by a dead one)."""
        rows = self._guard(self.client.hgetall)(self._outputs_key())
        found = []
        for path, raw in rows.items():
            info = json.loads(raw)
            owner = info.get("worker")
            if owner == self.worker or not owner or not self.is_alive(owner):
                found.append((path.decode(), int(info["size"])))
        return found

    def stats(self) -> dict[str, int]:
        return {
            "pages": int(self._guard(self.client.hlen)(self.key("pages"))),
            "records": int(self._guard(self.client.hlen)(self.key("records"))),
        }

    # -- writes ------------------------------------------------------------------------------
    def save_pages(self, pages: Iterable[PageState]) -> None:
        for page in pages:
            self._pending_pages[page.key] = page
        if len(self._pending_pages) >= 200:
            self.commit()

    def _queue_pages(self, pipe: Any, pages: Iterable[PageState]) -> None:
        for page in pages:
            pipe.hset(self.key("pages"), page.key, _page_to_json(page))
            if page.site:
                retry_key = self.key("retry", page.site)
                if page.should_retry:
                    pipe.zadd(retry_key, {page.url: page.fetched_at or time.time()})
                else:
                    pipe.zrem(retry_key, page.url)

    def commit(self) -> None:
        if not self._pending_pages:
            return
        pages = list(self._pending_pages.values())

        def write() -> None:
            pipe = self.client.pipeline(transaction=True)
            self._queue_pages(pipe, pages)
            pipe.execute()

        self._guard(write)()
        self._pending_pages.clear()

    def commit_emitted(
        self, records: list[EmittedRecord], pages: list[PageState], output: str, output_size: int
    ) -> None:
        def write() -> None:
            pipe = self.client.pipeline(transaction=True)
            if records:
                pipe.hset(self.key("records"), mapping={r.id: r.content_hash for r in records})
                pipe.delete(*[self.key("claim", r.id) for r in records])
            self._queue_pages(pipe, pages)
            pipe.hset(
                self._outputs_key(),
                output,
                json.dumps({"size": output_size, "worker": self.worker}),
            )
            pipe.execute()

        self._guard(write)()
        for page in pages:
            self._pending_pages.pop(page.key, None)
        self.commit_count += 1
        for listener in list(self._commit_listeners):
            listener()

    def on_commit(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after each durable :meth:`commit_emitted`."""
        self._commit_listeners.append(listener)

    def start_run(self, run_id: str, info: dict) -> None:
        data = {**info, "worker": self.worker, "host": self.host, "started_at": time.time()}
        self._guard(self.client.hset)(self.key("runs"), run_id, json.dumps(data))

    def finish_run(self, run_id: str, info: dict) -> None:
        self.commit()
        raw = self._guard(self.client.hget)(self.key("runs"), run_id)
        data = json.loads(raw) if raw else {}
        data.update(info, finished_at=time.time())
        self._guard(self.client.hset)(self.key("runs"), run_id, json.dumps(data))

    def close(self) -> None:
        try:
            if self.fatal is None:
                self.commit()
        finally:
            self.release_lock()
            self.client.close()


def _page_to_json(page: PageState) -> str:
    data = {k: v for k, v in asdict(page).items() if v is not None and k != "key"}
    return json.dumps(data, separators=(",", ":"))


def _page_from_json(key: str, raw: bytes) -> PageState:
    data = json.loads(raw)
    return PageState(key=key, **{k: data.get(k) for k in _PAGE_FIELDS if k != "key"})


def open_redis_state(uri: str) -> RedisState:
    """``open_state`` for ``redis://`` URIs."""
    try:
        return RedisState(uri)
    except RedisError as exc:
        raise StateError(f"cannot open crawl state {safe_uri(uri)}: {exc}") from exc
