"""The article record: the one data model every stage produces or consumes.

Extraction builds it, dedup annotates it, the store writes it as one JSON line. The JSON Schema
shipped in ``newscrawl/schema/article.schema.json`` is generated from this model
(``newscrawl schema`` prints it; a test keeps the file and the model in step).

Bump ``SCHEMA_VERSION`` on any change a downstream reader could notice: minor for added optional
fields, major for renamed/removed fields or changed meanings.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from importlib import resources
from typing import Any, Literal

import xxhash
from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.1"


class PageType(StrEnum):
    """What a fetched page is. Only ``article`` pages become records in the dataset."""

    ARTICLE = "article"
    LISTING = "listing"  # section/category/home/pagination pages: many teasers, little own text
    TAG = "tag"
    GALLERY = "gallery"  # images with captions, no running text
    VIDEO = "video"  # a player and a blurb
    DIRECTORY = "directory"  # brand/people/company directories, indexes, search results
    OTHER = "other"  # about, contact, legal, errors, empty pages


DateSource = Literal["json-ld", "microdata", "meta", "visible-text", "url", "feed", "sitemap", "htmldate"]


class Image(BaseModel):
    """The lead image of an article."""

    model_config = ConfigDict(extra="forbid")

    url: str
    caption: str | None = None
    credit: str | None = None


class DateSources(BaseModel):
    """Where each date came from, so analysts can judge how far to trust it."""

    model_config = ConfigDict(extra="forbid")

    published: DateSource | None = None
    modified: DateSource | None = None


class Copy(BaseModel):
    """One syndicated copy of the canonical article (dedup provenance)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    url: str
    site: str | None = None
    published: str | None = None
    level: Literal["exact-url", "exact-body", "near"] = "near"
    score: float = Field(ge=0.0, le=1.0, description="evidence score of the copy relation")


class Dedup(BaseModel):
    """The record's place in its syndication cluster (absent until dedup has run)."""

    model_config = ConfigDict(extra="forbid")

    cluster_id: str = Field(description="id of the cluster's canonical record")
    role: Literal["canonical", "copy"]
    canonical_id: str
    canonical_url: str | None = Field(default=None, description="URL of the canonical record")
    copies: list[Copy] = Field(default_factory=list, description="on the canonical record only")
    level: Literal["exact-url", "exact-body", "near"] | None = Field(
        default=None, description="on a copy: how it is linked to the canonical")
    score: float | None = Field(default=None, ge=0.0, le=1.0, description="on a copy: evidence score")
    story_id: str | None = Field(
        default=None, description="looser level: id of the record heading the same-event story group, "
                                  "if the record has independent articles on the same event")


class ArticleRecord(BaseModel):
    """A clean article: metadata plus body text, nothing that is not the article."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    id: str = Field(description="stable id: 16 hex chars of xxh64(canonical_url)")
    url: str = Field(description="the URL the page was fetched from (or given for a saved page)")
    canonical_url: str
    site: str | None = Field(default=None, description="site name from the registry, else host")
    page_type: PageType = PageType.ARTICLE
    title: str | None = None
    description: str | None = None
    authors: list[str] = Field(default_factory=list, description="person or agency names only")
    published: str | None = Field(default=None, description="ISO 8601, with the page's own offset if it gave one")
    modified: str | None = None
    date_sources: DateSources = Field(default_factory=DateSources)
    language: str | None = Field(default=None, description="ISO 639-1 code")
    section: str | None = None
    tags: list[str] = Field(default_factory=list)
    body: str = Field(description="paragraphs separated by a blank line; list items start with '- '")
    word_count: int = Field(ge=0)
    image: Image | None = None
    fetched_at: str = Field(description="ISO 8601 UTC time the page was fetched (or read)")
    source_file: str | None = Field(default=None, description="input path, for saved pages")
    dedup: Dedup | None = None

    def to_json(self) -> str:
        """One JSON line (no trailing newline), ``None`` fields kept so readers see every key."""
        return self.model_dump_json()


def record_id(canonical_url: str) -> str:
    """Stable record id derived from the canonical URL."""
    return xxhash.xxh64_hexdigest(canonical_url.encode("utf-8"))


def utc_now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def json_schema() -> dict[str, Any]:
    """The JSON Schema generated from the model (what the shipped file must equal)."""
    schema = ArticleRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://newscrawl.invalid/schema/article-{SCHEMA_VERSION}.json"
    schema["title"] = "newscrawl article record"
    return schema


def shipped_schema() -> dict[str, Any]:
    """The JSON Schema file shipped inside the package."""
    text = resources.files("newscrawl").joinpath("schema/article.schema.json").read_text("utf-8")
    return json.loads(text)
