"""Article metadata from JSON-LD, meta tags, microdata, bylines, visible dates and the URL.

Each field is read from the most reliable source that has it, in this order of trust:
JSON-LD (the article object; ``@graph`` and ``@id`` references resolved) > microdata
(``itemprop``) > meta tags (OpenGraph ``article:``, Dublin Core, parsely, sailthru) > the visible
page (h1, byline, date next to the headline) > the URL (dates only) > htmldate (dates only, last
resort: it only runs when all else is silent). Dates keep the page's precision and offset (see
``dates``); a date after the fetch time is discarded and the next source tried. When the chosen
structured date is vague (naive time, or a day only) and another tag on the page states the
same moment precisely, the precise form is taken: the page then does state its zone.

``published`` <= ``modified``: when a page's modification date is earlier than its publication
date, the modification date is dropped (``modified`` = None). Publication dates are what analysts
filter on; a stale "modified" next to a re-published article is the usual cause, and swapping
would invent a publication date the page never claimed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

import lxml.etree

from newscrawl.extract import authors as author_names
from newscrawl.extract import dates
from newscrawl.extract.document import Document
from newscrawl.record import DateSource, Image

ARTICLE_TYPES = frozenset(
    {
        "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "askpublicnewsarticle",
        "blogposting", "liveblogposting", "socialmediaposting", "report", "techarticle",
        "scholarlyarticle", "satiricalarticle", "advertisercontentarticle", "review",
    }
)  # fmt: skip
PAGE_TYPES = frozenset({"webpage", "itempage", "aboutpage", "collectionpage", "medicalwebpage"})

_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|«|/|:)\s+")
_PUBLISHED_META = (
    "article:published_time", "article:published", "og:article:published_time", "og:published_time",
    "published_time", "published_date", "publish-date", "publish_date", "publishdate", "pubdate",
    "datepublished", "date.published", "dc.date.issued", "dcterms.issued", "dc.date",
    "dcterms.date", "dcterms.created", "dc.date.created", "parsely-pub-date", "sailthru.date",
    "cxenseparse:recs:publishtime", "article.published", "pdate", "date", "citation_date",
    "citation_publication_date", "originalpublicationdate",
)  # fmt: skip
_MODIFIED_META = (
    "article:modified_time", "article:modified", "og:updated_time", "og:article:modified_time",
    "modified_time", "datemodified", "dc.date.modified", "dcterms.modified", "last-modified",
    "lastmod", "article.updated", "updated_time",
)  # fmt: skip
_AUTHOR_META = (
    "author", "article:author", "og:article:author", "parsely-author", "sailthru.author",
    "dc.creator", "dcterms.creator", "byl", "cxenseparse:author", "citation_author", "twitter:creator",
)  # fmt: skip
_SECTION_META = (
    "article:section",
    "og:article:section",
    "parsely-section",
    "section",
    "sailthru.section",
    "cg",
    "category",
)
_TAG_META = ("article:tag", "og:article:tag")
_KEYWORD_META = ("news_keywords", "parsely-tags", "sailthru.tags", "keywords")
_BYLINE_MARKERS = re.compile(
    r"byline|by-line|author|autor|auteur|firma|writer|contributor|signature|reporter", re.I
)
_LEAD_IN_TEXT = re.compile(
    r"^\s*(?:by|por|par|von|di|words\s+by|text\s+by|texto|testo|texte|written\s+by|escrito\s+por)\b\s*:?",
    re.I,
)
# A byline sits next to the headline; scanning only there is 3x cheaper than the whole body.
_TEXT_NEAR_H1 = lxml.etree.XPath(
    "(//h1)[1]/preceding::text()[position() <= 60] | (//h1)[1]/following::text()[position() <= 200]"
)
_SHORT_TEXT = lxml.etree.XPath("//body//text()[string-length(normalize-space()) < 120]")
_LEAD_IN_INITIALS = frozenset("BbPpVvDdWwTtEe")  # cheap pre-check before the regex
_NS = {"re": "http://exslt.org/regular-expressions"}
_WS = re.compile(r"\s+")
_CMS_TAG = re.compile(r"^(?:@|https?:|tag:|id:)|(?-i:\b[A-Z]+_[A-Z_]+\b)", re.I)
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "gob", "nic"})


@dataclass
class Metadata:
    """Everything about an article except its body; the orchestrator maps it onto the record.

    Date sources: ``json-ld``, ``microdata``, ``meta``, ``visible-text`` (a date printed near the
    headline, including ``<time datetime>`` / hAtom ``<abbr title>`` values), ``url``,
    ``htmldate``.
    """

    title: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    published_source: DateSource | None = None
    modified: str | None = None
    modified_source: DateSource | None = None
    language: str | None = None  # as declared by the page (html lang, og:locale, JSON-LD)
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image: Image | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    schema_types: list[str] = field(default_factory=list)  # JSON-LD @type values seen
    og_type: str | None = None  # og:type as declared ("article", "website", "video.other", ...)
    article_jsonld: bool = False  # the page carries a JSON-LD article object about itself


def extract_metadata(doc: Document, *, fetched_at: datetime) -> Metadata:
    """Read every metadata field of one page (never raises on odd markup)."""
    ld = _JsonLd(doc.jsonld)
    micro = _microdata(doc)
    meta = Metadata()
    meta.schema_types = ld.types
    meta.og_type = (doc.meta_first("og:type") or "").lower() or None
    meta.canonical_url = _canonical(doc, ld)
    main = ld.main_article(meta.canonical_url or doc.url)
    meta.article_jsonld = main is not None and ld.about_page(main, meta.canonical_url, doc.url)
    page = ld.first_of(PAGE_TYPES)
    meta.site_name = _site_name(doc, ld, main)
    meta.language = _declared_language(doc, ld, main)
    meta.title = _title(doc, main, micro, meta.site_name, meta.canonical_url or doc.url)
    meta.description = _clean(
        doc.meta_first("og:description", "description", "twitter:description", "dc.description")
        or _text(main.get("description") if main else None)
    )
    meta.authors = _authors(doc, ld, main, micro, meta.site_name)
    _dates(meta, doc, ld, main, page, micro, fetched_at)
    meta.section = _section(doc, main)
    meta.tags = _tags(doc, main)
    meta.image = _image(doc, ld, main)
    return meta


def _split(url: str) -> SplitResult | None:
    """``urlsplit`` that answers None for URLs it rejects (a stray "[" raises ValueError)."""
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 - validates the netloc (bad IPv6 brackets raise here)
    except ValueError:
        return None
    return parts


def _absolute(base: str | None, url: str) -> str | None:
    """``url`` made absolute against the page URL; None unless it is a valid http(s) URL."""
    try:
        absolute = urljoin(base or "", url.strip())
    except ValueError:
        return None
    parts = _split(absolute)
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return absolute


# -- JSON-LD ---------------------------------------------------------------------------------


def _types(obj: dict[str, Any]) -> list[str]:
    t = obj.get("@type")
    items = t if isinstance(t, list) else [t]
    return [str(x).rsplit("/", 1)[-1] for x in items if isinstance(x, str) and x]


class _JsonLd:
    """The page's JSON-LD objects with an ``@id`` index, so ``{"@id": ...}`` references resolve."""

    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.objects = objects
        self.by_id: dict[str, dict[str, Any]] = {}
        types: list[str] = []
        for obj in objects:
            ident = obj.get("@id")
            if isinstance(ident, str) and len(obj) > 2:
                self.by_id.setdefault(ident, obj)
            for t in _types(obj):
                if t not in types:
                    types.append(t)
        self.types = types

    def resolve(self, value: Any) -> Any:
        if (
            isinstance(value, dict)
            and set(value) <= {"@id", "@type"}
            and isinstance(value.get("@id"), str)
        ):
            return self.by_id.get(value["@id"], value)
        return value

    def first_of(self, wanted: frozenset[str]) -> dict[str, Any] | None:
        for obj in self.objects:
            if any(t.lower() in wanted for t in _types(obj)):
                return obj
        return None

    def refs(self, obj: dict[str, Any]) -> list[str]:
        """The URLs an object says it is about: ``url``, ``@id``, ``mainEntityOfPage``."""
        out = []
        for ref in (obj.get("url"), obj.get("@id"), self.resolve(obj.get("mainEntityOfPage"))):
            ref = (ref.get("@id") or ref.get("url")) if isinstance(ref, dict) else ref
            if isinstance(ref, str) and ref.startswith(("http://", "https://", "/")):
                out.append(ref)
        return out

    def about_page(self, obj: dict[str, Any], *urls: str | None) -> bool:
        """False only when the object names URLs and none is this page: the JSON-LD of a
        teased story on a section page is not this page's article."""
        refs = self.refs(obj)
        if not refs:
            return True
        base = next((u for u in urls if u), None)
        keys = {_url_key(_absolute(base, r) if r.startswith("/") else r) for r in refs}
        return any(_url_key(u) in keys for u in urls if u)

    def main_article(self, url: str | None) -> dict[str, Any] | None:
        """The article object about this page: the one whose url/@id/mainEntityOfPage matches
        the page URL, else the first with a headline (lists of related articles come later)."""
        articles = [o for o in self.objects if any(t.lower() in ARTICLE_TYPES for t in _types(o))]
        if not articles:
            return None
        key = _url_key(url)
        if key and len(articles) > 1:
            for obj in articles:
                if any(_url_key(ref) == key for ref in self.refs(obj)):
                    return obj
        with_headline = [o for o in articles if o.get("headline") or o.get("name")]
        return (with_headline or articles)[0]


def _url_key(url: Any) -> str | None:
    if not isinstance(url, str) or not url:
        return None
    parts = _split(url.split("#", 1)[0])
    if parts is None:
        return None
    return (parts.netloc.lower().removeprefix("www.") + parts.path.rstrip("/")) or None


def _text(value: Any) -> str | None:
    """A JSON-LD text value (string, list of strings, or {"@value": ...})."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str | dict)), None)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    return value if isinstance(value, str) and value.strip() else None


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    from html import unescape

    text = _WS.sub(" ", unescape(value)).strip()
    return text or None


# -- microdata -------------------------------------------------------------------------------

_MICRO_PROPS = frozenset(
    {"datepublished", "datemodified", "datecreated", "author", "creator", "headline"}
)


def _microdata(doc: Document) -> dict[str, list[Any]]:
    """``itemprop`` elements of interest, by lowercased property name, in document order."""
    found: dict[str, list[Any]] = {}
    for attr in doc.tree.xpath("//@itemprop"):  # strings first: element proxies are costly
        for prop in attr.lower().split():
            if prop in _MICRO_PROPS:
                el = attr.getparent()
                if el is not None:
                    found.setdefault(prop, []).append(el)
    return found


def _micro_value(el: Any) -> str | None:
    for attr in ("content", "datetime"):
        if el.get(attr):
            return str(el.get(attr)).strip()
    text = dates.element_text(el)
    return text or None


def marked_elements(doc: Document, marker: re.Pattern[str]) -> list[Any]:
    """Body elements whose class or id matches ``marker``, in document order.

    Scanning attribute strings and climbing to their element is ~10x faster than an XPath with
    many ``contains()`` tests or EXSLT regexes, and far faster than materialising every element.
    """
    out: list[Any] = []
    seen: set[int] = set()
    for attr in doc.tree.xpath("//body//@class | //body//@id"):
        if marker.search(attr):
            el = attr.getparent()
            if el is not None and id(el) not in seen and el.tag not in ("script", "style"):
                seen.add(id(el))
                out.append(el)
    return out


# -- fields ----------------------------------------------------------------------------------


def _canonical(doc: Document, ld: _JsonLd) -> str | None:
    """rel=canonical, then og:url; absolutised. A canonical that points a deep URL at the home
    page (a common CMS misconfiguration) is ignored."""
    for candidate in (*doc.links_rel.get("canonical", ()), doc.meta_first("og:url")):
        if not candidate:
            continue
        absolute = _absolute(doc.url, candidate)
        parts = _split(absolute) if absolute else None
        if absolute is None or parts is None:
            continue
        page = _split(doc.url or "")
        if page and parts.path in ("", "/") and page.path not in ("", "/"):
            continue
        return absolute
    return None


def _site_name(doc: Document, ld: _JsonLd, main: dict[str, Any] | None) -> str | None:
    name = doc.meta_first("og:site_name", "application-name", "apple-mobile-web-app-title")
    if not name and main:
        publisher = ld.resolve(main.get("publisher"))
        name = _text(publisher.get("name")) if isinstance(publisher, dict) else None
    if not name:
        website = ld.first_of(frozenset({"website"}))
        name = _text(website.get("name")) if website else None
    return _clean(name)


def _declared_language(doc: Document, ld: _JsonLd, main: dict[str, Any] | None) -> str | None:
    candidates = [
        _text(main.get("inLanguage")) if main else None,
        doc.lang_attr,
        doc.meta_first("og:locale", "content-language", "dc.language", "language", "inlanguage"),
    ]
    for value in candidates:
        code = normalise_language(value)
        if code:
            return code
    return None


def normalise_language(value: str | None) -> str | None:
    """ "es-ES", "es_ES", "ES" -> "es"; junk -> None."""
    if not value:
        return None
    code = re.split(r"[-_,;\s]", value.strip().lower(), maxsplit=1)[0]
    return code if re.fullmatch(r"[a-z]{2}", code) else None


def _site_keys(site_name: str | None, url: str | None) -> set[str]:
    keys = set()
    if site_name:
        keys.add(author_names.norm(site_name))
    parts = _split(url or "")
    host = (parts.hostname if parts else None) or ""
    labels = [label for label in host.split(".") if label not in ("www", "m", "amp")]
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        labels = labels[:-1]  # fashionunited.co.uk -> fashionunited
    if len(labels) >= 2:
        keys.add(author_names.norm(labels[-2]))
    return {k for k in keys if k}


def strip_site_name(title: str, site_keys: set[str]) -> str:
    """ "Title | FashionUnited" -> "Title"; also "HIGHXTAR - Title" and "Title - HIGHXTAR."."""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2 or not site_keys:
        return title

    def is_site(part: str) -> bool:
        key = author_names.norm(part)
        return bool(key) and any(
            key == k or (len(k) >= 4 and (k in key and len(key) <= len(k) + 12)) for k in site_keys
        )

    seps = _TITLE_SEPARATORS.findall(title)
    if is_site(parts[-1]):
        cut = title.rfind(seps[-1])
        return title[:cut].strip()
    if is_site(parts[0]):
        cut = title.find(seps[0]) + len(seps[0])
        return title[cut:].strip()
    return title


def _h1(doc: Document) -> str | None:
    for el in doc.tree.iterfind(".//h1"):
        text = dates.element_text(el)
        if 3 <= len(text) <= 300:
            return text
    return None


def _title(
    doc: Document,
    main: dict[str, Any] | None,
    micro: dict[str, list[Any]],
    site_name: str | None,
    url: str | None,
) -> str | None:
    """og:title / JSON-LD headline / microdata headline / h1 / <title>, site name stripped.
    When the h1 agrees with a metadata title (same words), the h1's form wins: metadata titles
    are often truncated or SEO-rewritten, the h1 is what readers saw."""
    keys = _site_keys(site_name, url)
    headline = _text(main.get("headline") or main.get("name")) if main else None
    micro_headline = _micro_value(micro["headline"][0]) if micro.get("headline") else None
    title_el = doc.tree.find(".//title")
    page_title = title_el.text_content() if title_el is not None else None
    candidates = [
        _clean(c)
        for c in (
            doc.meta_first("og:title"),
            headline,
            micro_headline,
            doc.meta_first("twitter:title"),
            page_title,
        )
    ]
    stripped = [strip_site_name(c, keys) for c in candidates if c]
    h1 = _h1(doc)
    h1_key = author_names.norm(h1) if h1 else ""
    if h1 and h1_key:
        for cand in stripped:
            key = author_names.norm(cand)
            if (
                key == h1_key
                or (len(h1_key) > 20 and key.startswith(h1_key[:-3]))
                or (len(key) > 20 and h1_key.startswith(key.rstrip(".")))
            ):
                return h1
    if stripped:
        return stripped[0]
    return h1


def _person_or_org(ld: _JsonLd, value: Any, depth: int = 0) -> Iterator[tuple[str, bool]]:
    """(name, is_organisation) for a JSON-LD author value: string, object, @id ref, or list."""
    value = ld.resolve(value)
    if isinstance(value, list):
        for item in value[:20] if depth < 3 else ():
            yield from _person_or_org(ld, item, depth + 1)
    elif isinstance(value, str):
        if not value.startswith(("http://", "https://")):
            yield value, False
    elif isinstance(value, dict):
        name = _text(value.get("name"))
        if not name:
            given, family = _text(value.get("givenName")), _text(value.get("familyName"))
            name = " ".join(p for p in (given, family) if p) or None
        if name:
            is_org = any(
                t.lower() in ("organization", "newsmediaorganization", "corporation")
                for t in _types(value)
            )
            yield name, is_org


def _authors(
    doc: Document,
    ld: _JsonLd,
    main: dict[str, Any] | None,
    micro: dict[str, list[Any]],
    site_name: str | None,
) -> list[str]:
    """First source that credits a person or agency wins (JSON-LD, microdata, meta, visible
    byline); see ``authors`` for the site-as-author policy."""
    site_keys = _site_keys(site_name, doc.url)
    orgs: list[str] = []
    persons: list[str] = []
    if main:
        for name, is_org in _person_or_org(ld, main.get("author") or main.get("creator")):
            if is_org:
                orgs.append(name)
            else:
                persons.append(name)
    sources: list[Callable[[], list[str]]] = [
        lambda: author_names.clean_authors(persons, allow_single=True),
        lambda: author_names.clean_authors(_micro_authors(micro)),
        lambda: author_names.clean_authors(_meta_authors(doc)),
        lambda: _visible_authors(doc),
    ]
    for source in sources:  # lazily: the visible-page scan only runs when metadata is silent
        names = [
            n
            for n in source()
            if author_names.norm(n) not in site_keys or author_names.is_agency(n)
        ]
        if names:
            return names
    # Nobody but an organisation is credited: keep it only when JSON-LD types it Organization.
    return author_names.dedupe(n.strip() for n in orgs if author_names.is_organisation_credit(n))


def _micro_authors(micro: dict[str, list[Any]]) -> Iterator[str]:
    for el in micro.get("author", []) + micro.get("creator", []):
        named = el.xpath(".//*[@itemprop='name']")
        value = _micro_value(named[0]) if named else _micro_value(el)
        if value and len(value) <= 120:
            yield value


def _meta_authors(doc: Document) -> Iterator[str]:
    for name in _AUTHOR_META:
        for value in doc.meta.get(name, ()):
            value = value.strip()
            if value and not value.startswith(("http://", "https://", "@")):
                yield value
    for raw in doc.meta.get("parsely-page", ()):
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("author"), str):
            yield data["author"]


def _visible_authors(doc: Document) -> list[str]:
    """Names from the visible byline closest to the headline: rel=author links (together), else
    the nearest byline/author-classed element that holds a name, else a "By ..." line. Taking
    the nearest one, not all of them, keeps authors of teased related stories out."""
    links = [
        dates.element_text(el)
        for el in doc.tree.xpath(
            "//a[contains(concat(' ', normalize-space(@rel), ' '), ' author ')]"
        )
        if not dates.in_page_furniture(el)
    ]
    names = author_names.clean_authors(t for t in links[:6] if t)
    if names:
        return names
    h1 = doc.tree.find(".//h1")
    anchor = h1.sourceline if h1 is not None and isinstance(h1.sourceline, int) else 0
    marked = [
        el
        for el in marked_elements(doc, _BYLINE_MARKERS)[:40]
        if el.tag not in ("body", "html", "article", "main") and not dates.in_page_furniture(el)
    ]
    marked.sort(key=lambda el: abs((el.sourceline or 0) - anchor))
    for el in marked[:12]:
        text = dates.element_text(el)
        if text and len(text) <= 160:
            names = author_names.clean_authors([text])
            if names:
                return names
    nodes = _TEXT_NEAR_H1(doc.tree) if h1 is not None else _SHORT_TEXT(doc.tree)
    for node in nodes:
        if node.lstrip()[:1] not in _LEAD_IN_INITIALS or not _LEAD_IN_TEXT.match(node):
            continue
        parent = node.getparent()
        if parent is None or parent.tag in ("script", "style", "option", "title"):
            continue
        # "By" alone in its element: the name is in the next element, so read the parent's.
        alone = len(dates.element_text(parent)) <= len(node.strip()) + 2
        holder = parent.getparent() if alone and parent.getparent() is not None else parent
        text = dates.element_text(holder)
        if len(text) <= 120 and not dates.in_page_furniture(parent):
            names = author_names.clean_authors([text])
            if names:
                return names
    return []


# -- dates -----------------------------------------------------------------------------------


def _dates(
    meta: Metadata,
    doc: Document,
    ld: _JsonLd,
    main: dict[str, Any] | None,
    page: dict[str, Any] | None,
    micro: dict[str, list[Any]],
    fetched_at: datetime,
) -> None:
    lang = meta.language
    published: tuple[dates.DateValue, DateSource] | None = None
    modified: tuple[dates.DateValue, DateSource] | None = None

    def take(
        values: Iterable[Any], source: DateSource, structured: bool = True
    ) -> tuple[dates.DateValue, DateSource] | None:
        for raw in values:
            value = (
                dates.parse_structured(raw, lang, fetched_at)
                if structured
                else dates.parse_text(raw, lang, fetched_at)
            )
            if dates.plausible(value, fetched_at):
                assert value is not None
                return value, source
        return None

    ld_objs = [o for o in (main, page) if o]

    def structured(kind: str) -> list[tuple[Callable[[], Iterable[Any]], DateSource]]:
        """The structured sources of one date, most trusted first, each a lazy value list."""
        if kind == "published":
            return [
                (
                    lambda: (
                        o.get(k)
                        for o in ld_objs
                        for k in ("datePublished", "dateCreated", "uploadDate")
                    ),
                    "json-ld",
                ),
                (
                    lambda: (
                        _micro_value(el)
                        for k in ("datepublished", "datecreated")
                        for el in micro.get(k, [])
                    ),
                    "microdata",
                ),
                (lambda: _meta_values(doc, _PUBLISHED_META), "meta"),
            ]
        return [
            (lambda: (o.get("dateModified") for o in ld_objs), "json-ld"),
            (lambda: (_micro_value(el) for el in micro.get("datemodified", [])), "microdata"),
            (lambda: _meta_values(doc, _MODIFIED_META), "meta"),
        ]

    def first(kind: str) -> tuple[dates.DateValue, DateSource] | None:
        for values, source in structured(kind):
            found = take(values(), source)
            if found:
                return _most_precise(found, kind, structured(kind), take_all)
        return None

    def take_all(values: Iterable[Any]) -> Iterator[dates.DateValue]:
        for raw in values:
            value = dates.parse_structured(raw, lang, fetched_at)
            if value is not None and dates.plausible(value, fetched_at):
                yield value

    published = first("published")
    modified = first("modified")
    if published is None:  # a visible "Updated ..." alone is not worth a page scan
        pub_v, mod_v = _visible_dates(doc, lang, fetched_at)
        published = published or pub_v
        modified = modified or mod_v
    if published is None:
        from_url = dates.date_from_url(meta.canonical_url) or dates.date_from_url(doc.url)
        if dates.plausible(from_url, fetched_at):
            assert from_url is not None
            published = (from_url, "url")
    if published is None:
        found = _htmldate(doc)
        if dates.plausible(found, fetched_at):
            assert found is not None
            published = (found, "htmldate")
    if published and modified and not dates.not_before(modified[0], published[0]):
        modified = None  # see the module docstring
    if published:
        meta.published, meta.published_source = published[0].iso, published[1]
    if modified:
        meta.modified, meta.modified_source = modified[0].iso, modified[1]


def _most_precise(
    chosen: tuple[dates.DateValue, DateSource],
    kind: str,
    sources: list[tuple[Callable[[], Iterable[Any]], DateSource]],
    take_all: Callable[[Iterable[Any]], Iterator[dates.DateValue]],
) -> tuple[dates.DateValue, DateSource]:
    """When the most trusted source is vague (a naive time, or a date only) and another
    structured source on the same page states the same moment more precisely (with its
    offset, or with a time), the precise one is taken: the page *does* state its zone then."""
    value, _ = chosen
    if not value.naive:
        return chosen
    for values, source in sources:
        for other in take_all(values()):
            if other.naive and (value.date_only is other.date_only or other.date_only):
                continue  # no more precise than what we have
            if value.date_only:
                local = other.local_date() if not other.date_only else None
                if local == value.moment.date():
                    return other, source
            elif not other.date_only and other.wall_clock() == value.wall_clock():
                return other, source
    return chosen


def _meta_values(doc: Document, names: Iterable[str]) -> Iterator[str]:
    for name in names:
        yield from doc.meta.get(name, ())
    for raw in doc.meta.get("parsely-page", ()) + doc.meta.get("parsely-metadata", ()):
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("pub_date"), str):
            yield data["pub_date"]


def _visible_dates(
    doc: Document, lang: str | None, fetched_at: datetime
) -> tuple[tuple[dates.DateValue, DateSource] | None, tuple[dates.DateValue, DateSource] | None]:
    """The date next to the headline: candidates sorted by distance to the h1."""
    candidates = dates.visible_date_candidates(
        doc.tree, marked_elements(doc, dates.DATEISH_MARKERS)
    )
    if not candidates:
        return None, None
    h1 = doc.tree.find(".//h1")
    anchor = h1.sourceline if h1 is not None and isinstance(h1.sourceline, int) else 0
    candidates.sort(key=lambda c: (abs(c.position - anchor), c.iso_attr is None))
    published = modified = None
    for cand in candidates:
        value = dates.parse_iso(cand.iso_attr) if cand.iso_attr else None
        if value is None:
            value = dates.parse_text(cand.text, lang, fetched_at)
        if not dates.plausible(value, fetched_at):
            continue
        assert value is not None
        if cand.updated:
            modified = modified or (value, "visible-text")
        elif published is None:
            published = (value, "visible-text")
        if published and modified:
            break
    return published, modified


def _htmldate(doc: Document) -> dates.DateValue | None:
    """htmldate's best guess, as a date; only reached when every other source is silent."""
    try:
        from htmldate import find_date

        found = find_date(doc.copy_tree(), extensive_search=False, original_date=True, url=doc.url)
    except Exception:  # htmldate is a heuristic library; any failure just means "no date"
        return None
    return dates.parse_iso(found) if found else None


# -- section, tags, image ----------------------------------------------------------------------


def _section(doc: Document, main: dict[str, Any] | None) -> str | None:
    section = _text(main.get("articleSection")) if main else None
    section = section or doc.meta_first(*_SECTION_META)
    section = _clean(section)
    if section and re.fullmatch(r"[^,\s]+(?:,[^,\s]+)+", section):
        section = section.split(",", 1)[0]  # a CMS category list "news,world,slider"
    return section if section and len(section) <= 80 else None


def _split_keywords(value: Any, depth: int = 0) -> list[str]:
    if depth > 3:
        return []
    if isinstance(value, list):
        return [k for v in value for k in _split_keywords(v, depth + 1)]
    if isinstance(value, dict):
        return _split_keywords(value.get("name"), depth + 1)
    if isinstance(value, str):
        return [k for k in re.split(r"[,;]", value)]
    return []


def _tags(doc: Document, main: dict[str, Any] | None) -> list[str]:
    """article:tag and JSON-LD keywords; meta keywords only when those are absent (they are
    often an SEO word list). Deduplicated case-insensitively; empty, overlong and CMS-internal
    ones ("@hp-top-stories", "Mark Esper GOVERNMENT_FIGURE PERSON", "id:123") dropped."""
    raw: list[str] = []
    for name in _TAG_META:
        for value in doc.meta.get(name, ()):
            raw.extend(_split_keywords(value))
    if main:
        raw.extend(_split_keywords(main.get("keywords")))
    if not raw:
        for name in _KEYWORD_META:
            values = doc.meta.get(name)
            if values:
                raw.extend(k for v in values for k in _split_keywords(v))
                break
    out: list[str] = []
    seen: set[str] = set()
    for tag in raw:
        tag = _clean(tag) or ""
        tag = tag.strip(" #")
        key = tag.lower()
        if tag and len(tag) <= 60 and key not in seen and not _CMS_TAG.search(tag):
            seen.add(key)
            out.append(tag)
    return out[:50]


def _image(doc: Document, ld: _JsonLd, main: dict[str, Any] | None) -> Image | None:
    """The lead image: JSON-LD image (string / ImageObject / list) or og:image; caption and
    credit from the ImageObject or from the figure holding that image."""
    url = caption = credit = None
    if main:
        img = ld.resolve(main.get("image"))
        if isinstance(img, list):
            img = ld.resolve(img[0]) if img else None
        if isinstance(img, str):
            url = img
        elif isinstance(img, dict):
            url = _text(img.get("url")) or _text(img.get("contentUrl"))
            caption = _text(img.get("caption")) or _text(img.get("description"))
            holder = ld.resolve(
                img.get("copyrightHolder") or img.get("author") or img.get("creator")
            )
            credit = _text(img.get("creditText")) or (
                _text(holder.get("name")) if isinstance(holder, dict) else _text(holder)
            )
    url = url or doc.meta_first(
        "og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"
    )
    if not url:
        return None
    url = _absolute(doc.url, url)
    if url is None:
        return None
    if not caption or not credit:
        fig_caption, fig_credit = _figure_text(doc, url)
        caption = caption or fig_caption
        credit = credit or fig_credit
    return Image(url=url, caption=_clean(caption), credit=_clean(credit))


# Labels dropped from a credit ("Photo: X" -> "X"); courtesy phrasing is kept, it carries meaning.
_CREDIT_LABEL = (
    r"(?:©|\(c\)|(?:photo|foto|image|imagen|immagine|bild|crédit|credit|fotografía|fotografia)s?\s*:|"
    r"photo\s*©)"
)
_COURTESY = r"(?:cortesía(?:\s+de)?|courtesy(?:\s+of)?|per\s+gentile\s+concessione\s+di)\s"
_CREDIT_IN_CAPTION = re.compile(
    r"\s*(?:\(|\[)?\s*(?:"
    + _CREDIT_LABEL
    + r"\s*(?P<credit>[^()\[\]]{2,80}?)|(?P<courtesy>"
    + _COURTESY
    + r"[^()\[\]]{2,80}?))\s*(?:\)|\])?\s*$",
    re.I,
)
_CREDIT_PREFIX = re.compile(r"^" + _CREDIT_LABEL + r"\s*", re.I)
_SIZE_SUFFIX = re.compile(r"-\d{2,5}x\d{2,5}$")  # WordPress "look-12-1200x800.jpg"


def _figure_text(doc: Document, image_url: str) -> tuple[str | None, str | None]:
    """Caption and credit of the <figure> showing the lead image (matched by file name). A figure
    that shows another image says nothing about the lead image, so there is no fallback."""
    parts = _split(image_url)
    stem = parts.path.rsplit("/", 1)[-1].rsplit(".", 1)[0] if parts else ""
    stem = _SIZE_SUFFIX.sub("", stem)[:40]
    figures = doc.tree.xpath("//figure[.//figcaption]")
    chosen = None
    for fig in figures[:20]:
        srcs = " ".join(
            (img.get("src") or "")
            + " "
            + (img.get("data-src") or "")
            + " "
            + (img.get("srcset") or "")
            for img in fig.iter("img", "source")
        )
        if stem and len(stem) >= 6 and stem in srcs:
            chosen = fig
            break
    if chosen is None:
        return None, None
    cap_el = chosen.find(".//figcaption")
    if cap_el is None:
        return None, None
    credit_el = cap_el.xpath(
        ".//*[re:test(@class, 'credit|copyright|author|source', 'i')]", namespaces=_NS
    )
    credit = dates.element_text(credit_el[0]) if credit_el else None
    text = dates.element_text(cap_el)
    if credit:
        text = text.replace(credit, "").strip(" |-–")
    else:
        m = _CREDIT_IN_CAPTION.search(text)
        if m:
            credit = (m.group("credit") or m.group("courtesy")).strip()
            text = text[: m.start()].strip(" |-–")
    if credit:
        credit = _CREDIT_PREFIX.sub("", credit).strip()
    return text or None, credit or None
