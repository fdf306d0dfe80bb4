"""Article metadata from JSON-LD, meta tags, microdata, bylines, visible dates and the URL.

PLACEHOLDER (to be replaced by the metadata work).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from newscrawl.extract.document import Document
from newscrawl.record import DateSource, Image


@dataclass
class Metadata:
    title: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    published_source: DateSource | None = None
    modified: str | None = None
    modified_source: DateSource | None = None
    language: str | None = None  # as declared by the page (html lang, og:locale, JSON-LD)
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    image: Image | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    schema_types: list[str] = field(default_factory=list)  # JSON-LD @type values seen


def extract_metadata(doc: Document, *, fetched_at: datetime) -> Metadata:
    meta = Metadata()
    meta.title = doc.meta_first("og:title", "twitter:title")
    meta.description = doc.meta_first("og:description", "description")
    canonical = (doc.links_rel.get("canonical") or [None])[0] or doc.meta_first("og:url")
    if canonical:
        meta.canonical_url = urljoin(doc.url or "", canonical)
    meta.published = doc.meta_first("article:published_time")
    meta.published_source = "meta" if meta.published else None
    meta.language = doc.lang_attr
    return meta
