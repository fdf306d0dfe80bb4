"""How many extraction worker processes a crawl uses (NEWSCRAWL_EXTRACT_WORKERS)."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import newscrawl.pipelines.extract as extract_pipeline
import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newscrawl import settings
from newscrawl.crawl.context import CrawlContext
from newscrawl.crawl.extract_worker import resolve_workers, worker_context
from newscrawl.crawl.registry import site_for_url
from newscrawl.errors import ConfigError


def test_auto_uses_two_workers_on_a_multi_core_machine_and_none_on_one_core() -> None:
    assert settings.NEWSCRAWL_EXTRACT_WORKERS == "auto"
    assert resolve_workers("auto", cpus=2) == 2
    assert resolve_workers("auto", cpus=16) == 2
    assert resolve_workers(" AUTO ", cpus=1) == 0
    assert resolve_workers(None, cpus=4) == 2


def test_explicit_counts() -> None:
    assert resolve_workers(0, cpus=8) == 0
    assert resolve_workers("3", cpus=8) == 3
    assert resolve_workers(-1, cpus=8) == 8  # one per CPU


def test_a_bad_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="NEWSCRAWL_EXTRACT_WORKERS"):
        resolve_workers("many", cpus=2)


def test_workers_are_never_forked_from_the_crawler_process() -> None:
    # A fork of the reactor process would inherit its threads mid-flight.
    assert worker_context().get_start_method() in ("forkserver", "spawn")


def _page_item(url: str, html: bytes) -> dict:
    return {
        "site": "news-example", "language": "en", "url": url, "key": url.split("//")[1],
        "body": html, "encoding": "utf-8", "fetched_at": datetime.now(UTC), "status": 200,
        "etag": None, "last_modified": None, "lastmod": None, "published_hint": None,
    }  # fmt: skip


def test_a_dead_worker_costs_its_pages_not_the_rest_of_the_crawl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract_pipeline, "is_asyncio_reactor_installed", lambda: True)
    crawler = get_crawler(
        settings_dict={
            "NEWSCRAWL_EXTRACT_WORKERS": 1,
            "NEWSCRAWL_STATE": f"sqlite:{tmp_path / 'state.sqlite'}",
            "NEWSCRAWL_OUTPUT": str(tmp_path / "out"),
            "NEWSCRAWL_TEMPLATE_MEMORY": False,
        }
    )
    ctx = CrawlContext(crawler.settings, sites=[site_for_url("https://news.example/")])
    CrawlContext.attach(ctx, crawler)
    pipeline = extract_pipeline.ExtractPipeline(crawler)
    body = (
        "<html><head><title>Knitwear orders rise</title></head><body><article>"
        "<h1>Knitwear orders rise</h1>"
        + "<p>Buyers in Paris said knitwear orders rose sharply this season.</p>" * 15
        + "</article></body></html>"
    ).encode()

    async def run() -> list[str]:
        outcomes = []
        for n in range(3):
            item = _page_item(f"https://news.example/news/2024/05/story-{n}", body)
            try:
                await pipeline.process_item(item)
                outcomes.append("extracted")
            except DropItem as exc:  # judged (not_article...) or not: extract_crash
                reason = str(exc).split(":")[0]
                outcomes.append(reason if reason == "extract_crash" else "extracted")
            if n == 0:  # kill the worker, as the kernel's OOM killer would
                for process in list(pipeline.pool._processes.values()):  # type: ignore[union-attr]
                    os.kill(process.pid, signal.SIGKILL)
                    process.join()
        return outcomes

    try:
        outcomes = asyncio.run(run())
    finally:
        pipeline.close_spider()
        ctx.close()
    assert outcomes == ["extracted", "extract_crash", "extracted"]
    assert crawler.stats.get_value("newscrawl/extract_pool_restarts") == 1
