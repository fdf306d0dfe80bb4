"""``newscrawl serve-fixtures``: serve the fixture news sites on 127.0.0.1 until Ctrl-C.

Prints one line per site, ``NAME URL``, so scripts can read the ports (with ``--port 0``
every site gets an ephemeral port; with ``--port N`` they get N, N+1, ... in order).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve-fixtures",
        help="serve the bundled fixture news sites on 127.0.0.1 (for tests and the demo)",
        description="Serve every fixture site under fixtures/web/ on its own port until Ctrl-C.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument(
        "--port",
        type=int,
        default=0,
        help="first port; sites get PORT, PORT+1, ... (default 0: ephemeral ports)",
    )
    p.add_argument("--sites", default="", help="comma-separated site names (default: all)")
    p.add_argument(
        "--edition",
        type=int,
        default=1,
        help="publish editions up to N (new/updated articles) before serving (default 1)",
    )
    p.add_argument("--list", action="store_true", help="list the available sites and exit")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from newscrawl.errors import ConfigError
    from newscrawl.fixtureweb import FixtureWeb, available_sites

    if args.list:
        for name in available_sites():
            print(name)
        return 0
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be between 0 and 65535, not {args.port}")
    names = [n.strip() for n in args.sites.split(",") if n.strip()] or None
    web = FixtureWeb(names, host=args.host, port=args.port)
    stop = threading.Event()
    # SIGTERM (service managers, `kill`) stops as cleanly as Ctrl-C; installed before the
    # URLs are printed, so a caller that reads them and signals at once is handled too.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started in the background by a shell
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    with web:
        for edition in range(2, args.edition + 1):
            for name in web.names:
                if (web.site(name).folder / f"edition{edition}").is_dir():
                    web.publish_edition(name, edition)
        for name, url in web.urls().items():
            print(f"{name} {url}", flush=True)
        print("serving; press Ctrl-C to stop", file=sys.stderr, flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        print("stopped", file=sys.stderr)
    return 0
