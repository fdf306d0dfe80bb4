"""Discovery parsing: robots.txt sitemap lines, sitemaps (index, gzipped, Google News), feeds.

Plain functions over bytes so they can be tested and fuzzed without a crawler. XML is parsed
with entity resolution, DTD loading and network access off (no billion laughs, no XXE) and in
recover mode, because real sitemaps are often slightly malformed. Every parser caps how much it
reads (decompressed bytes, number of URLs) so one hostile file has a bounded cost.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree

MAX_XML_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit (uncompressed)
MAX_URLS_PER_SITEMAP = 50_000  # likewise
GZIP_MAGIC = b"\x1f\x8b"


class DiscoveryError(ValueError):
    """A sitemap or feed that cannot be used (too large, not XML, not gzip)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One URL found in a sitemap or feed, with what the file says about its date."""

    url: str
    lastmod: str | None = None  # sitemap <lastmod> or feed <updated>, as given
    published: str | None = None  # news:publication_date or feed pubDate/published, as given
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Sitemap:
    """A parsed sitemap: either an index (``children``) or a URL set (``entries``)."""

    is_index: bool
    entries: list[Entry]  # for an index: the child sitemaps, with their lastmod


def robots_sitemaps(body: bytes | str, base_url: str) -> list[str]:
    """``Sitemap:`` lines of a robots.txt, made absolute, in order, without repeats."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    found: dict[str, None] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == "sitemap" and value.strip():
            found[urljoin(base_url, value.strip())] = None
    return list(found)


def gunzip_limited(data: bytes, max_size: int = MAX_XML_BYTES) -> bytes:
    """Decompress gzip ``data``, refusing to expand past ``max_size`` (decompression bombs).

    Decompresses in 1 MB steps, so a bomb costs at most ``max_size`` of memory before it is
    refused; reads every member of a multi-member file (``cat a.gz b.gz``) and keeps what a
    truncated file yields.
    """
    out = bytearray()
    pending = data
    while pending[:2] == GZIP_MAGIC:
        decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
        chunk = pending
        while chunk:
            try:
                piece = decomp.decompress(chunk, _GUNZIP_STEP)
            except zlib.error as exc:
                if out:  # a damaged later member: keep what came before
                    return bytes(out)
                raise DiscoveryError(f"not valid gzip data: {exc}") from exc
            out += piece
            if len(out) > max_size:
                raise DiscoveryError(f"gzip body expands past {max_size} bytes")
            if decomp.eof:
                break
            chunk = decomp.unconsumed_tail
        if not decomp.eof:
            break  # truncated: keep what it yielded
        pending = decomp.unused_data
    return bytes(out)


_GUNZIP_STEP = 1024 * 1024


def maybe_gunzip(data: bytes, max_size: int = MAX_XML_BYTES) -> bytes:
    """Gunzip when the body starts with the gzip magic number (``.xml.gz`` sitemaps)."""
    return gunzip_limited(data, max_size) if data[:2] == GZIP_MAGIC else data


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )


def _root(data: bytes, max_size: int) -> etree._Element:
    data = maybe_gunzip(data, max_size)
    if len(data) > max_size:
        raise DiscoveryError(f"XML body larger than {max_size} bytes")
    start = data.lstrip()[:1]
    if start not in (b"<", b"\xef"):  # allow a UTF-8 BOM before the prolog
        raise DiscoveryError("body is not XML")
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise DiscoveryError(f"not parseable XML: {exc}") from exc
    if root is None:
        raise DiscoveryError("empty XML document")
    return root


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _text(el: etree._Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    value = el.text.strip()
    return value or None


def _child(el: etree._Element, *names: str) -> etree._Element | None:
    for sub in el.iter():
        if sub is not el and _local(sub.tag) in names:
            return sub
    return None


def parse_sitemap(
    data: bytes, base_url: str, max_size: int = MAX_XML_BYTES, max_urls: int = MAX_URLS_PER_SITEMAP
) -> Sitemap:
    """Parse a sitemap or sitemap index (plain or gzipped) into entries.

    Google News sitemaps give ``published`` from ``news:publication_date``; image/video
    extensions are ignored. URLs are made absolute against ``base_url``.
    """
    root = _root(data, max_size)
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise DiscoveryError(f"not a sitemap (root element <{kind or '?'}>)")
    item_tag = "sitemap" if kind == "sitemapindex" else "url"
    entries: list[Entry] = []
    for item in root:
        if _local(item.tag) != item_tag:
            continue
        loc = _text(_direct(item, "loc"))
        if not loc:
            continue
        news = _direct(item, "news")
        entries.append(
            Entry(
                url=urljoin(base_url, loc),
                lastmod=_text(_direct(item, "lastmod")),
                published=_text(_child(news, "publication_date")) if news is not None else None,
                title=_text(_child(news, "title")) if news is not None else None,
            )
        )
        if len(entries) >= max_urls:
            break
    return Sitemap(is_index=kind == "sitemapindex", entries=entries)


def _direct(el: etree._Element, name: str) -> etree._Element | None:
    for sub in el:
        if _local(sub.tag) == name:
            return sub
    return None


_FEED_HEAD = re.compile(
    rb"(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<\?[^>]*>\s*)*<(?:rss|feed|rdf:rdf)\b", re.S
)


def is_feed(data: bytes) -> bool:
    """Cheap sniff: does this body look like RSS/Atom/RDF rather than HTML or a sitemap?"""
    head = data[:4096].lstrip().lower().removeprefix(b"\xef\xbb\xbf")
    return bool(_FEED_HEAD.match(head))


def parse_feed(
    data: bytes, base_url: str, max_size: int = MAX_XML_BYTES, max_urls: int = MAX_URLS_PER_SITEMAP
) -> list[Entry]:
    """Items of an RSS 2.0, RSS 1.0 (RDF) or Atom feed: link, dates, title."""
    root = _root(data, max_size)
    kind = _local(root.tag)
    if kind not in ("rss", "feed", "rdf"):
        raise DiscoveryError(f"not a feed (root element <{kind or '?'}>)")
    entries: list[Entry] = []
    for item in root.iter():
        name = _local(item.tag)
        if name not in ("item", "entry"):
            continue
        link = None
        for sub in item:
            if _local(sub.tag) != "link":
                continue
            href = sub.get("href")
            if href and sub.get("rel", "alternate") == "alternate":
                link = href
                break
            if not href and _text(sub):
                link = _text(sub)
                break
        if not link:
            guid = _direct(item, "guid")
            if guid is not None and guid.get("isPermaLink", "true") == "true":
                link = _text(guid)
        if not link:
            continue
        published = (
            _text(_direct(item, "pubdate"))
            or _text(_direct(item, "published"))
            or _text(_direct(item, "date"))
        )
        entries.append(
            Entry(
                url=urljoin(base_url, link),
                lastmod=_text(_direct(item, "updated")),
                published=published,
                title=_text(_direct(item, "title")),
            )
        )
        if len(entries) >= max_urls:
            break
    return entries


_FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
)


def feed_links(html_links: list[tuple[str, str, str]], base_url: str) -> list[str]:
    """Feed URLs among a page's ``<link>`` elements given as ``(rel, type, href)`` tuples."""
    out: dict[str, None] = {}
    for rel, type_, href in html_links:
        if (
            "alternate" in rel.lower().split()
            and type_.lower().split(";")[0].strip() in _FEED_TYPES[:3]
        ):
            out[urljoin(base_url, href.strip())] = None
    return list(out)


def parse_date(value: str | None) -> datetime | None:
    """A sitemap/feed date (W3C datetime, ISO 8601 or RFC 822) as an aware UTC datetime."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
