"""Main-content text: trafilatura finds the article, our boilerplate layer cleans it.

PLACEHOLDER (to be replaced by the body/boilerplate work): plain trafilatura.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import trafilatura

from newscrawl.extract.document import Document

if TYPE_CHECKING:
    from newscrawl.extract.metadata import Metadata
    from newscrawl.extract.templates import TemplateMemory


@dataclass
class Body:
    paragraphs: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def extract_body(
    doc: Document, meta: Metadata, *, site: str | None = None, memory: TemplateMemory | None = None
) -> Body:
    text = trafilatura.extract(doc.copy_tree(), url=doc.url, include_comments=False) or ""
    return Body(paragraphs=[p for p in text.split("\n") if p.strip()])
