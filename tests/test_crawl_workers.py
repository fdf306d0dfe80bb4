"""How many extraction worker processes a crawl uses (NEWSCRAWL_EXTRACT_WORKERS)."""

from __future__ import annotations

import pytest

from newscrawl import settings
from newscrawl.crawl.extract_worker import resolve_workers, worker_context
from newscrawl.errors import ConfigError


def test_auto_uses_two_workers_on_a_multi_core_machine_and_none_on_one_core() -> None:
    assert settings.NEWSCRAWL_EXTRACT_WORKERS == "auto"
    assert resolve_workers("auto", cpus=2) == 2
    assert resolve_workers("auto", cpus=16) == 2
    assert resolve_workers(" AUTO ", cpus=1) == 0
    assert resolve_workers(None, cpus=4) == 2


def test_explicit_counts() -> None:
    assert resolve_workers(0, cpus=8) == 0
    assert resolve_workers("3", cpus=8) == 3
    assert resolve_workers(-1, cpus=8) == 8  # one per CPU


def test_a_bad_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="NEWSCRAWL_EXTRACT_WORKERS"):
        resolve_workers("many", cpus=2)


def test_workers_are_never_forked_from_the_crawler_process() -> None:
    # A fork of the reactor process would inherit its threads mid-flight.
    assert worker_context().get_start_method() in ("forkserver", "spawn")
