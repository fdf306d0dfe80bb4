"""The ``newscrawl`` command: a thin dispatcher over one module per subcommand.

Each module in this package exposes ``register(subparsers)`` (adds its parser and sets
``func``) and keeps its heavy imports inside the function it runs, so ``newscrawl --help``
stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from newscrawl import __version__, exitcodes
from newscrawl.errors import NewscrawlError

# Subcommand modules, in the order ``--help`` lists them.
SUBCOMMANDS = ("demo", "crawl", "extract", "dedup", "merge", "schema", "serve_fixtures")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newscrawl",
        description="Crawl fashion-news sites into a clean, deduplicated JSON Lines dataset.",
    )
    parser.add_argument("--version", action="version", version=f"newscrawl {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"newscrawl.cli.{name}")
        except ModuleNotFoundError as exc:  # a subcommand not built yet in this checkout
            if exc.name != f"newscrawl.cli.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return exitcodes.CONFIG_ERROR
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except NewscrawlError as exc:
        print(f"newscrawl: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("newscrawl: interrupted; output written so far is intact", file=sys.stderr)
        return exitcodes.INTERRUPTED
    except BrokenPipeError:  # e.g. `newscrawl extract ... | head`
        return exitcodes.OK


if __name__ == "__main__":
    sys.exit(main())
