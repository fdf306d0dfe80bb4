"""The generated benchmark site: distinct stories, plus a few planted wire copies."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
try:
    from sitegen import SECTIONS, GeneratedSite
finally:
    sys.path.remove(str(ROOT / "benchmarks"))


def _sentences(paragraphs: list[str]) -> set[str]:
    return {s for p in paragraphs for s in re.split(r"(?<=\.)\s+|(?<=\.”)\s+", p) if s}


def test_different_stories_share_no_text_wire_copies_do() -> None:
    site = GeneratedSite(n_articles=300, seed=5)
    owner: dict[str, int] = {}
    shared = Counter()
    for index in range(300):
        for sentence in _sentences(site._paragraphs(index)):
            if sentence in owner:
                shared[(owner[sentence], index)] += 1
            else:
                owner[sentence] = index
    copies = {(site.syndicated_from(i), i) for i in range(300) if site.syndicated_from(i) is not None}
    assert len(copies) == 6  # every 50th article, 2% of the site
    assert all(shared[pair] >= 10 for pair in copies)  # a copy shares most of its text
    chance = {pair: n for pair, n in shared.items() if pair not in copies}
    # Different stories share a sentence only by rare chance (a short stock line), never more.
    assert len(chance) <= 3 and all(n == 1 for n in chance.values())


def test_a_wire_copy_repeats_its_source_in_another_section() -> None:
    site = GeneratedSite(n_articles=100, seed=1)
    source = site.syndicated_from(49)
    assert source is not None and source < 49
    copy, original = site._paragraphs(49), site._paragraphs(source)
    assert copy[:-1] == original[:-1] and "first published by" in copy[-1]
    assert site._headline(49) == site._headline(source)
    assert site.article_path(49) != site.article_path(source)
    assert SECTIONS[49 % len(SECTIONS)] != SECTIONS[source % len(SECTIONS)]
    assert site.syndicated_from(48) is None


def test_an_article_does_not_depend_on_the_size_of_the_site() -> None:
    small, large = GeneratedSite(n_articles=60, seed=2), GeneratedSite(n_articles=6000, seed=2)
    assert small._paragraphs(59) == large._paragraphs(59)
    assert small.article_path(59) == large.article_path(59)
