"""Exceptions that carry a user-facing message and the exit code the CLI should return."""

from __future__ import annotations

from newscrawl import exitcodes


class NewscrawlError(Exception):
    """Base class: ``str(err)`` is a message fit for an analyst, ``exit_code`` for cron."""

    exit_code = exitcodes.PARTIAL


class ConfigError(NewscrawlError):
    exit_code = exitcodes.CONFIG_ERROR


class StateLockedError(NewscrawlError):
    exit_code = exitcodes.LOCKED


class StateError(NewscrawlError):
    exit_code = exitcodes.STATE_ERROR


class OutputError(NewscrawlError):
    exit_code = exitcodes.OUTPUT_ERROR


class InputError(NewscrawlError):
    """One input (page, file) could not be used; batches report it and carry on."""

    exit_code = exitcodes.PARTIAL
