"""A generated fashion-news site of N articles, served on 127.0.0.1 for crawl benchmarks.

Nothing is written to disk: every page is rendered on request from ``(seed, article number)``,
so a 5,000- or 50,000-article site costs no memory beyond the server itself and the same seed
always gives byte-identical pages (with stable ETags, so conditional requests work).

The site looks like a real news site to a crawler:

- ``/robots.txt`` with a ``Sitemap:`` line → ``/sitemap.xml`` (index) → ``/sitemaps/articles-K.xml``
  (1,000 URLs each, with ``lastmod``); ``/feed.xml`` (RSS, newest 50).
- ``/`` home page with the newest 30 articles and links to 5 sections.
- ``/section/<name>`` and ``?page=N`` listings (50 articles per page) that together link
  every article, with numbered pagination.
- ``/news/<id>/<slug>`` article pages of about 30–80 KB: JSON-LD NewsArticle, OpenGraph,
  canonical link, byline, dates, 450–1,400 words of generated prose, up to 6 related (older) stories,
  and the chrome real sites carry (inline CSS, inline app state, mega menu, cookie banner, footer).
  Each article tells its own story (its company, people, city, products, phrasing: see
  ``prose.py``), so different articles are as distinct as different news stories; every 50th
  is a planted wire copy of an older article from another section (``syndicated_from``), the
  near-duplicates a dedup stage should find (2% of the site).

Use it from Python (the crawl and distributed benchmarks do)::

    import sys; sys.path.insert(0, "benchmarks")
    from sitegen import GeneratedSite

    site = GeneratedSite(n_articles=5000, seed=1)
    with site.serve() as server:              # a started newscrawl.fixtureweb.SiteServer
        start_url = server.url                 # "http://127.0.0.1:PORT/"
        expected = site.article_urls(server.base)
        ...crawl...
        fetched = server.requests()            # [(method, path, status), ...]

``site.grow(100)`` publishes 100 newer articles while serving; every existing article page stays
byte-identical (same ETag, so a rerun gets 304s), which is what incremental benchmarks need.

Or beside the fixture sites: ``FixtureWeb(apps=[GeneratedSite(1000)])`` (add site names to
serve both). From a shell::

    python benchmarks/sitegen.py --articles 5000 --port 8700     # serve until Ctrl-C
    python benchmarks/sitegen.py --articles 5000 --latency 0.05  # a "remote" site: +50 ms each
    python benchmarks/sitegen.py --articles 5000 --stats         # page sizes, render CPU cost

Cost: about 1.5 ms of CPU per article page (measured with ``--stats``) in the serving process.
When a benchmark measures a crawler's peak RSS or CPU, serve the site from a separate process
(the command above prints ``generated http://127.0.0.1:PORT/``) so the server's threads, page
rendering and request log are not counted as the crawler's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

if __package__ in (None, ""):  # run as a script from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import prose  # benchmarks/prose.py, beside this file

from newscrawl.fixtureweb.render import jsonld_script, rss_feed, sitemap_index, urlset
from newscrawl.fixtureweb.server import Request, Response, SiteServer, etag_for

SECTIONS = ("fashion", "business", "retail", "beauty", "sustainability")
PAGE_SIZE = 50
SITEMAP_SIZE = 1000
START = datetime(2023, 1, 2, 6, 0, tzinfo=UTC)

COMPANIES = 3000  # company names a site writes about (each story picks 4)
PEOPLE = 2000  # people quoted (each story picks 4)
SYNDICATION_EVERY = 50  # every 50th article republishes an older one from another section
SYNDICATION_LAG = 37  # ... this many articles older (37 % 5 sections: always another section)


def _name(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(prose.SYLLABLES) for _ in range(syllables)).capitalize()


class GeneratedSite:
    """A ``SiteApp`` (see ``newscrawl.fixtureweb.server``) with ``n_articles`` generated articles."""

    def __init__(
        self,
        n_articles: int = 1000,
        seed: int = 0,
        *,
        name: str = "generated",
        latency: float = 0.0,
    ) -> None:
        """``latency``: seconds each response waits before it is sent, like a remote site's
        round trip; with it, the site rather than the crawler's CPU limits throughput (what a
        1-vs-2-worker comparison needs). Waiting happens in the request's own thread."""
        if n_articles < 1:
            raise ValueError("n_articles must be at least 1")
        if latency < 0:
            raise ValueError("latency must not be negative")
        self.n_articles = n_articles
        self.latency = latency
        self.seed = seed
        self.name = name
        rng = random.Random(seed)
        self.title = f"{_name(rng, 2)} {rng.choice(('Daily', 'Report', 'Wire', 'Journal'))}"
        # Fixed-size pools (not scaled with n, so an article never depends on the site's size).
        self._companies = list(
            dict.fromkeys(
                f"{_name(rng, 2)} {_name(rng, 1)}" if i % 3 else _name(rng, 3)
                for i in range(COMPANIES)
            )
        )
        self._people = list(
            dict.fromkeys(
                f"{rng.choice(prose.FIRST)} {_name(rng, rng.choice((2, 3)))}" for _ in range(PEOPLE)
            )
        )
        self._authors = self._people[:60]
        self._chrome_css = self._make_css(rng)
        self._chrome_state = self._make_state(rng)
        self._nav = self._make_nav()
        self._footer = self._make_footer(rng)

    # ------------------------------------------------------------ article data

    def article_id(self, index: int) -> int:
        """Article numbers 0..n-1 map to sparse public ids, like a CMS's."""
        return 100_000 + index * 7

    def _rng(self, index: int) -> random.Random:
        return random.Random(self.seed * 1_000_003 + index)

    def syndicated_from(self, index: int) -> int | None:
        """The older article this one republishes (a wire copy in another section), if any."""
        if index % SYNDICATION_EVERY == SYNDICATION_EVERY - 1 and index >= SYNDICATION_LAG:
            return index - SYNDICATION_LAG
        return None

    def _story(self, index: int) -> prose.Story:
        return prose.story(self._rng(index + 3_333_333), self._companies, self._people)

    def _headline(self, index: int) -> str:
        source = self.syndicated_from(index)
        if source is not None:
            return self._headline(source)  # a wire copy keeps its headline
        rng = self._rng(index)
        story = self._story(index)
        return (
            f"{story.company} {rng.choice(prose.VERBS)} {rng.choice(prose.ADJECTIVES)} "
            f"{story.products[0]} as {story.topics[0]} "
            f"{rng.choice(('rise', 'slow', 'shift', 'tighten', 'recover'))} in {story.city}"
        )

    def article_path(self, index: int) -> str:
        slug = "-".join(self._headline(index).lower().replace("&", "and").split()[:9])
        return f"/news/{self.article_id(index)}/{slug}"

    def article_urls(self, base: str) -> list[str]:
        """Absolute canonical URLs of every article (base is ``http://127.0.0.1:PORT``)."""
        return [base + self.article_path(i) for i in range(self.n_articles)]

    def _published(self, index: int) -> datetime:
        """One article every 3 hours from ``START``: a page never changes when the site grows."""
        return START + timedelta(hours=3 * index)

    def grow(self, count: int) -> list[int]:
        """Publish ``count`` newer articles (for incremental-crawl benchmarks); returns their
        indices. Existing article pages keep their bytes and ETags; home, listings, sitemaps
        and feed change, as on a real site."""
        first = self.n_articles
        self.n_articles += count
        return list(range(first, self.n_articles))

    def _section(self, index: int) -> str:
        return SECTIONS[index % len(SECTIONS)]

    def _paragraphs(self, index: int) -> list[str]:
        """9–24 paragraphs telling this article's own story (see ``prose``): no two articles
        share sentences, names or figures beyond chance, except the planted wire copies,
        which repeat their source's text less its last paragraph, plus a republishing note.
        An article depends only on (seed, index), never on the site's size."""
        source = self.syndicated_from(index)
        if source is not None:
            return [*self._paragraphs(source)[:-1], prose.syndication_note(self._rng(index))]
        rng = self._rng(index)
        rng.random()  # decorrelate from the headline draw
        return prose.paragraphs(rng, self._story(index), rng.randint(9, 24))

    # ------------------------------------------------------------------ chrome

    @staticmethod
    def _make_css(rng: random.Random) -> str:
        rules = []
        for i in range(260):
            rules.append(
                f".c-{i:03d}{{margin:{rng.randint(0, 32)}px {rng.randint(0, 32)}px;"
                f"font-size:{rng.randint(11, 28)}px;color:#{rng.randrange(0x1000000):06x};"
                f"line-height:{rng.randint(12, 20) / 10}}}"
            )
        return "\n".join(rules)

    @staticmethod
    def _make_state(rng: random.Random) -> str:
        slots = [
            {
                "id": f"ad-slot-{i}",
                "sizes": [[300, 250], [728, 90]],
                "targeting": {"pos": i, "kw": rng.sample(prose.PRODUCTS, 3)},
            }
            for i in range(40)
        ]
        state = {
            "ads": slots,
            "experiments": {f"exp_{i}": rng.choice(["a", "b", "control"]) for i in range(60)},
        }
        return json.dumps(state, separators=(",", ":")).replace("</", "<\\/")

    def _make_nav(self) -> str:
        items = []
        for section in SECTIONS:
            subs = "".join(
                f'<li><a href="/section/{section}#{noun.replace(" ", "-")}">{escape(noun.title())}</a></li>'
                for noun in prose.PRODUCTS[:12]
            )
            items.append(
                f'<li class="mega"><a href="/section/{section}">{section.title()}</a><ul>{subs}</ul></li>'
            )
        return f'<nav class="mega-menu"><ul>{"".join(items)}</ul></nav>'

    def _make_footer(self, rng: random.Random) -> str:
        external = "".join(
            f'<li><a href="https://partner{i}.example.com/{_name(rng, 2).lower()}" rel="nofollow">{_name(rng, 2)}</a></li>'
            for i in range(40)
        )
        return (
            '<footer class="site-footer"><ul class="partners">' + external + "</ul>"
            f"<p>© 2024 {escape(self.title)} Media. All rights reserved. Reproduction without permission is prohibited.</p></footer>"
        )

    def _page(self, title: str, head: str, content: str) -> str:
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)}</title>\n{head}\n"
            f'<link rel="alternate" type="application/rss+xml" href="/feed.xml">\n'
            f"<style>{self._chrome_css}</style>\n"
            f"<script>window.__APP_STATE__={self._chrome_state};</script>\n</head>\n<body>\n"
            '<div class="cookie-banner"><p>We and our partners use cookies to personalise content and ads '
            "and to analyse our traffic. <button>Accept all</button> <button>Reject</button></p></div>\n"
            f'<header><a class="logo" href="/">{escape(self.title)}</a>{self._nav}</header>\n'
            f"<main>{content}</main>\n{self._footer}\n</body>\n</html>\n"
        )

    # ------------------------------------------------------------------- pages

    def _article(self, index: int) -> tuple[str, datetime]:
        base = "{{BASE}}"
        path = self.article_path(index)
        title = self._headline(index)
        published = self._published(index)
        rng = self._rng(index + 7_777_777)
        authors = rng.sample(self._authors, rng.choice((1, 1, 1, 2)))
        paragraphs = self._paragraphs(index)
        description = paragraphs[0].split(". ")[0].rstrip(".") + "."
        section = self._section(index)
        # Related stories are older ones, so publishing more never changes an existing page.
        related = sorted({rng.randrange(index) for _ in range(6)}) if index else []
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "description": description,
            "url": base + path,
            "mainEntityOfPage": base + path,
            "datePublished": published.isoformat(),
            "dateModified": published.isoformat(),
            "author": [{"@type": "Person", "name": a} for a in authors],
            "publisher": {"@type": "Organization", "name": self.title},
            "articleSection": section.title(),
            "inLanguage": "en",
        }
        head = "\n".join(
            [
                f'<meta name="description" content="{escape(description)}">',
                f'<link rel="canonical" href="{base}{path}">',
                '<meta property="og:type" content="article">',
                f'<meta property="og:title" content="{escape(title)}">',
                f'<meta property="og:url" content="{base}{path}">',
                f'<meta property="article:published_time" content="{published.isoformat()}">',
                f'<meta property="article:section" content="{section.title()}">',
                jsonld_script(data),
            ]
        )
        body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        related_html = "".join(
            f'<li><a href="{self.article_path(r)}">{escape(self._headline(r))}</a></li>'
            for r in related
        )
        content = (
            f'<nav class="breadcrumbs"><a href="/">Home</a> › <a href="/section/{section}">{section.title()}</a></nav>'
            f'<article><h1>{escape(title)}</h1><p class="standfirst">{escape(description)}</p>'
            f'<p class="byline">By {escape(" and ".join(authors))} | '
            f'<time datetime="{published.isoformat()}">{published:%B} {published.day}, {published.year}</time></p>'
            f'<figure><img src="/img/{self.article_id(index)}.jpg" alt=""><figcaption>Photo: {escape(rng.choice(self._authors))}</figcaption></figure>'
            f'<div class="article-body">\n{body}\n</div></article>'
            f'<aside class="related"><h2>Related</h2><ul>{related_html}</ul></aside>'
        )
        return self._page(title, head, content), published

    def _card(self, index: int) -> str:
        published = self._published(index)
        return (
            f'<li class="card"><a href="{self.article_path(index)}">{escape(self._headline(index))}</a> '
            f'<time datetime="{published.isoformat()}">{published:%d %b %Y}</time></li>'
        )

    def _listing(self, section: str, page: int) -> str | None:
        members = list(range(self.n_articles - 1, -1, -1))
        members = [i for i in members if self._section(i) == section]
        pages = max(1, -(-len(members) // PAGE_SIZE))
        if not 1 <= page <= pages:
            return None
        chunk = members[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        path = f"/section/{section}"
        window = range(max(1, page - 3), min(pages, page + 3) + 1)
        links = [f'<a href="{path}?page={n}">{n}</a>' for n in window]
        if page < pages:
            links.append(f'<a rel="next" href="{path}?page={page + 1}">Next</a>')
        canonical = path if page == 1 else f"{path}?page={page}"
        content = (
            f'<h1>{section.title()}</h1><ul class="cards">{"".join(self._card(i) for i in chunk)}</ul>'
            f'<nav class="pagination">{" ".join(links)}</nav>'
        )
        return self._page(
            f"{section.title()} | {self.title}",
            f'<link rel="canonical" href="{{{{BASE}}}}{canonical}">',
            content,
        )

    def _home(self) -> str:
        newest = range(self.n_articles - 1, max(-1, self.n_articles - 31), -1)
        sections = "".join(f'<li><a href="/section/{s}">{s.title()}</a></li>' for s in SECTIONS)
        content = f'<h1>Latest news</h1><ul class="cards">{"".join(self._card(i) for i in newest)}</ul><ul class="sections">{sections}</ul>'
        return self._page(self.title, '<link rel="canonical" href="{{BASE}}/">', content)

    def _sitemaps(self, path: str) -> str | None:
        chunks = -(-self.n_articles // SITEMAP_SIZE)
        if path == "/sitemap.xml":
            return sitemap_index(
                (
                    f"/sitemaps/articles-{k}.xml",
                    self._published(min(self.n_articles, (k + 1) * SITEMAP_SIZE) - 1),
                )
                for k in range(chunks)
            )
        name = path.removeprefix("/sitemaps/articles-").removesuffix(".xml")
        if not name.isdigit() or int(name) >= chunks:
            return None
        k = int(name)
        indices = range(k * SITEMAP_SIZE, min(self.n_articles, (k + 1) * SITEMAP_SIZE))
        return urlset((self.article_path(i), self._published(i)) for i in indices)

    def _feed(self) -> str:
        newest = range(self.n_articles - 1, max(-1, self.n_articles - 51), -1)
        items = [
            {
                "title": self._headline(i),
                "link": "{{BASE}}" + self.article_path(i),
                "guid": "{{BASE}}" + self.article_path(i),
                "published": self._published(i),
                "authors": [],
                "tags": [self._section(i)],
                "description": "",
            }
            for i in newest
        ]
        return rss_feed(
            title=self.title,
            description="Generated news",
            language="en",
            self_path="/feed.xml",
            items=items,
            built=self._published(self.n_articles - 1),
        )

    def _index_of(self, path: str) -> int | None:
        parts = path.split("/")
        if len(parts) != 4 or not parts[2].isdigit():
            return None
        number = int(parts[2]) - 100_000
        if number % 7 or not 0 <= number // 7 < self.n_articles:
            return None
        index = number // 7
        return index if self.article_path(index) == path else None

    # ------------------------------------------------------------------- serve

    def handle(self, request: Request, base: str) -> Response:
        if self.latency:
            time.sleep(self.latency)
        path = request.path
        text: str | None = None
        content_type = "text/html; charset=utf-8"
        modified = self._published(self.n_articles - 1)  # listings, sitemaps: newest article
        if path.startswith("/news/"):
            index = self._index_of(path)
            if index is not None:
                text, modified = self._article(index)
        elif path == "/":
            text = self._home()
        elif path.startswith("/section/") and path.removeprefix("/section/") in SECTIONS:
            page = request.param("page", "1")
            text = (
                self._listing(path.removeprefix("/section/"), int(page)) if page.isdigit() else None
            )
        elif path == "/robots.txt":
            text, content_type = (
                "User-agent: *\nDisallow: /search\n\nSitemap: {{BASE}}/sitemap.xml\n",
                "text/plain; charset=utf-8",
            )
        elif path == "/sitemap.xml" or path.startswith("/sitemaps/"):
            text, content_type = self._sitemaps(path), "application/xml; charset=utf-8"
        elif path == "/feed.xml":
            text, content_type = self._feed(), "application/rss+xml; charset=utf-8"
        if text is None:
            return Response(
                status=404, body=b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>"
            )
        return Response(
            body=text.replace("{{BASE}}", base).encode("utf-8"),
            content_type=content_type,
            etag=etag_for(text),
            last_modified=modified,
        )

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> SiteServer:
        """Start serving in a background thread; use as a context manager to stop it."""
        return SiteServer(self, host, port).start()


def _stats(site: GeneratedSite, sample: int = 200) -> None:
    request = Request.parse("GET", "/", {})  # type: ignore[arg-type]
    sizes = []
    started = time.process_time()  # CPU time: meaningful on a busy machine too
    step = max(1, site.n_articles // sample)
    for i in range(0, site.n_articles, step):
        response = site.handle(
            Request.parse("GET", site.article_path(i), request.headers), "http://127.0.0.1:1"
        )
        sizes.append(len(response.body))
    elapsed = time.process_time() - started
    sizes.sort()
    print(
        f"{site.n_articles} articles; sampled {len(sizes)}: size min {sizes[0] / 1024:.1f} KB, "
        f"median {sizes[len(sizes) // 2] / 1024:.1f} KB, max {sizes[-1] / 1024:.1f} KB; "
        f"render {1000 * elapsed / len(sizes):.2f} ms CPU/page"
    )


def serve_in_subprocess(articles: int, latency: float = 0.0) -> tuple[subprocess.Popen, str]:
    """Start this script in its own process (so its CPU and memory are not the crawler's);
    returns the process and the site's base URL. The caller kills the process when done."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--articles", str(articles), "--latency", str(latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if len(line) != 2:
        proc.kill()
        raise SystemExit(f"sitegen did not start: {line}")
    return proc, line[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Serve a generated N-article news site on 127.0.0.1."
    )
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every response"
    )
    parser.add_argument(
        "--stats", action="store_true", help="print page sizes and render speed, then exit"
    )
    args = parser.parse_args(argv)
    site = GeneratedSite(args.articles, args.seed, latency=args.latency)
    if args.stats:
        _stats(site)
        return 0
    with site.serve(args.host, args.port) as server:
        print(f"{site.name} {server.url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
