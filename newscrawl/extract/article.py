"""The extraction entry point: one page in, one ``ExtractResult`` out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from newscrawl.extract.body import extract_body
from newscrawl.extract.document import Document
from newscrawl.extract.language import detect_language
from newscrawl.extract.metadata import extract_metadata
from newscrawl.extract.pagetype import classify_page
from newscrawl.record import ArticleRecord, DateSources, PageType, record_id

if TYPE_CHECKING:
    from newscrawl.extract.templates import TemplateMemory


@dataclass
class ExtractResult:
    page_type: PageType
    record: ArticleRecord
    canonical_url: str | None  # as the page declares it (rel=canonical / og:url), absolute

    @property
    def is_article(self) -> bool:
        return self.page_type is PageType.ARTICLE


def extract(
    html: str | bytes,
    url: str | None = None,
    *,
    fetched_at: datetime | None = None,
    encoding: str | None = None,
    site: str | None = None,
    memory: TemplateMemory | None = None,
    source_file: str | None = None,
    document: Document | None = None,
) -> ExtractResult:
    """Turn one page into a record. ``encoding`` is the HTTP header charset, if any.

    For a saved page without a known ``url`` the page's own canonical URL stands in, else the
    ``file:`` URI of ``source_file``.

    ``document``: the page already parsed by ``Document.parse(html, url, encoding)`` (the
    crawler parses it once for link discovery too); it is used instead of parsing ``html`` again.

    Raises ``newscrawl.errors.InputError`` for input that is not an HTML page (empty, binary).
    """
    fetched = (fetched_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    doc = document if document is not None else Document.parse(html, url=url, encoding=encoding)
    meta = extract_metadata(doc, fetched_at=fetched)
    site_name = site or _host(meta.canonical_url or url)
    body = extract_body(doc, meta, site=site_name, memory=memory)
    language = detect_language(doc, meta, body.text)
    page_type = classify_page(doc, meta, body)
    if url is None:
        url = meta.canonical_url or (Path(source_file).resolve().as_uri() if source_file else None)
    canonical = meta.canonical_url or url or ""
    text = body.text
    record = ArticleRecord(
        id=record_id(canonical),
        url=url or canonical,
        canonical_url=canonical,
        site=site_name,
        page_type=page_type,
        title=meta.title,
        description=meta.description,
        authors=meta.authors,
        published=meta.published,
        modified=meta.modified,
        date_sources=DateSources(published=meta.published_source, modified=meta.modified_source),
        language=language,
        section=meta.section,
        tags=meta.tags,
        body=text,
        word_count=len(text.split()),
        image=meta.image,
        fetched_at=fetched.isoformat(),
        source_file=source_file,
    )
    return ExtractResult(page_type=page_type, record=record, canonical_url=meta.canonical_url)


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None
