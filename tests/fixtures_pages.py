"""Loader for the extraction fixtures in ``fixtures/pages/`` (shared by tests and benchmarks).

Each fixture is a saved page ``<slug>.html`` (raw bytes exactly as a server would send them, so
encoding handling is part of what is tested) next to its gold ``<slug>.json``. Article gold has
``url``, ``fetched_at``, ``page_type``, ``title``, ``authors``, ``published``, ``language``,
``body`` and ``boilerplate`` (strings visible on the page that must never reach the body);
non-article gold is just ``{"page_type": ...}`` plus ``url``/``fetched_at``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURE_PAGES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


@dataclass(frozen=True)
class FixturePage:
    """One saved page and what a perfect extractor returns for it."""

    slug: str
    html_bytes: bytes
    gold: dict[str, Any]
    path: Path

    @property
    def is_article(self) -> bool:
        return self.gold.get("page_type", "article") == "article"


def load_fixture_pages(directory: Path = FIXTURE_PAGES_DIR) -> list[FixturePage]:
    """All fixtures, sorted by slug; every page must have its gold file and vice versa."""
    pages: list[FixturePage] = []
    html_paths = sorted(directory.glob("*.html"))
    gold_stems = {p.stem for p in directory.glob("*.json")}
    orphans = gold_stems - {p.stem for p in html_paths}
    if orphans:
        raise FileNotFoundError(f"gold without page in {directory}: {sorted(orphans)}")
    for html_path in html_paths:
        gold_path = html_path.with_suffix(".json")
        if not gold_path.exists():
            raise FileNotFoundError(f"fixture page without gold file: {gold_path}")
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        pages.append(
            FixturePage(slug=html_path.stem, html_bytes=html_path.read_bytes(), gold=gold, path=html_path)
        )
    return pages


def article_pages(directory: Path = FIXTURE_PAGES_DIR) -> list[FixturePage]:
    """Only the fixtures whose gold is an article (the ones with a body to score)."""
    return [page for page in load_fixture_pages(directory) if page.is_article]
