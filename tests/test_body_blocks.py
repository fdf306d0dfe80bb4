"""Blocks from trafilatura's XML and from HTML: the shapes every later filter relies on."""

from __future__ import annotations

import lxml.html
from lxml import etree

from newscrawl.extract.blocks import blocks_from_xml, inline_text_html, list_block_html


def xml_blocks(xml: str) -> list[tuple[str, list[str], int]]:
    return [(b.kind, b.lines, b.link_chars) for b in blocks_from_xml(etree.fromstring(xml))]


def test_paragraph_subheading_quote_and_line_breaks() -> None:
    assert xml_blocks(
        "<body><head rend='h2'>The collection</head><p>Soft <hi rend='#b'>leather</hi> "
        "dominated.<lb/>Shown in Milan.</p><quote><p>We wanted calm.</p></quote></body>"
    ) == [
        ("head", ["The collection"], 0),
        ("p", ["Soft leather dominated.", "Shown in Milan."], 0),
        ("quote", ["We wanted calm."], 0),
    ]


def test_list_is_one_block_with_nested_items_indented_and_links_counted() -> None:
    assert xml_blocks(
        "<body><list><item><p>Sales up 12%.</p><p>Record year.</p></item>"
        "<item>Stores: <ref target='/s'>1,126</ref><list><item>Spain 400</item></list></item>"
        "</list></body>"
    ) == [("list", ["- Sales up 12%. Record year.", "- Stores: 1,126", "  - Spain 400"], 5)]


def test_data_table_rows_and_layout_table_paragraphs() -> None:
    data = xml_blocks("<body><table><row><cell>Brand</cell><cell>Sales</cell></row>"
                      "<row><cell>Arenal</cell><cell>2.3bn</cell></row></table></body>")  # fmt: skip
    assert data == [("table", ["Brand | Sales", "Arenal | 2.3bn"], 0)]
    layout = xml_blocks("<body><table><row><cell><p>First paragraph.</p><p>Second one.</p></cell>"
                        "</row></table></body>")  # fmt: skip
    assert layout == [("p", ["First paragraph."], 0), ("p", ["Second one."], 0)]


def test_html_helpers_match_the_xml_shapes() -> None:
    ul = lxml.html.fromstring(
        "<ul><li>One <a href='/x'>link</a></li><li>Two<ul><li>Sub</li></ul></li></ul>"
    )
    block = list_block_html(ul)
    assert block.lines == ["- One link", "- Two", "  - Sub"] and block.link_chars == 4
    p = lxml.html.fromstring("<p>Line one<br>line <a href='/y'>two</a></p>")
    assert inline_text_html(p) == ("Line one\nline two", 3)
