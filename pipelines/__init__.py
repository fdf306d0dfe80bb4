"""Scrapy item pipelines (installed as ``newscrawl.pipelines``).

Order (``ITEM_PIPELINES`` in ``newscrawl.settings``): ``extract`` (100) -> ``dedup`` (500, when
present) -> ``store`` (900).

Item contract. The spider yields a *page item* (a dict: ``site``, ``url``, ``key``, ``body``,
``encoding``, ``fetched_at``, ``status``, ``etag``, ``last_modified``, ``lastmod``, ...; and
``document``, the spider's parse of the page, which in-process extraction reuses and removes).
``ExtractPipeline`` turns it into an *article item*, a dict with:

- ``record``: the :class:`newscrawl.record.ArticleRecord` to write;
- ``site``: the registry site name;
- ``page``: the :class:`newscrawl.store.state.PageState` saved once the record is written;
- ``content_hash``: hash of the record's content (reruns emit a record again only if it changed).

Later pipelines may replace ``item["record"]`` (dedup marks it) or drop the item; ``store``
writes ``item["record"]`` and commits the state.
"""
