"""Fixture site sources: articles and pages written as HTML with a JSON front-matter comment.

A source file starts with ``<!-- {json} -->`` (the metadata a CMS would store) followed by the
body HTML, so the sites in ``fixtures/web/`` stay readable and editable as plain files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from newscrawl.errors import ConfigError


def front_matter(file: Path) -> tuple[dict[str, Any], str]:
    """Split a source file into its leading ``<!-- {json} -->`` block and the HTML after it."""
    text = file.read_text(encoding="utf-8")
    if not text.startswith("<!--") or "-->" not in text:
        raise ConfigError(f"{file}: must start with a <!-- {{json front matter}} --> block")
    head, body = text[4:].split("-->", 1)
    try:
        meta = json.loads(head)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{file}: bad front matter JSON: {exc}") from exc
    if not isinstance(meta, dict):
        raise ConfigError(f"{file}: front matter must be a JSON object")
    return meta, body.strip()


@dataclass
class Article:
    """One article as its source file describes it."""

    path: str
    title: str
    description: str
    authors: list[str]
    published: datetime
    modified: datetime
    section: str
    tags: list[str]
    body: str
    image: dict[str, str] | None = None
    kicker: str = ""
    amp: bool = False
    related: list[str] = field(default_factory=list)
    hidden: bool = False  # rendered and linked, but kept out of listings/sitemaps (e.g. /private/)
    syndicated_from: dict[str, str] | None = None

    @classmethod
    def from_file(cls, file: Path) -> Article:
        meta, body = front_matter(file)
        try:
            published = datetime.fromisoformat(meta["published"])
            return cls(
                path=meta["path"],
                title=meta["title"],
                description=meta["description"],
                authors=list(meta["authors"]),
                published=published,
                modified=datetime.fromisoformat(meta.get("modified", meta["published"])),
                section=meta["section"],
                tags=list(meta.get("tags", [])),
                body=body.strip(),
                image=meta.get("image"),
                kicker=meta.get("kicker", ""),
                amp=bool(meta.get("amp", False)),
                related=list(meta.get("related", [])),
                hidden=bool(meta.get("hidden", False)),
                syndicated_from=meta.get("syndicated_from"),
            )
        except KeyError as exc:
            raise ConfigError(f"{file}: front matter lacks {exc}") from exc
