"""Run one crawl in this process: settings, lock, CrawlerProcess, manifest, exit code.

Used by ``newscrawl crawl`` and ``newscrawl demo``. The state is opened and its lock taken
*before* the reactor starts, so a locked state or a bad registry fails fast with its own exit
code and nothing is fetched. The Twisted reactor cannot be restarted: one run per process.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.settings import Settings

from newscrawl import exitcodes
from newscrawl.crawl.context import CrawlContext, Output, new_run_id
from newscrawl.crawl.registry import Site
from newscrawl.errors import ConfigError, NewscrawlError, OutputError

log = logging.getLogger(__name__)
ENV_ALLOW_PRIVATE = "NEWSCRAWL_ALLOW_PRIVATE_NETWORK"


@dataclass
class CrawlOptions:
    """What a crawl run was asked to do (the command line, as data)."""

    sites: list[Site]
    output: str
    state: str | None = None  # default: next to the output
    since: str | None = None
    max_pages: int | None = None
    depth: int | None = None
    user_agent: str | None = None
    allow_private_network: bool = False
    progress: bool = True
    log_level: str = "WARNING"
    dedup: bool = True
    settings: dict[str, Any] = field(default_factory=dict)  # raw Scrapy/newscrawl overrides


def private_network_allowed(flag: bool) -> bool:
    return flag or os.environ.get(ENV_ALLOW_PRIVATE, "").strip().lower() in ("1", "true", "yes")


def default_state_for(output: str) -> str:
    """The state lives beside the data it describes, unless ``--state`` says otherwise."""
    out = Output.resolve(output, "probe")
    folder = out.path.parent
    return f"sqlite:{folder / '.newscrawl' / 'state.sqlite'}"


def build_settings(opts: CrawlOptions, run_id: str) -> Settings:
    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    values: dict[str, Any] = {
        "NEWSCRAWL_OUTPUT": opts.output,
        "NEWSCRAWL_STATE": opts.state or default_state_for(opts.output),
        "NEWSCRAWL_RUN_ID": run_id,
        "NEWSCRAWL_SINCE": opts.since,
        "NEWSCRAWL_ALLOW_PRIVATE_NETWORK": private_network_allowed(opts.allow_private_network),
        "NEWSCRAWL_PROGRESS": opts.progress,
        "LOG_LEVEL": opts.log_level,
    }
    if opts.max_pages is not None:
        values["NEWSCRAWL_MAX_PAGES"] = opts.max_pages
    if opts.depth is not None:
        values["NEWSCRAWL_DEPTH"] = opts.depth
    if opts.user_agent:
        values["USER_AGENT"] = opts.user_agent
    settings.setdict(values, priority="cmdline")
    for name, value in opts.settings.items():  # -s NAME=VALUE, read by every check below
        if name not in settings and not name.startswith("NEWSCRAWL_"):
            log.warning("setting %s is not a known Scrapy/newscrawl setting", name)
        settings.set(name, value, priority="cmdline")
    if not opts.dedup or not settings.getbool("NEWSCRAWL_DEDUP"):
        pipelines = dict(settings.getdict("ITEM_PIPELINES"))
        pipelines.pop("newscrawl.pipelines.dedup.DedupPipeline", None)
        settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
    if str(settings.get("NEWSCRAWL_STATE")).startswith(("redis://", "rediss://", "unix://")):
        # Several workers: state, request queue/dupefilter and dedup index move to Redis together.
        try:
            from newscrawl.crawl.distributed import configure_distributed
        except ImportError as exc:
            raise ConfigError(
                f"--state redis://... needs redis and scrapy-redis: pip install 'newscrawl[redis]' ({exc})"
            ) from exc

        configure_distributed(settings, opts.sites)
    if not settings.get("NEWSCRAWL_DEDUP_INDEX"):
        state_path = Path(str(settings.get("NEWSCRAWL_STATE")).removeprefix("sqlite:"))
        settings.set(
            "NEWSCRAWL_DEDUP_INDEX", str(state_path.parent / "dedup.sqlite"), priority="cmdline"
        )
    return settings


def run_crawl(opts: CrawlOptions) -> dict[str, Any]:
    """Run the crawl to its end; returns the manifest (with ``exit_code``)."""
    from scrapy.crawler import CrawlerProcess

    from newscrawl.spiders.news import NewsSpider

    if not opts.sites:
        raise ConfigError("no sites to crawl: name --site NAME or give --url https://...")
    run_id = new_run_id()
    settings = build_settings(opts, run_id)
    ctx = CrawlContext(settings, sites=opts.sites)  # opens the state: StateError if corrupt
    try:
        ctx.acquire()  # StateLockedError -> exit 4, before anything is fetched
    except NewscrawlError:
        ctx.state.close()
        raise
    try:
        check_output_writable(ctx.output.path.parent)  # OutputError -> exit 6, likewise
    except NewscrawlError:
        ctx.close()
        raise
    failures: list[BaseException] = []
    interrupted: list[int] = []
    try:
        # Scrapy installs its own root log handler honouring LOG_LEVEL; drop the CLI's.
        for handler in list(logging.root.handlers):
            logging.root.removeHandler(handler)
        process = CrawlerProcess(settings)
        _note_signals(process, interrupted)
        crawler = process.create_crawler(NewsSpider)
        CrawlContext.attach(ctx, crawler)
        deferred = process.crawl(crawler)
        deferred.addErrback(lambda f: failures.append(f.value))
        # Everything built so far (modules, settings, registry, middlewares) lives as long as
        # the process: keep it out of the cyclic collector's full passes, which otherwise
        # rescan it all every few hundred pages (about 0.3 ms/page on a loopback benchmark).
        gc.freeze()
        process.start()
    finally:
        ctx.close()
    # The output failed (disk full), or Redis state stayed unreachable after retries.
    fatal = ctx.fatal or getattr(ctx.state, "fatal", None)
    if fatal is not None:
        raise fatal
    for failure in failures:
        if isinstance(failure, NewscrawlError):
            raise failure
    if ctx.manifest is None and interrupted:
        # A second Ctrl-C stops Scrapy without closing the spider: no manifest, but every line
        # on disk is whole and in the state, and the next run fetches the rest.
        raise KeyboardInterrupt
    if ctx.manifest is None:
        detail = f": {failures[0]!r}" if failures else ""
        raise NewscrawlError(f"the crawl stopped before it could finish{detail}")
    return ctx.manifest


def _note_signals(process: Any, seen: list[int]) -> None:
    """Record Ctrl-C/SIGTERM as Scrapy handles them, so a forced stop still exits 130."""
    for name in ("_signal_shutdown", "_signal_kill"):
        handler = getattr(process, name, None)
        if handler is None:  # a Scrapy without these hooks: exit codes fall back to 1
            continue

        def noted(signum: int, frame: Any, _handler: Any = handler) -> None:
            seen.append(signum)
            _handler(signum, frame)

        setattr(process, name, noted)


def check_output_writable(folder: Path) -> None:
    """Fail before the crawl starts when the output folder cannot be created or written to."""
    import tempfile

    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write output in {folder}: it is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".newscrawl-probe-"):
            pass
    except OSError as exc:
        raise OutputError(f"cannot write output in {folder}: {exc.strerror or exc}") from exc


def format_summary(manifest: dict[str, Any]) -> str:
    """The end-of-run summary printed for humans (the manifest holds the same, as JSON)."""
    c = manifest["counts"]
    lines = [
        f"newscrawl run {manifest['run_id']}: {manifest['finish_reason']} in {manifest['duration_s']:.1f}s",
        f"  {c['records_written']} new article records written, {c['pages_fetched']} pages fetched "
        f"({c['requests']} requests), {c['not_modified']} unchanged (304), "
        f"{c['skipped_unchanged_lastmod'] + c['skipped_known']} known pages not refetched",
        f"  {c['non_articles']} non-article pages, {c['duplicates_dropped']} duplicates dropped, "
        f"{c['records_unchanged']} records unchanged, {c['traps_avoided']} trap links avoided",
    ]
    if manifest["errors"]:
        errs = ", ".join(f"{k} {v}" for k, v in manifest["errors"].items())
        lines.append(f"  errors: {errs}")
    for section in ("hostile", "refused"):  # docs/safety.md
        if manifest.get(section):
            kinds = ", ".join(f"{k} {v}" for k, v in manifest[section].items())
            lines.append(f"  {section}: {kinds}")
    for name, site in manifest["sites"].items():
        flag = "  UNREACHABLE" if site["reachable"] is False else ""
        budget = "  (page budget reached)" if site["budget_exhausted"] else ""
        lines.append(
            f"  {name}: {site['articles_written']} written, {site['pages_fetched']} fetched, "
            f"{site['errors']} errors{budget}{flag}"
        )
    lines.append(f"  output: {', '.join(manifest['output_files']) or '(nothing new to write)'}")
    lines.append(f"  manifest: {manifest['manifest']}")
    code = manifest["exit_code"]
    meaning = {
        exitcodes.OK: "ok",
        exitcodes.PARTIAL: "partial: some pages or sites failed",
        exitcodes.NOTHING: "nothing crawled",
        exitcodes.INTERRUPTED: "interrupted",
    }.get(code, "")
    lines.append(f"  exit code {code} ({meaning})")
    return "\n".join(lines)


def print_summary(manifest: dict[str, Any]) -> None:
    print(format_summary(manifest), file=sys.stderr)
