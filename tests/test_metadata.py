"""Metadata from JSON-LD, meta tags, microdata and the visible page, on realistic page shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from newscrawl.extract.document import Document
from newscrawl.extract.metadata import Metadata, extract_metadata

FETCHED = datetime(2024, 3, 23, 10, 0, tzinfo=UTC)


def page(head: str = "", body: str = "", *, lang: str = "en", jsonld: object | None = None) -> str:
    script = f'<script type="application/ld+json">{json.dumps(jsonld)}</script>' if jsonld else ""
    return f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">{head}{script}</head><body>{body}</body></html>'


def meta_of(
    html: str, url: str = "https://www.example-fashion.com/news/2024/03/20/story/"
) -> Metadata:
    return extract_metadata(Document.parse(html, url=url), fetched_at=FETCHED)


YOAST_GRAPH = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebSite", "@id": "https://highxtar.com/#website", "name": "HIGHXTAR"},
        {
            "@type": "WebPage",
            "@id": "https://highxtar.com/balenciaga/#webpage",
            "datePublished": "2023-05-04T10:15:08+00:00",
        },
        {
            "@type": ["Article", "NewsArticle"],
            "@id": "https://highxtar.com/balenciaga/#article",
            "headline": "Balenciaga and Kering Foundation partner with NCA",
            "datePublished": "2023-05-04T12:15:08+02:00",
            "dateModified": "2023-05-05T09:00:00+02:00",
            "author": [
                {"@id": "https://highxtar.com/#/schema/person/1"},
                {"@id": "https://highxtar.com/#/schema/person/2"},
            ],
            "articleSection": ["Fashion", "News"],
            "keywords": "Balenciaga, Kering, , balenciaga",
            "inLanguage": "en-US",
            "image": {
                "@type": "ImageObject",
                "url": "/wp-content/uploads/balenciaga.jpg",
                "caption": "Balenciaga store in Paris",
                "creditText": "Courtesy of Balenciaga",
            },
            "publisher": {"@id": "https://highxtar.com/#organization"},
        },
        {"@type": "Person", "@id": "https://highxtar.com/#/schema/person/1", "name": "Laura Gómez"},
        {
            "@type": "Person",
            "@id": "https://highxtar.com/#/schema/person/2",
            "name": "By Pablo Ruiz, Editor",
        },
        {"@type": "Organization", "@id": "https://highxtar.com/#organization", "name": "HIGHXTAR"},
    ],
}


def test_jsonld_graph_with_id_references() -> None:
    html = page(
        '<meta property="og:title" content="Balenciaga and Kering Foundation partner with NCA - HIGHXTAR">'
        '<link rel="canonical" href="/balenciaga/">',
        "<h1>Balenciaga and Kering Foundation partner with NCA</h1>",
        lang="es",
        jsonld=YOAST_GRAPH,
    )
    m = meta_of(html, url="https://highxtar.com/balenciaga/?utm_source=x")
    assert m.title == "Balenciaga and Kering Foundation partner with NCA"
    assert m.authors == ["Laura Gómez", "Pablo Ruiz"]
    assert (m.published, m.published_source) == ("2023-05-04T12:15:08+02:00", "json-ld")
    assert (m.modified, m.modified_source) == ("2023-05-05T09:00:00+02:00", "json-ld")
    assert m.section == "Fashion"
    assert m.tags == ["Balenciaga", "Kering"]
    assert m.language == "en"  # the article's inLanguage, not the site chrome's lang="es"
    assert m.canonical_url == "https://highxtar.com/balenciaga/"
    assert m.image is not None
    assert m.image.url == "https://highxtar.com/wp-content/uploads/balenciaga.jpg"
    assert (m.image.caption, m.image.credit) == (
        "Balenciaga store in Paris",
        "Courtesy of Balenciaga",
    )
    assert {"Article", "NewsArticle", "WebPage", "Person"} <= set(m.schema_types)
    assert m.site_name == "HIGHXTAR"


def test_author_strings_lists_and_organisation_policy() -> None:
    as_string = {"@type": "NewsArticle", "headline": "A", "author": "Jane Doe and John Smith"}
    assert meta_of(page(jsonld=as_string)).authors == ["Jane Doe", "John Smith"]
    # The outlet credited as an Organization, and nobody else anywhere: kept (its own credit).
    org_only = {
        "@type": "NewsArticle",
        "headline": "A",
        "author": {"@type": "Organization", "name": "FashionUnited"},
    }
    assert meta_of(
        page('<meta property="og:site_name" content="FashionUnited">', jsonld=org_only)
    ).authors == ["FashionUnited"]
    # ...but a person in the visible byline wins over the organisation.
    with_byline = page(
        '<meta property="og:site_name" content="FashionUnited">',
        '<article><h1>A</h1><div class="byline">By Rachel Douglass</div></article>',
        jsonld=org_only,
    )
    assert meta_of(with_byline).authors == ["Rachel Douglass"]
    # The site name in a meta author tag is not a person.
    site_meta = page(
        '<meta name="author" content="FashionUnited"><meta property="og:site_name" content="FashionUnited">'
    )
    assert meta_of(site_meta).authors == []


def test_opengraph_article_meta() -> None:
    html = page(
        '<meta property="og:type" content="article">'
        '<meta property="og:title" content="Prada posts record sales | FashionUnited">'
        '<meta property="og:site_name" content="FashionUnited">'
        '<meta property="og:locale" content="es_ES">'
        '<meta property="article:published_time" content="2024-03-21T08:30:00+01:00">'
        '<meta property="article:modified_time" content="2024-03-21T09:00:00+01:00">'
        '<meta property="article:author" content="https://www.facebook.com/janedoe">'
        '<meta name="author" content="Jane Doe">'
        '<meta property="article:section" content="Business">'
        '<meta property="article:tag" content="Prada"><meta property="article:tag" content="prada">'
        '<meta property="article:tag" content="Luxury">'
        '<meta property="og:image" content="https://cdn.example.com/prada.jpg">',
        lang="",
    )
    m = meta_of(html)
    assert m.title == "Prada posts record sales"
    assert m.authors == ["Jane Doe"]  # article:author is a profile URL, not a name
    assert (m.published, m.published_source) == ("2024-03-21T08:30:00+01:00", "meta")
    assert m.modified == "2024-03-21T09:00:00+01:00"
    assert m.section == "Business"
    assert m.tags == ["Prada", "Luxury"]
    assert m.language == "es"
    assert m.image is not None and m.image.url == "https://cdn.example.com/prada.jpg"


def test_dublin_core_parsely_and_sailthru_variants() -> None:
    dc = page(
        '<meta name="DC.date.issued" content="2024-03-20"><meta name="DC.creator" content="Anna Müller">'
    )
    m = meta_of(dc)
    assert (m.published, m.published_source, m.authors) == ("2024-03-20", "meta", ["Anna Müller"])
    parsely = page(
        '<meta name="parsely-pub-date" content="2024-03-19T07:00:00Z"><meta name="parsely-author" content="Claire Dubois">'
    )
    m = meta_of(parsely)
    assert (m.published, m.authors) == ("2024-03-19T07:00:00+00:00", ["Claire Dubois"])
    sailthru = page(
        '<meta name="sailthru.date" content="2024-03-18 14:30:00"><meta name="sailthru.author" content="Giulia Rossi">'
    )
    m = meta_of(sailthru)
    assert (m.published, m.authors) == (
        "2024-03-18T14:30:00",
        ["Giulia Rossi"],
    )  # naive stays naive


def test_microdata() -> None:
    html = page(
        body='<article itemscope itemtype="https://schema.org/NewsArticle">'
        '<h1 itemprop="headline">Valentino opens in Tokyo</h1>'
        '<span itemprop="author" itemscope itemtype="https://schema.org/Person"><span itemprop="name">Kenji Sato</span></span>'
        '<time itemprop="datePublished" datetime="2024-03-19T09:00:00+09:00">19 March</time>'
        "<p>Text.</p></article>"
    )
    m = meta_of(html)
    assert m.title == "Valentino opens in Tokyo"
    assert m.authors == ["Kenji Sato"]
    assert (m.published, m.published_source) == ("2024-03-19T09:00:00+09:00", "microdata")


def test_visible_byline_and_date_in_page_language() -> None:
    html = page(
        body='<nav><span class="date">sábado, 23 de marzo de 2024</span></nav>'
        '<article><h1>Inditex eleva sus ventas</h1><div class="meta">'
        '<span class="firma">Por María López y Juan Pérez</span>'
        '<span class="fecha">21 de marzo de 2024</span></div><p>Texto.</p></article>'
        '<aside class="related"><span class="date">22 de marzo de 2024</span></aside>',
        lang="es",
    )
    m = meta_of(html, url="https://moda.example.es/noticias/inditex")
    assert m.authors == ["María López", "Juan Pérez"]
    assert (m.published, m.published_source) == ("2024-03-21", "visible-text")


def test_relative_visible_date_resolved_against_fetch_time() -> None:
    html = page(
        body='<article><h1>Titular</h1><p class="byline">Por Ana Beltrán</p><span class="post-date">hace 2 días</span></article>',
        lang="es",
    )
    assert meta_of(html, url="https://x.example.mx/a").published == "2024-03-21"


def test_future_date_discarded_and_next_source_used() -> None:
    html = page('<meta property="article:published_time" content="2031-01-01T00:00:00+00:00">')
    m = meta_of(html, url="https://x.example.com/2024/03/20/story/")
    assert (m.published, m.published_source) == ("2024-03-20", "url")


def test_modified_before_published_is_dropped() -> None:
    ld = {
        "@type": "NewsArticle",
        "headline": "A",
        "datePublished": "2024-03-21T10:00:00+01:00",
        "dateModified": "2024-03-01T10:00:00+01:00",
    }
    m = meta_of(page(jsonld=ld))
    assert m.published == "2024-03-21T10:00:00+01:00"
    assert m.modified is None


def test_related_article_jsonld_does_not_win() -> None:
    ld = [
        {
            "@type": "NewsArticle",
            "headline": "Other story",
            "url": "https://x.example.com/other",
            "datePublished": "2020-01-01",
        },
        {
            "@type": "NewsArticle",
            "headline": "This story",
            "url": "https://x.example.com/this",
            "datePublished": "2024-03-22",
        },
    ]
    m = meta_of(page(jsonld=ld), url="https://x.example.com/this")
    assert (m.title, m.published) == ("This story", "2024-03-22")


def test_canonical_of_amp_page_and_bad_home_canonical() -> None:
    amp = page('<link rel="canonical" href="https://x.example.com/story">')
    assert (
        meta_of(amp, url="https://x.example.com/story/amp").canonical_url
        == "https://x.example.com/story"
    )
    home = page(
        '<link rel="canonical" href="https://x.example.com/"><meta property="og:url" content="https://x.example.com/story">'
    )
    assert (
        meta_of(home, url="https://x.example.com/story?x=1").canonical_url
        == "https://x.example.com/story"
    )


def test_lead_image_caption_and_credit_from_figure() -> None:
    html = page(
        '<meta property="og:image" content="https://cdn.example.com/uploads/runway-look-12.jpg?w=1200">',
        '<figure><img src="https://cdn.example.com/uploads/runway-look-12.jpg">'
        "<figcaption>Look 12 from the autumn show. Photo: Marco Bianchi</figcaption></figure>",
    )
    image = meta_of(html).image
    assert image is not None
    assert (image.caption, image.credit) == ("Look 12 from the autumn show.", "Marco Bianchi")


def test_broken_markup_does_not_crash() -> None:
    html = page(
        '<meta property="article:published_time" content="">',
        '<div class="byline"></div><time datetime="garbage">?</time>',
        jsonld={
            "@type": "NewsArticle",
            "author": [None, 3, {"name": None}],
            "image": [],
            "datePublished": 5,
        },
    )
    m = meta_of(html)
    assert m.authors == [] and m.published is not None  # the URL date


def test_naive_jsonld_time_takes_the_offset_another_tag_states() -> None:
    ld = {"@type": "NewsArticle", "headline": "A", "datePublished": "2024-03-21T08:30:00"}
    html = page(
        '<meta property="article:published_time" content="2024-03-21T08:30:00+01:00">', jsonld=ld
    )
    m = meta_of(html)
    assert (m.published, m.published_source) == ("2024-03-21T08:30:00+01:00", "meta")


def test_naive_time_stays_naive_when_no_source_states_a_zone() -> None:
    ld = {"@type": "NewsArticle", "headline": "A", "datePublished": "2024-03-21T08:30:00"}
    # A different moment with an offset says nothing about this one's zone.
    html = page(
        '<meta property="article:published_time" content="2024-03-21T10:00:00+01:00">', jsonld=ld
    )
    assert meta_of(html).published == "2024-03-21T08:30:00"


def test_date_only_refined_by_a_timestamp_of_the_same_day() -> None:
    ld = {"@type": "NewsArticle", "headline": "A", "datePublished": "2024-03-21"}
    same_day = page(
        '<meta property="article:published_time" content="2024-03-21T08:30:00-04:00">', jsonld=ld
    )
    assert meta_of(same_day).published == "2024-03-21T08:30:00-04:00"
    other_day = page(
        '<meta property="article:published_time" content="2024-03-19T08:30:00-04:00">', jsonld=ld
    )
    assert meta_of(other_day).published == "2024-03-21"


def test_time_element_with_gmt_and_updated_label() -> None:
    html = page(
        body='<article><h1>Stadia reviews</h1><div class="meta">'
        '<abbr class="published" title="2019-11-18 17:19:53 GMT"><time datetime="2019-11-18 17:19:53 GMT">Nov 18, 2019 @17:19 PM</time></abbr>'
        '<i>Updated: <time datetime="2019-11-18 17:26:05 GMT">Nov 18, 2019 @17:26 PM</time></i>'
        "</div><p>Text.</p></article>"
    )
    m = meta_of(html, url="https://x.example.com/stadia")
    assert (m.published, m.published_source) == ("2019-11-18T17:19:53+00:00", "visible-text")
    assert m.modified == "2019-11-18T17:26:05+00:00"


def test_hostile_structured_data_and_urls_do_not_crash() -> None:
    nested: list[object] = []
    for _ in range(50):
        nested = [nested]
    ld = {
        "@type": ["NewsArticle", 7],
        "@id": ["not", "a", "string"],
        "headline": {"@value": "Headline"},
        "author": [
            {"@id": ["x"]},
            nested,
            {"@type": "Person", "givenName": "Ana", "familyName": "Ruiz"},
        ],
        "keywords": nested,
        "image": {"url": "http://[::1"},
        "mainEntityOfPage": [{"@id": 3}],
        "datePublished": {"@value": "2024-03-20"},
    }
    html = page(
        '<link rel="canonical" href="http://[bad"><meta property="og:image" content="https://[oops/x.jpg">',
        jsonld=ld,
    )
    m = meta_of(html, url="http://[broken-url/2024/03/20/x")
    assert m.title == "Headline"
    assert m.authors == ["Ana Ruiz"]
    assert m.canonical_url is None and m.image is None


def test_site_name_stripped_from_titles() -> None:
    from newscrawl.extract.metadata import _site_keys, strip_site_name

    keys = _site_keys("FashionUnited", "https://fashionunited.uk/news/x")
    assert (
        strip_site_name("Prada posts record sales | FashionUnited", keys)
        == "Prada posts record sales"
    )
    assert (
        strip_site_name(
            "HIGHXTAR - Balenciaga partners with NCA", _site_keys(None, "https://highxtar.com/a")
        )
        == "Balenciaga partners with NCA"
    )
    assert (
        strip_site_name(
            "Dior: the new look – FashionUnited UK",
            _site_keys(None, "https://www.fashionunited.co.uk/a"),
        )
        == "Dior: the new look"
    )
    # A separator inside the headline itself is not a site suffix.
    assert strip_site_name("Prada - the results are in", keys) == "Prada - the results are in"


def test_h1_wins_when_metadata_title_is_a_truncated_or_suffixed_form() -> None:
    h1 = "Balenciaga and the Kering Foundation announce a three-year partnership with the NCA"
    html = page(
        f'<meta property="og:title" content="{h1[:60]}…">',
        f"<h1>{h1}</h1>",
        jsonld={"@type": "NewsArticle", "headline": h1[:60] + "…"},
    )
    assert meta_of(html).title == h1


def test_newsroom_organisation_is_not_an_author() -> None:
    ld = {
        "@type": "NewsArticle",
        "headline": "A",
        "author": {"@type": "Organization", "name": "Redacción Moda Weekly"},
    }
    assert meta_of(page(body="<p class='author'>Redacción</p>", jsonld=ld)).authors == []


def test_cms_internal_tags_dropped() -> None:
    ld = {
        "@type": "NewsArticle",
        "headline": "A",
        "keywords": [
            "@hp-top-stories",
            "Mark Esper GOVERNMENT_FIGURE PERSON",
            "Luxury",
            " ",
            "luxury",
        ],
    }
    assert meta_of(page(jsonld=ld)).tags == ["Luxury"]


def test_lead_image_matched_across_wordpress_size_variants_with_french_credit() -> None:
    html = page(
        '<meta property="og:image" content="https://cdn.example.fr/uploads/defile-paris-1200x800.jpg">',
        '<figure><img src="https://cdn.example.fr/uploads/defile-paris-768x512.jpg">'
        "<figcaption>Le défilé au Palais de Tokyo. Photo : Jean Dupont</figcaption></figure>",
        lang="fr",
    )
    image = meta_of(html).image
    assert image is not None
    assert (image.caption, image.credit) == ("Le défilé au Palais de Tokyo.", "Jean Dupont")
