"""Markup as data: the class/id/role tokens and the XPath expressions the body steps use.

The boilerplate tokens are read by ``boilerplate.prune_boilerplate_nodes`` before trafilatura
sees the tree, the dek tokens by ``body.drop_standfirst``. Trafilatura already drops much
navigation and comment markup; these lists add what it keeps and what a fashion-news page is
full of: Instagram and TikTok embeds (``blockquote.instagram-media`` carries "View this post on
Instagram" and "A post shared by ..."), figure captions and credits, consent banners, paywall
and newsletter boxes, share bars, related-article rails and ad slots, with the class names
Spanish, Italian, French, German and Portuguese sites use for them (``publi``, ``pie-foto``,
``correlati``, ``werbung``, ``compartilhar``...).

Matching is on tokens of the lowercased attribute value split at anything not a letter or digit
(``"c-share-bar__item"`` -> ``c``, ``share``, ``bar``, ``item``), so ``ad`` matches ``ad-slot`` but
not ``header`` or ``download``. Class names that WordPress and similar CMSs derive from the
article's own taxonomy (``tag-instagram``, ``category-social-media``) say nothing about the
element and are ignored.

Embedded tweets are kept on purpose: a quoted tweet is what the story reports (reference
extractions count it as body text); only their leftovers ("pic.twitter.com/...", share links)
go, through the phrase lists.
"""

from __future__ import annotations

import lxml.etree

# A single token in class/id/aria-label/data-component that marks the element as boilerplate.
_TOKENS = """
    ad ads adv advert adverts advertisement advertising adslot adunit adsense dfp gpt doubleclick
    sponsor sponsored sponsors promo promoted promotion affiliate
    cookie cookies consent gdpr cmp onetrust didomi cookiebot usercentrics
    newsletter newsletters subscribe subscription subscriptions paywall piano tinypass
    membership signup optin
    share shares sharing sharebar sharer social socials sociallinks addthis shareaholic sharethis
    related recommended recommendations recirculation outbrain taboola relatedposts
    readmore readalso alsoread morestories popular trending mostread mostpopular meistgelesen
    caption captions figcaption credit credits copyright
    breadcrumb breadcrumbs toolbar
    instagram tiktok pinterest
    modal popup overlay banner
    publi publicidad pubblicita publicite publicidade werbung anzeige
    boletin suscripcion suscribete abbonamento abbonati abonnement abo assinatura assine
    compartir comparte condividi partage partager teilen compartilhar partilhar
    relacionadas relacionados relacionada correlati correlate similaires verwandte
    didascalia legende leyenda bildunterschrift credito creditos
    etiquetas migas
"""
BOILERPLATE_TOKENS: frozenset[str] = frozenset(_TOKENS.split())

# Multi-token names, matched as consecutive tokens (each token alone is too vague).
_COMPOUNDS = """
instagram media | twitter timeline | tiktok embed | fb post | fb video | wp caption text |
image credit | photo credit | media credit | read also | also read | read more | read next |
up next | lee tambien | leggi anche | te puede interesar | a lire aussi | lire aussi |
leia tambem | more stories | more articles | you may like | you might like | ad slot |
ad unit | ad container | ad wrapper | google ad | pie foto | pie de foto | foto pie |
leer mas | lee mas | mas leidas | mas leido | mas vistos | piu letti | les plus lus |
mais lidas | lire la suite
"""
BOILERPLATE_COMPOUNDS: frozenset[tuple[str, ...]] = frozenset(
    tuple(c.split()) for c in _COMPOUNDS.replace("\n", " ").split("|") if c.strip()
)
COMPOUND_LENGTHS: tuple[int, ...] = tuple(sorted({len(c) for c in BOILERPLATE_COMPOUNDS}))

# Class values derived from the article's own taxonomy, not the element's role.
TAXONOMY_CLASS_PREFIXES: tuple[str, ...] = (
    "tag-", "category-", "categories-", "section-", "topic-", "format-", "post-", "type-",
    "status-", "has-", "hentry",
)  # fmt: skip

# ARIA roles of page chrome.
BOILERPLATE_ROLES: frozenset[str] = frozenset(
    {"banner", "navigation", "contentinfo", "complementary", "dialog", "alertdialog", "search"}
)

# Elements never pruned, whatever their attributes say: they hold the article.
PROTECTED_TAGS: frozenset[str] = frozenset({"html", "body", "main", "article"})

# Elements always dropped: their text is never article text.
DROP_TAGS: tuple[str, ...] = ("figcaption", "nav", "footer", "aside", "form", "button", "dialog")

# Attributes whose values are tokenised.
TOKEN_ATTRIBUTES: tuple[str, ...] = ("class", "id", "aria-label", "data-component", "data-module")

# Class/id tokens of the standfirst (dek) under a headline, in the languages we cover.
_DEK_NAMES = """
dek deck standfirst strapline subhead subtitle subtitulo sottotitolo soustitre chapo chapeau
sommario entradilla bajada summary abstract excerpt lead lede intro teaser vorspann anreisser
resumo linhafina description descripcion
"""
DEK_TOKENS: frozenset[str] = frozenset(_DEK_NAMES.split())

# --- compiled expressions ------------------------------------------------------------------

# Attribute values come back as strings, so elements are only materialised for the few hits.
ATTRIBUTE_VALUES = lxml.etree.XPath("|".join(f"//@{a}" for a in TOKEN_ATTRIBUTES))
ROLE_AND_DROP_TAGS = lxml.etree.XPath("//*[@role]|" + "|".join(f"//{t}" for t in DROP_TAGS))
CONTAINS_ARTICLE = lxml.etree.XPath(
    "boolean(descendant::article or descendant::main or descendant::*[@itemprop='articleBody'])"
)
# Elements with a direct text node containing $s (the start of a line of text).
TEXT_HOLDERS = lxml.etree.XPath("//*[text()[contains(normalize-space(.), $s)]]")
