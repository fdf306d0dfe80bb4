"""The crawl's Scrapy settings: command-line overrides reach every decision built on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from newscrawl.crawl.runner import CrawlOptions, build_settings

DEDUP = "newscrawl.pipelines.dedup.DedupPipeline"


def pipelines(tmp_path: Path, **kwargs: object) -> dict:
    opts = CrawlOptions(sites=[], output=str(tmp_path / "out"), **kwargs)  # type: ignore[arg-type]
    return dict(build_settings(opts, "run-1").getdict("ITEM_PIPELINES"))


def test_dedup_is_on_by_default_with_an_index_beside_the_state(tmp_path: Path) -> None:
    opts = CrawlOptions(sites=[], output=str(tmp_path / "out"), state=f"sqlite:{tmp_path / 's.sqlite'}")
    settings = build_settings(opts, "run-1")
    assert DEDUP in settings.getdict("ITEM_PIPELINES")
    assert settings.get("NEWSCRAWL_DEDUP_INDEX") == str(tmp_path / "dedup.sqlite")


@pytest.mark.parametrize(
    "kwargs", [{"dedup": False}, {"settings": {"NEWSCRAWL_DEDUP": "0"}}], ids=["--no-dedup", "-s NEWSCRAWL_DEDUP=0"]
)
def test_dedup_can_be_switched_off_either_way(tmp_path: Path, kwargs: dict) -> None:
    assert DEDUP not in pipelines(tmp_path, **kwargs)
