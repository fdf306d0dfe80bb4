"""Body extraction on realistic fashion-news markup: what is article stays, what is not goes."""

from __future__ import annotations

import pytest

from newscrawl.extract.blocks import Block
from newscrawl.extract.body import Body, clean_blocks, extract_body
from newscrawl.extract.document import Document

INTRO = (
    "Balenciaga and the Kering Foundation have announced a new three-year partnership with the "
    "National Children’s Alliance, which will train nearly 2,000 child abuse professionals."
)
SECOND = (
    "The move comes months after Balenciaga faced an avalanche of criticism for two of its "
    "campaigns, and the brand said it wanted to learn from its mistakes."
)
QUOTE = (
    "“There is a strong correlation between childhood trauma and negative health effects,” says "
    "NCA executive director Teresa Huizar, adding that treatment can change a child's life."
)
CLOSING = (
    "NCA established its Mental Health Institute in 2022 to increase children’s access to "
    "trauma-focused, evidence-based mental health treatment across the United States."
)
ITEMS = [
    "Supporting the National Institute for Mental Health to help children heal from trauma.",
    "Education for Balenciaga on child protection and the safety of children.",
    "Raising public awareness about child maltreatment and protection.",
]


HEADLINE = "<h1>Balenciaga and Kering Foundation partner with NCA</h1>"


def page(article: str, *, headline: str = HEADLINE, before: str = "", after: str = "") -> Document:
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Balenciaga partners with NCA | Example</title></head><body>"
        "<header><nav><a href='/'>Home</a><a href='/news'>News</a><a href='/business'>Business</a></nav></header>"
        f"{before}<main><article>{headline}{article}</article></main>{after}<footer><p>© 2024 Example Media. All rights reserved.</p>"
        "</footer></body></html>"
    )
    return Document.parse(html, url="https://fashion.example/news/balenciaga-nca")


def body_of(doc: Document) -> Body:
    return extract_body(doc, None)


def test_paragraphs_list_quote_and_subheading_survive() -> None:
    ul = "".join(f"<li>{i}</li>" for i in ITEMS)
    doc = page(
        f"<p>{INTRO}</p><p>{SECOND}</p><h2>A three-year programme</h2><ul>{ul}</ul>"
        f"<blockquote><p>{QUOTE}</p></blockquote><p>{CLOSING}</p>"
    )
    body = body_of(doc)
    assert body.paragraphs == [
        INTRO, SECOND, "A three-year programme", "\n".join(f"- {i}" for i in ITEMS), QUOTE, CLOSING,
    ]  # fmt: skip
    assert body.text == "\n\n".join(body.paragraphs)
    assert [b.kind for b in body.blocks] == ["p", "p", "head", "list", "quote", "p"]


def test_seed_style_boilerplate_is_removed_in_several_languages() -> None:
    doc = page(
        "<p class='membership'>Membership, only 1€ per month</p>"
        "<div class='loader'>loading...</div><p>Scroll down to read more</p>"
        f"<figure><img src='a.jpg'><figcaption>Image: Balenciaga</figcaption></figure>"
        f"<p>{INTRO}</p><p>Image: Balenciaga</p><p>{SECOND}</p>"
        "<blockquote class='instagram-media'><div><a>Ver esta publicación en Instagram</a></div>"
        "<p><a>Una publicación compartida por Balenciaga 🕊 (@balenciaga)</a></p></blockquote>"
        "<p>LEER MÁS: <a href='/x'>Balenciaga to show at Paris Fashion Week</a></p>"
        f"<p>{CLOSING}</p>"
        "<p>Sigue toda la información de HIGHXTAR desde Facebook, Twitter o Instagram</p>"
        "<p>Publicidad</p><p>© 2024 HIGHXTAR. Todos los derechos reservados.</p>"
    )
    body = body_of(doc)
    assert body.paragraphs == [INTRO, SECOND, CLOSING]
    assert body.removed_blocks >= 0


def test_related_heading_takes_its_teasers_along() -> None:
    teasers = "".join(
        f"<li><a href='/n/{n}'>Fashion week diary, day {n}: the best looks</a></li>"
        for n in range(5)
    )
    doc = page(
        f"<p>{INTRO}</p><p>{SECOND}</p><p>{CLOSING}</p>"
        f"<h3>Te puede interesar</h3><ul>{teasers}</ul>"
    )
    assert body_of(doc).paragraphs == [INTRO, SECOND, CLOSING]


def test_linked_line_inside_the_story_is_kept_but_trailing_teasers_go() -> None:
    linked = "<p><a href='https://example.org/report.pdf'>Read the full NCA annual report</a></p>"
    teasers = "".join(f"<p><a href='/n/{n}'>Another story number {n}</a></p>" for n in range(3))
    doc = page(f"<p>{INTRO}</p>{linked}<p>{SECOND}</p><p>{CLOSING}</p>{teasers}")
    assert body_of(doc).paragraphs == [INTRO, "Read the full NCA annual report", SECOND, CLOSING]


def test_clean_blocks_counts_teasers_at_the_edges_only() -> None:
    link_line = Block("p", ["Read the full NCA annual report"], link_chars=31)
    teasers = [
        Block("p", [f"Another story from the archive, part {n}"], link_chars=38) for n in range(4)
    ]
    story = [Block("p", [INTRO]), link_line, Block("p", [SECOND])]
    blocks = [teasers[0], *story, teasers[1], Block("p", ["Leia também"]), teasers[2], teasers[3]]
    kept, dropped = clean_blocks(blocks)
    assert kept == story and dropped == 4


def test_block_repeated_within_the_page_is_kept_once() -> None:
    doc = page(f"<p>{INTRO}</p><p>{SECOND}</p><p>{INTRO}</p><p>{CLOSING}</p>")
    assert body_of(doc).paragraphs == [INTRO, SECOND, CLOSING]


def test_headline_and_kicker_are_not_body_text() -> None:
    doc = page(f"<p>Business</p>{HEADLINE}<p>{INTRO}</p><p>{SECOND}</p>", headline="")
    assert body_of(doc).paragraphs == [INTRO, SECOND]


def test_list_between_paragraphs_is_recovered_when_trafilatura_drops_it() -> None:
    """Trafilatura drops this list (an ad slot sits before it); recovery puts it back in place."""
    items = "".join(f"<li>{i}</li>" for i in ITEMS)
    doc = page(
        f'<div class="cuerpo"><p>{INTRO}</p><p>{SECOND}</p>'
        '<div class="publi"><span>Publicidad</span></div>'
        f"<p>The programme rests on three pillars:</p><ul>{items}</ul><p>{CLOSING}</p></div>"
    )
    paragraphs = body_of(doc).paragraphs
    listed = "\n".join(f"- {i}" for i in ITEMS)
    assert listed in paragraphs
    assert paragraphs.index(listed) == paragraphs.index(CLOSING) - 1


def test_table_layout_page_keeps_paragraphs_apart() -> None:
    doc = page(f"<table><tr><td><div><p>{INTRO}</p><p>{SECOND}</p><p>{CLOSING}</p></div></td>"
               "<td><p>Anzeige</p></td></tr></table>")  # fmt: skip
    assert body_of(doc).paragraphs == [INTRO, SECOND, CLOSING]


def test_page_without_article_text_gives_empty_body() -> None:
    doc = Document.parse("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    body = body_of(doc)
    assert body.paragraphs == [] and body.text == ""


@pytest.mark.parametrize("n_links", [0, 6])
def test_link_density_is_reported(n_links: int) -> None:
    links = "".join(f"<a href='/t/{i}'>tag number {i}</a> " for i in range(n_links))
    doc = page(f"<p>{INTRO} {links}</p><p>{SECOND}</p><p>{CLOSING}</p>")
    density = body_of(doc).link_density
    assert (density == 0.0) if n_links == 0 else (0.1 < density < 0.5)


LATER = [
    f"Paragraph {n} of the second half: the company said the programme would be reviewed "
    f"every year by an independent panel of child-protection specialists and clinicians."
    for n in range(4)
]


def test_story_split_over_containers_with_the_same_class_is_recovered() -> None:
    """Sites split long stories into several body containers with ads between them."""
    second = "".join(f"<p>{p}</p>" for p in LATER)
    doc = page(
        f'<div class="article__body"><p>{INTRO}</p><p>{SECOND}</p><p>{QUOTE}</p></div>'
        '<aside class="ad-rail"><p>Advertisement</p></aside>'
        f'<div class="inline-newsletter"><p>Sign up for our newsletter</p></div>'
        f'<div class="article__body">{second}</div>'
    )
    paragraphs = body_of(doc).paragraphs
    assert paragraphs[:3] == [INTRO, SECOND, QUOTE]
    assert all(p in paragraphs for p in LATER)


def test_reader_comments_are_not_recovered_as_article_text() -> None:
    comments = "".join(
        f"<div><p>Reader {n}: I completely disagree with this decision and I think the brand "
        f"should apologise again, because the first apology was not enough for anyone.</p></div>"
        for n in range(3)
    )
    doc = page(f"<div><p>{INTRO}</p><p>{SECOND}</p><p>{CLOSING}</p></div>",
               after=f"<section id='comments'><h3>3 comments</h3>{comments}</section>")  # fmt: skip
    assert body_of(doc).paragraphs == [INTRO, SECOND, CLOSING]


def test_story_continues_after_an_inline_read_also_box() -> None:
    short = "The collection will be shown again in Tokyo in June."
    doc = page(
        f"<p>{INTRO}</p><p>{SECOND}</p><h4>À lire aussi</h4>"
        "<p><a href='/n/1'>Le défilé Chanel en images</a></p>"
        f"<p>{short}</p><p>{CLOSING}</p>"
    )
    assert body_of(doc).paragraphs == [INTRO, SECOND, short, CLOSING]


def test_dek_repeating_the_description_goes_but_a_lede_repeating_it_stays() -> None:
    dek = "The luxury house commits to a three-year programme for children's mental health."
    meta = f'<meta property="og:description" content="{dek}">'
    html = (f"<html><head><title>T</title>{meta}</head><body><article>{HEADLINE}<h2>{dek}</h2>"
            f"<p>{INTRO}</p><p>{SECOND}</p></article></body></html>")  # fmt: skip
    assert extract_body(Document.parse(html)).paragraphs == [INTRO, SECOND]
    lede = f'<meta property="og:description" content="{INTRO}">'
    html = (f"<html><head><title>T</title>{lede}</head><body><article>{HEADLINE}"
            f"<p>{INTRO}</p><p>{SECOND}</p></article></body></html>")  # fmt: skip
    assert extract_body(Document.parse(html)).paragraphs == [INTRO, SECOND]


def test_subheading_after_an_inline_read_also_box_is_kept() -> None:
    doc = page(
        f"<p>{INTRO}</p><p>{SECOND}</p><p>Leggi anche</p>"
        "<p><a href='/n/1'>Milano Moda Uomo, il calendario completo</a></p>"
        f"<h2>A three-year programme</h2><p>{CLOSING}</p>"
    )
    assert body_of(doc).paragraphs == [INTRO, SECOND, "A three-year programme", CLOSING]


def _jsonld(body: str, kind: str = "NewsArticle") -> str:
    import json

    data = {"@context": "https://schema.org", "@type": kind, "headline": "H", "articleBody": body}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_script_rendered_page_falls_back_to_jsonld_article_body() -> None:
    declared = "\n".join([INTRO, SECOND, QUOTE, CLOSING])
    html = (
        f"<html><head><title>T</title>{_jsonld(declared)}</head><body>"
        "<div id='app'><p>Loading…</p></div></body></html>"
    )
    body = extract_body(Document.parse(html))
    assert body.source == "jsonld"
    assert body.paragraphs == [INTRO, SECOND, QUOTE, CLOSING]


def test_jsonld_body_with_html_markup_is_flattened_to_paragraphs() -> None:
    declared = f"<p>{INTRO}</p><p>{SECOND}</p><p>{CLOSING}</p>"
    html = f"<html><head>{_jsonld(declared)}</head><body><div id='app'></div></body></html>"
    assert extract_body(Document.parse(html)).paragraphs == [INTRO, SECOND, CLOSING]


def test_html_extraction_wins_when_it_holds_the_story() -> None:
    declared = " ".join([INTRO, SECOND, CLOSING])  # one run-on block, as many sites declare it
    doc = page(
        f"<p>{INTRO}</p><p>{SECOND}</p><p>{CLOSING}</p>", headline=HEADLINE + _jsonld(declared)
    )
    body = body_of(doc)
    assert body.source == "html" and body.paragraphs == [INTRO, SECOND, CLOSING]


@pytest.mark.parametrize(
    "byline",
    [
        "By Rachel Douglass",
        "Por María López | 21 de marzo de 2024",
        "Di Giulia Rossi e Marco Bianchi",
    ],
)
def test_byline_at_the_top_is_not_body_text(byline: str) -> None:
    doc = page(f"<p>{byline}</p><p>{INTRO}</p><p>{SECOND}</p>")
    assert body_of(doc).paragraphs == [INTRO, SECOND]


def test_date_and_reading_time_lines_go_but_sentences_starting_alike_stay() -> None:
    kept = "Published in 1998, her first book on couture became a standard reference for students."
    doc = page(
        f"<p>Updated 21.03.2024, 10:15</p><p>5 min read</p><p>{INTRO}</p><p>{kept}</p>"
        "<p>Tags: Balenciaga, Kering</p>"
    )
    assert body_of(doc).paragraphs == [INTRO, kept]


@pytest.mark.parametrize(
    "markup", ['<p class="standfirst">{}</p>', '<div class="articolo__sommario"><p>{}</p></div>']
)
def test_paragraph_marked_as_dek_goes(markup: str) -> None:
    dek = "The luxury house commits to a three-year programme for children's mental health."
    meta = f'<meta property="og:description" content="{dek}">'
    html = (
        f"<html><head><title>T</title>{meta}</head><body><article>{HEADLINE}"
        f"{markup.format(dek)}<div class='body'><p>{INTRO}</p><p>{SECOND}</p></div></article></body></html>"
    )
    assert extract_body(Document.parse(html)).paragraphs == [INTRO, SECOND]


def test_body_reports_what_the_layers_did() -> None:
    doc = page(f"<p>{INTRO}</p><p>Advertisement</p><p>{SECOND}</p><p>{CLOSING}</p>")
    body = body_of(doc)
    assert body.source == "html" and body.recovered_blocks >= 0
    assert body.removed_blocks >= 1  # the ad label (and the headline if trafilatura kept it)
    assert len(body.blocks) == len(body.paragraphs) == 3


def test_plain_paragraph_repeating_the_description_before_the_byline_is_the_dek() -> None:
    """AMP pages drop the dek's class; its place above the byline still gives it away."""
    dek = "The luxury house commits to a three-year programme for children's mental health."
    meta = f'<meta property="og:description" content="{dek}">'
    html = (
        f"<html><head><title>T</title>{meta}</head><body><article>{HEADLINE}<p>{dek}</p>"
        f"<p>By Rachel Douglass — 5 May 2023</p><p>{INTRO}</p><p>{SECOND}</p></article></body></html>"
    )
    assert extract_body(Document.parse(html)).paragraphs == [INTRO, SECOND]
