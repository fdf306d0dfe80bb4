"""The boilerplate layer: phrase lists in six languages and the DOM pruning before trafilatura."""

from __future__ import annotations

import lxml.html
import pytest

from newscrawl.extract.boilerplate import (
    PHRASES,
    PhraseSet,
    normalize_line,
    prune_boilerplate_nodes,
)

BOILERPLATE_LINES = [
    # en
    "Membership, only 1€ per month",
    "loading...",
    "Scroll down to read more",
    "View this post on Instagram",
    "A post shared by Balenciaga 🕊 (@balenciaga)",
    "You may also like...",
    "Read more: Balenciaga to show at Paris Fashion Week",
    "Image: Balenciaga",
    "Photo: Getty Images",
    "Advertisement",
    "Subscribe to continue reading",
    "Sign up for our newsletter",
    "© 2024 Condé Nast. All rights reserved.",
    "Share on Facebook",
    "Facebook Twitter Pinterest WhatsApp Email",
    "pic.twitter.com/3BDnrvkoms",
    # es
    "Ver esta publicación en Instagram",
    "Una publicación compartida por Balenciaga 🕊 (@balenciaga)",
    "Te puede interesar",
    "LEER MÁS: Arenal abre su mayor tienda en Lisboa",
    "Publicidad",
    "Sigue toda la información de HIGHXTAR desde Facebook, Twitter o Instagram",
    "© 2024 HIGHXTAR. Todos los derechos reservados.",
    "Foto: Grupo Arenal",
    "Suscríbete a nuestra newsletter",
    # it
    "Visualizza questo post su Instagram",
    "Un post condiviso da Gucci (@gucci)",
    "Potrebbe interessarti",
    "LEGGI ANCHE: Milano Moda Uomo, il calendario",
    "Pubblicità",
    "© Riproduzione riservata",
    # fr
    "Voir cette publication sur Instagram",
    "Une publication partagée par Dior (@dior)",
    "À lire aussi",
    "À lire aussi : Le défilé Chanel en images",
    "Publicité",
    "Abonnez-vous",
    "Crédit photo : Jean Dupont",
    "Tous droits réservés",
    # de
    "Diesen Beitrag auf Instagram ansehen",
    "Ein Beitrag geteilt von Hugo Boss (@hugoboss)",
    "Das könnte Sie auch interessieren",
    "Anzeige",
    "Lesen Sie auch: Zalando senkt die Prognose",
    "Quelle: AFP",
    # pt
    "Ver essa foto no Instagram",
    "Uma publicação compartilhada por Farm Rio (@adorofarm)",
    "Leia também",
    "Publicidade",
    "Todos os direitos reservados",
    # captions anywhere
    "La ligne de filature de Fil Bleu à Vénissieux. Photo : Fil Bleu",
]

GENUINE_LINES = [
    # Phrase words inside real sentences must not trigger.
    "Instagram has helped blur the lines between personal and professional accounts, and "
    "brands now share more of their campaigns there than on their own websites.",
    "The photo shoot took place in Marrakech, where the brand has produced its campaigns "
    "since 2019, and the images will be shown in a Paris exhibition.",
    "Read more about the collection in our review, she wrote in a post that was shared by "
    "thousands of followers within an hour of publication.",
    "Subscriptions now make up a third of the company's revenue, up from a tenth in 2020.",
    "La publicidad en redes sociales representa ya el 40% de la inversión de la marca.",
    "Leggere le etichette è diventato un'abitudine per molti consumatori, ha detto il direttore "
    "creativo durante la presentazione della collezione a Milano.",
    "Copyright lawsuits over copied designs have multiplied since the ruling, lawyers say.",
    "Foto e video della sfilata hanno fatto il giro del mondo in poche ore.",
    "Image is everything in luxury, the chief executive said.",
    "Anzeigen in sozialen Medien sind für die Marke inzwischen der wichtigste Vertriebskanal.",
    "All rights to the archive were transferred to the foundation in 2021.",
]


@pytest.mark.parametrize("line", BOILERPLATE_LINES)
def test_boilerplate_line_is_recognised(line: str) -> None:
    assert PHRASES.is_boilerplate(line), line


@pytest.mark.parametrize("line", GENUINE_LINES)
def test_genuine_line_containing_phrase_words_is_kept(line: str) -> None:
    assert not PHRASES.is_boilerplate(line), PHRASES.match(line)


def test_long_paragraph_starting_like_a_prefix_is_kept() -> None:
    line = "Photo: " + " ".join(["The campaign was shot over three days in the desert."] * 6)
    assert not PHRASES.is_boilerplate(line)


def test_related_headings_are_flagged_as_teaser_runs() -> None:
    for line in ("You may also like…", "Te puede interesar", "Das könnte Sie auch interessieren",
                 "À lire aussi", "Leia também", "Potrebbe interessarti"):  # fmt: skip
        assert PHRASES.is_related_heading(line), line
    assert not PHRASES.is_related_heading("Read more: Balenciaga to show at Paris Fashion Week")


def test_normalisation() -> None:
    assert normalize_line("  • Lire aussi :  ") == "lire aussi"
    assert normalize_line("You’ve reached your limit…") == "you've reached your limit"


def test_phrase_files_are_data() -> None:
    phrases = PhraseSet.from_texts(
        ["# comment\n[line]\nKauf mich\n[prefix]\nsiehe auch:\n[regex]\n^\\d+ kommentare$\n"]
    )
    assert phrases.is_boilerplate("Kauf mich!")
    assert phrases.is_boilerplate("Siehe auch: Die Herbstkollektion")
    assert phrases.is_boilerplate("12 Kommentare")
    assert not phrases.is_boilerplate("Siehe auchmal")


def _page(inner: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(f"<html><body>{inner}</body></html>")


ARTICLE_P = (
    "<p>"
    + "The label opened its first flagship store on Via Montenapoleone this week. " * 3
    + "</p>"
)


def test_dom_pruning_removes_embeds_captions_consent_and_share_bars() -> None:
    tree = _page(
        '<div id="cookie-banner"><p>We use cookies to improve your experience.</p></div>'
        '<article>' + ARTICLE_P +
        '<figure><img src="a.jpg"><figcaption>Image: Balenciaga</figcaption></figure>'
        '<blockquote class="instagram-media"><a>View this post on Instagram</a>'
        "<p>A post shared by Balenciaga (@balenciaga)</p></blockquote>"
        '<div class="c-share-bar"><a>Share on Facebook</a></div>'
        '<div class="publi publi-roba"><span>Publicidad</span></div>'
        '<div class="newsletter-signup"><p>Sign up to our newsletter</p></div>' + ARTICLE_P +
        "</article>"
    )  # fmt: skip
    prune_boilerplate_nodes(tree)
    text = tree.text_content()
    for gone in ("cookies", "Image: Balenciaga", "View this post", "Share on Facebook", "Publicidad",
                 "newsletter"):  # fmt: skip
        assert gone not in text
    assert text.count("flagship store") == 6


def test_dom_pruning_keeps_article_wrapped_in_a_paywall_box() -> None:
    """Many sites wrap the whole story in a "paywall"/"subscriber" container."""
    tree = _page('<div class="paywall-content subscriber-only">' + ARTICLE_P * 3 + "</div>")
    prune_boilerplate_nodes(tree)
    assert tree.text_content().count("flagship store") == 9


def test_dom_pruning_ignores_taxonomy_classes() -> None:
    tree = _page('<div class="post tag-instagram category-social-media">' + ARTICLE_P + "</div>")
    prune_boilerplate_nodes(tree)
    assert "flagship store" in tree.text_content()


def test_embedded_tweets_are_kept_as_quoted_content() -> None:
    tree = _page("<article>" + ARTICLE_P + '<blockquote class="twitter-tweet"><p>The show was '
                 "breathtaking.</p></blockquote></article>")  # fmt: skip
    prune_boilerplate_nodes(tree)
    assert "breathtaking" in tree.text_content()


def test_camel_case_ids_are_tokenised() -> None:
    tree = _page('<div id="cookieBanner"><p>We use cookies.</p></div><div id="articleBody">'
                 + ARTICLE_P + '<div class="socialShareBar"><a>Share</a></div></div>')  # fmt: skip
    prune_boilerplate_nodes(tree)
    text = tree.text_content()
    assert "cookies" not in text and "Share" not in text and "flagship store" in text


def test_every_language_ships_a_phrase_file_with_all_kinds() -> None:
    from importlib import resources

    folder = resources.files("newscrawl.extract").joinpath("phrases")
    for lang in ("en", "es", "it", "fr", "de", "pt"):
        text = folder.joinpath(f"{lang}.txt").read_text(encoding="utf-8")
        for section in ("[line]", "[related]", "[prefix]"):
            assert section in text, (lang, section)
    assert "[regex]" in folder.joinpath("xx.txt").read_text(encoding="utf-8")
