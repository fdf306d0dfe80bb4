"""Bad input never crashes extraction: it gives a clear InputError or a best-effort record."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.errors import InputError
from newscrawl.extract import extract
from newscrawl.extract.document import decode_html

PARAGRAPHS = [
    "La maison italienne a présenté jeudi à Milan une collection dominée par le cuir souple, "
    "les épaules arrondies et une palette de bruns profonds qui rappelle les archives des années 1970.",
    "Selon la directrice artistique, « chaque pièce a été pensée pour durer bien au-delà d'une saison », "
    "une réponse directe aux critiques sur le rythme effréné des défilés.",
    "Les ventes de la marque ont progressé de 12 % au premier semestre, portées par la maroquinerie "
    "et par une forte demande en Asie, où le groupe a ouvert neuf boutiques depuis janvier.",
]


def page(charset_meta: str | None = "utf-8", body: str | None = None) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    paras = "".join(f"<p>{p}</p>" for p in PARAGRAPHS) if body is None else body
    return (
        f"<!DOCTYPE html><html lang='fr'><head>{meta}<title>Défilé à Milan | Mode Hebdo</title></head>"
        f"<body><nav><a href='/'>Accueil</a><a href='/mode'>Mode</a></nav>"
        f"<article><h1>Défilé à Milan : le cuir à l'honneur</h1>{paras}</article>"
        f"<footer>© 2024 Mode Hebdo</footer></body></html>"
    )


@pytest.mark.parametrize("data", [b"", b"   \n\t ", ""])
def test_empty_input_is_a_clear_error(data: bytes | str) -> None:
    with pytest.raises(InputError, match="empty"):
        extract(data, "https://mode.example/a")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        gzip.compress(page().encode()),  # still compressed: not a page
        bytes(range(32)) * 200,
    ],
    ids=["png", "pdf", "gzip", "control-bytes"],
)
def test_binary_input_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(InputError, match="binary"):
        extract(data, "https://mode.example/a")


def test_truncated_page_still_yields_what_arrived() -> None:
    html = page().encode()
    cut = html[: html.index(PARAGRAPHS[2].encode()[:30])]  # connection dropped mid-article
    record = extract(cut, "https://mode.example/a").record
    assert "cuir souple" in record.body
    assert "premier semestre" not in record.body


def test_utf8_declared_but_cp1252_bytes_decodes_right() -> None:
    data = page("utf-8").encode("cp1252")
    text, used = decode_html(data)
    assert used == "cp1252"
    assert "présenté" in text and "Ã" not in text
    assert "présenté" in extract(data, "https://mode.example/a").record.body


def test_undeclared_encoding_is_detected() -> None:
    data = page(None).encode("utf-8")
    assert "« chaque pièce" in extract(data, "https://mode.example/a").record.body


def test_http_header_charset_wins_over_absent_meta() -> None:
    data = page(None).encode("iso-8859-1")
    assert "présenté" in extract(data, "https://mode.example/a", encoding="iso-8859-1").record.body


def test_bom_overrides_wrong_declaration() -> None:
    data = b"\xef\xbb\xbf" + page("windows-1252").encode("utf-8")
    text, used = decode_html(data, "windows-1252")
    assert used == "utf-8" and "présenté" in text


def test_five_megabyte_page_is_handled() -> None:
    filler = "".join(
        f"<div class='teaser'><a href='/x/{i}'>Teaser {i}</a><span>Lorem ipsum dolor sit amet {i}</span></div>"
        for i in range(60_000)
    )
    html = page(body="".join(f"<p>{p}</p>" for p in PARAGRAPHS) + f"<aside>{filler}</aside>").encode()
    assert len(html) > 5 * 1024 * 1024
    record = extract(html, "https://mode.example/a").record
    assert "premier semestre" in record.body
    assert "Teaser 59999" not in record.body


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl", "extract", *args], input=stdin, capture_output=True, timeout=120
    )


def test_cli_batch_reports_bad_files_and_keeps_going(tmp_path: Path) -> None:
    good = tmp_path / "good.html.gz"
    good.write_bytes(gzip.compress(page().encode()))
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "image.html").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 10)
    (tmp_path / "broken.html.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    out = tmp_path / "out.jsonl"
    proc = run_cli(str(tmp_path), str(tmp_path / "missing.html"), "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    err = proc.stderr.decode()
    for name, reason in [("empty.html", "empty"), ("image.html", "binary"), ("broken.html.gz", "gzip"),
                         ("missing.html", "no such file")]:  # fmt: skip
        assert any(name in line and reason in line for line in err.splitlines()), err
    lines = out.read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["source_file"] == str(good)
    assert "cuir souple" in record["body"]


def test_cli_stdin_with_url_and_all_good_exit_zero() -> None:
    proc = run_cli("-", "--url", "https://mode.example/defile-milan", stdin=page().encode())
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["url"] == "https://mode.example/defile-milan"
    assert record["source_file"] == "<stdin>"


def test_cli_url_with_many_inputs_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_cli(str(tmp_path / "a.html"), str(tmp_path / "b.html"), "--url", "https://x.example/")
    assert proc.returncode == 2
    assert b"--url" in proc.stderr
