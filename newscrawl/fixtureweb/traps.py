"""Crawler traps every real news site has: endless calendars, faceted search, session ids.

Each trap is infinite as a graph (there is always another link to follow) but every single
response is small and bounded, so a crawler that falls in wastes requests, not memory. The
pages are rendered inside the site's own chrome by the caller; these functions return only
the main block (HTML with root-relative links) and a title.
"""

from __future__ import annotations

import hashlib
from html import escape
from typing import Any
from urllib.parse import urlencode

from newscrawl.fixtureweb.render import MONTHS

COLORS = ("black", "white", "red", "camel", "navy", "green", "pink", "silver")
SIZES = ("xs", "s", "m", "l", "xl", "36", "38", "40")
SORTS = ("relevance", "newest", "price-asc")

# The words on trap pages, so a trap on a Spanish site reads like the rest of that site.
WORDS = {
    "en": {
        "prev": "previous month", "next": "next month", "list": "list view", "details": "details",
        "events": ("Trunk show", "Panel talk", "Sample sale", "Showroom open day"),
        "refine": "Refine", "results": "Search results for", "more": "More results",
        "shop": "The edit: shop the looks", "look": "Look", "refresh": "Refresh your selection",
    },
    "es": {
        "prev": "mes anterior", "next": "mes siguiente", "list": "ver lista", "details": "detalles",
        "events": ("Presentación", "Mesa redonda", "Venta de muestras", "Jornada de showroom"),
        "refine": "Filtrar", "results": "Resultados de búsqueda para", "more": "Más resultados",
        "shop": "La selección: compra los looks", "look": "Look", "refresh": "Actualizar selección",
    },
    "it": {
        "prev": "mese precedente", "next": "mese successivo", "list": "elenco", "details": "dettagli",
        "events": ("Presentazione", "Tavola rotonda", "Vendita campionario", "Showroom aperto"),
        "refine": "Filtra", "results": "Risultati della ricerca per", "more": "Altri risultati",
        "shop": "La selezione: acquista i look", "look": "Look", "refresh": "Aggiorna la selezione",
    },
}  # fmt: skip


def _words(language: str) -> dict[str, Any]:
    return WORDS.get(language, WORDS["en"])


def _month_shift(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def calendar_page(path: str, month_param: str, language: str) -> tuple[str, str] | None:
    """Events of one month, with previous/next month links forever in both directions.

    Returns ``(title, html)`` or None when ``month`` is not ``YYYY-MM`` (the caller 404s).
    """
    try:
        year_text, month_text = month_param.split("-")
        year, month = int(year_text), int(month_text)
    except ValueError:
        return None
    if not (1 <= month <= 12 and 1 <= year <= 9998):
        return None
    months = MONTHS.get(language, MONTHS["en"])
    words = _words(language)
    name = f"{months[month - 1].capitalize()} {year}"
    prev_y, prev_m = _month_shift(year, month, -1)
    next_y, next_m = _month_shift(year, month, +1)
    seed = int(hashlib.md5(f"{year}-{month}".encode()).hexdigest()[:8], 16)
    events = []
    for i in range(3):
        day = (seed >> (i * 5)) % 27 + 1
        kind = words["events"][(seed >> i) % 4]
        events.append(
            f'<li><time datetime="{year:04d}-{month:02d}-{day:02d}">{day} {months[month - 1]}</time>'
            f' — {kind} <a href="{path}?month={year:04d}-{month:02d}&amp;day={day}">{words["details"]}</a></li>'
        )
    html = (
        f'<section class="calendar"><h1>{escape(name)}</h1>\n'
        f'<nav class="calendar-nav">'
        f'<a rel="prev" href="{path}?month={prev_y:04d}-{prev_m:02d}">&larr; {words["prev"]}</a> '
        f'<a rel="next" href="{path}?month={next_y:04d}-{next_m:02d}">{words["next"]} &rarr;</a> '
        f'<a href="{path}?month={year:04d}-{month:02d}&amp;view=list">{words["list"]}</a>'
        f"</nav>\n<ul>{''.join(events)}</ul></section>"
    )
    return name, html


def search_page(
    path: str, query: dict[str, list[str]], results: list[tuple[str, str]], language: str = "en"
) -> tuple[str, str]:
    """Faceted search: every response links to more facet combinations and a next page.

    ``results`` are (href, title) pairs the site matched for ``q``; the facet links are the trap.
    """
    words = _words(language)
    params = {k: v[0] for k, v in query.items() if v}
    q = params.get("q", "")
    page = int(params["page"]) if params.get("page", "").isdigit() else 1

    def link(**changes: str) -> str:
        merged = {**params, **changes}
        return f"{path}?{urlencode(sorted(merged.items()))}"

    facets = [f'<aside class="facets"><h2>{words["refine"]}</h2><ul class="colors">']
    facets += [f'<li><a href="{escape(link(color=c))}">{c}</a></li>' for c in COLORS]
    facets.append('</ul><ul class="sizes">')
    facets += [f'<li><a href="{escape(link(size=s))}">{s}</a></li>' for s in SIZES]
    facets.append('</ul><ul class="sort">')
    facets += [f'<li><a href="{escape(link(sort=s))}">{s}</a></li>' for s in SORTS]
    facets.append("</ul></aside>")
    items = "".join(f'<li><a href="{escape(h)}">{escape(t)}</a></li>' for h, t in results)
    html = (
        f'<section class="search"><h1>{words["results"]} “{escape(q)}”</h1>\n'
        f'{"".join(facets)}\n<ol class="results">{items}</ol>\n'
        f'<a class="next" rel="next" href="{escape(link(page=str(page + 1)))}">{words["more"]}</a>'
        "</section>"
    )
    return f"{words['results']} {q}", html


def next_session_id(current: str) -> str:
    return hashlib.sha1(f"sid:{current}".encode()).hexdigest()[:16]


def shop_page(path: str, sid: str, language: str = "en") -> tuple[str, str]:
    """A shop whose every link carries a fresh session id: infinite unless ids are stripped."""
    words = _words(language)
    new = next_session_id(sid or path)
    products = "".join(
        f'<li><a href="{path}/item/{n}?sid={new}">{words["look"]} {n}</a></li>' for n in range(1, 5)
    )
    html = (
        f'<section class="shop"><h1>{words["shop"]}</h1>\n'
        f'<ul class="products">{products}</ul>\n'
        f'<a href="{path}?sid={new}">{words["refresh"]}</a></section>'
    )
    return words["shop"], html
