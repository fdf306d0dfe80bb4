"""Per-site template memory: learns recurring blocks across pages, persists, never eats stories."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from newscrawl.extract import extract
from newscrawl.extract.templates import TemplateMemory
from newscrawl.extract.templates import fingerprint as xxh

SITE = "stylewire.example"
PROMO = "Get the Stylewire morning briefing: the five fashion business stories that matter, every weekday."
LEGAL = "Stylewire Media Group is registered in England and Wales under number 0912345."


def story(n: int) -> list[str]:
    return [
        f"Brand number {n} reported quarterly sales up {n} percent, led by leather goods in Europe.",
        f"The chief executive of brand {n} said the company would open {n + 3} stores next year.",
        PROMO,
        f"Analysts at bank {n} expect margins to recover once the collection reaches stores.",
        LEGAL,
    ]


def feed(memory: TemplateMemory, pages: range) -> list[set[str]]:
    return [memory.observe(SITE, f"https://{SITE}/news/{n}", story(n)) for n in pages]


def test_recurring_blocks_become_template_after_enough_pages(tmp_path: Path) -> None:
    memory = TemplateMemory(tmp_path, min_pages=4, min_fraction=0.3)
    seen = feed(memory, range(6))
    assert seen[0] == set() and seen[2] == set()  # too early to tell
    assert seen[5] == {PROMO, LEGAL}  # seen on every page: template
    assert not any(s.startswith("Brand number") for s in seen[5])


def test_same_url_twice_counts_once(tmp_path: Path) -> None:
    memory = TemplateMemory(tmp_path, min_pages=3, min_fraction=0.3)
    for _ in range(5):
        assert memory.observe(SITE, f"https://{SITE}/news/1", story(1)) == set()


def test_same_story_on_many_urls_is_not_template(tmp_path: Path) -> None:
    """Syndication and URL variants repeat a whole article: its paragraphs must survive."""
    memory = TemplateMemory(tmp_path, min_pages=3, min_fraction=0.3)
    article = [
        "The house unveiled its first collection under the new creative director on Tuesday night.",
        "Critics praised the tailoring, a return to the archive shapes of the 1990s.",
        "The show closed with a long black coat that drew a standing ovation.",
    ]
    for n in range(6):
        kept_out = memory.observe(SITE, f"https://{SITE}/amp/{n}", article)
    assert kept_out == set()


def test_memory_persists_and_reloads(tmp_path: Path) -> None:
    memory = TemplateMemory(tmp_path, min_pages=4)
    feed(memory, range(5))
    memory.save()
    files = list(tmp_path.glob("*.json"))
    assert [f.name for f in files] == ["stylewire.example.json"]
    assert not list(tmp_path.glob("*.tmp"))  # atomic write leaves no temp file behind
    again = TemplateMemory(tmp_path, min_pages=4)
    assert again.is_template(SITE, PROMO)
    assert again.is_template(SITE, "  get the stylewire MORNING briefing: the five fashion business "
                                   "stories that matter, every weekday ")  # fmt: skip
    assert not again.is_template(SITE, story(2)[0])
    assert not again.is_template("other.example", PROMO)  # per site


def test_memory_file_stays_bounded(tmp_path: Path) -> None:
    memory = TemplateMemory(tmp_path, min_pages=3, max_blocks=50, max_urls=20)
    feed(memory, range(200))
    memory.save()
    data = json.loads(memory.path_for(SITE).read_text())
    assert len(data["blocks"]) <= 50 and len(data["urls"]) <= 20
    assert memory.is_template(SITE, PROMO)  # frequent blocks survive eviction


def test_eviction_keeps_the_most_seen_then_most_recent_blocks(tmp_path: Path) -> None:
    """Eviction keeps exactly the top ``max_blocks`` by (pages seen on, last page seen), as a
    full sort would, also after the memory is reloaded and keeps learning."""
    memory = TemplateMemory(tmp_path, max_blocks=40, max_urls=30)
    feed(memory, range(60))
    memory.save()
    memory = TemplateMemory(tmp_path, max_blocks=40, max_urls=30)
    feed(memory, range(60, 90))
    feed(memory, range(85, 90))  # already learnt from: no change
    state = memory._site(SITE)
    kept = state.blocks
    assert len(kept) == 40 and state.pages == 90 and len(state.urls) == 30
    # Two template blocks (seen on every page) plus the 38 newest story blocks: page numbers
    # 79-90 give 3 blocks each (36), and of page 78's three, two survive.
    assert kept[xxh(PROMO)] == [90, 90] and kept[xxh(LEGAL)] == [90, 90]
    lasts = sorted(entry[1] for fp, entry in kept.items() if entry[0] == 1)
    assert lasts == [78] * 2 + [p for p in range(79, 91) for _ in range(3)]
    assert memory.observe(SITE, f"https://{SITE}/news/5", story(5)) == {PROMO, LEGAL}


def test_corrupt_memory_file_is_ignored_with_a_warning(tmp_path: Path, caplog) -> None:
    memory = TemplateMemory(tmp_path)
    memory.path_for(SITE).write_text('{"version": 1, "pages": "many", "blocks": [')
    with caplog.at_level(logging.WARNING, logger="newscrawl.extract.templates"):
        result = memory.observe(SITE, f"https://{SITE}/news/1", story(1))
    assert result == set()
    assert "corrupt" in caplog.text
    memory.save()  # relearnt state replaces the broken file
    assert json.loads(memory.path_for(SITE).read_text())["pages"] == 1


def test_extract_uses_memory_to_drop_site_template(tmp_path: Path) -> None:
    memory = TemplateMemory(tmp_path, min_pages=3)

    def page(n: int) -> str:
        paras = "".join(f"<p>{p}</p>" for p in story(n))
        return (f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
                f"{paras}</article></body></html>")  # fmt: skip

    bodies = [
        extract(page(n), f"https://{SITE}/news/{n}", site=SITE, memory=memory).record.body
        for n in range(5)
    ]
    assert PROMO in bodies[0]  # not learnt yet
    assert PROMO not in bodies[4] and LEGAL not in bodies[4]
    assert story(4)[0] in bodies[4] and story(4)[3] in bodies[4]
