"""The fixture web: small fashion-news sites served on 127.0.0.1 for tests, demo and benchmarks.

``FixtureWeb`` serves every site under ``fixtures/web/`` on its own port; ``SiteServer`` and
``Response`` are the shared HTTP machinery other local sites (the generated benchmark site,
hostile-case sites) plug into. Plain stdlib ``http.server``; no Scrapy import.
"""

from newscrawl.fixtureweb.server import (
    LoggedRequest,
    Request,
    Response,
    SiteApp,
    SiteServer,
    etag_for,
)
from newscrawl.fixtureweb.site import FixtureSite
from newscrawl.fixtureweb.sources import Article
from newscrawl.fixtureweb.web import FixtureWeb, available_sites, fixtures_dir, load_sites

__all__ = [
    "Article",
    "FixtureSite",
    "FixtureWeb",
    "LoggedRequest",
    "Request",
    "Response",
    "SiteApp",
    "SiteServer",
    "available_sites",
    "etag_for",
    "fixtures_dir",
    "load_sites",
]
