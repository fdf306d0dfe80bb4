"""Crash-safe JSON Lines writer: a line is either wholly on disk or not there at all.

Records are appended in batches; each batch is written, flushed and ``fsync``-ed before the
writer reports it written (and before the crawl state records it as emitted). A process killed
mid-write (``kill -9``, power loss) can leave at most one partial last line; opening the file
again finds it (no trailing newline, or a last line that is not valid JSON) and truncates the
file back to the end of the last complete line, so readers only ever see whole records.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from newscrawl.errors import OutputError

_SCAN_BLOCK = 64 * 1024


def repair_tail(path: Path) -> int:
    """Truncate a torn final line of ``path`` in place; return the number of bytes removed.

    Only the tail is read: the file is scanned backwards for the last newline, so repairing a
    multi-gigabyte dataset costs one block read, not a full pass.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0
    if size == 0:
        return 0
    with path.open("r+b") as fh:
        fh.seek(size - 1)
        end = size if fh.read(1) == b"\n" else _last_newline_end(fh, size)
        # The last complete line must also be valid JSON (a torn write can end in a newline
        # only if the newline itself was written, so this is belt and braces).
        start = _last_newline_end(fh, end - 1) if end > 0 else 0
        fh.seek(start)
        last = fh.read(end - start)
        if last.strip():
            try:
                json.loads(last)
            except ValueError:
                end = start
        if end < size:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())
        return size - end


def _last_newline_end(fh, before: int) -> int:  # type: ignore[no-untyped-def]
    """Offset just after the last ``\\n`` strictly before ``before`` (0 if none)."""
    pos = before
    while pos > 0:
        start = max(0, pos - _SCAN_BLOCK)
        fh.seek(start)
        block = fh.read(pos - start)
        idx = block.rfind(b"\n")
        if idx >= 0:
            return start + idx + 1
        pos = start
    return 0


def read_lines_from(path: Path, offset: int) -> Iterable[dict]:
    """Parsed JSON objects of complete lines after byte ``offset`` (used to reconcile state)."""
    with path.open("rb") as fh:
        fh.seek(offset)
        for raw in fh:
            if not raw.endswith(b"\n"):
                break
            try:
                obj = json.loads(raw)
            except ValueError:
                continue
            if isinstance(obj, dict):
                yield obj


class JsonlWriter:
    """Append-only JSONL file with batched, fsync-ed writes.

    ``add(line)`` buffers; ``flush()`` writes the buffer, fsyncs and returns the lines it made
    durable together with the file size after them (the state stores that offset as committed).
    """

    def __init__(self, path: str | Path, *, batch_size: int = 50) -> None:
        self.path = Path(path)
        self.batch_size = batch_size
        self._buffer: list[str] = []
        self.lines_written = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.repaired_bytes = repair_tail(self.path)
            # Unbuffered: a failed write (disk full) must leave no bytes behind in a Python
            # buffer that a later flush or close would append after the cut.
            self._fh = self.path.open("ab", buffering=0)
        except OSError as exc:
            raise OutputError(f"cannot open output {self.path}: {exc.strerror or exc}") from exc
        self.size = self._fh.tell()

    def add(self, line: str) -> bool:
        """Buffer one JSON line (no newline); True when the buffer is due for a flush."""
        if "\n" in line:
            raise ValueError("a JSON line must not contain a raw newline")
        self._buffer.append(line)
        return len(self._buffer) >= self.batch_size

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def flush(self) -> list[str]:
        """Write and fsync the buffered lines; return them (now durable)."""
        if not self._buffer:
            return []
        batch, self._buffer = self._buffer, []
        data = ("\n".join(batch) + "\n").encode("utf-8")
        try:
            view = memoryview(data)
            while view:  # a raw file may take only part of the data per call
                view = view[self._fh.write(view) or 0 :]
            os.fsync(self._fh.fileno())
        except OSError as exc:
            # Leave no partial batch behind: cut the file back to the last durable size.
            with contextlib.suppress(OSError):
                self._fh.truncate(self.size)
            raise OutputError(f"cannot write output {self.path}: {exc.strerror or exc}") from exc
        self.size += len(data)
        self.lines_written += len(batch)
        return batch

    def close(self) -> list[str]:
        batch = self.flush()
        self._fh.close()
        return batch

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
