"""Is this page an article? Listing, tag, gallery, video and directory pages are not.

Signals, all general (no site rules):

* **running text**: prose paragraphs in the extracted body (12+ words ending like a sentence,
  not list items); three of them with 80+ words between them, or 250+ prose words, is what an
  article has. Teaser blurbs read as prose too, which is why teasers are counted as well.
* **structured data**: a JSON-LD article about the page, ``og:type=article`` vs ``website``;
  ``CollectionPage``/``ItemList``/``SearchResultsPage``, ``ImageGallery``, ``VideoObject``.
* **URL shape**: ``/tag/``, ``/category/``, ``/page/2``, ``?page=``, ``/gallery/``, ``/video/``,
  ``/brands/``, the home page, in the languages we crawl.
* **page structure**: teasers (``h2``/``h3`` headline links, ``<article>`` blocks, list items
  with a headline link and a blurb, link blocks the body step dropped), images and captions in
  the content, a video player, links in lists outside the navigation.

The cost of mistakes is lopsided: an article lost as "listing" is data lost, a listing kept as
an article is one junk record that dedup and length filters catch. So running text together with
article metadata always means article, and the non-article types need their own positive
evidence, not just the absence of text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.etree

from newscrawl.extract.body import Body
from newscrawl.extract.document import Document
from newscrawl.extract.metadata import Metadata
from newscrawl.record import PageType

# Shorter paragraphs are labels, headings, captions; news prose is often one sentence.
PROSE_WORDS = 12
MIN_ARTICLE_WORDS = 80  # a short news brief with article metadata is still an article
SHORT_ARTICLE_WORDS = 120  # ...and with this much text it is one even next to a video/gallery

_URL_HINTS: tuple[tuple[PageType, re.Pattern[str]], ...] = (
    (
        PageType.TAG,
        re.compile(
            r"/(?:tags?|etiquetas?|temas?|temi|tema|argomenti|schlagw(?:ort|oerter)|themen?|"
            r"mots?-cles?|sujets?|topics?|keywords?|hashtags?)/",
            re.I,
        ),
    ),
    (
        PageType.GALLERY,
        re.compile(
            r"/(?:galler(?:y|ies|ia|ie)|galerias?|galerie|foto-?gal(?:eria|leria|erie)|photos?|"
            r"fotos?|diaporamas?|bildergalerien?|slideshows?|photo-?gallery)(?:/|$)",
            re.I,
        ),
    ),
    (PageType.VIDEO, re.compile(r"/(?:videos?|vid[eé]os?|tv|watch)(?:/|$)", re.I)),
    (
        PageType.DIRECTORY,
        re.compile(
            r"/(?:director(?:y|io|ies)|verzeichnis|annuaire|brands|marcas|marques|marken|marchi|"
            r"designers|dise[nñ]adores|stilisti|companies|empresas|a-z|search|buscar|busqueda|"
            r"cerca|recherche|suche)(?:/|$)|[?&](?:s|q|query|search)=",
            re.I,
        ),
    ),
    (
        PageType.LISTING,
        re.compile(
            r"/(?:category|categor[ií]as?|categorie|kategorien?|rubriques?|rubricas?|sections?|"
            r"secci[oó]n|sezioni?|ressorts?|authors?|autor(?:es|en)?|autori?|auteurs?|archives?|"
            r"archivos?|archivio)/|/(?:page|pagina|página|seite|p)[-/]?\d+/?$|"
            r"[?&](?:page|paged|pagina|p)=\d+",
            re.I,
        ),
    ),
)
_LISTING_LD = frozenset(
    {"collectionpage", "itemlist", "searchresultspage", "blog", "webpage+itemlist"}
)
_GALLERY_LD = frozenset({"imagegallery", "mediagallery"})
_VIDEO_LD = frozenset({"videoobject", "videogallery"})
_DIRECTORY_LD = frozenset({"searchresultspage", "profilepage"})
# Links in list items outside the site's navigation, header and footer (directories, indexes).
_LIST_LINKS = lxml.etree.XPath(
    "count(//body//li//a[not(ancestor::nav or ancestor::header or ancestor::footer)])"
)
# List items holding a headline-sized link plus a blurb: teasers written as a list.
_LIST_TEASERS = lxml.etree.XPath(
    "count(//body//li[a[string-length(normalize-space()) > 20]][string-length(normalize-space()) > 80]"
    "[not(ancestor::nav or ancestor::header or ancestor::footer)])"
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SENTENCE_END = re.compile(r"[.!?…。！？»”\"')]\s|[.!?…。！？»”\"')]$")
_PLAYER = re.compile(
    r"youtube|youtu\.be|vimeo|dailymotion|jwplayer|brightcove|player|wistia|kaltura", re.I
)


@dataclass(frozen=True)
class PageSignals:
    """What the classifier looked at (kept together so it can be logged and tested)."""

    words: int
    prose_paragraphs: int
    link_density: float
    teasers: int  # headline links + <article> blocks
    images: int  # images inside the content (figures, article/main images)
    captions: int
    player: bool
    list_links: int  # links inside list items
    article_meta: bool  # JSON-LD article or og:type=article
    url_hint: PageType | None
    ld_hint: PageType | None
    home: bool

    prose_words: int = 0

    @property
    def running_text(self) -> bool:
        """What an article has and a teaser list does not: several paragraphs of sentences."""
        return (self.prose_paragraphs >= 3 and self.prose_words >= 80) or self.prose_words >= 250


def classify_page(doc: Document, meta: Metadata, body: Body) -> PageType:
    """The page type; only ``article`` pages become records."""
    return decide(page_signals(doc, meta, body))


def decide(s: PageSignals) -> PageType:
    """The rules, most decisive first: running text, then the non-article kinds by their own
    evidence (home, video, gallery, tag/listing/directory hints with teasers), then short
    articles, and ``other`` for what is left (contact pages, errors, empty shells)."""
    hint = s.ld_hint or s.url_hint
    if s.ld_hint is PageType.LISTING and s.url_hint in (PageType.TAG, PageType.DIRECTORY):
        hint = s.url_hint  # a CollectionPage under /tag/ is a tag page
    if s.running_text:
        if s.article_meta:
            return PageType.ARTICLE
        # Prose without article metadata: a section page's teaser blurbs also read as prose,
        # but they are short and there are as many teasers as paragraphs.
        teaser_like = s.teasers >= 8 and (
            s.teasers >= s.prose_paragraphs or s.prose_words < 22 * s.prose_paragraphs
        )
        if teaser_like and (hint or s.home or s.teasers >= 12):
            return hint if hint in (PageType.TAG, PageType.DIRECTORY) else PageType.LISTING
        return PageType.ARTICLE
    if s.home:
        return PageType.LISTING
    if s.article_meta and (
        s.prose_paragraphs >= 2 or (s.prose_paragraphs >= 1 and s.words >= SHORT_ARTICLE_WORDS)
    ):
        return PageType.ARTICLE  # a short news item, possibly with an embed or a few photos
    if s.player or s.ld_hint is PageType.VIDEO:
        return PageType.VIDEO
    if s.ld_hint is PageType.GALLERY or (
        s.images >= 5 and (s.captions >= 3 or s.url_hint is PageType.GALLERY)
    ):
        return PageType.GALLERY
    if hint in (PageType.TAG, PageType.DIRECTORY, PageType.LISTING) and (
        s.teasers >= 3 or s.list_links >= 20
    ):
        return hint
    if s.article_meta and s.prose_paragraphs >= 1 and s.words >= MIN_ARTICLE_WORDS:
        return PageType.ARTICLE
    if s.teasers >= 6:
        return PageType.LISTING
    if s.list_links >= 40:
        return PageType.DIRECTORY
    if not hint and s.prose_paragraphs >= 2 and s.words >= MIN_ARTICLE_WORDS:
        return PageType.ARTICLE  # a short piece without metadata: its own prose, no teasers
    if s.words >= 150 and s.prose_paragraphs >= 1 and not hint:
        return PageType.ARTICLE
    return PageType.OTHER


def _units(text: str) -> int:
    """Word count that also works for scripts written without spaces (about two CJK
    characters per word)."""
    return len(text.split()) + len(_CJK.findall(text)) // 2


def _is_prose(paragraph: str) -> bool:
    """A sentence or more of running text: not a list, not a label, ends like a sentence."""
    p = paragraph.strip()
    if p.startswith("- ") or _units(p) < PROSE_WORDS:
        return False
    return bool(_SENTENCE_END.search(p))


def page_signals(doc: Document, meta: Metadata, body: Body) -> PageSignals:
    paragraphs = [p for p in body.text.split("\n\n") if p.strip()]
    prose = [p for p in paragraphs if _is_prose(p)]
    tree = doc.tree
    teasers = int(tree.xpath("count(//h2[.//a] | //h3[.//a] | //a[.//h2 or .//h3])"))
    # The body step counts the link-heavy blocks it dropped: teasers without headings.
    dropped = int(getattr(body, "teaser_blocks", 0) or 0)
    teasers = max(teasers, int(tree.xpath("count(//article)")), dropped, int(_LIST_TEASERS(tree)))
    images = int(tree.xpath("count(//figure//img | //article//img | //main//img)"))
    captions = int(tree.xpath("count(//figcaption)"))
    player = bool(tree.xpath("//video")) or any(
        _PLAYER.search(src) for src in tree.xpath("//iframe/@src | //iframe/@data-src")
    )
    list_links = int(_LIST_LINKS(tree))
    og_type = (meta.og_type or "").lower()
    types = {t.lower() for t in meta.schema_types}
    ld_hint = _ld_hint(types, meta.article_jsonld)
    # og:type=article is a CMS default on tag and category pages too: a JSON-LD collection
    # type on the same page outranks it (a VideoObject or ImageGallery does not: articles embed them).
    article_meta = meta.article_jsonld or (
        og_type == "article" and ld_hint not in (PageType.LISTING, PageType.DIRECTORY)
    )
    url = meta.canonical_url or doc.url or ""
    path = _path(url)
    return PageSignals(
        words=_units(body.text),
        prose_paragraphs=len(prose),
        prose_words=sum(_units(p) for p in prose),
        link_density=float(getattr(body, "link_density", 0.0) or 0.0),
        teasers=teasers,
        images=images,
        captions=captions,
        player=player or og_type.startswith("video"),
        list_links=list_links,
        article_meta=article_meta,
        url_hint=_url_hint(url),
        ld_hint=ld_hint,
        home=bool(url) and path.strip("/") in ("", "index.html", "index.php", "home"),
    )


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:  # malformed netloc; the path is still worth a look
        return ""


def _url_hint(url: str) -> PageType | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    target = parts.path + ("?" + parts.query if parts.query else "")
    for kind, pattern in _URL_HINTS:
        if pattern.search(target):
            return kind
    return None


def _ld_hint(types: set[str], has_article: bool) -> PageType | None:
    if has_article:
        return None
    if types & _GALLERY_LD:
        return PageType.GALLERY
    if types & _DIRECTORY_LD:
        return PageType.DIRECTORY
    if types & _LISTING_LD:
        return PageType.LISTING
    if types & _VIDEO_LD:
        return PageType.VIDEO
    return None
