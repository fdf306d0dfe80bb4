"""One crawl run's shared context: the sites, the state (and its lock), the output, the stats.

The spider and the pipelines all need the same objects; Scrapy builds them separately, so they
meet here. ``newscrawl crawl`` builds the context itself (to take the lock and fail fast,
before the reactor starts) and hangs it on the crawler; plain ``scrapy crawl news`` gets one
built from settings on first use. The context writes the run manifest when the spider closes,
so both entry points leave one behind.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from newscrawl.crawl.registry import Site, load_registry, select_sites, site_for_url
from newscrawl.crawl.urls import in_domains
from newscrawl.errors import ConfigError, NewscrawlError, OutputError
from newscrawl.store.manifest import manifest_path_for, write_json_atomic
from newscrawl.store.state import CrawlState, PageState, open_state

log = logging.getLogger(__name__)
_ATTR = "_newscrawl_context"


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def parse_since(value: str | date | None) -> datetime | None:
    """``--since``: a date or datetime (ISO 8601); naive values are taken as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ConfigError(f"--since {value!r}: expected a date like 2024-05-01") from exc
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass
class SiteRun:
    """Per-site counters and budgets for this run."""

    site: Site
    max_pages: int
    depth: int
    scheduled: int = 0
    fetched: int = 0
    articles: int = 0
    errors: int = 0
    budget_hit: bool = False
    sitemaps: int = 0
    home_failed: int = 0
    home_ok: int = 0
    hub_patterns: dict[str, int] = field(default_factory=dict)


@dataclass
class Output:
    """Where records go: one file appended across runs, or a folder with a file per run."""

    path: Path  # the JSONL file this run writes
    manifest: Path
    per_run: bool

    @classmethod
    def resolve(cls, target: str | Path, run_id: str) -> Output:
        target = Path(target)
        as_file = target.suffix in (".jsonl", ".json", ".ndjson") or (
            target.exists() and target.is_file()
        )
        if as_file:
            return cls(target, manifest_path_for(target, run_id, per_run=False), per_run=False)
        return cls(
            target / f"{run_id}.jsonl",
            manifest_path_for(target, run_id, per_run=True),
            per_run=True,
        )


class CrawlContext:
    """Everything one run shares; see the module docstring."""

    def __init__(
        self,
        settings: BaseSettings,
        *,
        sites: list[Site] | None = None,
        state: CrawlState | None = None,
    ) -> None:
        self.settings = settings
        self.run_id: str = settings.get("NEWSCRAWL_RUN_ID") or new_run_id()
        self.sites = sites if sites is not None else sites_from_settings(settings)
        if not self.sites:
            raise ConfigError("no sites to crawl: name --site NAME or give --url https://...")
        max_pages = settings.getint("NEWSCRAWL_MAX_PAGES")
        depth = settings.getint("NEWSCRAWL_DEPTH")
        self.site_runs = {
            s.name: SiteRun(s, s.max_pages or max_pages, s.depth if s.depth is not None else depth)
            for s in self.sites
        }
        self.since = parse_since(settings.get("NEWSCRAWL_SINCE"))
        self.output = Output.resolve(settings.get("NEWSCRAWL_OUTPUT"), self.run_id)
        self.state_uri = settings.get("NEWSCRAWL_STATE")
        self.state = state if state is not None else open_state(self.state_uri)
        self.started = time.time()
        self.finished: float | None = None
        self.errors: dict[str, int] = {}
        self.manifest: dict[str, Any] | None = None
        self.output_files: list[str] = []
        self.fatal: NewscrawlError | None = None  # e.g. the output disk filled up: stop, exit 6
        self._locked = False
        # Set by the extract pipeline: True when pages are extracted in this process, so the
        # spider's parse of a page (a Document) is handed over instead of parsed again.
        self.extract_in_process = True
        self._deferred_pages: dict[str, list[PageState]] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    def acquire(self) -> None:
        """Take the run lock (raises StateLockedError) and note the run in the state."""
        if not self._locked:
            self.state.acquire_lock(self.run_id)
            self._locked = True
            self.state.start_run(
                self.run_id, {"sites": [s.name for s in self.sites], "pid": os.getpid()}
            )

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlContext:
        """The context of this crawler, built from its settings on first use."""
        ctx = getattr(crawler, _ATTR, None)
        if ctx is None:
            ctx = cls(crawler.settings)
            ctx.acquire()
            cls.attach(ctx, crawler)
        return ctx

    @classmethod
    def attach(cls, ctx: CrawlContext, crawler: Crawler) -> None:
        setattr(crawler, _ATTR, ctx)
        crawler.signals.connect(ctx._spider_closed, signal=signals.spider_closed)
        ctx.crawler = crawler

    def site_for(self, url: str) -> SiteRun | None:
        for run in self.site_runs.values():
            if in_domains(url, run.site.domains):
                return run
        return None

    def defer_page(self, site: str, page: PageState) -> None:
        """Keep a hub/sitemap/feed page state until the run ends (see :meth:`_spider_closed`)."""
        self._deferred_pages.setdefault(site, []).append(page)

    def _save_deferred(self, reason: str) -> None:
        """Hub validators are only true if every link they had was followed: save them when
        the run finished normally and the site's budget did not cut its crawl short."""
        if reason != "finished":
            return
        for site, pages in self._deferred_pages.items():
            run = self.site_runs.get(site)
            if run is not None and not run.budget_hit:
                self.state.save_pages(pages)
        self._deferred_pages.clear()

    def count_error(self, kind: str, site: str | None = None) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if site in self.site_runs:
            self.site_runs[site].errors += 1

    def _spider_closed(self, spider: Any, reason: str) -> None:
        self.finished = time.time()
        stats = self.crawler.stats.get_stats() if getattr(self, "crawler", None) else {}
        self.manifest = build_manifest(self, stats, reason)
        try:
            self._save_deferred(reason)
            self.state.finish_run(
                self.run_id, {"reason": reason, "counts": self.manifest["counts"]}
            )
        finally:
            self.close()
        try:
            write_json_atomic(self.output.manifest, self.manifest)
        except OutputError as exc:  # reported by the runner (exit 6), not as a signal traceback
            log.error("%s", exc)
            self.fatal = self.fatal or exc

    def close(self) -> None:
        if self._locked:
            self.state.close()
            self._locked = False


def sites_from_settings(settings: BaseSettings) -> list[Site]:
    """Sites named by NEWSCRAWL_SITES / NEWSCRAWL_URLS (comma-separated strings or lists)."""
    names = _as_list(settings.get("NEWSCRAWL_SITES"))
    urls = _as_list(settings.get("NEWSCRAWL_URLS"))
    registry_path = settings.get("NEWSCRAWL_REGISTRY")
    sites: list[Site] = []
    if names or not urls:
        registry = load_registry(registry_path)
        sites = select_sites(registry, names) if names else list(registry.values())
    known = {s.name for s in sites}
    for url in urls:
        site = site_for_url(url)
        if site.name not in known:
            sites.append(site)
            known.add(site.name)
    return sites


def _as_list(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def classify_errors(stats: dict[str, Any], own: dict[str, int]) -> dict[str, int]:
    """Errors by kind: ours (counted per request) plus what Scrapy counted that we did not see."""
    errors = dict(own)
    forbidden = stats.get("robotstxt/forbidden", 0)
    if forbidden:
        errors["robots-forbidden"] = forbidden
    return dict(sorted(errors.items()))


# Error kinds that are the web being the web (dead links, pages the site removed), not a
# failure of the run: they are reported but do not make the exit code "partial".
BENIGN_ERRORS = frozenset({"http_404", "http_410", "robots-forbidden", "sitemap-missing"})


def build_manifest(ctx: CrawlContext, stats: dict[str, Any], reason: str) -> dict[str, Any]:
    errors = classify_errors(stats, ctx.errors)
    sites = {}
    for name, run in ctx.site_runs.items():
        sites[name] = {
            "home": list(run.site.home),
            "requests": run.scheduled,
            "pages_fetched": run.fetched,
            "articles_written": run.articles,
            "errors": run.errors,
            "budget_exhausted": run.budget_hit,
            # None: this process never fetched the home page (another worker of a
            # distributed crawl did), which says nothing about the site.
            "reachable": (run.home_ok > 0) if (run.home_ok or run.home_failed) else None,
        }
    counts = {
        "requests": stats.get("downloader/request_count", 0),
        "responses": stats.get("downloader/response_count", 0),
        "pages_fetched": sum(r.fetched for r in ctx.site_runs.values()),
        "not_modified": stats.get("newscrawl/not_modified", 0),
        "skipped_unchanged_lastmod": stats.get("newscrawl/skipped/unchanged_lastmod", 0),
        "skipped_known": stats.get("newscrawl/skipped/known_page", 0),
        "skipped_before_since": stats.get("newscrawl/skipped/before_since", 0),
        "articles_extracted": stats.get("newscrawl/extract/article", 0),
        "records_written": stats.get("newscrawl/records_written", 0),
        "records_unchanged": stats.get("newscrawl/dropped/unchanged", 0),
        "duplicates_dropped": stats.get("newscrawl/dropped/duplicate", 0),
        "non_articles": stats.get("newscrawl/dropped/not_article", 0),
        "traps_avoided": sum(v for k, v in stats.items() if k.startswith("newscrawl/trap/")),
        "errors": sum(errors.values()),
        "extract_cpu_s": round(stats.get("newscrawl/extract_cpu_ms", 0) / 1000, 3),
        # HTML parsing in the spider (one parse per page, shared with in-process extraction).
        "parse_cpu_s": round(stats.get("newscrawl/parse_cpu_ms", 0) / 1000, 3),
    }
    traps = {
        k.removeprefix("newscrawl/trap/"): v
        for k, v in stats.items()
        if k.startswith("newscrawl/trap/")
    }
    return {
        "run_id": ctx.run_id,
        "started": datetime.fromtimestamp(ctx.started, UTC).isoformat(timespec="seconds"),
        "finished": datetime.fromtimestamp(ctx.finished or time.time(), UTC).isoformat(
            timespec="seconds"
        ),
        "duration_s": round((ctx.finished or time.time()) - ctx.started, 3),
        "finish_reason": reason,
        "state": ctx.state_uri,
        "since": ctx.since.isoformat() if ctx.since else None,
        "sites": sites,
        "counts": counts,
        "errors": errors,
        "traps": dict(sorted(traps.items())),
        # Hostile or broken responses and refused targets, by kind (docs/safety.md).
        "hostile": _by_kind(stats, "newscrawl/hostile/"),
        "refused": _by_kind(stats, "newscrawl/refused/"),
        "output_files": list(ctx.output_files),  # empty when the run wrote nothing new
        "manifest": str(ctx.output.manifest),
        "exit_code": exit_code_for(counts, errors, sites, reason),
    }


def _by_kind(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return dict(sorted((k.removeprefix(prefix), v) for k, v in stats.items() if k.startswith(prefix)))


def exit_code_for(
    counts: dict[str, int], errors: dict[str, int], sites: dict[str, dict], reason: str
) -> int:
    """The run's exit code for cron (see newscrawl.exitcodes and the README)."""
    from newscrawl import exitcodes

    if reason in ("shutdown", "cancelled"):
        return exitcodes.INTERRUPTED
    if reason == "output-error":
        return exitcodes.OUTPUT_ERROR
    serious = {k: v for k, v in errors.items() if k not in BENIGN_ERRORS}
    confirmed = sum(
        counts[k]
        for k in ("not_modified", "skipped_unchanged_lastmod", "skipped_known", "records_unchanged")
    )
    if counts["records_written"] == 0 and confirmed == 0:
        return exitcodes.NOTHING
    if serious or any(s["reachable"] is False for s in sites.values()):
        return exitcodes.PARTIAL
    return exitcodes.OK
