"""Per-run manifest: what a run did, written atomically next to the data it describes."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from newscrawl.errors import OutputError


def write_json_atomic(path: str | Path, data: dict[str, Any]) -> None:
    """Write JSON to ``path`` via a temporary file + fsync + rename: never a half-written file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2, ensure_ascii=False, sort_keys=False)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        raise OutputError(f"cannot write manifest {path}: {exc.strerror or exc}") from exc


def manifest_path_for(output: Path, run_id: str, per_run: bool) -> Path:
    """Where a run's manifest goes: one per run, beside the data, sorted by time in a listing.

    Folder output: ``<dir>/<run_id>.manifest.json`` (next to ``<dir>/<run_id>.jsonl``).
    File output: ``<file>.<run_id>.manifest.json`` (the file itself accumulates runs).
    """
    if per_run:
        return output / f"{run_id}.manifest.json"
    return output.with_name(f"{output.name}.{run_id}.manifest.json")
