"""Blocks: the unit the body is built from, and the two ways to make them.

A block is a paragraph, a ``head`` subheading, a list (one block, ``- item`` lines, nested
items indented), a quote, a table (``a | b`` rows) or code, with the number of its characters
that were link text. Blocks come from trafilatura's XML output (``blocks_from_xml``) or straight
from HTML elements (``inline_text_html``, ``list_block_html``) when recovery adds what
trafilatura dropped; both give the same shape so every later filter treats them alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html
from lxml.etree import _Element

BLOCK_TAGS = frozenset({"p", "head", "list", "quote", "table", "code"})
_HTML_BLOCKS = frozenset({"p", "div", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4",
                          "h5", "h6", "table", "tr", "section", "figure", "pre"})  # fmt: skip


@dataclass
class Block:
    """One extracted block: ``kind`` is p, head, list, quote, table or code."""

    kind: str
    lines: list[str]
    link_chars: int = 0

    @classmethod
    def from_text(cls, kind: str, text: str, link_chars: int = 0) -> Block:
        return cls(kind, split_lines(text), link_chars)

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


# --- trafilatura XML -> blocks ---------------------------------------------------------------


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
            if _is_layout_table(child):
                for cell in child.iter("cell"):
                    out.extend(_blocks_of(cell))
            else:
                out.append(_table_block(child))
        elif tag in BLOCK_TAGS:
            text, links = _inline_text(child)
            out.append(Block(tag, split_lines(text), links))
        elif tag in ("graphic", "lb"):
            continue
        else:
            before = len(out)
            _collect(child, out)
            if len(out) == before:  # a container with bare text (e.g. <div>text</div>)
                text, links = _inline_text(child)
                if text.strip():
                    out.append(Block("p", split_lines(text), links))


def _is_layout_table(table: _Element) -> bool:
    """A table used for page layout holds paragraphs in its cells; a data table holds values."""
    return any(
        c.tag in ("p", "head", "list", "quote", "table")
        for cell in table.iter("cell")
        for c in cell
    )


def _blocks_of(el: _Element) -> list[Block]:
    out: list[Block] = []
    text = (el.text or "").strip()
    if text:
        out.append(Block("p", split_lines(text)))
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
            elif child.tag in ("list", "item", "table", "row", "cell", "quote", "p", "head"):
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


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` with whitespace runs (no-break and thin spaces too) collapsed."""
    return [line for line in (" ".join(ln.split()) for ln in text.split("\n")) if line]


# --- HTML -> blocks ------------------------------------------------------------------------


def inline_text_html(el: lxml.html.HtmlElement) -> tuple[str, int]:
    """Text of an HTML element, ``<br>`` and nested blocks as newlines, and its link characters."""
    parts: list[str] = []
    links = 0

    def walk(node: lxml.html.HtmlElement, in_link: bool) -> None:
        nonlocal links
        if node.text:
            parts.append(node.text)
            if in_link:
                links += len(node.text.strip())
        for child in node:
            if not isinstance(child.tag, str):
                pass
            elif child.tag == "br":
                parts.append("\n")
            elif child.tag in ("script", "style", "noscript", "template"):
                pass
            elif child.tag in _HTML_BLOCKS:
                parts.append("\n")
                walk(child, in_link)
                parts.append("\n")
            else:
                walk(child, in_link or child.tag == "a")
            if child.tail:
                parts.append(child.tail)
                if in_link:
                    links += len(child.tail.strip())

    walk(el, el.tag == "a")
    return "".join(parts), links


def list_block_html(lst: lxml.html.HtmlElement, depth: int = 0) -> Block:
    """An HTML ``ul``/``ol`` as one list block, nested lists indented."""
    block = Block("list", [], 0)
    for item in lst:
        if item.tag != "li":
            continue
        nested = [c for c in item if c.tag in ("ul", "ol")]
        parts: list[str] = [item.text or ""]
        links = 0
        for child in item:
            if child in nested:
                parts.append(child.tail or "")
                continue
            text, n = inline_text_html(child)
            if child.tag == "a":
                n = len(text.strip())
            parts.append(text)
            parts.append(child.tail or "")
            links += n
        text = " ".join("".join(parts).split())
        if text:
            block.lines.append("  " * depth + "- " + text)
            block.link_chars += links
        for sub in nested:
            inner = list_block_html(sub, depth + 1)
            block.lines.extend(inner.lines)
            block.link_chars += inner.link_chars
    return block
