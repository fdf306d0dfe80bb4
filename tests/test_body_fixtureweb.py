"""Bodies of the served fixture sites: the article source text, nothing of the site's chrome.

The fixture web renders each article source (``fixtures/web/<site>/articles/*.html``) into a
full page with cookie banner, nav, newsletter box, related links and footer, and an AMP copy
for some; the sources themselves carry in-body inserts ("also read" links, Instagram embeds)
that the site manifest lists as boilerplate. What extraction returns must be the source text
without those, on the page and on its AMP copy alike.
"""

from __future__ import annotations

import html as htmllib
import re
import urllib.request
from collections.abc import Iterator

import lxml.html
import pytest

from newscrawl.evaluation import score_page
from newscrawl.extract import extract
from newscrawl.fixtureweb import FixtureWeb, available_sites

SITES = available_sites()


@pytest.fixture(scope="module")
def web() -> Iterator[FixtureWeb]:
    with FixtureWeb() as running:
        yield running


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", htmllib.unescape(text)).strip()


def source_text(body_html: str, boilerplate: list[str]) -> str:
    """The article source's blocks, minus the inserts the manifest declares boilerplate."""
    root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    blocks = [norm(el.text_content()) for el in root]
    return "\n\n".join(b for b in blocks if b and not any(norm(x) in b for x in boilerplate))


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


@pytest.mark.parametrize("name", SITES)
def test_served_articles_give_their_source_text_and_no_chrome(web: FixtureWeb, name: str) -> None:
    site, base = web.site(name), web.base(name)
    boilerplate = web.manifest(name)["boilerplate"]
    for article in site.visible_articles():
        url = base + article.path
        body = extract(get(url), url).record.body
        score = score_page(body, source_text(article.body, boilerplate))
        assert score.f1 >= 0.98, f"{url}: F1 {score.f1:.3f} P {score.precision:.3f}"
        left = [b for b in boilerplate if norm(b) in norm(body)]
        assert not left, f"{url}: boilerplate left {left}"
        if article.amp:
            amp_url = base + site.amp_path(article.path)
            amp_body = extract(get(amp_url), amp_url).record.body
            assert score_page(amp_body, body).f1 >= 0.98, f"AMP copy differs: {amp_url}"
