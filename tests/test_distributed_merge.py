"""``newscrawl merge``: worker parts -> one dataset (no Redis needed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from newscrawl import exitcodes


def record(rid: str, fetched: str, title: str = "t") -> str:
    return json.dumps({"id": rid, "url": f"http://x/{rid}", "canonical_url": f"http://x/{rid}",
                       "title": title, "body": "b", "fetched_at": fetched})


def merge(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newscrawl", "merge", *args],
                          capture_output=True, text=True, timeout=60)


def test_parts_merge_into_one_record_per_id_latest_fetch_wins(tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "part-w0-r1.jsonl").write_text(
        record("a", "2024-05-01T10:00:00+00:00", "old") + "\n" + record("b", "2024-05-01T10:00:01+00:00") + "\n")
    (parts / "part-w1-r1.jsonl").write_text(
        record("a", "2024-05-02T10:00:00+00:00", "new") + "\n" + record("c", "2024-05-01T11:00:00+00:00") + "\n"
        + '{"id": "d", "url": "http://x/d", "ti')  # torn last line of a killed worker
    (parts / "part-w1-r1.manifest.json").write_text(json.dumps({"run_id": "part-w1-r1", "counts": {"records_written": 2}}))
    out = tmp_path / "articles.jsonl"
    proc = merge(str(parts), "-o", str(out))
    assert proc.returncode == exitcodes.OK, proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["title"] == "new"
    manifest = json.loads((tmp_path / "articles.jsonl.merge.manifest.json").read_text())
    assert manifest["counts"] == {"parts": 2, "lines": 5, "unusable_lines": 1, "duplicates": 1,
                                  "records_written": 3}
    assert manifest["runs"][0]["run_id"] == "part-w1-r1"
    # Merging new parts into the existing dataset keeps what it had.
    (parts / "part-w0-r2.jsonl").write_text(record("e", "2024-06-01T00:00:00+00:00") + "\n")
    for old in parts.glob("*r1*"):
        old.unlink()
    assert merge(str(parts), "-o", str(out)).returncode == exitcodes.OK
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["a", "b", "c", "e"]
    assert not list(tmp_path.glob(".articles.jsonl.*"))  # no temporary file left behind


def test_bad_inputs_are_clear_errors(tmp_path: Path) -> None:
    proc = merge(str(tmp_path / "missing"), "-o", str(tmp_path / "out.jsonl"))
    assert proc.returncode == exitcodes.CONFIG_ERROR and "no such file or folder" in proc.stderr
    proc = merge(str(tmp_path), "-o", str(tmp_path / "out.txt"))
    assert proc.returncode == exitcodes.CONFIG_ERROR and "expected a .jsonl file" in proc.stderr
