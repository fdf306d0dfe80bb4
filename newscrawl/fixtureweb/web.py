"""``FixtureWeb``: every fixture site served at once, each on its own 127.0.0.1 port.

Used by tests, ``newscrawl demo``, ``newscrawl serve-fixtures`` and the benchmarks::

    with FixtureWeb() as web:
        start = web.url("hemline-report")          # "http://127.0.0.1:PORT/"
        ...crawl...
        assert no_duplicates(web.requests("hemline-report"))
        web.publish_edition("hemline-report", 2)   # new + updated articles for a rerun
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from newscrawl.errors import ConfigError
from newscrawl.fixtureweb.server import LogEntry, LoggedRequest, SiteApp, SiteServer
from newscrawl.fixtureweb.site import FixtureSite

ENV_FIXTURES_DIR = "NEWSCRAWL_FIXTURES_DIR"


def fixtures_dir() -> Path:
    """Where the site folders live: ``$NEWSCRAWL_FIXTURES_DIR``, the checkout's ``fixtures/web``,
    or the copy installed with the package (``newscrawl/fixtures/web``, see pyproject.toml)."""
    configured = os.environ.get(ENV_FIXTURES_DIR)
    if configured:
        return Path(configured)
    package = Path(__file__).resolve().parents[1]
    checkout = package.parent / "fixtures" / "web"
    return checkout if checkout.is_dir() else package / "fixtures" / "web"


def available_sites(root: Path | None = None) -> list[str]:
    root = root or fixtures_dir()
    return sorted(p.parent.name for p in root.glob("*/site.json"))


def load_sites(names: Sequence[str] | None = None, root: Path | None = None) -> list[FixtureSite]:
    root = root or fixtures_dir()
    known = available_sites(root)
    if not known:
        raise ConfigError(
            f"no fixture sites found in {root} (set {ENV_FIXTURES_DIR} to the fixtures/web folder)"
        )
    wanted = known if names is None else list(names)
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise ConfigError(
            f"unknown fixture site(s) {', '.join(unknown)}; known: {', '.join(known)}"
        )
    return [FixtureSite(root / name) for name in wanted]


class FixtureWeb:
    """Starts one HTTP server per site on ``host``; ports are ephemeral unless ``port`` is set.

    With ``port=N`` the sites get N, N+1, ... in order, so URLs are stable across restarts.
    ``apps`` serves extra site objects (anything with ``name`` and ``handle``) beside or
    instead of the fixture folders, e.g. the generated benchmark site.
    """

    def __init__(
        self,
        sites: Sequence[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        root: Path | None = None,
        apps: Iterable[SiteApp] | None = None,
    ) -> None:
        self.host = host
        self.base_port = port
        if sites is None and apps is not None:
            fixture_sites: list[FixtureSite] = []  # only the given apps
        else:
            fixture_sites = load_sites(sites, root)
        self.apps: list[SiteApp] = [*fixture_sites, *(apps or [])]
        names = [app.name for app in self.apps]
        if len(set(names)) != len(names):
            raise ConfigError(f"two served sites share a name: {sorted(names)}")
        self._servers: dict[str, SiteServer] = {}

    # ---------------------------------------------------------- lifecycle

    def start(self) -> FixtureWeb:
        try:
            for index, app in enumerate(self.apps):
                port = self.base_port + index if self.base_port else 0
                self._servers[app.name] = SiteServer(app, self.host, port).start()
        except OSError as exc:
            self.stop()
            raise ConfigError(f"cannot start fixture server on {self.host}: {exc}") from exc
        return self

    def stop(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()

    def __enter__(self) -> FixtureWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------- lookup

    @property
    def names(self) -> list[str]:
        return [app.name for app in self.apps]

    def _server(self, name: str) -> SiteServer:
        try:
            return self._servers[name]
        except KeyError:
            raise KeyError(
                f"fixture site {name!r} is not being served; serving {self.names}"
            ) from None

    def url(self, name: str) -> str:
        """Home URL with trailing slash, e.g. ``http://127.0.0.1:40123/``."""
        return self._server(name).url

    def base(self, name: str) -> str:
        """Origin without trailing slash, for joining root-relative paths."""
        return self._server(name).base

    def urls(self) -> dict[str, str]:
        return {name: server.url for name, server in self._servers.items()}

    def site(self, name: str) -> FixtureSite:
        app = self._server(name).app
        if not isinstance(app, FixtureSite):
            raise TypeError(f"{name} is not a fixture folder site")
        return app

    # ----------------------------------------------------------- request log

    def requests(self, name: str) -> list[LoggedRequest]:
        """Every request the site answered, in order: (method, path-with-query, status)."""
        return self._server(name).requests()

    def log_entries(self, name: str) -> list[LogEntry]:
        return self._server(name).log_entries()

    def clear_requests(self, name: str | None = None) -> None:
        for server in [self._server(name)] if name else self._servers.values():
            server.clear_log()

    # --------------------------------------------------------- expectations

    def manifest(self, name: str) -> dict[str, Any]:
        """The site's manifest with ``base`` added; paths stay root-relative."""
        return {**self.site(name).manifest(), "base": self.base(name)}

    def article_urls(self, name: str) -> set[str]:
        """Absolute canonical URLs of every article a complete crawl must emit."""
        base = self.base(name)
        return {base + path for path in self.site(name).manifest()["articles"]}

    def expected_articles(self, name: str) -> dict[str, dict[str, Any]]:
        """Gold metadata per canonical URL, from the article sources: what extraction of a
        correct crawl should report (title, authors, published/modified with their offsets,
        language, section name, tags, description)."""
        site = self.site(name)
        base = self.base(name)
        return {
            base + a.path: {
                "title": a.title,
                "authors": list(a.authors),
                "published": a.published.isoformat(),
                "modified": a.modified.isoformat(),
                "language": site.language,
                "section": site.section(a.section)["name"],
                "tags": list(a.tags),
                "description": a.description,
            }
            for a in site.visible_articles()
        }

    # ------------------------------------------------------- runtime changes

    def publish_edition(self, name: str, number: int = 2) -> list[str]:
        """Publish the site's ``edition<number>/`` articles; returns their paths."""
        return self.site(name).publish_edition(number)

    def add_page(
        self, name: str, path: str, html: str, content_type: str = "text/html; charset=utf-8"
    ) -> str:
        """Serve ``html`` at ``path`` from now on; returns the absolute URL."""
        self.site(name).add_page(path, html, content_type)
        return self.base(name) + path

    def describe(self) -> str:
        return json.dumps(self.urls(), indent=2)
