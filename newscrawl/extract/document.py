"""Parse a page once: decode the bytes, build the lxml tree, collect JSON-LD and meta tags.

Every later step (metadata, body, page type) reads this one ``Document`` instead of re-parsing,
the way Fundus shares ``precomputed``. Decoding follows the HTML standard's order of trust:
byte-order mark, then the HTTP ``Content-Type`` charset, then ``<meta charset>``, each checked
against the bytes (a declared utf-8 page full of windows-1252 bytes is common on the web), then
charset detection.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import lxml.etree
import lxml.html

from newscrawl.errors import InputError

MAX_HTML_BYTES = 8 * 1024 * 1024  # pages past this are cut (after decoding) before parsing
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_BINARY_MAGIC = (
    b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"RIFF",
    b"\x00\x00\x01\x00", b"ID3", b"OggS", b"fLaC", b"\x7fELF", b"BZh", b"7z\xbc\xaf",
)  # fmt: skip
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# windows-1252 is what browsers use for "latin-1" / "ascii" declarations (WHATWG encoding spec).
_ALIASES = {"latin-1": "cp1252", "latin1": "cp1252", "iso-8859-1": "cp1252", "ascii": "cp1252",
            "us-ascii": "cp1252", "iso8859-1": "cp1252"}  # fmt: skip


def _codec(name: str | None) -> str | None:
    """The Python codec for a declared charset, or None when it cannot describe an HTML page.

    Like browsers, only ASCII-compatible text encodings count: a page that got as far as
    declaring its charset in ASCII markup is not EBCDIC, UTF-16 without a BOM (those are
    caught by the BOM check) or UTF-7; and ``base64``/``rot13``/``zlib`` are codecs, not charsets.
    """
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_HTML_CHARSETS:
        return None
    try:
        if _ASCII_PROBE.decode(info.name) != _ASCII_PROBE.decode("ascii"):
            return None
    except (UnicodeError, LookupError):
        return None
    return info.name


_ASCII_PROBE = b'<meta charset="x"> <p class=a>Az09 -_.,;:!?&#()[]{}/@</p>\n'
_NOT_HTML_CHARSETS = frozenset({"utf-7", "idna", "punycode", "raw-unicode-escape",
                                "unicode-escape", "undefined"})  # fmt: skip


_C0_CONTROLS = bytes(b for b in range(32) if b < 9 or 13 < b < 32)


def looks_binary(data: bytes) -> bool:
    """True for bodies that are not text at all (images, archives, PDFs, executables)."""
    head = data[:4096]
    if head.startswith(_BINARY_MAGIC):
        return True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    # Text never has many NUL or C0 control bytes; binary formats always do.
    controls = len(head) - len(head.translate(None, _C0_CONTROLS))  # C speed, not a byte loop
    return bool(head) and controls / len(head) > 0.05


_XML_INCOMPATIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LONG_TAG = re.compile(rb"<[a-zA-Z][^<>]{16384,}>")
_ATTRIBUTE = re.compile(rb"""[\s"'][^\s=<>"'/]+\s*=""")
MAX_ATTRIBUTES = 1000  # per element; real pages stay under a few dozen


def looks_pathological(data: bytes) -> bool:
    """True for markup built to stall HTML parsers: an element with thousands of attributes.

    libxml2 (behind lxml, parsel and so Scrapy selectors) checks attributes for duplicates in
    quadratic time: 100,000 attributes, about 1 MB, take over a minute to parse. Only tags
    longer than 16 kB are inspected, so the scan is linear and cheap.
    """
    return any(
        len(_ATTRIBUTE.findall(m.group())) > MAX_ATTRIBUTES for m in _LONG_TAG.finditer(data)
    )


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Bytes -> (text, encoding used). Raises InputError for binary or empty input."""
    if not data.strip():
        raise InputError("empty page")
    if looks_binary(data):
        raise InputError("binary content, not an HTML page")
    if looks_pathological(data):
        raise InputError(f"an element has more than {MAX_ATTRIBUTES} attributes; not a news page")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace"), enc
    candidates: list[str] = []
    for name in (declared, _meta_charset(data)):
        codec = _codec(name)
        if codec and codec not in candidates:
            candidates.append(codec)
    for codec in candidates:
        if codec in _LATIN_SINGLE_BYTE and _is_utf8_beyond_ascii(data):
            # A latin-1 label on UTF-8 bytes (an old server default): valid multi-byte UTF-8
            # practically never happens by accident in single-byte text.
            return _undo_double_utf8(data.decode("utf-8")), "utf-8"
        try:
            text = data.decode(codec)
        except UnicodeError:
            continue  # declared wrongly (typically utf-8 declared, cp1252 bytes): keep looking
        return (_undo_double_utf8(text) if codec == "utf-8" else text), codec
    try:
        return _undo_double_utf8(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    detected = _detect(data)
    if detected in _LATIN_SINGLE_BYTE and detected != "cp1252" and _decodes(data, "cp1252"):
        # Detectors cannot tell Latin code pages apart on short texts (cp1250 turns "crème"
        # into "crčme"); windows-1252 is the web's single-byte default (WHATWG).
        detected = "cp1252"
    if detected:
        return data.decode(detected, errors="replace"), detected
    return data.decode("cp1252", errors="replace"), "cp1252"


# Single-byte code pages for Latin script, as ``codecs.lookup(...).name`` spells them.
_LATIN_SINGLE_BYTE = frozenset(
    {"cp1252", "latin-1", "iso8859-15", "cp1250", "iso8859-2", "cp1254", "iso8859-9", "cp1257",
     "iso8859-13", "mac-roman", "cp850", "iso8859-3", "iso8859-4", "iso8859-10", "iso8859-14",
     "iso8859-16"}
)  # fmt: skip
_DOUBLE_UTF8_MARKS = ("Ã", "â€", "Â")


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _is_utf8_beyond_ascii(data: bytes) -> bool:
    return not data.isascii() and _decodes(data, "utf-8")


def _undo_double_utf8(text: str) -> str:
    """Repair a page that was UTF-8-encoded twice ("CafÃ©" for "Café"), if the whole page was.

    Only when re-encoding as windows-1252 and decoding as UTF-8 both succeed strictly, which
    text that merely contains an "Ã" or "â" never survives.
    """
    if text.isascii() or not any(mark in text for mark in _DOUBLE_UTF8_MARKS):
        return text
    try:
        return text.encode("cp1252", errors=_C1_BYTES).decode("utf-8")
    except UnicodeError:
        return text


def _c1_as_bytes(exc: UnicodeError) -> tuple[bytes, int]:
    """Encode error handler: the five bytes windows-1252 leaves undefined (0x81, 0x8D, 0x8F,
    0x90, 0x9D) come back from a lenient decode as C1 controls; turn them back into bytes."""
    if isinstance(exc, UnicodeEncodeError):
        chunk = exc.object[exc.start : exc.end]
        if all(0x80 <= ord(c) <= 0x9F for c in chunk):
            return bytes(ord(c) for c in chunk), exc.end
    raise exc


_C1_BYTES = "newscrawl-c1-bytes"
codecs.register_error(_C1_BYTES, _c1_as_bytes)


def _meta_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:8192])
    return m.group(1).decode("ascii", "replace") if m else None


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    return _codec(best.encoding) if best else None


@dataclass
class Document:
    """A parsed page, shared read-only by every extraction step.

    ``tree`` must not be modified: steps that prune (trafilatura does) work on ``copy_tree()``.
    """

    url: str | None
    html: str
    encoding: str
    tree: lxml.html.HtmlElement
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)
    links_rel: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, html: str | bytes, url: str | None = None, encoding: str | None = None) -> Document:
        if isinstance(html, bytes):
            text, used = decode_html(html, encoding)
        else:
            if not html.strip():
                raise InputError("empty page")
            text, used = html.lstrip("\ufeff"), "unicode"
        if "\x00" in text[:4096]:
            raise InputError("binary content, not an HTML page")
        if len(text) > MAX_HTML_BYTES:
            text = text[:MAX_HTML_BYTES]
        # lxml's HTML parser keeps C0 controls in text, then refuses them as soon as any step
        # assigns that text again (``drop_tree``, trafilatura): remove them once, here.
        text = _XML_INCOMPATIBLE.sub("", text)
        tree = _parse_tree(text)
        doc = cls(url=url, html=text, encoding=used, tree=tree)
        doc.jsonld = list(_jsonld_objects(tree))
        doc.meta = _meta_tags(tree)
        doc.links_rel = _rel_links(tree)
        return doc

    def copy_tree(self) -> lxml.html.HtmlElement:
        from copy import deepcopy

        return deepcopy(self.tree)

    def meta_first(self, *names: str) -> str | None:
        """First non-empty value among meta tags named (name= or property=) ``names``."""
        for name in names:
            for value in self.meta.get(name.lower(), ()):
                if value.strip():
                    return value.strip()
        return None

    @property
    def lang_attr(self) -> str | None:
        value = self.tree.get("lang") or self.tree.get("xml:lang")
        return value.strip() if value and value.strip() else None


def _parse_tree(text: str) -> lxml.html.HtmlElement:
    # An XML declaration with an encoding makes lxml refuse str input; it is meaningless here.
    if text.lstrip().startswith("<?xml"):
        text = re.sub(r"^\s*<\?xml[^>]*>", "", text, count=1)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=False)
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise InputError(f"unparseable HTML: {exc}") from exc
    if tree is None:
        raise InputError("unparseable HTML")
    return tree


def _jsonld_objects(tree: lxml.html.HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object on the page, ``@graph`` members flattened, broken JSON skipped."""
    for script in tree.iterfind(".//script[@type]"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            # Common breakage: trailing commas, raw newlines in strings, HTML comments around it.
            try:
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", raw.strip("<!->").replace("\n", " ")))
            except ValueError:
                continue
        yield from _flatten_jsonld(data)


def _flatten_jsonld(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _flatten_jsonld(item, depth + 1)
    elif isinstance(data, dict):
        graph = data.get("@graph")
        if isinstance(graph, list):
            yield from _flatten_jsonld(graph, depth + 1)
        if "@type" in data:
            yield data


def _meta_tags(tree: lxml.html.HtmlElement) -> dict[str, list[str]]:
    meta: dict[str, list[str]] = {}
    for el in tree.iterfind(".//meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        content = el.get("content")
        if key and content is not None:
            meta.setdefault(key.strip().lower(), []).append(content)
    return meta


def _rel_links(tree: lxml.html.HtmlElement) -> dict[str, list[str]]:
    rels: dict[str, list[str]] = {}
    for el in tree.iterfind(".//link[@rel]"):
        href = el.get("href")
        if not href:
            continue
        for rel in (el.get("rel") or "").lower().split():
            rels.setdefault(rel, []).append(href.strip())
    return rels
