"""Per-site template memory: text blocks that recur across many pages of a site are boilerplate.

PLACEHOLDER (to be replaced by the body/boilerplate work).
"""

from __future__ import annotations

from pathlib import Path


class TemplateMemory:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def save(self) -> None:
        pass
