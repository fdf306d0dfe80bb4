"""Page types: listings, tags, galleries, videos and directories are recognised; articles never lost."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newscrawl.extract import extract
from newscrawl.record import PageType

FETCHED = datetime(2024, 3, 23, 10, 0, tzinfo=UTC)
DEV = Path(__file__).resolve().parents[2] / "shared" / "extraction-dev"

PROSE = [
    "The Italian house reported a rise in full-year revenue, driven by leather goods and a strong "
    "performance in its own stores across Europe and Asia, while wholesale declined as planned.",
    "Its chief executive said the group would keep investing in craftsmanship, opening two new "
    "workshops near Florence and hiring more than three hundred artisans over the coming year.",
    "Analysts had expected slower growth after a difficult second half for the luxury sector, "
    "when demand from younger shoppers in China and the United States weakened noticeably.",
    "The company also confirmed that its creative director will present the next women's "
    "collection in Milan in February, alongside a smaller capsule shown during Paris week.",
    "Shares rose more than four percent in early trading after the results were published, "
    "making the brand one of the best performers on the Milan stock exchange this month.",
    "Sustainability targets were raised as well: by next year, most of its cotton and wool is "
    "meant to come from certified regenerative farms, a goal several competitors share.",
]


def prose(n: int) -> str:
    return "".join(f"<p>{PROSE[i % len(PROSE)]}</p>" for i in range(n))


def shell(body: str, head: str = "", lang: str = "en") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Site</title>{head}</head>'
        '<body><header><nav><a href="/">Home</a> <a href="/news/">News</a> <a href="/business/">Business</a>'
        f"</nav></header>{body}<footer><p>© 2024 Site. All rights reserved.</p></footer></body></html>"
    )


def teasers(n: int, blurb_words: int = 22) -> str:
    blurb = " ".join(["collection"] * blurb_words) + "."
    return "".join(
        f'<article class="card"><h2><a href="/news/story-{i}/">Brand {i} unveils its new collection</a></h2>'
        f"<p>{blurb}</p></article>"
        for i in range(n)
    )


def page_type(html: str, url: str) -> PageType:
    return extract(html, url, fetched_at=FETCHED).page_type


def test_category_listing() -> None:
    html = shell(
        f"<main><h1>Business</h1>{teasers(14)}<a href='?page=2'>Next</a></main>",
        '<meta property="og:type" content="website">',
    )
    assert page_type(html, "https://site.example.com/category/business/") is PageType.LISTING


def test_pagination_listing_without_url_hint() -> None:
    assert (
        page_type(shell(f"<main>{teasers(10)}</main>"), "https://site.example.com/whatever")
        is PageType.LISTING
    )


def test_home_page_is_a_listing() -> None:
    assert (
        page_type(shell(f"<main>{teasers(6)}</main>"), "https://site.example.com/")
        is PageType.LISTING
    )


def test_tag_page() -> None:
    html = shell(
        f"<main><h1>#balenciaga</h1>{teasers(8)}</main>",
        '<meta property="og:type" content="website">',
    )
    assert page_type(html, "https://site.example.com/tag/balenciaga/") is PageType.TAG


def test_tag_page_with_seo_intro_text_is_still_a_tag_page() -> None:
    intro = prose(3)
    html = shell(f"<main><h1>Balenciaga</h1>{intro}{teasers(12)}</main>")
    assert page_type(html, "https://site.example.com/etiqueta/balenciaga/") is PageType.TAG


def test_gallery_of_captioned_images() -> None:
    figures = "".join(
        f'<figure><img src="/img/look-{i}.jpg" alt=""><figcaption>Look {i}</figcaption></figure>'
        for i in range(16)
    )
    html = shell(f"<main><h1>Milan Fashion Week: all the looks</h1>{figures}</main>")
    assert page_type(html, "https://site.example.com/galeria/milan-looks/") is PageType.GALLERY


def test_gallery_from_structured_data() -> None:
    ld = '<script type="application/ld+json">{"@type": "ImageGallery", "name": "Looks"}</script>'
    figures = "".join(f'<figure><img src="/img/{i}.jpg"></figure>' for i in range(8))
    assert (
        page_type(shell(f"<main>{figures}</main>", ld), "https://site.example.com/looks")
        is PageType.GALLERY
    )


def test_video_page_player_and_blurb() -> None:
    ld = '<script type="application/ld+json">{"@type": "VideoObject", "name": "Backstage at Prada"}</script>'
    body = (
        "<main><h1>Backstage at Prada</h1>"
        '<iframe src="https://www.youtube.com/embed/abc123"></iframe>'
        "<p>Go backstage with the models before the show.</p></main>"
    )
    assert (
        page_type(shell(body, ld), "https://site.example.com/videos/backstage-prada")
        is PageType.VIDEO
    )


def test_brand_directory() -> None:
    items = "".join(f'<li><a href="/brands/brand-{i}/">Brand {i}</a></li>' for i in range(80))
    html = shell(f"<main><h1>Brands A-Z</h1><ul>{items}</ul></main>")
    assert page_type(html, "https://site.example.com/brands/") is PageType.DIRECTORY


def test_article_with_related_teasers_is_an_article() -> None:
    paragraphs = prose(6)
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Prada sales rise"}</script>'
    body = f"<main><article><h1>Prada sales rise</h1>{paragraphs}</article><section class='related'>{teasers(12)}</section></main>"
    assert (
        page_type(shell(body, ld), "https://site.example.com/category/business/prada-sales")
        is PageType.ARTICLE
    )


def test_article_without_metadata_is_an_article() -> None:
    paragraphs = prose(5)
    assert (
        page_type(shell(f"<main><h1>Prada</h1>{paragraphs}</main>"), "https://site.example.com/p/1")
        is PageType.ARTICLE
    )


def test_short_news_item_with_an_embedded_video_is_an_article() -> None:
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Gucci film"}</script>'
    body = f'<main><article><h1>Gucci film</h1><iframe src="https://player.vimeo.com/video/1"></iframe>{prose(2)}</article></main>'
    assert (
        page_type(shell(body, ld), "https://site.example.com/news/gucci-film") is PageType.ARTICLE
    )


def test_empty_page_is_other() -> None:
    assert (
        page_type(
            shell("<main><h1>Contact</h1><p>Write to us.</p></main>"),
            "https://site.example.com/contact",
        )
        is PageType.OTHER
    )


@pytest.mark.slow
@pytest.mark.skipif(not DEV.exists(), reason="../shared/extraction-dev not available")
def test_every_extraction_dev_page_is_an_article() -> None:
    gold = json.loads((DEV / "ground-truth.json").read_text("utf-8"))
    wrong = []
    for path in sorted((DEV / "html").glob("*.html.gz")):
        url = gold.get(path.name.split(".")[0], {}).get("url")
        result = extract(
            gzip.decompress(path.read_bytes()), url, fetched_at=datetime(2020, 1, 1, tzinfo=UTC)
        )
        if result.page_type is not PageType.ARTICLE:
            wrong.append((url, result.page_type.value))
    assert not wrong


def test_listing_written_as_a_list_without_headings() -> None:
    items = "".join(
        f'<li><a href="/n/{i}">Grupo textil número {i} presenta resultados anuales</a>'
        f"<p>El grupo ha presentado sus resultados del ejercicio con un aumento de las ventas del {i} por ciento.</p></li>"
        for i in range(15)
    )
    html = shell(f"<main><h1>Negocios</h1><ul>{items}</ul></main>", lang="es")
    assert page_type(html, "https://site.example.es/negocios/") is PageType.LISTING


def test_short_article_without_any_metadata_is_an_article() -> None:
    # About 100 words in three paragraphs, an h1 and nothing else: a short news piece.
    html = shell(f"<article><h1>Prada results</h1>{prose(3)}</article>", lang="en")
    assert page_type(html, "https://site.example.com/prada-results") is PageType.ARTICLE


def test_section_page_carrying_a_teased_storys_jsonld_is_a_listing() -> None:
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Brand 0 unveils",'
        ' "url": "https://site.example.com/news/story-0/"}</script><meta property="og:type" content="website">'
    )
    html = shell(f"<main><h1>News</h1>{teasers(14, blurb_words=30)}</main>", ld)
    assert page_type(html, "https://site.example.com/news/") is PageType.LISTING
