"""Small rendering helpers for fixture pages: placeholders, dates, slugs, JSON-LD, feeds, sitemaps.

Pages are rendered with ``{{BASE}}`` left in place; the server swaps in
``http://127.0.0.1:PORT`` per response, so content (and its ETag) does not depend on the port.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

BASE = "{{BASE}}"
_PLACEHOLDER = re.compile(r"\{\{([a-z_][a-z0-9_]*)\}\}")

MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    "it": [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
}


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace ``{{name}}`` (lower-case names) with ``values[name]``; unknown names stay."""

    def sub(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    return _PLACEHOLDER.sub(sub, template)


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def display_date(moment: datetime, language: str) -> str:
    """A date the way a page in ``language`` prints it in a byline."""
    months = MONTHS.get(language, MONTHS["en"])
    month = months[moment.month - 1]
    if language == "en":
        return f"{month} {moment.day}, {moment.year}"
    if language == "es":
        return f"{moment.day} de {month} de {moment.year}"
    return f"{moment.day} {month} {moment.year}"


def join_names(names: list[str], conjunction: str) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


def jsonld_script(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>'


def attr(text: str) -> str:
    return escape(text, quote=True)


def rfc822(moment: datetime) -> str:
    return format_datetime(moment)


def rss_feed(
    *,
    title: str,
    description: str,
    language: str,
    self_path: str,
    items: Iterable[Mapping[str, object]],
    built: datetime,
) -> str:
    """RSS 2.0 with dc:creator and category, the shape WordPress-style news sites publish."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom">',
        "<channel>",
        f"  <title>{xml_escape(title)}</title>",
        f"  <link>{BASE}/</link>",
        f"  <description>{xml_escape(description)}</description>",
        f"  <language>{language}</language>",
        f"  <lastBuildDate>{rfc822(built)}</lastBuildDate>",
        f'  <atom:link href="{BASE}{self_path}" rel="self" type="application/rss+xml"/>',
    ]
    for item in items:
        out.append("  <item>")
        out.append(f"    <title>{xml_escape(str(item['title']))}</title>")
        out.append(f"    <link>{xml_escape(str(item['link']))}</link>")
        out.append(f'    <guid isPermaLink="true">{xml_escape(str(item["guid"]))}</guid>')
        out.append(f"    <pubDate>{rfc822(item['published'])}</pubDate>")  # type: ignore[arg-type]
        for author in item["authors"]:  # type: ignore[attr-defined]
            out.append(f"    <dc:creator><![CDATA[{author}]]></dc:creator>")
        for tag in item["tags"]:  # type: ignore[attr-defined]
            out.append(f"    <category><![CDATA[{tag}]]></category>")
        out.append(f"    <description><![CDATA[{item['description']}]]></description>")
        out.append("  </item>")
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def atom_feed(
    *,
    title: str,
    self_path: str,
    items: Iterable[Mapping[str, object]],
    built: datetime,
    language: str,
) -> str:
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{language}">',
        f"  <title>{xml_escape(title)}</title>",
        f"  <id>{BASE}/</id>",
        f'  <link rel="alternate" type="text/html" href="{BASE}/"/>',
        f'  <link rel="self" type="application/atom+xml" href="{BASE}{self_path}"/>',
        f"  <updated>{built.isoformat()}</updated>",
    ]
    for item in items:
        out.append("  <entry>")
        out.append(f"    <title>{xml_escape(str(item['title']))}</title>")
        out.append(f'    <link rel="alternate" type="text/html" href="{attr(str(item["link"]))}"/>')
        out.append(f"    <id>{xml_escape(str(item['guid']))}</id>")
        out.append(f"    <published>{item['published'].isoformat()}</published>")  # type: ignore[attr-defined]
        out.append(f"    <updated>{item['modified'].isoformat()}</updated>")  # type: ignore[attr-defined]
        for author in item["authors"]:  # type: ignore[attr-defined]
            out.append(f"    <author><name>{xml_escape(author)}</name></author>")
        for tag in item["tags"]:  # type: ignore[attr-defined]
            out.append(f'    <category term="{attr(tag)}"/>')
        out.append(f'    <summary type="html">{xml_escape(str(item["description"]))}</summary>')
        out.append("  </entry>")
    out += ["</feed>", ""]
    return "\n".join(out)


def sitemap_index(entries: Iterable[tuple[str, datetime]]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for path, lastmod in entries:
        out.append(
            f"  <sitemap><loc>{BASE}{xml_escape(path)}</loc>"
            f"<lastmod>{lastmod.isoformat()}</lastmod></sitemap>"
        )
    out += ["</sitemapindex>", ""]
    return "\n".join(out)


def urlset(entries: Iterable[tuple[str, datetime | None]]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for path, lastmod in entries:
        lm = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else ""
        out.append(f"  <url><loc>{BASE}{xml_escape(path)}</loc>{lm}</url>")
    out += ["</urlset>", ""]
    return "\n".join(out)


def news_urlset(
    entries: Iterable[tuple[str, str, datetime]], *, publication: str, language: str
) -> str:
    """A Google News sitemap: ``<news:publication_date>`` is what crawlers filter on."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">',
    ]
    for path, title, published in entries:
        out += [
            "  <url>",
            f"    <loc>{BASE}{xml_escape(path)}</loc>",
            "    <news:news>",
            "      <news:publication>",
            f"        <news:name>{xml_escape(publication)}</news:name>",
            f"        <news:language>{language}</news:language>",
            "      </news:publication>",
            f"      <news:publication_date>{published.isoformat()}</news:publication_date>",
            f"      <news:title>{xml_escape(title)}</news:title>",
            "    </news:news>",
            "  </url>",
        ]
    out += ["</urlset>", ""]
    return "\n".join(out)
