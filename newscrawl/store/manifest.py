"""Per-run manifest: what a run did, written atomically next to the data it describes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newscrawl.errors import OutputError
from newscrawl.fileio import atomic_write


def write_json_atomic(path: str | Path, data: dict[str, Any]) -> None:
    """Write JSON to ``path`` via a temporary file + fsync + rename: never a half-written file."""
    try:
        with atomic_write(path, fsync_dir=True) as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False, sort_keys=False)
            fh.write("\n")
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
