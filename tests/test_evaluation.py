"""The shared body metric: word-4-shingle sets, per-page P/R, macro means, F1 of the means."""

from __future__ import annotations

import pytest

from newscrawl.evaluation import score_page, shingles, summarize

GOLD = "The house unveiled its first collection under the new creative director on Tuesday."


def test_perfect_extraction_scores_one() -> None:
    score = score_page(GOLD, GOLD)
    assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0)


def test_punctuation_case_and_quotes_do_not_count() -> None:
    assert score_page("«The HOUSE unveiled» its first collection, under the new creative "
                      "director on tuesday", GOLD).f1 == 1.0  # fmt: skip


def test_boilerplate_costs_precision_missing_text_costs_recall() -> None:
    noisy = score_page(GOLD + " Sign up for our newsletter today", GOLD)
    assert noisy.recall == 1.0 and noisy.precision < 1.0
    short = score_page("The house unveiled its first collection", GOLD)
    assert short.precision == 1.0 and short.recall < 0.5


def test_empty_extraction_of_a_real_page_scores_zero() -> None:
    score = score_page("", GOLD)
    assert score.precision == 0.0 and score.recall == 0.0 and score.f1 == 0.0


def test_short_texts_still_compare() -> None:
    assert shingles("Hello world") == {("hello", "world")}
    assert score_page("Hello, world!", "hello world").f1 == 1.0


def test_summary_is_the_macro_average() -> None:
    summary = summarize([score_page(GOLD, GOLD), score_page("", GOLD)])
    assert summary.pages == 2
    assert summary.precision == pytest.approx(0.5) and summary.recall == pytest.approx(0.5)
    assert summary.f1 == pytest.approx(0.5)
