"""``newscrawl demo``: crawl the bundled fixture web end to end, on 127.0.0.1 only.

Starts the local fixture sites in this process, crawls every one with the real spiders and
pipelines (discovery, politeness, dedup, crash-safe output) and prints the run summary. The
sites get fixed ports (``--port``, default 8601 and up), so running the demo again is an
incremental run: nothing new is written and unchanged pages answer 304. After the crawl, the
records of every demo run are deduplicated into ``DIR/articles.jsonl`` (syndicated copies
resolved, each canonical record listing its copies).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_PORT = 8601
DATASET = "articles.jsonl"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="crawl the bundled fixture sites on 127.0.0.1 into deduplicated JSON Lines",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
    )
    p.add_argument(
        "-o",
        "--output",
        default="newscrawl-demo",
        metavar="DIR",
        help="output folder: a JSONL file and a manifest per run (default: newscrawl-demo)",
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"first port for the fixture sites (default {DEFAULT_PORT}; 0 = any free port)",
    )
    p.add_argument("--sites", default="", help="comma-separated fixture sites (default: all)")
    p.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from newscrawl.crawl.registry import Site
    from newscrawl.crawl.runner import CrawlOptions, print_summary, run_crawl
    from newscrawl.crawl.urls import host_of
    from newscrawl.fixtureweb import FixtureWeb

    names = [n.strip() for n in args.sites.split(",") if n.strip()] or None
    with FixtureWeb(names, port=args.port) as web:
        sites = []
        for name in web.names:
            url = web.url(name)
            language = web.site(name).manifest().get("language")
            sites.append(
                Site(
                    name=name,
                    home=(url,),
                    domains=(host_of(url),),
                    language=language,
                    source="fixture web",
                )
            )
        print(
            f"newscrawl demo: serving {len(sites)} fixture sites on 127.0.0.1 "
            f"({', '.join(f'{s.name} {s.home[0]}' for s in sites)})",
            flush=True,
        )
        verbose = getattr(args, "verbose", 0)
        opts = CrawlOptions(
            sites=sites,
            output=args.output,
            allow_private_network=True,  # the fixture web is on loopback, by design
            progress=not args.no_progress,
            log_level=["WARNING", "INFO", "DEBUG"][min(verbose, 2)],
            # Local sites answer in microseconds: no politeness delays needed against ourselves.
            settings={"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0},
        )
        manifest = run_crawl(opts)
    print_summary(manifest)
    dataset = write_dataset(Path(args.output))
    if dataset is not None:
        print(f"deduplicated dataset of every demo run so far: {dataset}", file=sys.stderr)
    return int(manifest["exit_code"])


def write_dataset(folder: Path) -> Path | None:
    """``DIR/articles.jsonl``: the runs' records, syndicated copies resolved across all of them.

    The crawl drops copies as it goes, but a copy met before its original is only recognised
    once both are known; this final pass (``newscrawl dedup``) settles every cluster.
    """
    try:
        from newscrawl.cli import dedup as dedup_cli
    except ImportError:  # dedup not part of this installation
        return None
    target = folder / DATASET
    parts = sorted(str(p) for p in folder.glob("*.jsonl") if p.name != DATASET)
    if not parts:
        return None
    dedup_cli.run(argparse.Namespace(inputs=parts, output=str(target), index=None, mode="drop"))
    return target
