"""``newscrawl extract PATH... | -``: saved pages to JSON Lines article records.

Inputs are files (plain or ``.gz``), folders (searched recursively for saved pages) or ``-`` for
one page on stdin. One record per article page, each naming its input path in ``source_file``.
A bad input is reported on stderr and the batch carries on; the exit code tells whether every
input became a record (0), some failed (1), or nothing came out (3).
"""

from __future__ import annotations

import argparse
import sys
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, TextIO

from newscrawl import exitcodes
from newscrawl.errors import ConfigError, InputError, OutputError

PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz", ".gz")
MAX_INPUT_BYTES = 50 * 1024 * 1024  # a saved page larger than this is not a page


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "extract",
        help="extract article records from saved pages",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="file (plain or .gz), folder, or - for stdin")
    p.add_argument("--url", help="the page's URL (only with a single input)")
    p.add_argument("-o", "--output", type=Path, help="write JSON Lines here (default: stdout)")
    p.add_argument("--all", action="store_true", help="also emit non-article pages (page_type says what they are)")
    p.add_argument("--fetched-at", help="ISO 8601 time the pages were saved (resolves relative dates)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from newscrawl.extract import extract

    inputs = list(_expand(args.paths))
    if args.url and len(inputs) != 1:
        raise ConfigError("--url needs exactly one input page")
    fetched_at = _parse_time(args.fetched_at) if args.fetched_at else None
    out, close = _open_output(args.output)
    ok = failed = skipped = 0
    try:
        for name, loader in inputs:
            try:
                data = loader()
                result = extract(data, args.url, fetched_at=fetched_at, source_file=name)
            except InputError as exc:
                failed += 1
                print(f"newscrawl: {name}: {exc}", file=sys.stderr)
                continue
            except OSError as exc:
                failed += 1
                print(f"newscrawl: {name}: cannot read: {exc.strerror or exc}", file=sys.stderr)
                continue
            if not result.is_article and not args.all:
                skipped += 1
                print(f"newscrawl: {name}: not an article ({result.page_type.value}), skipped", file=sys.stderr)
                continue
            try:
                out.write(result.record.to_json() + "\n")
                out.flush()
            except OSError as exc:
                raise OutputError(f"cannot write output: {exc}") from exc
            ok += 1
    finally:
        close()
    print(f"newscrawl: {ok} records, {skipped} non-article pages skipped, {failed} failed", file=sys.stderr)
    if failed:
        return exitcodes.PARTIAL
    return exitcodes.OK if ok else exitcodes.NOTHING


def _expand(paths: list[str]) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """(display name, loader) per input page; missing paths are reported by their loader."""
    for raw in paths:
        if raw == "-":
            yield "<stdin>", lambda: _read_limited(sys.stdin.buffer)
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(PAGE_SUFFIXES))
            if not found:
                yield str(path), _fail(f"no saved pages ({', '.join(PAGE_SUFFIXES)}) in folder")
            for p in found:
                yield str(p), (lambda p=p: _read_file(p))
        else:
            yield str(path), (lambda p=path: _read_file(p))


def _read_file(path: Path) -> bytes:
    if not path.exists():
        raise InputError("no such file")
    with path.open("rb") as fh:
        data = _read_limited(fh)
    if data[:2] == b"\x1f\x8b":
        try:
            data = _gunzip_limited(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"broken gzip file: {exc}") from exc
    return data


def _read_limited(fh: BinaryIO) -> bytes:
    data = fh.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB, not a web page")
    return data


def _gunzip_limited(data: bytes) -> bytes:
    """Decompress with a size cap, so a gzip bomb costs bounded memory."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(data, MAX_INPUT_BYTES + 1)
    if len(out) > MAX_INPUT_BYTES or d.unconsumed_tail:
        raise InputError(f"expands past {MAX_INPUT_BYTES // (1024 * 1024)} MB, not a web page")
    # A truncated download keeps what decompressed: the HTML parser copes with cut-off pages.
    if not d.eof and not out:
        raise InputError("broken gzip file: truncated before any content")
    return out


def _fail(message: str) -> Callable[[], bytes]:
    def loader() -> bytes:
        raise InputError(message)

    return loader


def _parse_time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"--fetched-at: not an ISO 8601 time: {text!r}") from exc


def _open_output(path: Path | None) -> tuple[TextIO, Callable[[], None]]:
    """stdout, or a temporary file beside ``path`` renamed over it once complete."""
    if path is None:
        return sys.stdout, lambda: None
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fh = tmp.open("w", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc

    def close() -> None:
        try:
            fh.close()
            tmp.replace(path)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc

    return fh, close

