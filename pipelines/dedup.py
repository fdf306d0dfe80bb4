"""Scrapy item pipeline: recognise syndicated copies as the crawl goes (thin; the work is in
:mod:`newscrawl.dedup`).

Settings: ``NEWSCRAWL_DEDUP_INDEX`` — path of the SQLite index (default
``.newscrawl/dedup.sqlite``), shared across runs so today's crawl recognises copies of articles
stored last month; ``NEWSCRAWL_DEDUP_MODE`` — ``"drop"`` (default: copies are dropped, the
canonical record carries their provenance in ``dedup.copies``) or ``"mark"`` (copies are kept
with ``dedup.role == "copy"``); ``NEWSCRAWL_DEDUP_BATCH`` (default 32) and
``NEWSCRAWL_DEDUP_WAIT`` (seconds, default 0.25) — items are judged in batches of up to that
many, or whatever has gathered after that long: one batch costs about what two single records
cost, and an item waits at most a quarter of a second.

Decisions are made when an item's batch is judged: a record emitted as canonical stays so in
this crawl's output even if an earlier-published copy turns up later in the crawl (the index does
update; ``newscrawl dedup OUT.jsonl -o FINAL.jsonl --index SAME_INDEX`` writes the final state).
An item waiting for its batch is not yet written, so a killed crawl loses it like any other
item in flight: the crawl state does not know it, and the next run fetches it again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from itemadapter import ItemAdapter
from pydantic import BaseModel
from scrapy.exceptions import DropItem, NotConfigured

from newscrawl.dedup.index import DedupIndex
from newscrawl.errors import InputError
from newscrawl.record import Dedup

log = logging.getLogger(__name__)

MODES = ("drop", "mark")


class DedupPipeline:
    def __init__(self, index_path: str, mode: str = "drop", batch_size: int = 32, max_wait: float = 0.25) -> None:
        if mode not in MODES:
            raise NotConfigured(f"NEWSCRAWL_DEDUP_MODE must be one of {MODES}, not {mode!r}")
        if batch_size < 1 or max_wait < 0:
            raise NotConfigured("NEWSCRAWL_DEDUP_BATCH must be >= 1 and NEWSCRAWL_DEDUP_WAIT >= 0")
        self.index_path = index_path
        self.mode = mode
        self.batch_size = batch_size
        self.max_wait = max_wait
        self.index: DedupIndex | None = None
        self._pending: list[tuple[dict[str, Any], asyncio.Future[Dedup]]] = []
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> DedupPipeline:
        settings = crawler.settings
        return cls(settings.get("NEWSCRAWL_DEDUP_INDEX") or ".newscrawl/dedup.sqlite",
                   (settings.get("NEWSCRAWL_DEDUP_MODE") or "drop").lower(),
                   settings.getint("NEWSCRAWL_DEDUP_BATCH", 32),
                   settings.getfloat("NEWSCRAWL_DEDUP_WAIT", 0.25))

    def open_spider(self, spider: Any = None) -> None:
        self.index = DedupIndex.open(self.index_path)

    def close_spider(self, spider: Any = None) -> None:
        self._judge_pending()
        if self.index is not None:
            self.index.close()
            self.index = None

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        """Judge the item's record (in a batch with the items around it); drop or mark copies.

        The article item carries the record under ``"record"`` (an ``ArticleRecord``, see
        ``newscrawl.pipelines``); a plain record dict as the item works too.
        """
        assert self.index is not None, "open_spider was not called"
        adapter = ItemAdapter(item)
        record = adapter.get("record") if "record" in adapter else None
        if isinstance(record, BaseModel):
            fields = record.model_dump()
        elif isinstance(record, dict):
            fields = record
        else:
            record, fields = None, adapter.asdict()
        try:
            dedup = await self._judge(fields)
        except InputError as exc:  # not an article record (no url/text): not ours to judge
            log.warning("dedup skipped an item: %s", exc)
            return item
        if dedup.role == "copy" and self.mode == "drop":
            raise DropItem(f"copy ({dedup.level}, score {dedup.score}) of {dedup.canonical_url}")
        if isinstance(record, BaseModel):
            adapter["record"] = record.model_copy(update={"dedup": dedup})
        elif isinstance(record, dict):
            record["dedup"] = dedup.model_dump(mode="json")
        else:
            adapter["dedup"] = dedup.model_dump(mode="json")
        return item

    def _judge(self, fields: dict[str, Any]) -> asyncio.Future[Dedup]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Dedup] = loop.create_future()
        self._pending.append((fields, future))
        if len(self._pending) >= self.batch_size:
            self._judge_pending()
        elif self._timer is None:
            self._timer = loop.call_later(self.max_wait, self._judge_pending)
        return future

    def _judge_pending(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if not batch or self.index is None:
            return
        try:
            results = self.index.judge_many([fields for fields, _ in batch])
        except Exception as exc:  # the index failed (disk full, locked...): every item learns why
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # cancelled (the crawl is shutting down)
                continue
            if isinstance(result, InputError):
                future.set_exception(result)
            else:
                future.set_result(result)
