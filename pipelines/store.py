"""Article item -> one JSON line on disk, durable before the state says it was written.

Order per batch: write the lines, flush, fsync; then, in one state transaction, mark the
records emitted, save their pages (with ETag/Last-Modified) and move the file's committed
offset. A crash between the two leaves lines the state does not know about yet; on the next
open they are found past the committed offset and reconciled, so a record is never written
twice and never lost. A torn last line (killed mid-write) is truncated on open.

Batches are flushed when full (``NEWSCRAWL_WRITE_BATCH``) and at least every second, so a
killed run loses at most the last second of extracted pages (which the next run refetches).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

from newscrawl.crawl.context import CrawlContext
from newscrawl.crawl.urls import url_key
from newscrawl.errors import OutputError
from newscrawl.record import ArticleRecord
from newscrawl.store.jsonl import JsonlWriter, read_lines_from, repair_tail
from newscrawl.store.state import CrawlState, EmittedRecord, PageState, content_hash_of

log = logging.getLogger(__name__)
FLUSH_INTERVAL = 1.0


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.ctx = CrawlContext.of(crawler)
        self.batch_size = crawler.settings.getint("NEWSCRAWL_WRITE_BATCH", 50)
        self.writer: JsonlWriter | None = None
        self._pending: list[tuple[EmittedRecord, PageState, str]] = []
        self._loop: task.LoopingCall | None = None
        crawler.signals.connect(self._item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def _item_dropped(self, item: Any, response: Any = None, exception: Any = None,
                      spider: Any = None) -> None:
        """An article dropped after extraction (a syndicated copy, by dedup): note its page in
        the state so the next run does not fetch and judge it again."""
        if not isinstance(item, dict) or not isinstance(item.get("page"), PageState):
            return
        page: PageState = item["page"]
        page.result = "duplicate"
        self.stats.inc_value("newscrawl/dropped/duplicate")
        self.ctx.state.save_pages([page])

    def open_spider(self, spider: Any = None) -> None:
        reconciled = reconcile(self.ctx.state)
        if reconciled:
            log.warning(
                "reconciled %d record(s) written just before an interrupted run", reconciled
            )
            self.stats.set_value("newscrawl/reconciled", reconciled)
        path = self.ctx.output.path
        self.writer = JsonlWriter(path, batch_size=self.batch_size)
        if self.writer.repaired_bytes:
            log.warning("%s: removed a torn last line (%d bytes)", path, self.writer.repaired_bytes)
        if self.ctx.state.output_offset(str(path.resolve())) is None:
            self.ctx.state.commit_emitted([], [], str(path.resolve()), self.writer.size)
        self._loop = task.LoopingCall(self.flush)
        self._loop.start(FLUSH_INTERVAL, now=False)

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        record: ArticleRecord = item["record"]
        if self.ctx.fatal is not None:  # the output failed: nothing more is written this run
            return item
        assert self.writer is not None
        page: PageState = item["page"]
        emitted = EmittedRecord(id=record.id, content_hash=item["content_hash"], url=record.url)
        due = self.writer.add(record.to_json())
        self._pending.append((emitted, page, item["site"]))
        if due:
            self.flush()
        return item

    def flush(self) -> None:
        if self.writer is None or not self._pending:
            return
        try:
            lines = self.writer.flush()
        except OutputError as exc:  # disk full, I/O error: the batch was cut back off the file
            self._fail(exc)
            return
        pending, self._pending = self._pending, []
        assert len(lines) == len(pending)
        self.ctx.state.commit_emitted(
            [p[0] for p in pending],
            [p[1] for p in pending],
            str(self.writer.path.resolve()),
            self.writer.size,
        )
        self.ctx.state.commit()
        self.stats.inc_value("newscrawl/records_written", len(pending))
        for _, _, site in pending:
            run = self.ctx.site_runs.get(site)
            if run is not None:
                run.articles += 1

    def _fail(self, exc: OutputError) -> None:
        """Stop the run: its records are not marked emitted, so the next run fetches them again."""
        self._pending.clear()
        if self.ctx.fatal is None:
            self.ctx.fatal = exc
            log.error("%s; stopping the crawl", exc)
            engine = self.crawler.engine
            if engine is not None and engine.running:
                from scrapy.utils.defer import deferred_from_coro

                deferred_from_coro(engine.close_spider_async(reason="output-error"))

    def close_spider(self, spider: Any = None) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self.writer is None:
            return
        self.flush()
        try:
            self.writer.close()
        except OutputError as exc:
            self._fail(exc)
        path = self.writer.path
        if self.writer.lines_written == 0 and self.ctx.output.per_run and path.stat().st_size == 0:
            path.unlink()  # no empty per-run files
        else:
            self.ctx.output_files.append(str(path))
        self.writer = None


def reconcile(state: CrawlState) -> int:
    """Records written past each output's committed offset (a crash between the fsync and the
    state commit) are marked emitted; torn tails are cut. Returns how many were reconciled."""
    total = 0
    for name, committed in state.outputs():
        path = Path(name)
        if not path.exists():
            continue
        repair_tail(path)
        size = path.stat().st_size
        if size <= committed:
            if size < committed:  # the file was cut or replaced outside newscrawl
                state.commit_emitted([], [], name, size)
            continue
        records: list[EmittedRecord] = []
        pages: list[PageState] = []
        for obj in read_lines_from(path, committed):
            rid, url = obj.get("id"), obj.get("url")
            if not isinstance(rid, str) or not isinstance(url, str):
                continue
            digest = content_hash_of(obj.get("title"), obj.get("body") or "")
            records.append(EmittedRecord(id=rid, content_hash=digest, url=url))
            key = url_key(url)
            if key:
                pages.append(
                    PageState(
                        key=key,
                        url=url,
                        status=200,
                        result="article",
                        record_id=rid,
                        content_hash=digest,
                        site=obj.get("site") if isinstance(obj.get("site"), str) else None,
                    )
                )
        state.commit_emitted(records, pages, name, size)
        total += len(records)
    return total
