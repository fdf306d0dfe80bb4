"""One fixture news site loaded from ``fixtures/web/<name>/`` and rendered in memory.

A site folder holds ``site.json`` (settings + the manifest tests check against),
``templates/`` (the site's own chrome and markup), ``articles/*.html`` (front matter in a
leading HTML comment, then the article body), ``pages/*.html`` (about, gallery, ...),
``files/`` (served verbatim, e.g. robots.txt) and optionally ``edition2/`` (articles
published later by :meth:`FixtureSite.publish_edition`). See ``fixtures/web/README.md``.

Listings (home, sections, tags, authors), feeds and sitemaps are computed from the current
articles, so publishing a new article changes exactly the pages a real CMS would change and
leaves every other page byte-identical (same ETag → 304 on the next crawl).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from newscrawl.errors import ConfigError
from newscrawl.fixtureweb import traps
from newscrawl.fixtureweb.render import (
    BASE,
    atom_feed,
    attr,
    display_date,
    fill,
    join_names,
    jsonld_script,
    news_urlset,
    rss_feed,
    sitemap_index,
    slugify,
    urlset,
)
from newscrawl.fixtureweb.server import Request, Response, etag_for
from newscrawl.fixtureweb.sources import Article, front_matter

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".gz": "application/gzip",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
}


REQUIRED_SETTINGS = ("name", "title", "language", "updated", "sections", "feed", "sitemaps")


@dataclass
class Resource:
    """A page with ``{{BASE}}`` still in it; validators are computed from that text."""

    text: str
    content_type: str
    last_modified: datetime
    gzip_file: bool = False

    def __post_init__(self) -> None:
        self.etag = etag_for(self.text)


class FixtureSite:
    """A small news site: static sources plus the dynamic pages a CMS would generate."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        config_file = folder / "site.json"
        try:
            self.config: dict[str, Any] = json.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{config_file}: cannot read site config: {exc}") from exc
        missing = [key for key in REQUIRED_SETTINGS if key not in self.config]
        if missing:
            raise ConfigError(f"{config_file}: missing settings {', '.join(missing)}")
        self.name: str = self.config["name"]
        self.title: str = self.config["title"]
        self.language: str = self.config["language"]
        self.updated = datetime.fromisoformat(self.config["updated"])
        self.templates = {
            p.stem: p.read_text(encoding="utf-8") for p in (folder / "templates").glob("*.html")
        }
        self.sections: list[dict[str, str]] = self.config["sections"]
        self.redirects: dict[str, list[Any]] = self.config.get("redirects", {})
        self.trailing_slash: str = self.config.get("trailing_slash", "redirect")
        self.page_size: int = int(self.config.get("page_size", 3))
        self.articles: dict[str, Article] = {}
        for file in sorted((folder / "articles").glob("*.html")):
            self._add_article(Article.from_file(file))
        self.pages: list[tuple[dict[str, Any], str]] = []
        for file in sorted((folder / "pages").glob("*.html")):
            meta, body = front_matter(file)
            if "path" not in meta or "title" not in meta:
                raise ConfigError(f"{file}: a page needs a path and a title")
            self.pages.append((meta, body))
        self.files = {
            "/" + p.relative_to(folder / "files").as_posix(): p.read_text(encoding="utf-8")
            for p in (folder / "files").rglob("*")
            if p.is_file()
        }
        self.extra: dict[str, Resource] = {}  # pages added at runtime by tests
        self._lock = threading.Lock()
        self._gzip_cache: dict[tuple[str, str], bytes] = {}
        self._routes: dict[str, Resource] = {}
        self._dynamic: list[tuple[str, Callable[[Request], Response | None]]] = [
            (self.config.get("calendar_path", "/events/calendar"), self._calendar),
            (self.config.get("search_path", "/search"), self._search),
            (self.config.get("shop_path", "/shop"), self._shop),
        ]
        self._build()
        self._check_manifest()

    # ----------------------------------------------------------------- sources

    def _add_article(self, article: Article) -> None:
        if article.section not in {s["slug"] for s in self.config["sections"]}:
            raise ConfigError(
                f"{self.name}: article {article.path} has unknown section {article.section!r}"
            )
        self.articles[article.path] = article

    def publish_edition(self, number: int) -> list[str]:
        """Publish ``edition<number>/`` articles (new or updated); returns their paths."""
        folder = self.folder / f"edition{number}"
        if not folder.is_dir():
            raise ConfigError(f"{self.name}: no edition {number} at {folder}")
        paths = []
        with self._lock:
            for file in sorted(folder.glob("*.html")):
                article = Article.from_file(file)
                self._add_article(article)
                paths.append(article.path)
            self._build()
        return paths

    def publish(self, article: Article) -> None:
        with self._lock:
            self._add_article(article)
            self._build()

    def add_page(
        self, path: str, html: str, content_type: str = "text/html; charset=utf-8"
    ) -> None:
        """Serve ``html`` (``{{BASE}}`` allowed) at ``path``, outside listings and sitemaps."""
        with self._lock:
            self.extra[path] = Resource(html, content_type, datetime.now(UTC))

    # --------------------------------------------------------------- manifest

    def visible_articles(self) -> list[Article]:
        """Newest first, as listings show them."""
        return sorted(
            (a for a in self.articles.values() if not a.hidden),
            key=lambda a: (a.published, a.path),
            reverse=True,
        )

    def manifest(self) -> dict[str, Any]:
        """What a correct crawl of this site yields (paths are root-relative)."""
        declared = self.config.get("manifest", {})
        return {
            "name": self.name,
            "title": self.title,
            "language": self.language,
            "articles": sorted(a.path for a in self.visible_articles()),
            "non_articles": list(declared.get("non_articles", [])),
            "disallowed": sorted(a.path for a in self.articles.values() if a.hidden)
            + list(declared.get("disallowed", [])),
            "missing": list(declared.get("missing", [])),
            "redirects": {k: v[0] for k, v in self.redirects.items()},
            "amp": {self.amp_path(a.path): a.path for a in self.articles.values() if a.amp},
            "traps": [prefix for prefix, _ in self._dynamic],
            # the copy's own path, and the site + path of the original it republishes
            "syndicated": [
                {
                    "path": a.path,
                    "site": a.syndicated_from["site"],
                    "original_path": a.syndicated_from["path"],
                    "credit": a.syndicated_from.get("credit", ""),
                }
                for a in self.articles.values()
                if a.syndicated_from
            ],
            # [path, other_site, other_path]: independent reports of the same news event
            "same_story": [list(x) for x in declared.get("same_story", [])],
            # strings on article pages (chrome and in-body inserts) no article body may keep
            "boilerplate": list(declared.get("boilerplate", [])),
        }

    def _check_manifest(self) -> None:
        declared = set(self.config.get("manifest", {}).get("articles", []))
        actual = {a.path for a in self.visible_articles()}
        if declared != actual:
            raise ConfigError(
                f"{self.name}: site.json manifest.articles disagrees with articles/: "
                f"only declared {sorted(declared - actual)}, only on disk {sorted(actual - declared)}"
            )

    # ---------------------------------------------------------------- helpers

    def amp_path(self, path: str) -> str:
        return self.config.get("amp_prefix", "/amp") + path

    def section(self, slug: str) -> dict[str, str]:
        return next(s for s in self.sections if s["slug"] == slug)

    def tag_path(self, tag: str) -> str:
        return self.config.get("tag_path", "/tag/{slug}/").format(slug=slugify(tag))

    def author_path(self, name: str) -> str:
        return self.config.get("author_path", "/author/{slug}/").format(slug=slugify(name))

    def _label(self, key: str) -> str:
        return self.config.get("labels", {}).get(key, key)

    def _byline_html(self, article: Article) -> str:
        links = [
            f'<a href="{self.author_path(n)}" rel="author">{escape(n)}</a>' for n in article.authors
        ]
        return join_names(links, self._label("and"))

    def _decorate(self, article: Article, style: str) -> str:
        """The href a listing uses: the same article under the URL variants real sites emit."""
        path = article.path
        if style == "utm":
            return (
                path + "?utm_source=homepage&amp;utm_medium=referral&amp;utm_campaign=top-stories"
            )
        if style == "newsletter":
            return path + "?utm_source=newsletter&amp;utm_medium=email"
        if style == "fragment":
            return path + "#comments"
        if style == "amp" and article.amp:
            return self.amp_path(path)
        if style == "slash":
            return path[:-1] if path.endswith("/") else path + "/"
        if style == "jsessionid":
            return path + ";jsessionid=" + hashlib.md5(path.encode()).hexdigest()[:16].upper()
        if style == "absolute":
            return BASE + path
        return path

    def _page(self, *, title: str, content: str, head: str, body_class: str) -> str:
        return fill(
            self.templates["page"],
            {
                "title": escape(title),
                "head": head,
                "content": content,
                "body_class": body_class,
                "lang": self.language,
                "site_title": escape(self.title),
            },
        )

    def _common_head(self, *, canonical: str | None, description: str) -> list[str]:
        head = [f'<meta name="description" content="{attr(description)}">']
        if canonical is not None:
            head.append(f'<link rel="canonical" href="{BASE}{canonical}">')
        feed = self.config["feed"]
        kind = "application/atom+xml" if feed["format"] == "atom" else "application/rss+xml"
        head.append(
            f'<link rel="alternate" type="{kind}" title="{attr(self.title)}" href="{feed["path"]}">'
        )
        return head

    # -------------------------------------------------------------- articles

    def _article_jsonld(self, a: Article) -> str:
        url = BASE + a.path
        article: dict[str, Any] = {
            "@type": "NewsArticle",
            "headline": a.title,
            "description": a.description,
            "url": url,
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "datePublished": a.published.isoformat(),
            "dateModified": a.modified.isoformat(),
            "author": [
                {"@type": "Person", "name": n, "url": BASE + self.author_path(n)} for n in a.authors
            ],
            "publisher": {
                "@type": "Organization",
                "name": self.title,
                "logo": {"@type": "ImageObject", "url": f"{BASE}/static/logo.png"},
            },
            "articleSection": self.section(a.section)["name"],
            "keywords": a.tags,
            "inLanguage": self.language,
        }
        if a.image:
            article["image"] = {
                "@type": "ImageObject",
                "url": BASE + a.image["src"],
                "caption": a.image.get("caption", ""),
            }
        if self.config.get("jsonld") == "graph":
            section = self.section(a.section)
            data: Any = {
                "@context": "https://schema.org",
                "@graph": [
                    {
                        "@type": "WebSite",
                        "@id": f"{BASE}/#website",
                        "url": f"{BASE}/",
                        "name": self.title,
                    },
                    {"@type": "WebPage", "@id": url, "url": url, "name": a.title},
                    article,
                    {
                        "@type": "BreadcrumbList",
                        "itemListElement": [
                            {
                                "@type": "ListItem",
                                "position": 1,
                                "name": self.title,
                                "item": f"{BASE}/",
                            },
                            {
                                "@type": "ListItem",
                                "position": 2,
                                "name": section["name"],
                                "item": BASE + section["path"],
                            },
                            {"@type": "ListItem", "position": 3, "name": a.title},
                        ],
                    },
                ],
            }
        else:
            data = {"@context": "https://schema.org", **article}
        return jsonld_script(data)

    def _article_values(self, a: Article) -> dict[str, str]:
        section = self.section(a.section)
        image = ""
        if a.image:
            credit = a.image.get("credit", "")
            image = fill(
                self.templates.get(
                    "figure",
                    '<figure><img src="{{src}}" alt="{{alt}}"><figcaption>{{caption}} {{credit}}</figcaption></figure>',
                ),
                {
                    "src": a.image["src"],
                    "alt": attr(a.image.get("alt", a.image.get("caption", ""))),
                    "caption": escape(a.image.get("caption", "")),
                    "credit": escape(credit),
                },
            )
        related = []
        for path in a.related:
            other = self.articles.get(path)
            if other is not None and not other.hidden:
                related.append(f'<li><a href="{path}">{escape(other.title)}</a></li>')
        tags = "".join(
            f'<li><a href="{self.tag_path(t)}" rel="tag">{escape(t)}</a></li>' for t in a.tags
        )
        syndication = ""
        if a.syndicated_from:
            syndication = fill(
                self.templates.get("syndication", '<p class="syndication">{{credit}}</p>'),
                {"credit": escape(a.syndicated_from.get("credit", ""))},
            )
        updated = ""
        if a.modified > a.published:
            updated = (
                f'<time class="updated" datetime="{a.modified.isoformat()}">'
                f"{self._label('updated')} {display_date(a.modified, self.language)}</time>"
            )
        return {
            "path": a.path,
            "title": escape(a.title),
            "description": escape(a.description),
            "kicker": escape(a.kicker or section["name"]),
            "section_name": escape(section["name"]),
            "section_href": section["path"],
            "byline": self._byline_html(a),
            "authors_plain": escape(join_names(a.authors, self._label("and"))),
            "published_iso": a.published.isoformat(),
            "published_display": display_date(a.published, self.language),
            "updated": updated,
            "image": image,
            "body": a.body,
            "tags": tags,
            "related": "".join(related),
            "syndication": syndication,
            "amp_href": self.amp_path(a.path),
        }

    def _render_article(self, a: Article) -> str:
        values = self._article_values(a)
        head = self._common_head(canonical=a.path, description=a.description)
        if a.amp:
            head.append(f'<link rel="amphtml" href="{BASE}{self.amp_path(a.path)}">')
        head += [
            '<meta property="og:type" content="article">',
            f'<meta property="og:site_name" content="{attr(self.title)}">',
            f'<meta property="og:title" content="{attr(a.title)}">',
            f'<meta property="og:description" content="{attr(a.description)}">',
            f'<meta property="og:url" content="{BASE}{a.path}">',
            f'<meta property="og:locale" content="{self.config.get("locale", self.language)}">',
        ]
        if a.image:
            head.append(f'<meta property="og:image" content="{BASE}{a.image["src"]}">')
        head += [
            f'<meta property="article:published_time" content="{a.published.isoformat()}">',
            f'<meta property="article:modified_time" content="{a.modified.isoformat()}">',
            f'<meta property="article:section" content="{attr(self.section(a.section)["name"])}">',
        ]
        head += [f'<meta property="article:tag" content="{attr(t)}">' for t in a.tags]
        head += [f'<meta name="author" content="{attr(join_names(a.authors, "&"))}">']
        head.append(self._article_jsonld(a))
        content = fill(self.templates["article"], values)
        return self._page(
            title=a.title, content=content, head="\n".join(head), body_class="single-article"
        )

    def _render_amp(self, a: Article) -> str:
        values = self._article_values(a)
        values.update(
            {
                "lang": self.language,
                "site_title": escape(self.title),
                "canonical": BASE + a.path,
                "jsonld": self._article_jsonld(a),
            }
        )
        return fill(self.templates["amp"], values)

    # -------------------------------------------------------------- listings

    def _card(self, a: Article, style: str) -> str:
        values = self._article_values(a)
        values["href"] = self._decorate(a, style)
        return fill(self.templates["card"], values)

    def _cards(self, articles: list[Article], context: str) -> str:
        styles = self.config.get("link_styles", {}).get(context, ["plain"])
        return "\n".join(self._card(a, styles[i % len(styles)]) for i, a in enumerate(articles))

    def _pagination(self, path: str, page: int, pages: int) -> str:
        if pages <= 1:
            return ""
        items = []
        if page > 1:
            prev = path if page == 2 else f"{path}?page={page - 1}"
            items.append(f'<a class="prev" rel="prev" href="{prev}">{self._label("previous")}</a>')
        for n in range(1, pages + 1):
            href = path if n == 1 else f"{path}?page={n}"
            cls = ' class="current" aria-current="page"' if n == page else ""
            items.append(f'<a{cls} href="{href}">{n}</a>')
        if page < pages:
            items.append(
                f'<a class="next" rel="next" href="{path}?page={page + 1}">{self._label("next")}</a>'
            )
        return '<nav class="pagination">' + " ".join(items) + "</nav>"

    def _listing_pages(self) -> dict[str, tuple[str, str, list[Article], str]]:
        """path -> (heading, intro, articles, link-style context) for every paginated listing."""
        visible = self.visible_articles()
        listings: dict[str, tuple[str, str, list[Article], str]] = {}
        for s in self.sections:
            members = [a for a in visible if a.section == s["slug"]]
            listings[s["path"]] = (s["name"], s.get("intro", ""), members, "section")
        tags: dict[str, list[Article]] = {}
        authors: dict[str, list[Article]] = {}
        names: dict[str, str] = {}
        for a in visible:
            for t in a.tags:
                tags.setdefault(self.tag_path(t), []).append(a)
                names[self.tag_path(t)] = t
            for n in a.authors:
                authors.setdefault(self.author_path(n), []).append(a)
                names[self.author_path(n)] = n
        for path, members in tags.items():
            listings[path] = (names[path], "", members, "tag")
        for path, members in authors.items():
            listings[path] = (names[path], "", members, "author")
        return listings

    def _render_listing(self, path: str, page: int) -> Resource | None:
        heading, intro, members, context = self._listings[path]
        pages = max(1, -(-len(members) // self.page_size))
        if not 1 <= page <= pages:
            return None
        chunk = members[(page - 1) * self.page_size : page * self.page_size]
        canonical = path if page == 1 else f"{path}?page={page}"
        head = self._common_head(canonical=canonical, description=f"{heading} — {self.title}")
        head.append('<meta property="og:type" content="website">')
        if page > 1:
            head.append(
                f'<link rel="prev" href="{BASE}{path if page == 2 else f"{path}?page={page - 1}"}">'
            )
        if page < pages:
            head.append(f'<link rel="next" href="{BASE}{path}?page={page + 1}">')
        content = fill(
            self.templates["listing"],
            {
                "heading": escape(heading),
                "intro": escape(intro),
                "cards": self._cards(chunk, context),
                "pagination": self._pagination(path, page, pages),
                "page_label": f"{self._label('page')} {page}" if page > 1 else "",
            },
        )
        text = self._page(
            title=f"{heading} | {self.title}",
            content=content,
            head="\n".join(head),
            body_class=f"listing {context}",
        )
        # Newest of the whole listing, not of this page: publishing an article shifts every
        # page of the listing, and If-Modified-Since must not answer 304 for a shifted page.
        modified = max((a.modified for a in members), default=self.updated)
        return Resource(text, CONTENT_TYPES[".html"], modified)

    def _render_home(self) -> str:
        visible = self.visible_articles()
        lead, rest = visible[0], visible[1 : int(self.config.get("home_size", 5))]
        blocks = []
        for s in self.sections:
            members = [a for a in visible if a.section == s["slug"]][:2]
            blocks.append(
                f'<section class="section-block"><h2><a href="{s["path"]}">{escape(s["name"])}</a></h2>'
                f"{self._cards(members, 'home_section')}</section>"
            )
        head = self._common_head(canonical="/", description=self.config.get("tagline", self.title))
        head += [
            '<meta property="og:type" content="website">',
            f'<meta property="og:url" content="{BASE}/">',
            jsonld_script(
                {
                    "@context": "https://schema.org",
                    "@type": "WebSite",
                    "url": f"{BASE}/",
                    "name": self.title,
                    "potentialAction": {
                        "@type": "SearchAction",
                        "target": f"{BASE}{self.config.get('search_path', '/search')}?q={{search_term_string}}",
                        "query-input": "required name=search_term_string",
                    },
                }
            ),
        ]
        content = fill(
            self.templates["home"],
            {
                "lead": self._card(lead, "plain"),
                "cards": self._cards(rest, "home"),
                "section_blocks": "\n".join(blocks),
                "tagline": escape(self.config.get("tagline", "")),
            },
        )
        return self._page(
            title=f"{self.title} — {self.config.get('tagline', '')}",
            content=content,
            head="\n".join(head),
            body_class="home",
        )

    def _render_static_page(self, meta: dict[str, Any], body: str) -> str:
        head = self._common_head(
            canonical=meta["path"], description=meta.get("description", meta["title"])
        )
        head.append(f'<meta property="og:type" content="{meta.get("og_type", "website")}">')
        if meta.get("jsonld"):
            head.append(jsonld_script({"@context": "https://schema.org", **meta["jsonld"]}))
        return self._page(
            title=f"{meta['title']} | {self.title}",
            content=body,
            head="\n".join(head),
            body_class=meta.get("kind", "page"),
        )

    # ------------------------------------------------------- feeds, sitemaps

    def _feed_items(self, articles: list[Article]) -> list[dict[str, Any]]:
        tracking = self.config["feed"].get("link_suffix", "")
        return [
            {
                "title": a.title,
                "link": BASE + a.path + tracking,
                "guid": BASE + a.path,
                "published": a.published,
                "modified": a.modified,
                "authors": a.authors,
                "tags": a.tags,
                "description": a.description,
            }
            for a in articles
        ]

    def _sitemaps(self, visible: list[Article]) -> dict[str, Resource]:
        sm = self.config["sitemaps"]
        news_count = int(sm.get("news_count", 3))
        half = max(news_count, (len(visible) + 1) // 2)
        recent, archive = visible[:half], visible[half:]
        newest = max((a.modified for a in visible), default=self.updated)
        xml = CONTENT_TYPES[".xml"]
        out: dict[str, Resource] = {}
        listing_paths = ["/"] + [s["path"] for s in self.sections]
        pages = [(p, None) for p in listing_paths] + [
            (m["path"], self.updated) for m, _ in self.pages if m.get("in_sitemap", True)
        ]
        out[sm["pages"]] = Resource(
            urlset([(a.path, a.modified) for a in recent] + pages),
            xml,
            newest,
        )
        out[sm["news"]] = Resource(
            news_urlset(
                [(a.path, a.title, a.published) for a in visible[:news_count]],
                publication=self.title,
                language=self.language,
            ),
            xml,
            newest,
        )
        archive_modified = max((a.modified for a in archive), default=self.updated)
        out[sm["archive"]] = Resource(
            urlset([(a.path, a.modified) for a in archive]),
            CONTENT_TYPES[".gz"],
            archive_modified,
            gzip_file=True,
        )
        out[sm["index"]] = Resource(
            sitemap_index(
                [(sm["pages"], newest), (sm["news"], newest), (sm["archive"], archive_modified)]
            ),
            xml,
            newest,
        )
        return out

    # ----------------------------------------------------------------- build

    def _build(self) -> None:
        visible = self.visible_articles()
        routes: dict[str, Resource] = {}
        html = CONTENT_TYPES[".html"]
        for a in self.articles.values():
            routes[a.path] = Resource(self._render_article(a), html, a.modified)
            if a.amp:
                routes[self.amp_path(a.path)] = Resource(self._render_amp(a), html, a.modified)
        for meta, body in self.pages:
            routes[meta["path"]] = Resource(
                self._render_static_page(meta, body), html, self.updated
            )
        for path, text in self.files.items():
            suffix = Path(path).suffix
            routes[path] = Resource(
                text, CONTENT_TYPES.get(suffix, "application/octet-stream"), self.updated
            )
        feed = self.config["feed"]
        items = self._feed_items(visible[: int(feed.get("size", 10))])
        newest = max((a.modified for a in visible), default=self.updated)
        if feed["format"] == "atom":
            text = atom_feed(
                title=self.title,
                self_path=feed["path"],
                items=items,
                built=newest,
                language=self.language,
            )
            routes[feed["path"]] = Resource(text, "application/atom+xml; charset=utf-8", newest)
        else:
            text = rss_feed(
                title=self.title,
                description=self.config.get("tagline", ""),
                language=self.language,
                self_path=feed["path"],
                items=items,
                built=newest,
            )
            routes[feed["path"]] = Resource(text, "application/rss+xml; charset=utf-8", newest)
        routes.update(self._sitemaps(visible))
        self._listings = self._listing_pages()
        self._home = Resource(self._render_home(), html, newest)
        self._routes = routes
        self._gzip_cache.clear()

    # ---------------------------------------------------------------- serve

    def handle(self, request: Request, base: str) -> Response:
        path = request.path
        if ";" in path:  # Java-style session ids in the path: /a.html;jsessionid=XYZ
            path = path.split(";", 1)[0]
        resource = self._lookup(path, request)
        if resource is None:
            alt = path[:-1] if path.endswith("/") and path != "/" else path + "/"
            if self._lookup(alt, request) is not None:
                if self.trailing_slash == "alias":
                    resource = self._lookup(alt, request)
                else:
                    query = request.target.partition("?")[2]
                    location = base + alt + (f"?{query}" if query else "")
                    return Response(status=301, headers={"Location": location})
        if resource is None:
            target = self.redirects.get(path)
            if target is not None:
                return Response(status=int(target[1]), headers={"Location": base + target[0]})
            for prefix, handler in self._dynamic:
                if path == prefix or path.startswith(prefix + "/"):
                    response = handler(request)
                    if response is not None:
                        return self._with_base(response, base)
            return self._not_found(base)
        return self._serve_resource(path, resource, base)

    def _lookup(self, path: str, request: Request) -> Resource | None:
        with self._lock:
            if path in self.extra:
                return self.extra[path]
            if path == "/":
                page = request.param("page", "1")
                return self._home if page == "1" else None
            if path in self._routes:
                return self._routes[path]
            if path in self._listings:
                return self._listing_or_none(path, request.param("page", "1"))
        return None

    def _listing_or_none(self, path: str, page: str) -> Resource | None:
        """A listing page, or None (-> the site's 404 page) for ``?page=99`` or ``?page=x``."""
        return self._render_listing(path, int(page)) if page.isdigit() else None

    def _serve_resource(self, path: str, resource: Resource, base: str) -> Response:
        if resource.gzip_file:
            key = (path, base)
            body = self._gzip_cache.get(key)
            if body is None:
                body = gzip.compress(resource.text.replace(BASE, base).encode("utf-8"), mtime=0)
                self._gzip_cache[key] = body
        else:
            body = resource.text.replace(BASE, base).encode("utf-8")
        return Response(
            body=body,
            content_type=resource.content_type,
            etag=resource.etag,
            last_modified=resource.last_modified,
        )

    def _with_base(self, response: Response, base: str) -> Response:
        response.body = response.body.replace(BASE.encode(), base.encode())
        return response

    def _not_found(self, base: str) -> Response:
        content = fill(self.templates.get("notfound", "<h1>Not found</h1>"), {})
        text = self._page(
            title=f"404 | {self.title}",
            content=content,
            head='<meta name="robots" content="noindex">',
            body_class="error404",
        )
        return Response(status=404, body=text.replace(BASE, base).encode("utf-8"))

    def _dynamic_page(self, title: str, content: str, kind: str) -> Response:
        head = '<meta name="robots" content="noindex, follow">'
        text = self._page(
            title=f"{title} | {self.title}", content=content, head=head, body_class=kind
        )
        return Response(body=text.encode("utf-8"))

    def _calendar(self, request: Request) -> Response | None:
        month = request.param("month", self.updated.strftime("%Y-%m"))
        rendered = traps.calendar_page(request.path, month, self.language)
        if rendered is None:
            return None
        return self._dynamic_page(*rendered, kind="calendar")

    def _search(self, request: Request) -> Response | None:
        q = request.param("q").lower()
        words = [w for w in q.split() if len(w) > 2]
        results = [
            (a.path, a.title)
            for a in self.visible_articles()
            if words and any(w in (a.title + " " + " ".join(a.tags)).lower() for w in words)
        ][:5]
        return self._dynamic_page(
            *traps.search_page(request.path, request.query, results, self.language), kind="search"
        )

    def _shop(self, request: Request) -> Response | None:
        prefix = self.config.get("shop_path", "/shop")
        return self._dynamic_page(
            *traps.shop_page(prefix, request.param("sid"), self.language), kind="shop"
        )
