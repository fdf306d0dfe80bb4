"""Write a file so that readers see either its old contents or the new, never half of it.

Every finished file newscrawl writes in one go (dedup and merge outputs, run manifests, template
memory) goes through :func:`atomic_write`: a temporary file beside the target, flushed and
fsync-ed, then renamed over it; on any error the temporary file is removed and the target is
untouched. Append-only outputs (the crawl's JSON Lines) use ``newscrawl.store.jsonl`` instead.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_write(path: str | Path, *, binary: bool = False, fsync_dir: bool = False) -> Iterator[IO[Any]]:
    """Yield a file handle; on normal exit its contents replace ``path`` atomically.

    ``OSError`` (no space, no permission) propagates for the caller to turn into its own error.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if fsync_dir:  # make the rename itself durable (manifests a cron job will read)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
