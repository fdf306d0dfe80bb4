"""``newscrawl merge``: combine JSON Lines parts (e.g. one per worker) into one dataset.

Each worker of a distributed crawl writes ``OUT/part-<worker>-<run>.jsonl`` plus a manifest.
Merging keeps one record per record id (the most recently fetched version, so an article
updated in a later run wins), skips lines that are not whole JSON records (a part cut by a
killed worker), and writes the result atomically (temporary file, fsync, rename) with a
manifest that lists the parts, their runs and the counts. With ``--dedup``, syndicated copies
are then resolved by the dedup index logic (``newscrawl dedup``), when that module is
available (``--index`` names the crawl's index, e.g. the ``redis://`` state of a distributed
crawl, so copies are resolved as that index finally sees them). Two passes over the parts keep
memory at one small entry per record id.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from newscrawl import exitcodes
from newscrawl.errors import ConfigError, OutputError
from newscrawl.fileio import atomic_write
from newscrawl.store.manifest import write_json_atomic

PART_SUFFIXES = (".jsonl", ".ndjson")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "merge",
        help="combine JSON Lines parts (one per worker) into one deduplicated dataset",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
        epilog="example:\n  newscrawl merge data/parts/ -o data/articles.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("parts", nargs="+", metavar="PART", help="JSONL files or folders of them")
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT.jsonl",
        help="merged dataset (if it exists, its records are merged too)",
    )
    p.add_argument(
        "--dedup",
        action="store_true",
        help="also resolve syndicated copies with newscrawl's dedup (drops copies)",
    )
    p.add_argument(
        "--index",
        metavar="INDEX",
        help="with --dedup: the crawl's dedup index (SQLite path, or the redis:// URI given to "
        "crawl --state), so copies are resolved as the crawl's index finally sees them",
    )
    p.set_defaults(func=run)


@dataclass(slots=True)
class _Best:
    """Where the version of a record to keep is: part index, byte offset, its fetch time."""

    part: int
    offset: int
    fetched_at: str


def find_parts(inputs: list[str], output: Path) -> list[Path]:
    """Files named on the command line, and the ``*.jsonl`` parts inside named folders."""
    parts: list[Path] = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            parts.extend(sorted(p for p in path.iterdir() if p.suffix in PART_SUFFIXES))
        elif path.is_file():
            parts.append(path)
        else:
            raise ConfigError(f"merge: {name}: no such file or folder")
    if output.is_file():
        parts.insert(0, output)
    unique: list[Path] = []
    seen: set[Path] = set()
    for part in parts:
        resolved = part.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(part)
    return unique


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(offset, record or None for an unusable line) for each line of ``path``."""
    offset = 0
    with path.open("rb") as fh:
        for raw in fh:
            start = offset
            offset += len(raw)
            if not raw.endswith(b"\n"):  # torn last line of a killed writer
                yield start, None
                break
            try:
                obj = json.loads(raw)
            except ValueError:
                yield start, None
                continue
            ok = isinstance(obj, dict) and isinstance(obj.get("id"), str)
            yield start, (obj if ok else None)


def merge_parts(parts: list[Path], output: Path) -> dict[str, Any]:
    """Write the merged dataset to ``output`` atomically; returns the counts."""
    best: dict[str, _Best] = {}
    order: list[str] = []
    counts = {"parts": len(parts), "lines": 0, "unusable_lines": 0, "duplicates": 0}
    for index, part in enumerate(parts):
        for offset, record in _records(part):
            counts["lines"] += 1
            if record is None:
                counts["unusable_lines"] += 1
                continue
            rid = record["id"]
            fetched = str(record.get("fetched_at") or "")
            known = best.get(rid)
            if known is None:
                best[rid] = _Best(index, offset, fetched)
                order.append(rid)
                continue
            counts["duplicates"] += 1
            if fetched > known.fetched_at:
                best[rid] = _Best(index, offset, fetched)
    with ExitStack() as handles_open:
        handles: dict[int, IO[bytes]] = {}
        try:
            with atomic_write(output, binary=True) as out:
                for rid in order:
                    keep = best[rid]
                    fh = handles.get(keep.part)
                    if fh is None:
                        fh = handles[keep.part] = handles_open.enter_context(parts[keep.part].open("rb"))
                    fh.seek(keep.offset)
                    out.write(fh.readline())
        except OSError as exc:
            raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    counts["records_written"] = len(order)
    return counts


def part_manifests(parts: list[Path]) -> list[dict[str, Any]]:
    """The run manifests written beside the parts (``<part stem>.manifest.json``)."""
    found = []
    for part in parts:
        candidate = part.with_name(part.stem + ".manifest.json")
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            found.append(
                {
                    "manifest": str(candidate),
                    "run_id": data.get("run_id"),
                    "finish_reason": data.get("finish_reason"),
                    "records_written": data.get("counts", {}).get("records_written"),
                }
            )
    return found


def _dedup(merged: Path, output: Path, index: str | None) -> int:
    """Resolve syndicated copies of ``merged`` into ``output`` with ``newscrawl dedup``."""
    import importlib.util

    if importlib.util.find_spec("newscrawl.cli.dedup") is None:
        raise ConfigError("merge --dedup: the dedup command is not available in this version")
    from newscrawl.cli import main

    return main(["dedup", str(merged), "-o", str(output), *(["--index", index] if index else [])])


def run(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if output.suffix not in PART_SUFFIXES:
        raise ConfigError(f"merge: -o {output}: expected a .jsonl file")
    parts = find_parts(args.parts, output)
    if not parts:
        raise ConfigError("merge: no .jsonl parts found")
    started = time.time()
    if args.dedup:
        merged = output.with_name(f".{output.name}.merged.jsonl")
        counts = merge_parts(parts, merged)
        try:
            dedup: int | None = _dedup(merged, output, args.index)
        finally:
            merged.unlink(missing_ok=True)
    else:
        counts = merge_parts(parts, output)
        dedup = None
    manifest = {
        "merged_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.time() - started, 3),
        "output": str(output),
        "parts": [str(p) for p in parts],
        "runs": part_manifests(parts),
        "counts": counts,
        "dedup_exit_code": dedup,
    }
    write_json_atomic(output.with_name(output.name + ".merge.manifest.json"), manifest)
    print(
        f"newscrawl merge: {counts['records_written']} records from {counts['parts']} part(s) "
        f"-> {output} ({counts['duplicates']} duplicate(s) dropped, "
        f"{counts['unusable_lines']} unusable line(s) skipped)",
        file=sys.stderr,
    )
    return exitcodes.OK if counts["records_written"] else exitcodes.NOTHING
