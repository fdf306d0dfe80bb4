"""``newscrawl dedup IN.jsonl... -o OUT.jsonl``: recognise syndicated copies in JSON Lines records.

Reads our article records or any JSON Lines with at least ``url`` and a text field (``body``,
``text``, ``content`` or ``articleBody``). By default copies are dropped (the output is the
deduplicated dataset, each canonical listing its copies in ``dedup.copies``); ``--keep-copies``
keeps them, marked ``dedup.role == "copy"``.

The output shows the *final* state of the run: all inputs are indexed first, then written, so a
canonical that an earlier-published copy supersedes later in the input is written as a copy.
With ``--index PATH`` the index persists, so records from earlier runs count (a record that
copies last month's article is a copy now, even though that article is not in today's input).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import sys
import tempfile
from collections import deque
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from newscrawl import exitcodes
from newscrawl.errors import ConfigError, InputError, OutputError
from newscrawl.fileio import atomic_write

log = logging.getLogger(__name__)
BATCH = 2000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dedup", help="recognise syndicated copies in JSON Lines records",
        description=__doc__.split("\n\n")[1] if __doc__ else None)
    p.add_argument("inputs", nargs="+", metavar="IN.jsonl", help="JSON Lines files (.gz ok), - for stdin")
    p.add_argument("-o", "--output", required=True, metavar="OUT.jsonl", help="output file, - for stdout")
    p.add_argument("--index", metavar="PATH",
                   help="persistent dedup index (SQLite path, or redis://HOST:PORT/DB as given to "
                        "crawl --state); default: a temporary one for this run")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--drop-copies", dest="mode", action="store_const", const="drop",
                      help="write canonical records only (default)")
    mode.add_argument("--keep-copies", dest="mode", action="store_const", const="mark",
                      help="write copies too, marked dedup.role=copy")
    p.add_argument("--workers", default="auto", metavar="N",
                   help="processes that compute text features ahead of the index (default auto: "
                        "one per core beyond the first, at most 2; 0 = all in one process)")
    p.set_defaults(func=run, mode="drop")


def _workers(value: str) -> int:
    """``auto``: featurising processes on the cores the index process leaves free, at most 2
    (the index process is the serial part; beyond two workers they would only wait for it); none
    on a single core. On 2 cores one worker beats two: three busy processes starve the index."""
    if value == "auto":
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return min(cores - 1, 2)
    try:
        n = int(value)
    except ValueError:
        n = -1
    if n < 0:
        raise ConfigError(f"--workers must be 'auto' or a whole number >= 0, not {value!r}")
    return n


def _batched(items: Iterator[tuple[str, Any]], size: int) -> Iterator[list[tuple[str, Any]]]:
    chunk: list[tuple[str, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _open_input(name: str) -> IO[str]:
    if name == "-":
        return sys.stdin
    path = Path(name)
    try:
        if path.suffix == ".gz":
            return gzip.open(path, "rt", encoding="utf-8")
        return path.open("r", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from exc


def _records(names: list[str], problems: list[str]) -> Iterator[tuple[str, Any]]:
    """(raw line, prepared record) for every usable line; problems get 'file:line: why'."""
    from newscrawl.dedup.index import prepare

    for name in names:
        try:
            fh = _open_input(name)
        except InputError as exc:
            problems.append(str(exc))
            continue
        with fh if fh is not sys.stdin else ExitStack():
            try:
                for lineno, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    try:
                        record = json.loads(line)
                    except ValueError as exc:
                        problems.append(f"{name}:{lineno}: not valid JSON ({exc.msg})")
                        continue
                    if not isinstance(record, dict):
                        problems.append(f"{name}:{lineno}: not a JSON object")
                        continue
                    try:
                        prepared = prepare(record)
                    except InputError as exc:
                        problems.append(f"{name}:{lineno}: {exc}")
                        continue
                    yield line, prepared
            except (OSError, EOFError, UnicodeDecodeError) as exc:
                problems.append(f"{name}: read error after some lines: {exc}")


def run(args: argparse.Namespace) -> int:
    from newscrawl.dedup.index import DedupIndex

    problems: list[str] = []
    with ExitStack() as stack:
        if args.index:
            # A path, or a redis:// URI (the index of a distributed crawl: --state redis://...)
            index_path: str | Path = args.index if "://" in args.index else Path(args.index)
        else:
            index_path = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="newscrawl-dedup-"))) / "index.sqlite"
        index = stack.enter_context(DedupIndex.open(index_path))
        # Records go to a spool file with their doc number, so memory does not grow with input.
        spool = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8"))
        lines: deque[list[str]] = deque()  # raw lines of the batches handed to the index, in order

        def batches() -> Iterator[list[Any]]:
            for chunk in _batched(_records(args.inputs, problems), BATCH):
                lines.append([line for line, _ in chunk])
                yield [prepared for _, prepared in chunk]

        n_in = 0
        for docs in index.add_stream(batches(), workers=_workers(getattr(args, "workers", "auto"))):
            for doc, line in zip(docs, lines.popleft(), strict=True):
                spool.write(f"{doc}\t{line.rstrip()}\n")
            n_in += len(docs)
        for p in problems:
            print(f"newscrawl dedup: {p}", file=sys.stderr)
        spool.seek(0)
        counts = _write_output(args.output, spool, index, args.mode)

    kept, copies, dupes = counts
    verb = "dropped" if args.mode == "drop" else "marked"
    print(f"newscrawl dedup: {n_in} records read, {len(problems)} problems; {kept} canonical, "
          f"{copies} copies {verb}, {dupes} repeated records skipped", file=sys.stderr)
    if problems:
        return exitcodes.PARTIAL
    if n_in == 0:
        return exitcodes.NOTHING
    return exitcodes.OK


def _write_output(target: str, spool: IO[str], index: Any, mode: str) -> tuple[int, int, int]:
    """Write the final state atomically (temp file + rename); returns (canonical, copies, repeats)."""
    if target == "-":
        return _write_records(sys.stdout, spool, index, mode)
    out = Path(target)
    if out.is_dir():
        raise ConfigError(f"output {target} is a directory")
    try:
        with atomic_write(out.resolve()) as fh:
            return _write_records(fh, spool, index, mode)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc


def _write_records(fh: IO[str], spool: IO[str], index: Any, mode: str) -> tuple[int, int, int]:
    kept = copies = dupes = 0
    seen: set[int] = set()
    while True:
        chunk = [line for _, line in zip(range(BATCH), spool, strict=False)]
        if not chunk:
            break
        rows = []
        for line in chunk:
            doc_s, _, raw = line.partition("\t")
            rows.append((int(doc_s), raw))
        resolved = index.resolve({d for d, _ in rows})
        dedup = index.dedup_of(resolved)
        for doc, raw in rows:
            if doc in seen:  # the very same record (same id) given again
                dupes += 1
                continue
            seen.add(doc)
            info = dedup[doc]
            if info.role == "copy":
                copies += 1
                if mode == "drop":
                    continue
            else:
                kept += 1
            record = json.loads(raw)
            record["dedup"] = info.model_dump(mode="json")
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return kept, copies, dupes
