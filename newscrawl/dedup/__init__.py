"""Recognise syndicated copies across sites and runs (plain Python, no Scrapy).

    from newscrawl.dedup import DedupIndex
    with DedupIndex.open("state/dedup.sqlite") as index:
        docs = index.add(records)                 # record dicts (ours or url/title/text)
        info = index.dedup_of(index.resolve(docs))  # doc -> newscrawl.record.Dedup

See ``README.md`` in this package for how it works and how its thresholds were chosen.
"""

from newscrawl.dedup.index import DedupIndex, prepare
from newscrawl.dedup.store import IndexStore, SQLiteStore

__all__ = ["DedupIndex", "IndexStore", "SQLiteStore", "prepare"]
