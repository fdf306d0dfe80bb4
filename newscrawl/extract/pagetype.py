"""Is this page an article? Listing, tag, gallery, video and directory pages are not.

PLACEHOLDER (to be replaced by the metadata work).
"""

from __future__ import annotations

from newscrawl.extract.body import Body
from newscrawl.extract.document import Document
from newscrawl.extract.metadata import Metadata
from newscrawl.record import PageType


def classify_page(doc: Document, meta: Metadata, body: Body) -> PageType:
    return PageType.ARTICLE if len(body.text.split()) >= 80 else PageType.OTHER
