"""Scrapy item pipeline: recognise syndicated copies as the crawl goes (thin; the work is in
:mod:`newscrawl.dedup`).

Settings: ``NEWSCRAWL_DEDUP_INDEX`` — path of the SQLite index (default
``.newscrawl/dedup.sqlite``), shared across runs so today's crawl recognises copies of articles
stored last month; ``NEWSCRAWL_DEDUP_MODE`` — ``"drop"`` (default: copies are dropped, the
canonical record carries their provenance in ``dedup.copies``) or ``"mark"`` (copies are kept
with ``dedup.role == "copy"``).

Decisions are made when an item passes: a record emitted as canonical stays so in this crawl's
output even if an earlier-published copy turns up later in the crawl (the index does update;
``newscrawl dedup OUT.jsonl -o FINAL.jsonl --index SAME_INDEX`` writes the final state).
"""

from __future__ import annotations

import logging
from typing import Any

from itemadapter import ItemAdapter
from pydantic import BaseModel
from scrapy.exceptions import DropItem, NotConfigured

from newscrawl.dedup.index import DedupIndex
from newscrawl.errors import InputError

log = logging.getLogger(__name__)

MODES = ("drop", "mark")


class DedupPipeline:
    def __init__(self, index_path: str, mode: str = "drop") -> None:
        if mode not in MODES:
            raise NotConfigured(f"NEWSCRAWL_DEDUP_MODE must be one of {MODES}, not {mode!r}")
        self.index_path = index_path
        self.mode = mode
        self.index: DedupIndex | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> DedupPipeline:
        settings = crawler.settings
        return cls(settings.get("NEWSCRAWL_DEDUP_INDEX") or ".newscrawl/dedup.sqlite",
                   (settings.get("NEWSCRAWL_DEDUP_MODE") or "drop").lower())

    def open_spider(self, spider: Any) -> None:
        self.index = DedupIndex.open(self.index_path)

    def close_spider(self, spider: Any) -> None:
        if self.index is not None:
            self.index.close()
            self.index = None

    def process_item(self, item: Any, spider: Any) -> Any:
        """Judge the item's record; drop or mark copies.

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
            dedup = self.index.judge(fields)
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
