"""Win back article blocks trafilatura dropped, by evidence from where its paragraphs sit.

Trafilatura sometimes drops a list, a first paragraph or the second half of a story split over
several containers. Once we know which DOM elements its paragraphs came from, the article's
containers are known: a ``<ul>`` or ``<p>`` that is a *child of the same container*, between
paragraphs it kept, is article text too; so is a long, link-free paragraph in a container
with the same tag and (non-empty) class (a story split into several ``div.article__body``
blocks).

Runs on the boilerplate-pruned tree (ads, embeds, captions are already gone), and every
recovered block still passes the phrase filter afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html

from newscrawl.extract.blocks import Block, inline_text_html, list_block_html

RECOVER_TAGS = frozenset({"p", "ul", "ol", "blockquote", "h2", "h3", "h4"})
MATCH_KEY_CHARS = 80
OUTSIDE_MIN_CHARS = 100  # a paragraph outside the kept span needs this much text
MAX_LINK_DENSITY = 0.5


@dataclass
class _Candidate:
    position: int
    block: Block


def _key(text: str) -> str:
    return " ".join(text.split())[:MATCH_KEY_CHARS]


def recover_blocks(tree: lxml.html.HtmlElement, blocks: list[Block]) -> list[Block]:
    """``blocks`` (trafilatura's, in order) plus the article blocks it missed, in page order."""
    wanted = {_key(b.text): i for i, b in enumerate(blocks) if b.kind in ("p", "head", "quote")}
    if not wanted:
        return blocks
    order: dict[lxml.html.HtmlElement, int] = {}
    matched: dict[int, int] = {}  # block index -> DOM position
    containers: dict[lxml.html.HtmlElement, list[int]] = {}
    for pos, el in enumerate(el for el in tree.iter() if el.tag in RECOVER_TAGS):
        order[el] = pos
        if el.tag in ("ul", "ol", "blockquote"):
            continue
        index = wanted.get(_key(el.text_content()))
        if index is not None and index not in matched:
            matched[index] = pos
            parent = el.getparent()
            if parent is not None:
                containers.setdefault(parent, []).append(pos)
    body_containers = {c for c, positions in containers.items() if len(positions) >= 2}
    if not body_containers:
        return blocks
    # Only a distinctive container (one with a class) vouches for look-alikes elsewhere:
    # a bare <div> signature would also vouch for the comment thread.
    signatures = {(c.tag, c.get("class")) for c in body_containers if c.get("class")}
    first, last = min(matched.values()), max(matched.values())
    taken = set(matched.values())
    candidates: list[_Candidate] = []
    for el, pos in order.items():
        if pos in taken:
            continue
        parent = el.getparent()
        if parent is None:
            continue
        inside = parent in body_containers and first < pos < last
        sibling = (parent.tag, parent.get("class")) in signatures
        if not (inside or sibling):
            continue
        block = _to_block(el)
        if block is None or block.link_density > MAX_LINK_DENSITY:
            continue
        if not inside and (block.kind != "p" or block.chars < OUTSIDE_MIN_CHARS):
            continue
        if _key(block.text) in wanted:
            continue
        candidates.append(_Candidate(pos, block))
    if not candidates:
        return blocks
    return _merge(blocks, matched, candidates)


def _to_block(el: lxml.html.HtmlElement) -> Block | None:
    if el.tag in ("ul", "ol"):
        block = list_block_html(el)
    elif el.tag == "blockquote":
        text, links = inline_text_html(el)
        block = Block.from_text("quote", text, links)
    else:
        text, links = inline_text_html(el)
        block = Block.from_text("head" if el.tag.startswith("h") else "p", text, links)
    return block if block.lines else None


def _merge(
    blocks: list[Block], matched: dict[int, int], candidates: list[_Candidate]
) -> list[Block]:
    """Interleave by DOM position; unmatched trafilatura blocks follow their predecessor."""
    out: list[Block] = []
    pending = sorted(candidates, key=lambda c: c.position)
    for i, block in enumerate(blocks):
        position = matched.get(i)
        if position is not None:
            while pending and pending[0].position < position:
                out.append(pending.pop(0).block)
        out.append(block)
    out.extend(c.block for c in pending)
    return out
