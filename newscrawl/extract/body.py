"""Main-content text: trafilatura finds the article, our layers clean what it lets through.

The steps, in order, each a plain function:

1. ``prune_boilerplate_nodes`` on one copy of the parsed tree (consent, embeds, captions, ...).
2. trafilatura's ``bare_extraction`` on that pruned tree (no second HTML parse), links kept so
   link density can be measured, comments off.
3. ``blocks_from_xml``: trafilatura's XML becomes blocks: paragraphs, ``head`` subheadings,
   lists (one block, ``- item`` lines), quotes, tables (``a | b`` rows).
4. ``recover_blocks``: paragraphs and lists trafilatura dropped from the containers its own
   paragraphs came from are put back in page order.
5. ``clean_blocks``: lines matching the phrase lists go; a "related"/"you may also like" heading
   takes the short or link-heavy blocks after it along; a block repeated within the page is
   kept once; short link-heavy blocks at the start or end of the body (teasers) go.
6. JSON-LD ``articleBody`` replaces the result when the HTML gave less than half of it.
7. the per-site ``TemplateMemory``: blocks seen on many pages of the site go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import lxml.etree
import lxml.html
from trafilatura import bare_extraction
from trafilatura.settings import Extractor

from newscrawl.extract.blocks import Block, blocks_from_xml
from newscrawl.extract.boilerplate import PHRASES, normalize_line, prune_boilerplate_nodes
from newscrawl.extract.document import Document
from newscrawl.extract.recovery import recover_blocks
from newscrawl.extract.xpaths import DEK_TOKENS, TEXT_HOLDERS

if TYPE_CHECKING:
    from newscrawl.extract.metadata import Metadata
    from newscrawl.extract.templates import TemplateMemory

TEASER_LINK_DENSITY = 0.6  # a short block mostly made of link text is a teaser or a nav line
TEASER_MAX_WORDS = 40
RELATED_RUN_MAX_WORDS = 30  # after a "related" heading, blocks up to this long are teasers
TITLE_SEARCH_BLOCKS = 3  # the headline, when trafilatura keeps it, is among the first blocks
KICKER_MAX_WORDS = 6  # a block this short before the headline is a kicker or section label
BYLINE_MAX_WORDS = 12
DEK_PROBE_CHARS = 60
# Class/id tokens of the standfirst (dek) under a headline, in the languages we cover.
_NAME_SPLIT = re.compile(r"[^a-z0-9]+")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_NOT_SHOWN = frozenset({"script", "style", "noscript", "template", "title", "textarea"})
_UPPER = "A-ZÀ-ÖØ-ÞĀ-ſ"
_BYLINE = re.compile(
    r"^(?i:by|por|di|par|von|door|text|texto|testo|texte|words|written by|escrito por|"
    r"scritto da|écrit par|geschrieben von)[:\s]+"
    rf"[{_UPPER}][\w.'’-]*(?:\s+(?:[{_UPPER}][\w.'’-]*|y|e|and|und|et|&|de|da|del|van|von|di|,))*"
    r"(?:\s*[|,·•–—-]\s*.*)?$"
)
_SENTENCE_END = (".", "!", "?", "…", "”", "»", '"', "“", "’")


@dataclass
class Body:
    """The article text and what the extraction saw on the way (the page-type classifier reads it).

    ``paragraphs``: the blocks, in order; a list is one paragraph of ``- item`` lines.
    ``blocks``: the same as ``Block`` objects (kind: p, head, list, quote, table, code).
    ``removed_blocks``: blocks found that the cleaning dropped (headline, dek, byline,
    boilerplate, teasers, site template).
    ``recovered_blocks``: blocks trafilatura missed that ``recover_blocks`` put back.
    ``link_density``: share of the kept text that is link text (teaser lists score high).
    ``teaser_blocks``: link-heavy blocks dropped as teasers (many of them means a listing page).
    ``source``: "html", or "jsonld" when the page's JSON-LD ``articleBody`` replaced an HTML
    extraction that held less than half of it (script-rendered pages).
    """

    paragraphs: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    removed_blocks: int = 0
    recovered_blocks: int = 0
    link_density: float = 0.0
    teaser_blocks: int = 0
    source: str = "html"

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


SHORT_EXTRACTION_CHARS = 300  # below this, trafilatura's slower full cascade gets a second try


def _options(*, fast: bool) -> Extractor:
    # Links are kept only to measure link density; without a URL trafilatura skips resolving them.
    return Extractor(output_format="python", comments=False, links=True, tables=True, fast=fast)


def _trafilatura_blocks(tree: lxml.html.HtmlElement) -> list[Block]:
    """Trafilatura's main extractor, in its fast mode.

    The fast mode skips trafilatura's comparison with readability and jusText. With our
    recovery step after it, it scores like the full cascade on the extraction-dev pages
    (F1 0.982 vs 0.981, same cleaning) in about two thirds of the time; the full cascade
    still runs when the fast result is nearly empty (a layout the main extractor misreads).
    ``bare_extraction`` copies its input tree, so ``tree`` stays intact for recovery.
    """
    result = bare_extraction(tree, options=_options(fast=True))
    blocks = blocks_from_xml(result.body) if result is not None and result.body is not None else []
    if sum(b.chars for b in blocks) < SHORT_EXTRACTION_CHARS:
        retry = bare_extraction(tree, options=_options(fast=False))
        if retry is not None and retry.body is not None:
            again = blocks_from_xml(retry.body)
            if sum(b.chars for b in again) > sum(b.chars for b in blocks):
                blocks = again
    return blocks


def extract_body(
    doc: Document,
    meta: Metadata | None = None,
    *,
    site: str | None = None,
    memory: TemplateMemory | None = None,
) -> Body:
    """The article body of ``doc``; ``memory`` (with ``site``) learns and drops site templates."""
    tree = doc.copy_tree()
    prune_boilerplate_nodes(tree)
    raw = _trafilatura_blocks(tree)
    found = recover_blocks(tree, raw)
    recovered = len(found) - len(raw)
    candidates = len(found)
    found = drop_title(found, _titles(doc, meta))
    authors = meta.authors if meta is not None else []
    found = drop_standfirst(found, _descriptions(doc, meta), tree, authors)
    found = drop_byline(found, authors)
    blocks, teasers = clean_blocks(found)
    source = "html"
    declared = declared_blocks(doc, blocks)
    if declared is not None:
        blocks, teasers = clean_blocks(declared)
        recovered, candidates, source = 0, len(declared), "jsonld"
    if memory is not None and site:
        recurring = memory.observe(site, doc.url or "", [b.text for b in blocks])
        blocks = [b for b in blocks if b.text not in recurring]
    chars = sum(b.chars for b in blocks)
    return Body(
        paragraphs=[b.text for b in blocks],
        blocks=blocks,
        removed_blocks=candidates - len(blocks),
        recovered_blocks=recovered,
        link_density=sum(b.link_chars for b in blocks) / chars if chars else 0.0,
        teaser_blocks=teasers,
        source=source,
    )


# --- JSON-LD fallback ---------------------------------------------------------------------

JSONLD_MIN_CHARS = 400  # a declared articleBody shorter than this is a teaser, not the story
JSONLD_TAKEOVER_SHARE = 0.5  # use it when the HTML gave less than this share of its length
_WORD = re.compile(r"\w+")
_ARTICLE_TYPES = (
    "Article",
    "NewsArticle",
    "ReportageNewsArticle",
    "BlogPosting",
    "AnalysisNewsArticle",
)


def declared_blocks(doc: Document, blocks: list[Block]) -> list[Block] | None:
    """The JSON-LD ``articleBody`` paragraphs, when they beat the HTML extraction ``blocks``.

    They do when the page declares far more text than its HTML shows (rendered by script, or
    a layout trafilatura misreads), or when the extraction is that very text run together
    (trafilatura's own fallback reads JSON-LD) and the declaration keeps its paragraphs.
    """
    declared = jsonld_article_body(doc)
    if not declared:
        return None
    lines = [Block.from_text("p", line) for line in declared.split("\n") if line.strip()]
    if sum(b.chars for b in blocks) < JSONLD_TAKEOVER_SHARE * len(declared):
        return lines
    if len(lines) > len(blocks) and _words(" ".join(b.text for b in blocks)) == _words(declared):
        return lines
    return None


def jsonld_article_body(doc: Document) -> str | None:
    """The ``articleBody`` an Article-typed JSON-LD object declares, as plain text, if long."""
    for obj in doc.jsonld:
        kinds = obj.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if not any(isinstance(k, str) and k in _ARTICLE_TYPES for k in kinds):
            continue
        body = obj.get("articleBody")
        if isinstance(body, str) and len(body.strip()) >= JSONLD_MIN_CHARS:
            if "<" in body and ">" in body:
                body = _html_to_text(body)
            return body.strip()
    return None


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _html_to_text(fragment: str) -> str:
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return fragment
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in root.iter("p", "div", "li", "h2", "h3", "h4", "blockquote"):
        block.tail = "\n\n" + (block.tail or "")
    return root.text_content()


# --- cleaning ------------------------------------------------------------------------------


def _titles(doc: Document, meta: Metadata | None) -> set[str]:
    """The page's headline as the page states it (record field, og:title, h1)."""
    found = [meta.title if meta is not None else None, doc.meta_first("og:title", "twitter:title")]
    h1 = doc.tree.find(".//h1")
    if h1 is not None:
        found.append(h1.text_content())
    return {normalize_line(t) for t in found if t and t.strip()}


def _descriptions(doc: Document, meta: Metadata | None) -> set[str]:
    found = [meta.description if meta is not None else None,
             doc.meta_first("og:description", "description", "twitter:description")]  # fmt: skip
    return {normalize_line(t) for t in found if t and t.strip()}


def drop_standfirst(
    blocks: list[Block],
    descriptions: set[str],
    tree: lxml.html.HtmlElement,
    authors: list[str],
) -> list[Block]:
    """A block at the top that repeats the page description is the dek, a record field...

    ...when it is a heading, when the page marks it as one (``p.dek``, ``div.standfirst``,
    ``h2.entradilla``, ``p.article__chapo``), or when it comes before the byline. When the
    description merely repeats the first paragraph of the story (a plain ``<p>`` after the
    byline), that paragraph is the lede and stays.
    """
    if not descriptions:
        return blocks
    bylines = _bylines(blocks, authors)
    byline_at = next((i for i, b in enumerate(blocks) if any(b is h for h in bylines)), -1)
    out = []
    for i, block in enumerate(blocks):
        is_dek = (
            i < TITLE_SEARCH_BLOCKS
            and normalize_line(block.text) in descriptions
            and (i < byline_at or block.kind == "head" or _marked_as_dek(tree, block.lines[0]))
        )
        if not is_dek:
            out.append(block)
    return out


def _marked_as_dek(tree: lxml.html.HtmlElement, text: str) -> bool:
    """Every element showing ``text`` (or its parent) carries a dek-like class or id."""
    probe = text[:DEK_PROBE_CHARS]
    holders = [el for el in TEXT_HOLDERS(tree, s=probe) if el.tag not in _NOT_SHOWN]
    if not holders:
        return False
    return all(_dek_like(el) or _dek_like(el.getparent()) or el.tag in _HEADINGS for el in holders)


def _dek_like(el: lxml.html.HtmlElement | None) -> bool:
    if el is None:
        return False
    names = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return not DEK_TOKENS.isdisjoint(_NAME_SPLIT.split(names))


def drop_byline(blocks: list[Block], authors: list[str]) -> list[Block]:
    """A byline ("By Rachel Douglass", "Por María López | 21 de marzo") is a record field.

    Only short single-line blocks at the top: one naming an author the metadata found, or
    one shaped like a byline (keyword, then capitalised names).
    """
    head = _bylines(blocks, authors)
    return [b for b in blocks if not any(b is h for h in head)] if head else blocks


def _bylines(blocks: list[Block], authors: list[str]) -> list[Block]:
    names = [a.lower() for a in authors if a.strip()]

    def is_byline(block: Block) -> bool:
        if len(block.lines) != 1 or block.words > BYLINE_MAX_WORDS:
            return False
        line = block.lines[0]
        return bool(_BYLINE.match(line)) or any(n in line.lower() for n in names)

    return [b for b in blocks[: TITLE_SEARCH_BLOCKS + 1] if is_byline(b)]


def drop_title(blocks: list[Block], titles: set[str]) -> list[Block]:
    """The headline is a record field, not body text: drop it from the first blocks.

    Short blocks before it (a kicker such as "Bilanz", a section label) go with it.
    """
    if not titles:
        return blocks
    for i, block in enumerate(blocks[:TITLE_SEARCH_BLOCKS]):
        if normalize_line(block.text) in titles:
            before = [b for b in blocks[:i] if b.words > KICKER_MAX_WORDS]
            return before + blocks[i + 1 :]
    return blocks


def clean_blocks(blocks: list[Block]) -> tuple[list[Block], int]:
    """Drop boilerplate lines and blocks; returns the kept blocks and the number of teasers.

    Repetition counts only inside the extraction (a block kept once). Repetition across the
    whole page was measured and rejected as a signal: on the extraction-dev pages the short
    blocks it flags are mostly genuine (interview questions, names heading each section).
    """
    kept: list[Block] = []
    seen: set[str] = set()
    teasers = 0
    in_related_run = False
    for i, block in enumerate(blocks):
        matches = [PHRASES.match(_unbullet(ln)) for ln in block.lines]
        if "related" in matches and (len(matches) == 1 or block.kind == "head"):
            in_related_run = True
            continue
        if in_related_run:
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            if _is_related_teaser(block, following):
                teasers += 1
                continue
            in_related_run = False
        if any(matches):
            lines = [ln for ln, m in zip(block.lines, matches, strict=True) if m is None]
            if not lines:
                continue
            kept_share = sum(map(len, lines)) / block.chars
            block = Block(block.kind, lines, round(block.link_chars * kept_share))
        key = block.text
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


def _is_related_teaser(block: Block, following: Block | None) -> bool:
    """After a "You may also like" heading: links, teaser lists, teaser headlines.

    A sentence (ending in . ! ? or a closing quote) without links ends the run: the story
    goes on after an inline "Read also" box. So does a subheading followed by such a sentence.
    """
    if block.link_density > 0.5:
        return True
    if block.kind == "head":
        return following is None or _is_related_teaser(following, None)
    if block.kind == "list":
        return block.link_density > 0.3 or block.words <= RELATED_RUN_MAX_WORDS
    return block.words <= RELATED_RUN_MAX_WORDS and not block.text.rstrip().endswith(_SENTENCE_END)


def _is_teaser(block: Block) -> bool:
    """A short block made mostly of link text: a nav line, a teaser, a "more stories" list.

    Only applied at the edges of the body: inside the story a linked line ("Click for the full
    results", a source link) is part of what the reporter wrote.
    """
    return block.words <= TEASER_MAX_WORDS and block.link_density >= TEASER_LINK_DENSITY


def _unbullet(line: str) -> str:
    return line[2:] if line.startswith("- ") else line
