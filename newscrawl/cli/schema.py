"""``newscrawl schema``: print the JSON Schema of the article record."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of the article record")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from newscrawl.record import shipped_schema

    print(json.dumps(shipped_schema(), indent=2, ensure_ascii=False))
    return 0
