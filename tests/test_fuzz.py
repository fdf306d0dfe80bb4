"""Property-based fuzzing of everything that reads what the web serves.

Generated and mutated HTML goes to ``extract()``, generated and mutated XML to sitemap and feed
parsing, generated and mutated URLs to canonicalisation and the address policy. Properties:

- no exception escapes except the documented one (``InputError`` / ``DiscoveryError``);
- no hang: every input finishes within ``PER_INPUT_SECONDS`` (a SIGALRM watchdog fails the
  example instead of hanging the suite; hypothesis' ``deadline`` reports slow ones);
- extraction output always validates against the shipped record JSON Schema.

Budget: ``CI=true`` runs a fixed, derandomized number of examples (the whole file stays well
under 60 s on 2 cores); ``NEWSCRAWL_FUZZ_EXAMPLES=N`` raises it for a long local session.
"""

from __future__ import annotations

import os
import signal
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import jsonschema
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newscrawl.crawl.discovery import DiscoveryError, parse_feed, parse_sitemap
from newscrawl.crawl.netguard import url_refusal
from newscrawl.errors import InputError
from newscrawl.extract import extract
from newscrawl.record import shipped_schema

PAGES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
PAGES = sorted(PAGES_DIR.glob("*.html"))
PER_INPUT_SECONDS = 10.0
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
EXAMPLES = int(os.environ.get("NEWSCRAWL_FUZZ_EXAMPLES", "0")) or (40 if CI else 60)

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None if CI else PER_INPUT_SECONDS * 1000,  # shared CI cores: the watchdog decides
    derandomize=CI,
    database=None if CI else settings.default.database,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
    print_blob=True,
)
VALIDATOR = jsonschema.Draft202012Validator(shipped_schema())
T = TypeVar("T")


class Hang(Exception):
    """An input took longer than ``PER_INPUT_SECONDS``."""


@contextmanager
def watchdog(seconds: float = PER_INPUT_SECONDS) -> Iterator[None]:
    """Fail (instead of hang) when the body runs longer than ``seconds`` (main thread only)."""

    def _alarm(signum: int, frame: Any) -> None:
        raise Hang(f"no result after {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _bounded(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with watchdog():
        return fn(*args, **kwargs)


# --- HTML ------------------------------------------------------------------------------------

_JUNK = [
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\x80\x81\x82",
    b"<",
    b">",
    b"&",
    b"&#0;",
    b"&#xD800;",
    b"<!--",
    b"-->",
    b"<![CDATA[",
    b"<script>",
    b"</script>",
    b"<style>",
    b"<title>",
    b"</html>",
    b"<html>",
    b"<body>",
    b"<?xml version='1.0' encoding='utf-16'?>",
    b'<meta charset="utf-16">',
    b'<meta charset="x-bogus">',
    b'<meta charset="base64">',
    b'<meta charset="utf-16">',
    b'<meta charset="cp037">',
    b'<meta http-equiv="Content-Type" content="text/html; charset=shift_jis">',
    b'<script type="application/ld+json">{"@type":"NewsArticle","headline":',
    b"}]}",
    b'<script type="application/ld+json">[[[[[[[[[[',
    b'<a href="javascript:alert(1)">',
    b'<link rel="canonical" href="::::">',
    b'<time datetime="99999-99-99">',
    b"\r\n" * 50,
    b"<table>" * 30,
    b"<p>" + "é€漢字🙂".encode() * 20,
    "é".encode("latin-1") * 40,
]


def _tag_soup() -> st.SearchStrategy[bytes]:
    names = st.sampled_from(
        [
            "div",
            "p",
            "span",
            "a",
            "article",
            "main",
            "h1",
            "h2",
            "li",
            "ul",
            "table",
            "td",
            "script",
            "style",
            "noscript",
            "svg",
            "time",
            "figure",
            "header",
            "footer",
            "nav",
            "meta",
            "br",
            "img",
            "x-custom",
        ]
    )
    text = st.text(max_size=80)

    def render(children: list[Any]) -> str:
        return "".join(children)

    node = st.recursive(
        text,
        lambda kids: st.builds(
            lambda name, attrs, inner: f"<{name}{attrs}>{render(inner)}</{name}>",
            names,
            st.sampled_from(
                [
                    "",
                    ' class="article-body"',
                    ' itemprop="articleBody"',
                    ' lang="fr"',
                    ' id="x" class=',
                    " data-x='\"'",
                ]
            ),
            st.lists(kids, max_size=5),
        ),
        max_leaves=40,
    )
    return st.lists(node, max_size=8).map(
        lambda parts: (
            "<!DOCTYPE html><html><head><title>t</title></head><body>"
            + "".join(parts)
            + "</body></html>"
        ).encode("utf-8", "surrogatepass")
    )


@st.composite
def mutated_page(draw: st.DrawFn) -> bytes:
    """A real fixture page with a few byte- and tag-level mutations."""
    data = bytearray(PAGES[draw(st.integers(0, len(PAGES) - 1))].read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["truncate", "insert", "delete", "flip", "duplicate", "nest"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "truncate":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.one_of(st.sampled_from(_JUNK), st.binary(max_size=64)))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 5000))]
        elif op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "duplicate":
            size = draw(st.integers(1, 20_000))
            data[pos:pos] = data[pos : pos + size]
        elif op == "nest":
            depth = draw(st.integers(100, 3000))
            tag = draw(st.sampled_from([b"div", b"span", b"b", b"table", b"li"]))
            data[pos:pos] = b"<" + tag + b">" * 1 + (b"<" + tag + b">") * depth
    return bytes(data)


def _check_extract(html: bytes, encoding: str | None = None) -> None:
    try:
        result = _bounded(extract, html, "https://fuzz.example/news/story", encoding=encoding)
    except InputError:
        return
    record = result.record.model_dump(mode="json")
    errors = sorted(VALIDATOR.iter_errors(record), key=str)
    assert not errors, errors[0].message


@FUZZ
@given(mutated_page(), st.sampled_from([None, "utf-8", "iso-8859-1", "windows-1252", "bogus", "utf-16", "rot13"]))
def test_extract_survives_mutated_pages(html: bytes, encoding: str | None) -> None:
    _check_extract(html, encoding)


@FUZZ
@given(_tag_soup())
@example(b"<html>" + b"<div>" * 50_000 + b"deep" + b"</div>" * 50_000)
@example(b"<p>" * 3_000)
@example(b"<html><body><div " + b" ".join(b"a%d=x" % i for i in range(50_000)) + b">")
@example(b"\xef\xbb\xbf" + b"<html><body><p>bom</p></body></html>")
@example(
    "<html><head><meta charset='utf-8'></head><body><p>Caf\xe9 cr\xe8me</p></body></html>".encode(
        "cp1252"
    )
)
def test_extract_survives_generated_html(html: bytes) -> None:
    _check_extract(html)


@FUZZ
@given(st.binary(max_size=4096))
@example(b"\x89PNG\r\n\x1a\n" + bytes(200))
@example(b"%PDF-1.7\n")
@example(b"\x1f\x8b\x08\x00")
def test_extract_survives_arbitrary_bytes(data: bytes) -> None:
    _check_extract(data)


# --- XML -------------------------------------------------------------------------------------

_SITEMAP = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
    b'sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
    + b"".join(
        b"<url><loc>https://fuzz.example/news/%d</loc><lastmod>2026-11-%02dT10:00:00Z</lastmod>"
        b"<news:news><news:publication_date>2026-11-18</news:publication_date>"
        b"<news:title>Story %d</news:title></news:news></url>" % (i, i % 28 + 1, i)
        for i in range(20)
    )
    + b"</urlset>\n"
)
_FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
    + b"".join(
        b"<item><title>T%d</title><link>https://fuzz.example/n/%d</link>"
        b"<pubDate>Tue, 18 Nov 2026 10:00:00 GMT</pubDate></item>" % (i, i)
        for i in range(10)
    )
    + b"</channel></rss>"
)
_XML_JUNK = [
    b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
    b"&a;",
    b"<!ENTITY",
    b"]]>",
    b"<?xml ?>",
    b"\xef\xbb\xbf",
    b"</urlset>",
    b"<url>",
    b"<loc>",
    b"</loc>",
    b"<sitemapindex>",
    b"\x00",
    b"&#xFFFF;",
    b"xmlns:news='",
    b"<rss>",
    b"<feed>",
]


@st.composite
def mutated_xml(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from([_SITEMAP, _FEED])))
    for _ in range(draw(st.integers(1, 5))):
        pos = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["truncate", "insert", "delete", "flip"]))
        if op == "truncate":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.one_of(st.sampled_from(_XML_JUNK), st.binary(max_size=32)))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 200))]
        elif data:
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
    if draw(st.integers(0, 3)) == 0:  # a gzipped sitemap, as .xml.gz files are served
        return zlib.compress(bytes(data), wbits=31)
    return bytes(data)


@FUZZ
@given(st.one_of(mutated_xml(), st.binary(max_size=2048)))
def test_sitemap_and_feed_parsing_survive_mutations(data: bytes) -> None:
    for parse in (parse_sitemap, parse_feed):
        try:
            result = _bounded(parse, data, "https://fuzz.example/")
        except DiscoveryError:
            continue
        entries = result.entries if hasattr(result, "entries") else result
        assert len(entries) <= 50_000
        assert all(isinstance(e.url, str) for e in entries)


# --- URLs ------------------------------------------------------------------------------------

_URL_PARTS = st.fixed_dictionaries(
    {
        "scheme": st.sampled_from(
            ["http", "https", "HTTP", "ftp", "file", "javascript", "", "data"]
        ),
        "host": st.one_of(
            st.sampled_from(
                [
                    "fashionunited.uk",
                    "www.wwd.com",
                    "amp.highxtar.com",
                    "127.0.0.1",
                    "[::1]",
                    "0x7f.1",
                    "2130706433",
                    "xn--caf-dma.fr",
                    "café.fr",
                    "",
                    "a..b",
                    "[fe80::1%25eth0]",
                    "169.254.169.254",
                    "localhost.",
                    "EXAMPLE.COM.",
                ]
            ),
            st.from_regex(r"\A[a-z0-9.\-]{1,30}\Z"),
        ),
        "port": st.sampled_from(["", ":80", ":443", ":8080", ":0", ":99999", ":abc"]),
        "path": st.one_of(
            st.sampled_from(
                [
                    "/",
                    "",
                    "/news/2026/11/story/",
                    "/amp/story",
                    "/a/../b",
                    "/%zz",
                    "/caf%C3%A9",
                    "/;jsessionid=abc/x",
                    "//x",
                ]
            ),
            st.text(max_size=40),
        ),
        "query": st.one_of(
            st.sampled_from(
                [
                    "",
                    "?utm_source=x&id=3",
                    "?b=2&a=1",
                    "?amp",
                    "?s=abc",
                    "?sid=0123456789abcdef0123",
                    "?&&=&",
                    "?%",
                ]
            ),
            st.text(max_size=30).map(lambda s: "?" + s),
        ),
        "fragment": st.sampled_from(["", "#top", "#", "#%"]),
    }
)


def _url(parts: dict[str, str]) -> str:
    sep = "://" if parts["scheme"] else "//"
    return (
        f"{parts['scheme']}{sep}{parts['host']}{parts['port']}{parts['path']}"
        f"{parts['query']}{parts['fragment']}"
    )


@FUZZ
@given(st.one_of(_URL_PARTS.map(_url), st.text(max_size=200)))
def test_url_canonicalisation_and_policy_never_crash(url: str) -> None:
    from newscrawl.crawl.urls import clean_url, url_key

    with watchdog():
        clean = clean_url(url)
        key = url_key(url)
        url_refusal(url)
        url_refusal(url, allow_private=True)
    if clean is None:
        assert key is None
        return
    assert clean.startswith(("http://", "https://"))
    # Canonicalisation is stable: the clean URL is its own clean URL and has the same identity.
    assert clean_url(clean) == clean
    assert url_key(clean) == key


@pytest.mark.skipif(not PAGES, reason="no fixture pages")
def test_fixture_pages_are_valid_seeds() -> None:
    """The mutation seeds themselves extract cleanly (else the fuzzing proves little)."""
    for page in PAGES[:3]:
        _check_extract(page.read_bytes())
