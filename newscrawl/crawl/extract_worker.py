"""Extraction as the crawl runs it: timed, in this process or in a pool of worker processes.

Kept free of Scrapy so a worker process imports only what extraction needs (about half the
start-up cost of importing the pipeline module). Workers come from a ``forkserver`` that has
already imported extraction and loaded the language model (``_worker_preload``), so each
worker starts in milliseconds instead of re-importing everything; where ``forkserver`` is not
available they are spawned.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from datetime import datetime
from multiprocessing.context import BaseContext
from multiprocessing.util import Finalize
from pathlib import Path
from typing import Any

from newscrawl.errors import ConfigError, StateError
from newscrawl.extract import ExtractResult, extract
from newscrawl.extract.document import Document

log = logging.getLogger(__name__)

_WORKER_MEMORY: Any = None  # the template memory of this extraction worker process
AUTO_MAX_WORKERS = 2


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask, which containers narrow), else all."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def auto_workers(cpus: int) -> int:
    """``auto``: two workers on a machine with two or more CPUs, none on one.

    Extraction costs about twice what the crawler process spends per page (fetching, link
    discovery, writing), so two workers keep pace with one reactor; more only wait for it.
    On one CPU, workers would just add copying and memory to the same work.
    """
    return min(AUTO_MAX_WORKERS, cpus) if cpus > 1 else 0


def resolve_workers(value: Any, cpus: int | None = None) -> int:
    """``NEWSCRAWL_EXTRACT_WORKERS`` as a process count: a whole number (0 = extract in the
    crawler process), ``-1`` = one per CPU, or ``auto`` (:func:`auto_workers`)."""
    cpus = cpus or usable_cpus()
    text = str(value).strip().lower() if value is not None else "auto"
    if text in ("", "auto"):
        return auto_workers(cpus)
    try:
        workers = int(text)
    except ValueError:
        raise ConfigError(
            f"NEWSCRAWL_EXTRACT_WORKERS must be 'auto' or a whole number, not {value!r}"
        ) from None
    return cpus if workers < 0 else workers


def worker_context() -> BaseContext:
    """``forkserver`` with extraction preloaded where the platform has it, else ``spawn``.

    Never ``fork``: the crawler process runs a reactor and threads that a forked child would
    inherit half-way through whatever they were doing.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["newscrawl.crawl._worker_preload"])
        return context
    return multiprocessing.get_context("spawn")


def init_worker(template_dir: str | None) -> None:
    """Pool initializer: exit with the crawler; this worker's share of the template memory,
    saved when it exits."""
    global _WORKER_MEMORY
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    if template_dir:
        from newscrawl.extract.templates import TemplateMemory

        _WORKER_MEMORY = TemplateMemory(Path(template_dir))
        Finalize(None, save_quietly, args=(_WORKER_MEMORY,), exitpriority=10)


def _exit_with(parent: Any) -> None:
    """Exit as soon as the crawler process does, however it ended.

    A pool worker otherwise outlives a crawler killed with ``kill -9`` forever: it waits on a
    task queue whose other end it holds itself, and keeps its fork server alive too. The
    template memory learnt since the last save is lost with the killed run, nothing else.
    """
    parent.join()  # returns when the parent's sentinel closes, i.e. when it has exited
    os._exit(1)


def save_quietly(memory: Any) -> None:
    try:
        memory.save()
    except (OSError, StateError) as exc:  # save() reports disk trouble as StateError
        log.warning("could not save template memory: %s", exc)


def extract_timed(
    body: bytes,
    url: str,
    fetched_at: datetime,
    encoding: str | None,
    site: str,
    memory: Any = None,
    document: Document | None = None,
) -> tuple[ExtractResult, float]:
    """Extract one page; return the result and the CPU seconds it took. ``document``: the
    page as the spider already parsed it (in-process only: lxml trees do not pickle)."""
    started = time.process_time()
    result = extract(
        body,
        url=url,
        fetched_at=fetched_at,
        encoding=encoding,
        site=site,
        memory=memory,
        document=document,
    )
    return result, time.process_time() - started


def extract_in_worker(
    body: bytes, url: str, fetched_at: datetime, encoding: str | None, site: str
) -> tuple[ExtractResult, float]:
    """What the pool runs: :func:`extract_timed` with this worker's template memory."""
    return extract_timed(body, url, fetched_at, encoding, site, memory=_WORKER_MEMORY)
