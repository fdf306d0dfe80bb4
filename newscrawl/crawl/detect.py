"""Which URLs look like articles, which are traps, and which page shapes repeat without end.

The crawl decides three things about a link before fetching it, all from the URL alone:

- :func:`trap_reason` — never fetch (endless calendars, faceted search, login pages, repeating
  paths, binary files); the reason is counted in the run's stats.
- :func:`looks_like_article` — URL shape (date in the path, a long slug, a numeric id, an
  ``.html`` leaf; site allow/deny patterns win). Article-shaped links are fetched first and
  always handed to extraction; other pages are hubs, only followed for links.
- :func:`url_pattern` — the page's shape with numbers blanked out. Hub pages of one shape
  (``/calendar/0/0``, ``/news?page=0``) are capped per site, which bounds any trap that
  generates fresh URLs of the same form, whatever it is called.

After fetching, :func:`page_signals` looks at cheap markup hints (``og:type``, JSON-LD types,
``article:published_time``) so an article whose URL gives nothing away still reaches extraction.
Only the extractor's page type decides whether a record is emitted.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from courlan import is_navigation_page, is_not_crawlable

from newscrawl.crawl.registry import Site

_DATE_PATH = re.compile(r"/(?:19|20)\d\d/(?:0?[1-9]|1[0-2])(?:/(?:0?[1-9]|[12]\d|3[01]))?/")
_COMPACT_DATE = re.compile(
    r"(?:^|[/-])(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[/-]|$)"
)
_NUMERIC_ID = re.compile(r"(?:^|[-_.a-z])\d{5,}(?:$|[-_.])|^[a-z]?\d{5,}$", re.I)
_PAGE_EXT = re.compile(r"\.(?:s?html?|php|aspx?)$", re.I)
_WORD = re.compile(r"[^\W\d_]{2,}")
_HUB_SEGMENTS = frozenset(
    {
        "tag",
        "tags",
        "category",
        "categories",
        "section",
        "sections",
        "topic",
        "topics",
        "author",
        "authors",
        "autor",
        "auteur",
        "autore",
        "page",
        "pages",
        "seite",
        "pagina",
        "search",
        "buscar",
        "recherche",
        "suche",
        "cerca",
        "archive",
        "archives",
        "archivo",
        "newsletter",
        "newsletters",
        "subscribe",
        "subscription",
        "login",
        "register",
        "account",
        "about",
        "contact",
        "privacy",
        "terms",
        "cookies",
        "legal",
        "impressum",
        "jobs",
        "careers",
        "feed",
        "rss",
        "sitemap",
        "video",
        "videos",
        "gallery",
        "galleries",
        "photos",
        "fotos",
        "brands",
        "people",
        "directory",
        "events",
        "calendar",
    }
)
_CALENDAR_WORDS = re.compile(
    r"(?:^|[/_-])(?:calendar|calendario|calendrier|kalender|agenda|events?)(?:$|[/_-])", re.I
)
_CALENDAR_PARAMS = frozenset(
    {
        "date",
        "day",
        "month",
        "year",
        "week",
        "from",
        "to",
        "end",
        "start_date",
        "end_date",
        "datum",
        "fecha",
        "mois",
        "mes",
        "monat",
        "cal",
    }
)
_FACET_PARAMS = frozenset(
    {
        "q",
        "query",
        "search",
        "s",
        "keyword",
        "keywords",
        "k",
        "text",
        "filter",
        "filters",
        "facet",
        "facets",
        "sort",
        "sortby",
        "sort_by",
        "order",
        "orderby",
        "order_by",
        "dir",
        "color",
        "colour",
        "size",
        "price",
        "min_price",
        "max_price",
        "brand",
        "view",
        "layout",
        "display",
        "limit",
        "per_page",
        "perpage",
        "show",
        "lang",
        "currency",
        "print",
        "replytocom",
        "share",
        "action",
        "format",
    }
)
_PAGINATION_PARAMS = frozenset({"page", "p", "pg", "paged", "pagina", "seite", "offset", "start"})
_BINARY_EXT = re.compile(
    r"\.(?:jpe?g|png|gif|webp|avif|svg|ico|bmp|tiff?|pdf|zip|gz|rar|7z|tar|mp[34]|m4[av]|mov|"
    r"avi|webm|ogg|wav|flac|css|js|json|woff2?|ttf|eot|exe|dmg|apk|docx?|xlsx?|pptx?|csv)$",
    re.I,
)
MAX_URL_LENGTH = 400
MAX_PATH_DEPTH = 10
MIN_YEAR = 1995


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def trap_reason(url: str, *, today: date | None = None) -> str | None:
    """Why ``url`` must not be fetched, or None. Reasons are stable stat names."""
    if len(url) > MAX_URL_LENGTH:
        return "too-long"
    parts = urlsplit(url)
    segs = _segments(parts.path)
    if len(segs) > MAX_PATH_DEPTH:
        return "too-deep"
    if segs and _BINARY_EXT.search(segs[-1]):
        return "not-html"
    lowered = [s.lower() for s in segs]
    if any(lowered.count(s) >= 3 for s in set(lowered)) or _repeats_pair(lowered):
        return "repeating-path"
    params = [k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)]
    if any(p in _FACET_PARAMS for p in params):
        return "faceted-search"
    if len(params) > 3:
        return "faceted-search"
    year_now = (today or date.today()).year
    for match in re.finditer(r"(?<!\d)((?:19|20|21)\d\d)(?!\d)", parts.path):
        year = int(match.group(1))
        if year < MIN_YEAR or year > year_now + 1:
            return "calendar"
    if _CALENDAR_WORDS.search(parts.path) and re.search(r"\d", parts.path + parts.query):
        return "calendar"
    if any(p in _CALENDAR_PARAMS for p in params):
        return "calendar"
    if is_not_crawlable(url):
        return "not-crawlable"
    return None


def _repeats_pair(segs: list[str]) -> bool:
    """``/a/b/a/b`` — relative-link loops produce paths that repeat a run of segments."""
    n = len(segs)
    for size in (1, 2, 3):
        for i in range(n - 2 * size + 1):
            if segs[i : i + size] == segs[i + size : i + 2 * size] and not all(
                s.isdigit() for s in segs[i : i + size]
            ):
                return True
    return False


def looks_like_article(url: str, site: Site | None = None) -> bool:
    """Does the URL have the shape of an article page (not a hub, tag or section)?"""
    if site is not None:
        if any(p.search(url) for p in site.article_deny):
            return False
        if any(p.search(url) for p in site.article_allow):
            return True
    parts = urlsplit(url)
    segs = _segments(parts.path)
    if not segs:
        return False
    if any(s.lower() in _HUB_SEGMENTS for s in segs) or is_navigation_page(url):
        return False
    leaf = _PAGE_EXT.sub("", segs[-1])
    words = _WORD.findall(leaf)
    if _DATE_PATH.search(parts.path + "/") and words:
        return True
    if _COMPACT_DATE.search(parts.path) and words:
        return True
    if _NUMERIC_ID.search(leaf):
        return True
    if len(words) >= 3 and len(leaf) >= 16:
        return True
    return bool(_PAGE_EXT.search(segs[-1]) and len(words) >= 2)


def is_pagination(url: str) -> bool:
    parts = urlsplit(url)
    if any(k.lower() in _PAGINATION_PARAMS for k, _ in parse_qsl(parts.query)):
        return True
    return bool(re.search(r"/(?:page|seite|pagina|p)/\d+/?$", parts.path, re.I))


def url_pattern(url: str) -> str:
    """The URL's shape: host and path with digit runs blanked, query keys without values."""
    parts = urlsplit(url)
    path = re.sub(r"\d+", "0", parts.path.rstrip("/"))
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{parts.hostname}{path}" + ("?" + "&".join(keys) if keys else "")


_ARTICLE_TYPES = re.compile(
    r'"@type"\s*:\s*\[?\s*"(?:News|Reportage|Analysis|Opinion|Review|Background)?(?:Article|BlogPosting|Report)"'
)


def page_signals(page: Any) -> bool:
    """Cheap markup hints that a page is an article (extraction still has the last word).

    ``page`` is an lxml HTML tree (the one extraction parses) or a parsel ``Selector``.
    """
    root = getattr(page, "root", page)
    for el in root.iter("meta", "script"):
        if el.tag == "meta":
            prop, name = el.get("property"), el.get("name")
            if prop == "og:type" and (el.get("content") or "").strip().lower() == "article":
                return True
            if prop == "article:published_time" or name == "article:published_time":
                return True
        elif el.get("type") == "application/ld+json" and _ARTICLE_TYPES.search(el.text or ""):
            return True
    return False
