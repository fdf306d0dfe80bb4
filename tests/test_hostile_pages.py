"""Pages that lie about their encoding or are built to stall parsers: decoded right, or refused fast."""

from __future__ import annotations

import time

import pytest

from newscrawl.errors import InputError
from newscrawl.extract import extract
from newscrawl.extract.document import (
    MAX_ATTRIBUTES,
    decode_html,
    looks_pathological,
)

TEXT = "Café crème à Zürich, Señora Müller, ¿qué? l’atelier — “défilé” à São Paulo"
PAGE = f"<html><head><title>t</title></head><body><p>{TEXT}</p></body></html>"
META_UTF8 = PAGE.replace("<head>", '<head><meta charset="utf-8">')


def _double_utf8(text: str) -> bytes:
    """UTF-8 bytes read as windows-1252 and saved as UTF-8 again (what broken CMSs do)."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined pass through
            out.append(chr(byte))
    return "".join(out).encode("utf-8")


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (PAGE.encode("utf-8"), "utf-8"),
        (PAGE.encode("utf-8"), None),
        (PAGE.encode("utf-8"), "iso-8859-1"),  # latin-1 label (old server default) on UTF-8
        (PAGE.encode("utf-8"), "windows-1252"),
        (META_UTF8.encode("cp1252"), None),  # <meta charset=utf-8>, windows-1252 bytes
        (PAGE.encode("cp1252"), "utf-8"),  # header says utf-8, bytes are windows-1252
        (PAGE.encode("cp1252"), None),  # nothing declared
        (PAGE.encode("cp1252"), "iso-8859-1"),
        (b"\xef\xbb\xbf" + PAGE.encode("utf-8"), "iso-8859-1"),  # the BOM wins
        (PAGE.encode("utf-16"), None),  # UTF-16 with BOM
        (_double_utf8(PAGE), "utf-8"),  # mojibake: encoded twice
        (_double_utf8(META_UTF8), None),
        (PAGE.encode("utf-8"), "x-no-such-charset"),
    ],
    ids=lambda v: v if isinstance(v, str) or v is None else "",
)
def test_text_comes_out_right_whatever_the_declaration(data: bytes, declared: str | None) -> None:
    text, _ = decode_html(data, declared)
    assert TEXT in text


@pytest.mark.parametrize(
    "text",
    ["SÃO PAULO — Ã and Â are letters here", "Ã©tÃ© (a quoted example of mojibake) and café"],
)
def test_real_text_with_mojibake_like_letters_is_left_alone(text: str) -> None:
    page = f"<p>{text}</p>".encode()
    assert decode_html(page, "utf-8")[0] == f"<p>{text}</p>"


def test_non_latin_single_byte_pages_keep_their_detected_charset() -> None:
    text = "Модная неделя в Москве открылась показом новой коллекции"
    decoded, codec = decode_html(f"<p>{text}</p>".encode("cp1251"), "utf-8")
    assert text in decoded and codec == "cp1251"


def test_attribute_bomb_is_refused_before_parsing() -> None:
    bomb = b"<html><body><div " + b" ".join(b"a%d=x" % i for i in range(100_000)) + b">x</div>"
    assert looks_pathological(bomb)
    start = time.perf_counter()
    with pytest.raises(InputError, match="attributes"):
        extract(bomb, "https://news.example/a")
    assert time.perf_counter() - start < 2


def test_long_but_ordinary_tags_are_not_pathological() -> None:
    data_uri = b'<img alt="x" src="data:image/png;base64,' + b"QUFB" * 50_000 + b'">'
    svg_path = b'<path d="' + b"M0 0 L10 10 " * 5_000 + b'" fill="none"/>'
    few_attrs = b"<div " + b" ".join(b"data-k%d=v" % i for i in range(MAX_ATTRIBUTES // 2)) + b">"
    for markup in (data_uri, svg_path, few_attrs):
        assert not looks_pathological(b"<html><body>" + markup + b"</body></html>")


@pytest.mark.parametrize("control", ["\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ufffe"])
def test_control_characters_in_text_do_not_break_extraction(control: str) -> None:
    """Found by tests/test_fuzz.py: a stray C0 control made lxml raise deep in boilerplate removal."""
    page = (
        f"<html><body><article><h1>Title{control}</h1><p>{TEXT}{control}</p></article>"
        f"<footer>Footer</footer>{control} tail</body></html>"
    )
    record = extract(page.encode("utf-8"), "https://news.example/a").record
    assert control not in record.body and control not in (record.title or "")


@pytest.mark.parametrize(
    "charset",
    ["utf-16", "utf-16le", "utf-32", "utf-7", "cp037", "base64", "rot13", "zlib", "punycode",
     "idna", "x-user-defined-nonsense"],
)  # fmt: skip
def test_charsets_that_cannot_describe_an_html_page_are_ignored(charset: str) -> None:
    """Declared in the header or a meta tag, these used to give CJK garbage or crash extraction
    (``base64`` raised LookupError, ``punycode`` UnicodeError)."""
    page = PAGE.replace("<head>", f'<head><meta charset="{charset}">').encode("utf-8")
    for declared in (None, charset):
        text, codec = decode_html(page, declared)
        assert TEXT in text, (charset, declared, codec)
    record = extract(page, "https://news.example/a", encoding=charset).record
    assert "Café crème" in record.body or record.body == ""
