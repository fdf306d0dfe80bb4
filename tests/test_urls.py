"""URL canonicalisation: one identity per page, whatever spelling a link uses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newscrawl.crawl.urls import clean_url, host_of, in_domains, url_key

SAME_PAGE = [
    "https://www.example.com/fashion/2024/03/14/dior-names-new-director/",
    "http://example.com/fashion/2024/03/14/dior-names-new-director",
    "https://example.com/fashion/2024/03/14/dior-names-new-director/?utm_source=twitter&utm_medium=social",
    "https://EXAMPLE.com/fashion/2024/03/14/dior-names-new-director/#comments",
    "https://example.com/fashion/2024/03/14/dior-names-new-director/amp/",
    "https://example.com/amp/fashion/2024/03/14/dior-names-new-director/",
    "https://amp.example.com/fashion/2024/03/14/dior-names-new-director/",
    "https://example.com/fashion/2024/03/14/dior-names-new-director/?amp=1",
    "https://example.com/fashion/2024/03/14/dior-names-new-director/?outputType=amp",
    "https://example.com/fashion/2024/03/14/dior-names-new-director;jsessionid=0A1B2C3D",
    "https://example.com/fashion/2024/03/14/dior-names-new-director/?PHPSESSID=9f8e7d6c5b4a&fbclid=IwAR0x",
    "https://example.com:443/fashion/2024/03/14/dior-names-new-director/?gclid=abc&mc_cid=1&_ga=2.1",
]


def test_every_spelling_of_one_page_has_one_key() -> None:
    keys = {url_key(u) for u in SAME_PAGE}
    assert keys == {"example.com/fashion/2024/03/14/dior-names-new-director"}


def test_clean_url_keeps_scheme_and_host_as_written() -> None:
    # Dropping www. or switching scheme could point at a host that does not answer.
    assert clean_url("http://www.example.com/a/?utm_campaign=x#top") == "http://www.example.com/a/"


def test_meaningful_query_parameters_survive_and_are_sorted() -> None:
    assert (
        clean_url("https://example.com/news?page=2&id=77&utm_term=x")
        == "https://example.com/news?id=77&page=2"
    )
    assert url_key("https://example.com/news?page=2") != url_key("https://example.com/news?page=3")


def test_amp_html_variant_maps_to_html_page() -> None:
    assert url_key("https://example.com/news/look.amp.html") == url_key(
        "https://example.com/news/look.html"
    )


@pytest.mark.parametrize(
    "url", ["mailto:desk@example.com", "javascript:void(0)", "ftp://example.com/a", "", "https://"]
)
def test_non_http_urls_are_refused(url: str) -> None:
    assert clean_url(url) is None and url_key(url) is None


def test_host_keeps_non_default_port_so_local_sites_stay_apart() -> None:
    assert host_of("http://127.0.0.1:8601/x") == "127.0.0.1:8601"
    assert host_of("https://www.wwd.com:443/") == "wwd.com"
    assert in_domains("https://fashion.wwd.com/a", ["wwd.com"])
    assert not in_domains("https://notwwd.com/a", ["wwd.com"])
    assert not in_domains("http://127.0.0.1:8602/a", ["127.0.0.1:8601"])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_raises(text: str) -> None:
    for candidate in (text, "https://example.com/" + text, "http://" + text):
        clean = clean_url(candidate)
        if clean is not None:
            # Idempotent: cleaning a clean URL changes nothing.
            assert clean_url(clean) == clean
            assert url_key(clean) == url_key(candidate)
