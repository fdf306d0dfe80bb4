"""Every fixture page becomes exactly its gold record: the acceptance test of extraction.

Gold files (``fixtures/pages/<slug>.json``) give title, authors, published, language, body and
the boilerplate strings visible on the page that must not reach the body.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from fixtures_pages import FixturePage, load_fixture_pages

from newscrawl.evaluation import score_page
from newscrawl.extract import extract
from newscrawl.record import PageType

PAGES = load_fixture_pages()
ARTICLES = [p for p in PAGES if p.gold.get("page_type", "article") == "article"]
NON_ARTICLES = [p for p in PAGES if p.gold.get("page_type", "article") != "article"]


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def run(page: FixturePage):
    fetched = page.gold.get("fetched_at")
    return extract(
        page.html_bytes,
        page.gold["url"],
        fetched_at=datetime.fromisoformat(fetched) if fetched else None,
    )


def test_there_are_enough_fixtures() -> None:
    assert len(ARTICLES) >= 12
    languages = {p.gold["language"] for p in ARTICLES}
    assert {"en", "es", "it", "fr", "de"} <= languages


@pytest.mark.parametrize("page", ARTICLES, ids=lambda p: p.slug)
def test_body_matches_gold(page: FixturePage) -> None:
    result = run(page)
    body = result.record.body
    score = score_page(body, page.gold["body"])
    missing = [p for p in page.gold["body"].split("\n\n") if norm(p) not in norm(body)]
    assert not missing, f"gold paragraphs missing from body: {missing}"
    left = [b for b in page.gold.get("boilerplate", []) if norm(b) in norm(body)]
    assert not left, f"boilerplate left in body: {left}"
    assert score.f1 >= 0.98, f"F1 {score.f1:.3f} (P {score.precision:.3f} R {score.recall:.3f})"


@pytest.mark.parametrize("page", ARTICLES, ids=lambda p: p.slug)
def test_metadata_matches_gold(page: FixturePage) -> None:
    result = run(page)
    record = result.record
    assert result.page_type is PageType.ARTICLE
    assert record.title == page.gold["title"]
    assert record.authors == page.gold["authors"]
    assert record.published == page.gold["published"]
    assert record.language == page.gold["language"]


@pytest.mark.parametrize("page", NON_ARTICLES, ids=lambda p: p.slug)
def test_non_article_pages_are_recognised(page: FixturePage) -> None:
    assert run(page).page_type.value == page.gold["page_type"]
