"""Language of the article: detected from the body text, the page's declaration as tie-breaker.

PLACEHOLDER (to be replaced by the metadata work).
"""

from __future__ import annotations

from newscrawl.extract.document import Document
from newscrawl.extract.metadata import Metadata


def detect_language(doc: Document, meta: Metadata, text: str) -> str | None:
    if meta.language:
        return meta.language.split("-")[0].lower()
    return None
