"""Main-content text: trafilatura finds the article, our layers clean what it lets through.

The steps, in order, each a plain function:

1. ``prune_boilerplate_nodes`` on one copy of the parsed tree (consent, embeds, captions, ...).
2. trafilatura's ``bare_extraction`` on that pruned tree (no second HTML parse), links kept so
   link density can be measured, comments off.
3. ``blocks_from_xml``: trafilatura's XML becomes blocks: paragraphs, ``head`` subheadings,
   lists (one block, ``- item`` lines), quotes, tables (``a | b`` rows).
4. ``clean_blocks``: lines matching the phrase lists go; a "related"/"you may also like" heading
   takes the short or link-heavy blocks after it along; link-heavy short blocks (teasers) go;
   a block repeated within the page is kept once.
5. the per-site ``TemplateMemory``: blocks seen on many pages of the site go.
6. recall check against JSON-LD ``articleBody`` when the page has one (see ``_recall_merge``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lxml.etree import _Element
from trafilatura import bare_extraction
from trafilatura.settings import Extractor

from newscrawl.extract.boilerplate import PHRASES, normalize_line, prune_boilerplate_nodes
from newscrawl.extract.document import Document

if TYPE_CHECKING:
    from newscrawl.extract.metadata import Metadata
    from newscrawl.extract.templates import TemplateMemory

BLOCK_TAGS = frozenset({"p", "head", "list", "quote", "table", "code"})
TEASER_LINK_DENSITY = 0.6  # a short block mostly made of link text is a teaser or a nav line
TEASER_MAX_WORDS = 40
RELATED_RUN_MAX_WORDS = 30  # after a "related" heading, blocks up to this long are teasers
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2009\u200a\u202f]+")


@dataclass
class Block:
    """One extracted block: ``kind`` is p, head, list, quote, table or code."""

    kind: str
    lines: list[str]
    link_chars: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def chars(self) -> int:
        return sum(len(line) for line in self.lines)

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 0.0

    @property
    def words(self) -> int:
        return sum(len(line.split()) for line in self.lines)


@dataclass
class Body:
    """The article text and what the extraction saw on the way.

    ``paragraphs``: the blocks, in order; a list is one paragraph of ``- item`` lines.
    ``removed_blocks``: blocks trafilatura returned that the boilerplate layers dropped.
    ``link_density``: share of the kept text that is link text (teaser lists score high).
    ``teaser_blocks``: short link-heavy blocks dropped as teasers (many means a listing page).
    ``source``: "trafilatura", or "jsonld" when JSON-LD ``articleBody`` replaced a short extraction.
    """

    paragraphs: list[str] = field(default_factory=list)
    removed_blocks: int = 0
    link_density: float = 0.0
    teaser_blocks: int = 0
    source: str = "trafilatura"

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _options(url: str | None) -> Extractor:
    return Extractor(output_format="python", comments=False, links=True, tables=True, url=url)


def extract_body(
    doc: Document, meta: Metadata, *, site: str | None = None, memory: TemplateMemory | None = None
) -> Body:
    tree = doc.copy_tree()
    prune_boilerplate_nodes(tree)
    result = bare_extraction(tree, options=_options(doc.url))
    raw = blocks_from_xml(result.body) if result is not None and result.body is not None else []
    blocks, teasers = clean_blocks(raw)
    if memory is not None and site:
        recurring = memory.observe(site, doc.url or "", [b.text for b in blocks])
        blocks = [b for b in blocks if b.text not in recurring]
    body = Body(
        paragraphs=[b.text for b in blocks],
        removed_blocks=len(raw) - len(blocks),
        teaser_blocks=teasers,
    )
    chars = sum(b.chars for b in blocks)
    body.link_density = sum(b.link_chars for b in blocks) / chars if chars else 0.0
    return body


# --- trafilatura XML -> blocks -------------------------------------------------------------


def blocks_from_xml(root: _Element) -> list[Block]:
    blocks: list[Block] = []
    _collect(root, blocks)
    return [b for b in blocks if b.lines]


def _collect(el: _Element, out: list[Block]) -> None:
    for child in el:
        tag = child.tag
        if tag == "list":
            lines: list[str] = []
            links = _list_lines(child, lines, 0)
            out.append(Block("list", lines, links))
        elif tag == "quote" and any(c.tag in BLOCK_TAGS for c in child):
            for sub in _blocks_of(child):
                sub.kind = "quote"
                out.append(sub)
        elif tag == "table":
            out.append(_table_block(child))
        elif tag in BLOCK_TAGS:
            text, links = _inline_text(child)
            out.append(Block(tag, _split_lines(text), links))
        elif tag in ("graphic", "lb"):
            continue
        else:
            before = len(out)
            _collect(child, out)
            if len(out) == before:  # a container with bare text (e.g. <div>text</div>)
                text, links = _inline_text(child)
                if text.strip():
                    out.append(Block("p", _split_lines(text), links))


def _blocks_of(el: _Element) -> list[Block]:
    out: list[Block] = []
    text = (el.text or "").strip()
    if text:
        out.append(Block("p", _split_lines(text)))
    _collect(el, out)
    return out


def _list_lines(lst: _Element, lines: list[str], depth: int) -> int:
    links = 0
    for item in lst:
        if item.tag != "item":
            continue
        nested = [c for c in item if c.tag == "list"]
        for c in nested:
            item.remove(c)  # trafilatura's tree is ours to consume
        text, n = _inline_text(item)
        links += n
        text = " ".join(text.split())
        if text:
            lines.append("  " * depth + "- " + text)
        for c in nested:
            links += _list_lines(c, lines, depth + 1)
    return links


def _table_block(table: _Element) -> Block:
    lines: list[str] = []
    links = 0
    for row in table.iter("row"):
        cells = []
        for cell in row.iter("cell"):
            text, n = _inline_text(cell)
            links += n
            cells.append(" ".join(text.split()))
        if any(cells):
            lines.append(" | ".join(cells))
    return Block("table", lines, links)


def _inline_text(el: _Element) -> tuple[str, int]:
    """Text of an element with ``lb`` as newline, and the number of characters inside links."""
    parts: list[str] = []
    links = 0

    def walk(node: _Element, in_link: bool) -> None:
        nonlocal links
        if node.text:
            parts.append(node.text)
            if in_link:
                links += len(node.text.strip())
        for child in node:
            if child.tag == "lb":
                parts.append("\n")
            elif child.tag in ("list", "table", "quote", "p", "head") and node is not el:
                parts.append("\n")
                walk(child, in_link)
                parts.append("\n")
            else:
                walk(child, in_link or child.tag == "ref")
            if child.tail:
                parts.append(child.tail)
                if in_link:
                    links += len(child.tail.strip())

    walk(el, el.tag == "ref")
    return "".join(parts), links


def _split_lines(text: str) -> list[str]:
    return [line for line in (_SPACES.sub(" ", ln).strip() for ln in text.split("\n")) if line]


# --- cleaning ------------------------------------------------------------------------------


def clean_blocks(blocks: list[Block]) -> tuple[list[Block], int]:
    """Drop boilerplate lines and blocks; returns the kept blocks and the number of teasers."""
    kept: list[Block] = []
    seen: set[str] = set()
    teasers = 0
    in_related_run = False
    for block in blocks:
        if PHRASES.is_related_heading(block.text) or (
            block.kind == "head" and any(PHRASES.is_related_heading(ln) for ln in block.lines)
        ):
            in_related_run = True
            continue
        if in_related_run:
            if block.words <= RELATED_RUN_MAX_WORDS or block.link_density > 0.5 or block.kind == "list":
                teasers += 1
                continue
            in_related_run = False
        lines = [ln for ln in block.lines if not PHRASES.is_boilerplate(_unbullet(ln))]
        if not lines:
            continue
        if len(lines) != len(block.lines):
            block = Block(block.kind, lines, 0)
        key = normalize_line(block.text)
        if key in seen:
            continue
        seen.add(key)
        kept.append(block)
    start, end = 0, len(kept)
    while start < end and _is_teaser(kept[start]):
        start += 1
    while end > start and _is_teaser(kept[end - 1]):
        end -= 1
    teasers += len(kept) - (end - start)
    return kept[start:end], teasers


def _is_teaser(block: Block) -> bool:
    """A short block made mostly of link text: a nav line, a teaser, a "more stories" list.

    Only applied at the edges of the body: inside the story a linked line ("Click for the full
    results", a source link) is part of what the reporter wrote.
    """
    return block.words <= TEASER_MAX_WORDS and block.link_density >= TEASER_LINK_DENSITY


def _unbullet(line: str) -> str:
    return line[2:] if line.startswith("- ") else line
