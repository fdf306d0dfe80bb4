r"""The site registry: a site is data (TOML), validated on load with messages that name the file.

A registry is either a directory of ``*.toml`` files (one site each, the shipped
``newscrawl/sites/``) or a single TOML file holding ``[[site]]`` tables. Every key is checked:
unknown keys, wrong types, bad URLs and regexes that do not compile raise
:class:`~newscrawl.errors.ConfigError` (exit code 2) before anything is fetched.

Entries lean on discovery: ``home`` is the only required URL; feeds and sitemaps are found from
the home page and robots.txt, so an entry never needs to guess paths. A full entry::

    name = "maison-daily"                      # required: [a-z0-9._-], unique
    home = ["https://www.maison-daily.example/"]  # required: one URL or a list
    domains = ["maison-daily.example"]         # default: the home URLs' hosts (www. dropped);
                                               # subdomains are included
    language = "fr"                            # ISO 639-1, a hint for extraction
    feeds = ["https://www.maison-daily.example/rss"]      # optional, in addition to discovery
    sitemaps = ["https://www.maison-daily.example/news-sitemap.xml"]  # likewise
    article_allow = ['/\d{4}/\d{2}/[^/]+/$']  # URL regexes that are articles (beat the shape)
    article_deny = ['/live/']                  # URL regexes that are never articles
    follow_deny = ['/boutique/']               # URL regexes never fetched at all
    boilerplate = ["Lire aussi"]               # site phrases the extractor should drop
    selectors = { body = "div.article-body" }  # optional CSS hints
    max_pages = 500                            # this site's request budget per run
    depth = 2                                  # link hops from the home page
    notes = "anything"                         # free text, ignored
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from newscrawl.crawl.urls import clean_url, host_of, is_http_url
from newscrawl.errors import ConfigError

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
LANG_RE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class Site:
    """One site to crawl. Only ``name`` and ``home`` are required."""

    name: str
    home: tuple[str, ...]
    domains: tuple[str, ...]
    language: str | None = None
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    article_allow: tuple[re.Pattern[str], ...] = ()  # URL regexes that mark article pages
    article_deny: tuple[re.Pattern[str], ...] = ()  # URL regexes that are never articles
    follow_deny: tuple[re.Pattern[str], ...] = ()  # URL regexes never fetched at all
    boilerplate: tuple[str, ...] = ()  # site-specific phrases the extractor should drop
    selectors: dict[str, str] = field(default_factory=dict)  # optional CSS hints (body, title)
    max_pages: int | None = None  # overrides the run's per-site page budget
    depth: int | None = None  # overrides the run's link depth
    source: str = "<command line>"  # the file the entry came from, for messages


# key -> (type check, description for messages)
_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "name": (str, "a string"),
    "home": ((str, list), "a URL or a list of URLs"),
    "domains": (list, "a list of host names"),
    "language": (str, "a two-letter ISO 639-1 code"),
    "feeds": (list, "a list of URLs"),
    "sitemaps": (list, "a list of URLs"),
    "article_allow": (list, "a list of regular expressions"),
    "article_deny": (list, "a list of regular expressions"),
    "follow_deny": (list, "a list of regular expressions"),
    "boilerplate": (list, "a list of strings"),
    "selectors": (dict, "a table of CSS selectors"),
    "max_pages": (int, "a positive integer"),
    "depth": (int, "a non-negative integer"),
    "notes": (str, "a string"),
}


def _fail(source: str, msg: str) -> ConfigError:
    return ConfigError(f"site registry {source}: {msg}")


def _urls(value: Any, key: str, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    out = []
    for item in items:
        if not isinstance(item, str) or not is_http_url(item):
            raise _fail(where, f"{key}: {item!r} is not an http(s) URL")
        out.append(clean_url(item) or item)
    return tuple(out)


def _strings(value: list[Any], key: str, where: str) -> tuple[str, ...]:
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, f"{key}: every entry must be a non-empty string")
    return tuple(v.strip() for v in value)


def _regexes(value: list[Any], key: str, where: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for pattern in _strings(value, key, where):
        try:
            out.append(re.compile(pattern))
        except re.error as exc:
            raise _fail(
                where, f"{key}: {pattern!r} is not a valid regular expression ({exc})"
            ) from exc
    return tuple(out)


def site_from_table(table: dict[str, Any], source: str) -> Site:
    """Validate one site table and build a :class:`Site` (raises ConfigError)."""
    if not isinstance(table, dict):
        raise _fail(source, "a site entry must be a table")
    label = f"{source} [{table.get('name', '?')}]"
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise _fail(label, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(_KEYS)}")
    for key in ("name", "home"):
        if key not in table:
            raise _fail(label, f"missing required key {key!r}")
    for key, value in table.items():
        kind, desc = _KEYS[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise _fail(label, f"{key} must be {desc}, got {type(value).__name__}")
    name = table["name"]
    if not NAME_RE.match(name):
        raise _fail(label, f"name {name!r} must be lower-case letters, digits, '.', '_' or '-'")
    home = _urls(table["home"], "home", label)
    if not home:
        raise _fail(label, "home must list at least one URL")
    domains = _strings(table.get("domains", []), "domains", label) or tuple(
        dict.fromkeys(host_of(u) for u in home)
    )
    domains = tuple(d.lower().removeprefix("www.") for d in domains)
    for url in home:
        if not any(host_of(url) == d or host_of(url).endswith("." + d) for d in domains):
            raise _fail(label, f"home URL {url} is outside the allowed domains {list(domains)}")
    language = table.get("language")
    if language is not None and not LANG_RE.match(language):
        raise _fail(label, f"language {language!r} must be a two-letter ISO 639-1 code like 'en'")
    selectors = table.get("selectors", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in selectors.items()):
        raise _fail(label, "selectors: every value must be a CSS selector string")
    for key in ("max_pages", "depth"):
        value = table.get(key)
        if value is not None and (value < 0 or (key == "max_pages" and value == 0)):
            raise _fail(label, f"{key} must be {_KEYS[key][1]}, got {value}")
    return Site(
        name=name,
        home=home,
        domains=domains,
        language=language,
        feeds=_urls(table.get("feeds", []), "feeds", label),
        sitemaps=_urls(table.get("sitemaps", []), "sitemaps", label),
        article_allow=_regexes(table.get("article_allow", []), "article_allow", label),
        article_deny=_regexes(table.get("article_deny", []), "article_deny", label),
        follow_deny=_regexes(table.get("follow_deny", []), "follow_deny", label),
        boilerplate=_strings(table.get("boilerplate", []), "boilerplate", label),
        selectors=dict(selectors),
        max_pages=table.get("max_pages"),
        depth=table.get("depth"),
        source=source,
    )


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(source, f"not valid TOML: {exc}") from exc


def _tables_in(doc: dict[str, Any], source: str) -> list[dict[str, Any]]:
    """A file holds either one site (top-level keys) or ``[[site]]`` tables."""
    if "site" in doc:
        if set(doc) != {"site"} or not isinstance(doc["site"], list):
            raise _fail(
                source, "use either top-level keys for one site or [[site]] tables, not both"
            )
        return doc["site"]
    return [doc]


def _index(sites: Iterable[Site]) -> dict[str, Site]:
    out: dict[str, Site] = {}
    for site in sites:
        if site.name in out:
            raise _fail(
                site.source, f"site name {site.name!r} also defined in {out[site.name].source}"
            )
        out[site.name] = site
    return out


def load_registry(path: str | Path | None = None) -> dict[str, Site]:
    """Load and validate a registry: a TOML file, a folder of them, or the shipped sites."""
    if path is None:
        folder = resources.files("newscrawl").joinpath("sites")
        files = sorted(
            (f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name
        )
        texts = [(f"newscrawl/sites/{f.name}", f.read_text("utf-8")) for f in files]
    else:
        p = Path(path)
        if p.is_dir():
            texts = [(str(f), f.read_text("utf-8")) for f in sorted(p.glob("*.toml"))]
            if not texts:
                raise _fail(str(p), "folder holds no *.toml site files")
        elif p.is_file():
            try:
                texts = [(str(p), p.read_text("utf-8"))]
            except (OSError, UnicodeDecodeError) as exc:
                raise _fail(str(p), f"cannot read: {exc}") from exc
        else:
            raise _fail(str(p), "no such file or folder")
    sites = []
    for source, text in texts:
        for table in _tables_in(_parse_toml(text, source), source):
            sites.append(site_from_table(table, source))
    return _index(sites)


def site_for_url(url: str, language: str | None = None) -> Site:
    """An ad-hoc site for ``--url`` (a site not in the registry): named after its host."""
    if not is_http_url(url):
        raise ConfigError(f"--url {url!r} is not an http(s) URL")
    host = host_of(url)
    name = re.sub(r"[^a-z0-9._-]", "-", host)[:63]
    return Site(name=name, home=(clean_url(url) or url,), domains=(host,), language=language)


def select_sites(registry: dict[str, Site], names: Iterable[str]) -> list[Site]:
    """The named sites, in the order given; unknown names are a ConfigError listing choices."""
    chosen = []
    for name in names:
        if name not in registry:
            raise ConfigError(
                f"unknown site {name!r}; known sites: {', '.join(sorted(registry)) or '(none)'}"
            )
        chosen.append(registry[name])
    return chosen
