"""The fixture web serves what crawl tests rely on: pages, discovery files, validators, traps, logs."""

from __future__ import annotations

import gzip
import html as htmllib
import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.robotparser
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from defusedxml import ElementTree

from newscrawl.errors import ConfigError
from newscrawl.fixtureweb import FixtureWeb, Request, Response, SiteServer, available_sites

ROOT = Path(__file__).resolve().parent.parent
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"
ATOM_NS = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def web() -> Iterator[FixtureWeb]:
    with FixtureWeb() as running:
        yield running


def fetch(
    url: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed, so tests see exactly what the server sent."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    conn.request(method, target or "/", headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def jsonld_types(html: str) -> set[str]:
    types: set[str] = set()
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
        data = json.loads(block)
        for node in data.get("@graph", [data]):
            types.add(node["@type"])
    return types


def link_rel(html: str, rel: str) -> str | None:
    match = re.search(rf'<link rel="{rel}"[^>]*href="([^"]+)"', html)
    return match.group(1) if match else None


def sitemap_locs(url: str) -> list[str]:
    status, headers, body = fetch(url)
    assert status == 200
    if url.endswith(".gz"):
        assert headers["content-type"] == "application/gzip"
        assert "content-encoding" not in headers  # a gzip *file*, not a transfer encoding
        body = gzip.decompress(body)
    root = ElementTree.fromstring(body)
    return [loc.text for loc in root.iter(f"{SITEMAP_NS}loc")]


def test_sites_start_on_distinct_ephemeral_ports(web: FixtureWeb) -> None:
    assert len(web.names) >= 3
    ports = {urlsplit(url).port for url in web.urls().values()}
    assert len(ports) == len(web.names)
    languages = {web.manifest(name)["language"] for name in web.names}
    assert {"en", "es", "it"} <= languages
    for name in web.names:
        assert web.url(name).startswith("http://127.0.0.1:") and web.url(name).endswith("/")
        status, headers, body = fetch(web.url(name))
        assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
        assert "{{" not in body.decode()


@pytest.mark.parametrize("name", available_sites())
def test_every_article_is_served_with_canonical_metadata(web: FixtureWeb, name: str) -> None:
    manifest = web.manifest(name)
    assert 6 <= len(manifest["articles"]) <= 12
    for url in web.article_urls(name):
        status, _, body = fetch(url)
        html = body.decode()
        assert status == 200, url
        assert link_rel(html, "canonical") == url
        assert f'<meta property="og:url" content="{url}">' in html
        assert "NewsArticle" in jsonld_types(html)
        assert f'"url": "{url}"' in html
        article = web.site(name).articles[urlsplit(url).path]
        words = len(re.sub(r"<[^>]+>", " ", article.body).split())
        assert 200 <= words <= 600, (url, words)
        assert article.body.split("</p>", 1)[0] in html
        assert "{{" not in html


@pytest.mark.parametrize("name", available_sites())
def test_expected_articles_match_what_the_pages_declare(web: FixtureWeb, name: str) -> None:
    expected = web.expected_articles(name)
    assert set(expected) == web.article_urls(name)
    for url, gold in expected.items():
        page = fetch(url)[2].decode()
        assert f'"datePublished": "{gold["published"]}"' in page
        assert f'<meta property="article:modified_time" content="{gold["modified"]}">' in page
        assert f"<title>{htmllib.escape(gold['title'], quote=False)}</title>" in page
        assert gold["authors"] and all(
            htmllib.escape(a, quote=False) in page for a in gold["authors"]
        )
        assert f'lang="{gold["language"]}"' in page


@pytest.mark.parametrize("name", available_sites())
def test_declared_boilerplate_really_is_on_the_article_pages(web: FixtureWeb, name: str) -> None:
    pages = [htmllib.unescape(fetch(url)[2].decode()) for url in web.article_urls(name)]
    boilerplate = web.manifest(name)["boilerplate"]
    assert len(boilerplate) >= 4
    for text in boilerplate:
        assert any(text in page for page in pages), text
    bodies = [a.body for a in web.site(name).visible_articles()]
    assert any(text in htmllib.unescape(body) for text in boilerplate for body in bodies), (
        "at least one in-body insert (newsletter box, read-also link, embed caption)"
    )


@pytest.mark.parametrize("name", available_sites())
def test_non_articles_are_served_and_not_marked_as_articles(web: FixtureWeb, name: str) -> None:
    manifest = web.manifest(name)
    assert any("?page=2" in p for p in manifest["non_articles"])
    for path in manifest["non_articles"]:
        status, _, body = fetch(manifest["base"] + path)
        assert status == 200, path
        assert "NewsArticle" not in jsonld_types(body.decode()), path
    for path in manifest["missing"]:
        assert fetch(manifest["base"] + path)[0] == 404, path
    for old, new in manifest["redirects"].items():
        status, headers, _ = fetch(manifest["base"] + old)
        assert status in (301, 302) and headers["location"] == manifest["base"] + new
        assert new in manifest["articles"]


@pytest.mark.parametrize("name", available_sites())
def test_robots_sitemaps_and_feed_lead_to_every_article(web: FixtureWeb, name: str) -> None:
    manifest = web.manifest(name)
    base = manifest["base"]
    status, _, robots_txt = fetch(base + "/robots.txt")
    assert status == 200
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(robots_txt.decode().splitlines())
    assert manifest["disallowed"], "every site hides an article-like page behind robots.txt"
    for path in manifest["disallowed"]:
        assert not robots.can_fetch("newscrawl", base + path)
        home = htmllib.unescape(fetch(base + "/")[2].decode())
        assert f'href="{path}"' in home, "the disallowed page must be linked"
    for path in manifest["articles"]:
        assert robots.can_fetch("newscrawl", base + path)

    indexes = robots.site_maps() or [base + "/sitemap.xml"]
    found: set[str] = set()
    news_dates = []
    kinds = set()
    for index_url in indexes:
        assert index_url.startswith(base)
        status, _, body = fetch(index_url)
        root = ElementTree.fromstring(body)
        children = (
            [loc.text for loc in root.iter(f"{SITEMAP_NS}loc")]
            if root.tag.endswith("sitemapindex")
            else [index_url]
        )
        for child in children:
            kinds.add("gz" if child.endswith(".gz") else "xml")
            found.update(sitemap_locs(child))
            if not child.endswith(".gz"):
                tree = ElementTree.fromstring(fetch(child)[2])
                news_dates += [d.text for d in tree.iter(f"{NEWS_NS}publication_date")]
    assert kinds == {"gz", "xml"}
    assert news_dates and all(
        re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", d) for d in news_dates
    )
    assert web.article_urls(name) <= found

    home = fetch(base + "/")[2].decode()
    feed_href = re.search(
        r'<link rel="alternate" type="application/(?:rss|atom)\+xml"[^>]*href="([^"]+)"', home
    )
    assert feed_href
    status, headers, body = fetch(urljoin(base + "/", feed_href.group(1)))
    assert status == 200 and ("rss" in headers["content-type"] or "atom" in headers["content-type"])
    root = ElementTree.fromstring(body)
    links = [e.text for e in root.iter("link") if e.text] + [
        e.get("href") for e in root.iter(f"{ATOM_NS}link") if e.get("rel") == "alternate"
    ]
    item_paths = {urlsplit(link).path for link in links if urlsplit(link).path != "/"}
    assert item_paths and item_paths <= set(manifest["articles"])


@pytest.mark.parametrize("name", available_sites())
def test_amp_copies_point_back_to_the_canonical_article(web: FixtureWeb, name: str) -> None:
    manifest = web.manifest(name)
    assert manifest["amp"]
    for amp_path, canonical in manifest["amp"].items():
        amp_html = fetch(manifest["base"] + amp_path)[2].decode()
        assert "<html amp" in amp_html or "<html ⚡" in amp_html
        assert link_rel(amp_html, "canonical") == manifest["base"] + canonical
        article_html = fetch(manifest["base"] + canonical)[2].decode()
        assert link_rel(article_html, "amphtml") == manifest["base"] + amp_path


def test_listing_links_carry_the_url_variants_crawlers_must_canonicalise(web: FixtureWeb) -> None:
    hrefs: list[str] = []
    for name in web.names:
        manifest = web.manifest(name)
        for path in ["/", *manifest["non_articles"]]:
            hrefs += re.findall(r'href="([^"]+)"', fetch(manifest["base"] + path)[2].decode())
    joined = "\n".join(hrefs)
    assert "utm_source=" in joined and "utm_medium=" in joined
    assert re.search(r"/[^\"]+#comments", joined)
    assert ";jsessionid=" in joined and "sid=" in joined
    assert "/amp/" in joined


def test_conditional_requests_get_304_and_head_has_no_body(web: FixtureWeb) -> None:
    name = "hemline-report"
    url = sorted(web.article_urls(name))[0]
    status, headers, body = fetch(url)
    etag, last_modified = headers["etag"], headers["last-modified"]
    assert status == 200 and int(headers["content-length"]) == len(body)
    status, headers304, body304 = fetch(url, headers={"If-None-Match": etag})
    assert status == 304 and body304 == b"" and headers304["etag"] == etag
    assert fetch(url, headers={"If-Modified-Since": last_modified})[0] == 304
    assert fetch(url, headers={"If-None-Match": '"stale"'})[0] == 200
    assert fetch(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
    status, head_headers, head_body = fetch(url, method="HEAD")
    assert status == 200 and head_body == b"" and head_headers["etag"] == etag
    assert head_headers["content-length"] == str(len(body))
    gz_url = next(
        u for u in sitemap_locs(web.base(name) + "/sitemap_index.xml") if u.endswith(".gz")
    )
    gz_etag = fetch(gz_url)[1]["etag"]
    assert fetch(gz_url, headers={"If-None-Match": gz_etag})[0] == 304


def test_trailing_slash_and_session_variants_resolve_to_the_article(web: FixtureWeb) -> None:
    base = web.base("hemline-report")
    article = sorted(web.site("hemline-report").manifest()["articles"])[0]
    status, headers, _ = fetch(base + article.rstrip("/") + "?utm_source=x")
    assert status == 301 and headers["location"] == base + article + "?utm_source=x"
    status, _, body = fetch(base + article + ";jsessionid=ABC123?utm_medium=email")
    assert status == 200 and link_rel(body.decode(), "canonical") == base + article


def test_calendar_trap_is_endless_but_every_response_is_small(web: FixtureWeb) -> None:
    base = web.base("hemline-report")
    url = base + "/events/calendar?month=2024-03"
    seen = set()
    for _ in range(40):
        status, headers, body = fetch(url)
        html = body.decode()
        assert status == 200 and len(body) < 20_000 and "etag" not in headers
        assert len(re.findall(r"<a ", html)) < 80
        seen.add(url)
        nxt = re.search(r'<a rel="next" href="([^"]+)"', html)
        assert nxt
        url = urljoin(url, nxt.group(1).replace("&amp;", "&"))
    assert len(seen) == 40 and "month=2027-07" in url


def test_faceted_search_and_session_ids_generate_new_urls_each_hop(web: FixtureWeb) -> None:
    base = web.base("hemline-report")
    body = fetch(base + "/search?q=denim&color=black")[2].decode()
    facet_links = set(re.findall(r'href="(/search\?[^"]+)"', body))
    assert 15 <= len(facet_links) < 40 and len(body) < 20_000
    assert (
        "/fashion/2024/03/01/tessera-upcycled-denim-capsule-sells-out/" in body
    )  # real results too
    sids = []
    url = base + "/shop?sid=a81f00c2d1e94b7a"
    for _ in range(5):
        html = fetch(url)[2].decode().split('<section class="shop">', 1)[1]
        sid = re.search(r'href="(/shop\?sid=([0-9a-f]+))"', html)
        assert sid
        sids.append(sid.group(2))
        url = base + sid.group(1)
    assert len(set(sids)) == 5


def test_request_log_records_method_path_status_in_order() -> None:
    with FixtureWeb(["hemline-report"]) as web:
        base = web.base("hemline-report")
        fetch(base + "/robots.txt")
        fetch(base + "/fashion/?page=2")
        fetch(base + "/no-such-page", method="HEAD")
        assert web.requests("hemline-report") == [
            ("GET", "/robots.txt", 200),
            ("GET", "/fashion/?page=2", 200),
            ("HEAD", "/no-such-page", 404),
        ]
        web.clear_requests("hemline-report")
        assert web.requests("hemline-report") == []


def test_publishing_an_edition_changes_only_what_a_cms_would_change() -> None:
    with FixtureWeb(["hemline-report"]) as web:
        site = web.site("hemline-report")
        base = web.base("hemline-report")
        edition = site.config["editions"]["2"]
        before = {path: fetch(base + path)[1]["etag"] for path in site.manifest()["articles"]}
        home_etag = fetch(base + "/")[1]["etag"]
        published = web.publish_edition("hemline-report", 2)
        assert sorted(published) == sorted(edition["added"] + edition["changed"])
        for path, etag in before.items():
            status = fetch(base + path, headers={"If-None-Match": etag})[0]
            assert status == (200 if path in edition["changed"] else 304), path
        for path in edition["added"]:
            assert fetch(base + path)[0] == 200
            assert base + path in web.article_urls("hemline-report")
        assert fetch(base + "/", headers={"If-None-Match": home_etag})[0] == 200
        home = fetch(base + "/")[2].decode()
        assert all(path in home for path in edition["added"])


def test_add_page_serves_new_content_at_runtime() -> None:
    with FixtureWeb(["hemline-report"]) as web:
        url = web.add_page(
            "hemline-report", "/breaking/late-story/", "<html><a href='{{BASE}}/'>home</a></html>"
        )
        status, headers, body = fetch(url)
        assert (
            status == 200
            and body.decode() == f"<html><a href='{web.base('hemline-report')}/'>home</a></html>"
        )
        assert headers["etag"]


def test_client_disconnects_do_not_break_the_server(
    web: FixtureWeb, capfd: pytest.CaptureFixture[str]
) -> None:
    parts = urlsplit(web.url("hemline-report"))
    for payload in (
        b"GET / HTTP/1.1\r\nHost: x\r\n",
        b"GET /feed/ HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\x16\x03\x01garbage",
    ):
        sock = socket.create_connection((parts.hostname, parts.port))
        sock.sendall(payload)
        sock.close()
    time.sleep(0.2)
    assert fetch(web.url("hemline-report"))[0] == 200
    assert "Traceback" not in capfd.readouterr().err


def test_unknown_site_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown fixture site"):
        FixtureWeb(["no-such-site"])


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_serve_fixtures_command_prints_one_line_per_site_and_stops_on_signal(
    stop_signal: int,
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "newscrawl", "serve-fixtures", "--sites", "hemline-report"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = proc.stdout.readline().split()  # type: ignore[union-attr]
        assert line[0] == "hemline-report" and line[1].startswith("http://127.0.0.1:")
        assert fetch(line[1] + "robots.txt")[0] == 200
    finally:
        proc.send_signal(stop_signal)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in err and "stopped" in err


def test_generated_site_serves_every_article_through_sitemaps_and_listings() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from sitegen import SECTIONS, GeneratedSite
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    site = GeneratedSite(n_articles=1200, seed=3)
    with site.serve() as server:
        base = server.base
        expected = set(site.article_urls(base))
        assert len(expected) == 1200
        robots = fetch(base + "/robots.txt")[2].decode()
        index_url = re.search(r"Sitemap: (\S+)", robots).group(1)
        from_sitemaps = {loc for child in sitemap_locs(index_url) for loc in sitemap_locs(child)}
        assert from_sitemaps == expected
        linked: set[str] = set()
        for section in SECTIONS:
            page = 1
            while True:
                status, _, body = fetch(f"{base}/section/{section}?page={page}")
                if status == 404:
                    break
                linked |= {base + h for h in re.findall(r'href="(/news/[^"]+)"', body.decode())}
                page += 1
        assert linked == expected
        bodies = set()
        for url in sorted(expected)[:25]:
            status, headers, body = fetch(url)
            html = body.decode()
            assert status == 200 and 30_000 <= len(body) <= 80_000
            assert link_rel(html, "canonical") == url and "NewsArticle" in jsonld_types(html)
            bodies.add(html.split('<div class="article-body">')[1].split("</div>")[0])
            assert fetch(url, headers={"If-None-Match": headers["etag"]})[0] == 304
        assert len(bodies) == 25
        assert fetch(base + "/news/100001/not-an-article")[0] == 404
        assert len(server.requests()) > 25

        old_url = site.article_urls(base)[-1]
        old_etag = fetch(old_url)[1]["etag"]
        added = site.grow(3)
        assert added == [1200, 1201, 1202]
        assert fetch(old_url, headers={"If-None-Match": old_etag})[0] == 304
        new_urls = set(site.article_urls(base)) - expected
        assert len(new_urls) == 3 and all(fetch(u)[0] == 200 for u in new_urls)
        assert new_urls <= {loc for child in sitemap_locs(index_url) for loc in sitemap_locs(child)}
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 3  # serve() + with: one serving thread, clean stop


class _HelloSite:
    """The smallest thing FixtureWeb can serve beside (or instead of) the fixture folders."""

    name = "hello"

    def handle(self, request: Request, base: str) -> Response:
        return Response(body=f"hello from {base}{request.path}".encode(), content_type="text/plain")


def test_extra_apps_are_served_alone_or_beside_fixture_sites() -> None:
    with FixtureWeb(apps=[_HelloSite()]) as web:
        assert web.names == ["hello"]
        assert fetch(web.url("hello") + "x")[2] == f"hello from {web.base('hello')}/x".encode()
    with FixtureWeb(["il-taglio"], apps=[_HelloSite()]) as web:
        assert web.names == ["il-taglio", "hello"]
    with pytest.raises(ConfigError, match="share a name"):
        FixtureWeb(apps=[_HelloSite(), _HelloSite()])


def test_a_burst_of_parallel_connections_is_answered_without_drops(web: FixtureWeb) -> None:
    urls = sorted(web.article_urls("pasarela-diario")) * 8
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=64) as pool:
        statuses = list(pool.map(lambda u: fetch(u)[0], urls))
    assert statuses == [200] * len(urls)
    # A listen backlog of 5 (the stdlib default) drops SYNs here: clients retry after 1 s, 3 s.
    assert time.monotonic() - started < 15
    assert SiteServer.request_queue_size >= 128


def test_a_broken_site_folder_is_a_clear_config_error(tmp_path: Path) -> None:
    site = tmp_path / "broken-site"
    site.mkdir()
    (site / "site.json").write_text('{"name": "broken-site"}')
    with pytest.raises(ConfigError, match="missing settings title"):
        FixtureWeb(["broken-site"], root=tmp_path)
    source = ROOT / "fixtures" / "web" / "runway-wire"
    copy = tmp_path / "runway-wire"
    for item in source.rglob("*"):
        if item.is_file():
            target = copy / item.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(item.read_bytes())
    (copy / "articles" / "01-calloway-finch-syndicated.html").unlink()
    with pytest.raises(ConfigError, match=r"manifest\.articles disagrees"):
        FixtureWeb(["runway-wire"], root=tmp_path)
    (copy / "articles" / "bad.html").write_text("<p>no front matter</p>")
    with pytest.raises(ConfigError, match="front matter"):
        FixtureWeb(["runway-wire"], root=tmp_path)


def test_keep_alive_responses_are_not_held_back_by_nagle(web: FixtureWeb) -> None:
    parts = urlsplit(web.url("il-taglio"))
    paths = sorted(web.site("il-taglio").manifest()["articles"])
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    latencies = []
    for path in paths * 2:
        started = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        assert response.status == 200 and not response.will_close
    conn.close()
    # With Nagle on, every reused-connection response waits ~40 ms for the client's delayed ACK.
    assert min(latencies[1:]) < 0.02


def test_generated_site_latency_delays_responses_in_parallel() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from sitegen import GeneratedSite
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    site = GeneratedSite(n_articles=20, seed=1, latency=0.2)
    with site.serve() as server:
        urls = site.article_urls(server.base)[:8]
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda u: fetch(u)[0], urls))
        elapsed = time.monotonic() - started
    assert statuses == [200] * 8
    assert 0.2 <= elapsed < 1.2  # eight waits overlap: the site is slow, not serial
