"""Sitemaps and feeds from hostile or broken servers: no entity expansion, no external access,
bounded size and URL count, and tolerance for the malformations real sites ship."""

from __future__ import annotations

import gzip
import time
import zlib

import pytest

from newscrawl.crawl.discovery import DiscoveryError, parse_feed, parse_sitemap
from newscrawl.fixtureweb.hostile import gzip_bomb_sitemap

BASE = "https://news.example/"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def _laughs(levels: int = 10) -> bytes:
    ents = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, levels)
    ]
    return (
        f'<?xml version="1.0"?><!DOCTYPE urlset [{"".join(ents)}]>'
        f"<urlset {NS}><url><loc>https://news.example/a&l{levels - 1};</loc></url>"
        "<url><loc>https://news.example/b</loc></url></urlset>"
    ).encode()


def _timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    try:
        return fn(*args, **kwargs), time.perf_counter() - start
    except DiscoveryError as exc:
        return exc, time.perf_counter() - start


def test_billion_laughs_is_not_expanded() -> None:
    result, seconds = _timed(parse_sitemap, _laughs(), BASE)
    assert seconds < 1.0
    if not isinstance(result, DiscoveryError):
        assert all("lol" not in e.url and len(e.url) < 200 for e in result.entries)


def test_quadratic_blowup_is_not_expanded() -> None:
    data = (
        f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "{"x" * 50_000}">]>'
        f"<urlset {NS}><url><loc>https://news.example/{'&a;' * 20_000}</loc></url></urlset>"
    ).encode()
    result, seconds = _timed(parse_sitemap, data, BASE)
    assert seconds < 1.0
    if not isinstance(result, DiscoveryError):
        assert all(len(e.url) < 1000 for e in result.entries)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE urlset [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE urlset [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
        '<!DOCTYPE urlset SYSTEM "http://127.0.0.1:9/evil.dtd">',
        '<!DOCTYPE urlset [<!ENTITY x SYSTEM "http://169.254.169.254/latest/meta-data/">]>',
    ],
)
def test_external_entities_are_never_resolved(doctype: str) -> None:
    data = (
        f'<?xml version="1.0"?>{doctype}<urlset {NS}><url><loc>https://news.example/a</loc>'
        "<lastmod>&x;</lastmod></url><url><loc>https://news.example/&x;</loc></url></urlset>"
    ).encode()
    sitemap = parse_sitemap(data, BASE)
    dump = repr(sitemap)
    assert "root:" not in dump and "/bin/" not in dump  # nothing of /etc/passwd leaked
    assert sitemap.entries[0].url == "https://news.example/a"


def test_feed_external_entities_are_never_resolved() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<rss version='2.0'><channel><item><title>&x;</title>"
        b"<link>https://news.example/story</link></item></channel></rss>"
    )
    entries = parse_feed(data, BASE)
    assert [e.url for e in entries] == ["https://news.example/story"]
    assert "root:" not in repr(entries)


def test_xinclude_is_not_processed() -> None:
    data = (
        f'<urlset {NS} xmlns:xi="http://www.w3.org/2001/XInclude"><url><loc>'
        '<xi:include href="file:///etc/passwd" parse="text"/></loc></url>'
        "<url><loc>https://news.example/ok</loc></url></urlset>"
    ).encode()
    entries = parse_sitemap(data, BASE).entries
    assert [e.url for e in entries] == ["https://news.example/ok"]


def test_gzipped_sitemap_bomb_is_refused_with_bounded_cost() -> None:
    bomb = gzip_bomb_sitemap()  # ~130 kB that expands to 128 MB
    assert len(bomb) < 1_000_000
    result, seconds = _timed(parse_sitemap, bomb, BASE)
    assert isinstance(result, DiscoveryError)
    assert seconds < 5.0


def test_size_limit_applies_to_the_decompressed_sitemap() -> None:
    urls = "".join(f"<url><loc>https://news.example/{i}</loc></url>" for i in range(2000))
    plain = f"<urlset {NS}>{urls}</urlset>".encode()
    for data in (plain, gzip.compress(plain)):
        with pytest.raises(DiscoveryError):
            parse_sitemap(data, BASE, max_size=10_000)
        assert len(parse_sitemap(data, BASE).entries) == 2000


def test_url_count_limit_per_sitemap() -> None:
    urls = "".join(f"<url><loc>https://news.example/{i}</loc></url>" for i in range(500))
    sitemap = parse_sitemap(f"<urlset {NS}>{urls}</urlset>".encode(), BASE, max_urls=100)
    assert len(sitemap.entries) == 100


def test_leading_bom_and_whitespace_before_the_declaration() -> None:
    data = (
        b"\xef\xbb\xbf  \n\n"
        + f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>'.encode()
        + b"<url><loc>https://news.example/a</loc></url></urlset>"
    )
    assert [e.url for e in parse_sitemap(data, BASE).entries] == ["https://news.example/a"]


def test_undeclared_namespace_prefixes_are_tolerated() -> None:
    data = (
        f"<urlset {NS}><url><loc>https://news.example/a</loc><news:news><news:publication>"
        "<news:name>X</news:name></news:publication><news:publication_date>2026-11-18"
        "</news:publication_date><news:title>Story</news:title></news:news></url></urlset>"
    ).encode()
    entries = parse_sitemap(data, BASE).entries
    assert [e.url for e in entries] == ["https://news.example/a"]


def test_html_error_page_served_as_sitemap_is_rejected() -> None:
    page = b"<!DOCTYPE html><html><head><title>Error</title></head><body><h1>500</h1></body></html>"
    with pytest.raises(DiscoveryError):
        parse_sitemap(page, BASE)


def test_truncated_sitemap_keeps_the_entries_before_the_cut() -> None:
    urls = "".join(f"<url><loc>https://news.example/{i}</loc></url>" for i in range(50))
    whole = f'<?xml version="1.0"?><urlset {NS}>{urls}</urlset>'.encode()
    cut = whole[: whole.index(b"/30</loc>") + 9]  # ends right after the 31st </loc>
    entries = parse_sitemap(cut, BASE).entries
    assert [e.url for e in entries[:31]] == [f"https://news.example/{i}" for i in range(31)]


@pytest.mark.parametrize(
    "junk",
    [b"", b"   ", b"\x00\x01\x02binary", b"\x1f\x8bnot-gzip", zlib.compress(b"<urlset/>"),
     b"<urlset", b"<?xml version='1.0'?>", b"<<<>>>", "<urlset>é</urlset>".encode("utf-16")],
)  # fmt: skip
def test_junk_raises_discovery_error_or_yields_nothing(junk: bytes) -> None:
    try:
        sitemap = parse_sitemap(junk, BASE)
    except DiscoveryError:
        return
    assert sitemap.entries == []


def test_gzip_multi_member_and_truncated_files() -> None:
    """``cat a.gz b.gz`` is valid gzip (all members are read); a cut file keeps what it yields."""
    head = f"<urlset {NS}><url><loc>https://news.example/a</loc></url>".encode()
    tail = b"<url><loc>https://news.example/b</loc></url></urlset>"
    joined = gzip.compress(head) + gzip.compress(tail)
    assert [e.url for e in parse_sitemap(joined, BASE).entries] == [
        "https://news.example/a", "https://news.example/b"]  # fmt: skip
    cut = gzip.compress(head + tail)[:-12]
    assert [e.url for e in parse_sitemap(cut, BASE).entries][:1] == ["https://news.example/a"]


def test_gzip_bomb_memory_is_bounded_by_the_limit() -> None:
    import resource

    bomb = gzip_bomb_sitemap()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(DiscoveryError):
        parse_sitemap(bomb, BASE, max_size=8 * 1024 * 1024)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 40  # ~8 MB kept, never the 128 MB the bomb expands to
