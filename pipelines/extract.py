"""Page item -> article item: extraction, the ``--since`` filter, and rerun suppression.

Non-articles (listings, tags, galleries...) are dropped here and their result noted in the
crawl state, so they are not extracted again. An article whose record was already written with
the same content (a rerun that refetched an unchanged page) is dropped as ``unchanged``.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.reactor import is_asyncio_reactor_installed

from newscrawl.crawl.context import CrawlContext
from newscrawl.crawl.extract_worker import (
    extract_in_worker,
    extract_timed,
    init_worker,
    resolve_workers,
    worker_context,
)
from newscrawl.errors import InputError, StateError
from newscrawl.record import ArticleRecord
from newscrawl.store.state import RETRY_PREFIX, PageState, content_hash_of

log = logging.getLogger(__name__)
MAX_POOL_RESTARTS = 3  # worker pools started again after a worker died, per run


def content_hash(record: ArticleRecord) -> str:
    return content_hash_of(record.title, record.body)


def published_before(record: ArticleRecord, since: datetime) -> bool:
    if not record.published:
        return False  # undated articles are kept: better a record too many than a lost one
    try:
        when = datetime.fromisoformat(record.published.replace("Z", "+00:00"))
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when < since


class ExtractPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.ctx = CrawlContext.of(crawler)
        self._emitted_this_run: set[str] = set()
        self.pool = self._worker_pool(crawler)
        self._pool_restarts = 0
        # In-process extraction reads the spider's parse of the page; workers parse their own.
        self.ctx.extract_in_process = self.pool is None
        self.memory = None if self.pool is not None else self._template_memory(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def _template_dir(self, crawler: Crawler) -> Path | None:
        if not crawler.settings.getbool("NEWSCRAWL_TEMPLATE_MEMORY", True):
            return None
        state_path = getattr(self.ctx.state, "path", None)
        return Path(state_path).parent / "templates" if state_path is not None else None

    def _template_memory(self, crawler: Crawler) -> Any:
        directory = self._template_dir(crawler)
        if directory is None:
            return None
        from newscrawl.extract.templates import TemplateMemory

        return TemplateMemory(directory)

    def _worker_pool(self, crawler: Crawler) -> ProcessPoolExecutor | None:
        """``NEWSCRAWL_EXTRACT_WORKERS`` > 0: extraction runs in that many processes.

        Extraction is the crawl's main CPU cost; in worker processes it uses the other cores
        while the reactor keeps fetching. Each worker learns its own share of the template
        memory and saves it when the pool shuts down (the last save of a site wins). Needs
        Scrapy's asyncio reactor (the default); otherwise extraction stays in-process.
        """
        workers = resolve_workers(crawler.settings.get("NEWSCRAWL_EXTRACT_WORKERS", "auto"))
        if workers <= 0 or not is_asyncio_reactor_installed():
            return None
        directory = self._template_dir(crawler)
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=worker_context(),
            initializer=init_worker,
            initargs=(str(directory) if directory else None,),
        )

    def _replace_broken_pool(self, broken: ProcessPoolExecutor) -> None:
        """A worker died (killed, out of memory, a crash in native code): the pages it had
        in flight fail as extraction crashes (fetched again next run), and a fresh pool takes
        over — up to MAX_POOL_RESTARTS times a run, then extraction moves into this process."""
        if self.pool is not broken:  # another page in flight already replaced it
            return
        broken.shutdown(wait=False, cancel_futures=True)
        self.stats.inc_value("newscrawl/extract_pool_restarts")
        if self._pool_restarts < MAX_POOL_RESTARTS:
            self._pool_restarts += 1
            log.warning("an extraction worker died; starting a new worker pool")
            self.pool = self._worker_pool(self.crawler)
            return
        log.warning("extraction workers keep dying; extracting in the crawler process instead")
        self.pool = None
        self.memory = self._template_memory(self.crawler)
        self.ctx.extract_in_process = True

    def close_spider(self, spider: Any = None) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)  # workers save their template memory on exit
            self.pool = None
        if self.memory is not None:
            try:
                self.memory.save()
            except (OSError, StateError) as exc:  # save() reports disk trouble as StateError
                log.warning("could not save template memory: %s", exc)

    def _drop(
        self, item: dict[str, Any], result: str, stat: str, record: ArticleRecord | None = None
    ) -> DropItem:
        """Note the page's final result in the state; return the DropItem to raise."""
        self.stats.inc_value(f"newscrawl/dropped/{stat}")
        self.ctx.state.save_pages([self._page(item, result, record)])
        return DropItem(f"{stat}: {item['url']}")

    def _page(
        self,
        item: dict[str, Any],
        result: str,
        record: ArticleRecord | None = None,
        digest: str | None = None,
    ) -> PageState:
        return PageState(
            key=item["key"],
            url=item["url"],
            fetched_at=item["fetched_at"].timestamp(),
            status=item["status"],
            result=result,
            etag=item.get("etag"),
            last_modified=item.get("last_modified"),
            lastmod=item.get("lastmod"),
            record_id=record.id if record else None,
            content_hash=digest,
            site=item["site"],
        )

    async def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        if "body" not in item:  # already an article item (another pipeline order)
            return item
        site = item["site"]
        document = item.pop("document", None)  # the spider's parse; freed once extracted
        args = (item["body"], item["url"], item["fetched_at"], item.get("encoding"), site)
        try:
            if self.pool is not None:
                pool = self.pool
                try:
                    future = pool.submit(extract_in_worker, *args)
                    result, cpu = await asyncio.wrap_future(future)
                except BrokenProcessPool:
                    self._replace_broken_pool(pool)
                    raise
            else:
                result, cpu = extract_timed(*args, memory=self.memory, document=document)
        except InputError as exc:
            self.ctx.count_error("extract-input", site)
            self.stats.inc_value("newscrawl/errors")
            raise self._drop(item, "unusable", "unusable") from exc
        except Exception as exc:  # a bug in extraction must not end the crawl: count and go on
            log.error("extraction failed on %s", item["url"], exc_info=exc)
            self.ctx.count_error("extract-crash", site)
            self.stats.inc_value("newscrawl/errors")
            raise self._drop(item, RETRY_PREFIX + "extract-crash", "extract_crash") from exc
        # CPU spent in extraction, so a run's cost can be split between fetching and parsing.
        self.stats.inc_value("newscrawl/extract_cpu_ms", 1000 * cpu)
        record = result.record
        self.stats.inc_value(f"newscrawl/extract/{result.page_type.value}")
        if not result.is_article:
            raise self._drop(item, result.page_type.value, "not_article", record)
        if self.ctx.since and published_before(record, self.ctx.since):
            self.stats.inc_value("newscrawl/skipped/before_since")
            raise self._drop(item, "before-since", "before_since", record)
        digest = content_hash(record)
        if record.id in self._emitted_this_run:
            raise self._drop(item, "article", "same_record", record)
        if self.ctx.state.record_hash(record.id) == digest:
            page = self._page(item, "article", record, digest)
            self.ctx.state.save_pages([page])
            self.stats.inc_value("newscrawl/dropped/unchanged")
            raise DropItem(f"unchanged: {item['url']}")
        self._emitted_this_run.add(record.id)
        # The same dict becomes the article item: Scrapy's item_dropped signal reports the
        # item as the spider yielded it, so a later drop (dedup) must still see page and record.
        page = self._page(item, "article", record, digest)
        item.clear()
        item.update({"record": record, "site": site, "page": page, "content_hash": digest})
        return item
