"""Page item -> article item: extraction, the ``--since`` filter, and rerun suppression.

Non-articles (listings, tags, galleries...) are dropped here and their result noted in the
crawl state, so they are not extracted again. An article whose record was already written with
the same content (a rerun that refetched an unchanged page) is dropped as ``unchanged``.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from newscrawl.crawl.context import CrawlContext
from newscrawl.errors import InputError, StateError
from newscrawl.extract import extract
from newscrawl.record import ArticleRecord
from newscrawl.store.state import RETRY_PREFIX, PageState, content_hash_of

log = logging.getLogger(__name__)


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
        self.memory = self._template_memory(crawler)
        self._emitted_this_run: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def _template_memory(self, crawler: Crawler) -> Any:
        if not crawler.settings.getbool("NEWSCRAWL_TEMPLATE_MEMORY", True):
            return None
        state_path = getattr(self.ctx.state, "path", None)
        if state_path is None:
            return None
        try:
            from newscrawl.extract.templates import TemplateMemory
        except ImportError:
            return None
        return TemplateMemory(Path(state_path).parent / "templates")

    def close_spider(self, spider: Any = None) -> None:
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

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        if "body" not in item:  # already an article item (another pipeline order)
            return item
        site = item["site"]
        started = time.process_time()
        try:
            result = extract(
                item["body"],
                url=item["url"],
                fetched_at=item["fetched_at"],
                encoding=item.get("encoding"),
                site=site,
                memory=self.memory,
            )
        except InputError as exc:
            self.ctx.count_error("extract-input", site)
            self.stats.inc_value("newscrawl/errors")
            raise self._drop(item, "unusable", "unusable") from exc
        except Exception as exc:  # a bug in extraction must not end the crawl: count and go on
            log.exception("extraction failed on %s", item["url"])
            self.ctx.count_error("extract-crash", site)
            self.stats.inc_value("newscrawl/errors")
            raise self._drop(item, RETRY_PREFIX + "extract-crash", "extract_crash") from exc
        finally:
            # CPU spent in extraction, so a run's cost can be split between fetching and parsing.
            self.stats.inc_value(
                "newscrawl/extract_cpu_ms", int(1000 * (time.process_time() - started))
            )
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
        return {
            "record": record,
            "site": site,
            "page": self._page(item, "article", record, digest),
            "content_hash": digest,
        }
