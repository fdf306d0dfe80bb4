"""``newscrawl crawl``: fetch fashion-news sites and write article records as JSON Lines.

Run by hand or from cron, again and again: the state (SQLite, beside the output by default)
makes reruns incremental, and the exit code tells cron what happened (see ``newscrawl.exitcodes``).
"""

from __future__ import annotations

import argparse
from typing import Any

from newscrawl.errors import ConfigError

EPILOG = """\
exit codes: 0 ok; 1 partial (some pages or sites failed, output written); 2 bad usage or
configuration; 3 nothing crawled; 4 another run holds the state's lock; 5 state unreadable;
6 output not writable; 130 interrupted (output so far intact).

examples:
  newscrawl crawl --site fashionunited-uk --site wwd -o data/
  newscrawl crawl --url https://example-fashion-news.com/ -o data/news.jsonl --since 2024-05-01
  newscrawl crawl --list-sites
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "crawl",
        help="crawl sites into JSON Lines (incremental; cron-friendly exit codes)",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--site",
        action="append",
        default=[],
        metavar="NAME",
        help="a site from the registry (repeatable; default: every site)",
    )
    p.add_argument(
        "--url",
        action="append",
        default=[],
        metavar="URL",
        help="home page of a site not in the registry (repeatable)",
    )
    p.add_argument(
        "--registry",
        metavar="FILE",
        help="site registry: a TOML file or a folder of them "
        "(default: the registry shipped with newscrawl)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="a .jsonl file (appended across runs) or a folder (a file per run); "
        "the run manifest is written beside it",
    )
    p.add_argument(
        "--state",
        metavar="sqlite:PATH",
        help="crawl state for incremental runs (default: OUT's folder/.newscrawl/state.sqlite)",
    )
    p.add_argument("--since", metavar="DATE", help="skip articles published before DATE (ISO 8601)")
    p.add_argument(
        "--max-pages", type=int, metavar="N", help="per-site budget of requests (default 2000)"
    )
    p.add_argument(
        "--depth", type=int, metavar="N", help="link hops followed from a home page (default 3)"
    )
    p.add_argument("--user-agent", metavar="UA", help="User-Agent to send (put a contact in it)")
    p.add_argument(
        "--allow-private-network",
        action="store_true",
        help="allow loopback/private addresses (local fixture sites); also "
        "NEWSCRAWL_ALLOW_PRIVATE_NETWORK=1",
    )
    p.add_argument("--no-dedup", action="store_true", help="write syndicated copies too")
    p.add_argument("--no-progress", action="store_true", help="no progress line on stderr")
    p.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override any Scrapy or NEWSCRAWL_* setting (repeatable)",
    )
    p.add_argument("--list-sites", action="store_true", help="list the registry's sites and exit")
    p.set_defaults(func=run)


def parse_set(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--set {pair!r}: expected NAME=VALUE")
        out[name.strip()] = value
    return out


def run(args: argparse.Namespace) -> int:
    from newscrawl.crawl.registry import load_registry, select_sites, site_for_url
    from newscrawl.crawl.runner import CrawlOptions, print_summary, run_crawl

    registry = (
        load_registry(args.registry)
        if (args.registry or args.site or not args.url or args.list_sites)
        else {}
    )
    if args.list_sites:
        for site in registry.values():
            print(f"{site.name}\t{site.language or '-'}\t{' '.join(site.home)}")
        return 0
    if not args.output:
        raise ConfigError("-o/--output is required: a .jsonl file or a folder")
    for name, value in (("--max-pages", args.max_pages), ("--depth", args.depth)):
        if value is not None and value < (1 if name == "--max-pages" else 0):
            raise ConfigError(
                f"{name} must be {'positive' if name == '--max-pages' else '0 or more'}"
            )
    sites = (
        select_sites(registry, args.site)
        if args.site
        else ([] if args.url else list(registry.values()))
    )
    known = {s.name for s in sites}
    for url in args.url:
        site = site_for_url(url)
        if site.name not in known:
            sites.append(site)
            known.add(site.name)
    verbose = getattr(args, "verbose", 0)
    opts = CrawlOptions(
        sites=sites,
        output=args.output,
        state=args.state,
        since=args.since,
        max_pages=args.max_pages,
        depth=args.depth,
        user_agent=args.user_agent,
        allow_private_network=args.allow_private_network,
        progress=not args.no_progress,
        log_level=["WARNING", "INFO", "DEBUG"][min(verbose, 2)],
        dedup=not args.no_dedup,
        settings=parse_set(args.set),
    )
    if opts.since:
        from newscrawl.crawl.context import parse_since

        parse_since(opts.since)  # a bad date is a usage error before anything starts
    manifest = run_crawl(opts)
    print_summary(manifest)
    return int(manifest["exit_code"])
