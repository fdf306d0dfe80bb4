"""Page -> clean article record, in plain Python (no Scrapy).

    from newscrawl.extract import extract
    result = extract(html_bytes, url="https://...", fetched_at=None, encoding=None)
    result.page_type, result.is_article, result.record  # ArticleRecord

Steps, each its own module, all reading one parsed ``Document``:
``document`` (decode + parse once) -> ``metadata`` (JSON-LD, meta, microdata, byline, dates)
-> ``body`` (main content + boilerplate removal) -> ``language`` -> ``pagetype``.
"""

from newscrawl.extract.article import ExtractResult, extract

__all__ = ["ExtractResult", "extract"]
