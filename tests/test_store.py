"""Crash-safe output and crawl state: torn lines repaired, locks exclusive, crashes reconciled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from newscrawl.pipelines.store import reconcile

from newscrawl.errors import StateError, StateLockedError
from newscrawl.store.jsonl import JsonlWriter, repair_tail
from newscrawl.store.manifest import write_json_atomic
from newscrawl.store.state import EmittedRecord, PageState, SqliteState, content_hash_of, open_state


def _line(i: int) -> str:
    return json.dumps(
        {"id": f"{i:016x}", "url": f"https://example.com/a/{i}", "title": f"T{i}", "body": "b é"},
        ensure_ascii=False,
    )


def test_batches_are_whole_lines_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with JsonlWriter(path, batch_size=3) as writer:
        assert not writer.add(_line(1))
        assert not writer.add(_line(2))
        assert writer.add(_line(3))  # batch full: caller flushes
        assert writer.flush() == [_line(1), _line(2), _line(3)]
        assert writer.size == path.stat().st_size
        writer.add(_line(4))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["title"] for x in lines] == ["T1", "T2", "T3", "T4"]


@pytest.mark.parametrize(
    "torn", [b'{"id": "00', b'{"id": "0000000000000009", "body": "half', b"\xc3"]
)
def test_torn_last_line_is_cut_on_open(tmp_path: Path, torn: bytes) -> None:
    path = tmp_path / "out.jsonl"
    good = (_line(1) + "\n" + _line(2) + "\n").encode()
    path.write_bytes(good + torn)
    writer = JsonlWriter(path)
    assert writer.repaired_bytes == len(torn)
    writer.add(_line(3))
    writer.close()
    lines = path.read_bytes().decode().splitlines()
    assert [json.loads(x)["title"] for x in lines] == ["T1", "T2", "T3"]


def test_invalid_json_last_line_with_newline_is_cut(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes((_line(1) + "\n").encode() + b'{"id": "x", "bo\n')
    assert repair_tail(path) > 0
    assert path.read_text().splitlines() == [_line(1)]


def test_repair_of_a_file_without_any_newline(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"id": "only-half')
    repair_tail(path)
    assert path.read_bytes() == b""


def test_manifest_is_replaced_atomically(tmp_path: Path) -> None:
    path = tmp_path / "run.manifest.json"
    write_json_atomic(path, {"run_id": "a", "counts": {"records_written": 1}})
    write_json_atomic(path, {"run_id": "b"})
    assert json.loads(path.read_text()) == {"run_id": "b"}
    assert [p.name for p in tmp_path.iterdir()] == ["run.manifest.json"]  # no temp files left


def test_state_round_trip_and_retry_list(tmp_path: Path) -> None:
    state = open_state(f"sqlite:{tmp_path / 'state.sqlite'}")
    state.save_pages(
        [
            PageState(
                key="example.com/a",
                url="https://example.com/a",
                status=200,
                result="article",
                etag='"v1"',
                last_modified="Tue, 12 Mar 2024 10:00:00 GMT",
                site="ex",
            ),
            PageState(
                key="example.com/b",
                url="https://example.com/b",
                fetched_at=1.0,
                result="retry:timeout",
                site="ex",
            ),
        ]
    )
    state.commit()
    state.close()
    again = SqliteState(tmp_path / "state.sqlite")
    page = again.page("example.com/a")
    assert page is not None and page.etag == '"v1"' and not page.should_retry
    assert again.retry_urls("ex", 10) == ["https://example.com/b"]
    again.close()


def test_second_lock_on_one_state_is_refused(tmp_path: Path) -> None:
    first = SqliteState(tmp_path / "state.sqlite")
    first.acquire_lock("run-1")
    second = SqliteState(tmp_path / "state.sqlite")
    with pytest.raises(StateLockedError, match=r"another run holds the lock .*run run-1"):
        second.acquire_lock("run-2")
    first.close()  # releases the lock
    second.acquire_lock("run-2")
    second.close()


def test_lock_is_released_when_the_holder_is_killed(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    code = f"from newscrawl.store.state import SqliteState; s = SqliteState({str(db)!r}); s.acquire_lock('x'); import os; os._exit(0)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    state = SqliteState(db)
    state.acquire_lock("after-crash")  # a dead holder's flock is gone with its process
    state.close()


def test_corrupt_state_is_a_state_error(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    db.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StateError, match="corrupt"):
        SqliteState(db)


def test_reconcile_marks_lines_written_after_the_last_commit(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    state = SqliteState(tmp_path / "state.sqlite")
    writer = JsonlWriter(out)
    writer.add(_line(1))
    writer.flush()
    state.commit_emitted(
        [EmittedRecord(f"{1:016x}", content_hash_of("T1", "b é"), "https://example.com/a/1")],
        [],
        str(out),
        writer.size,
    )
    # A crash after the fsync of line 2 but before its state commit, then a torn line 3.
    writer.add(_line(2))
    writer.flush()
    writer.close()
    with out.open("ab") as fh:
        fh.write(b'{"id": "torn')
    assert reconcile(state) == 1
    assert state.record_hash(f"{2:016x}") == content_hash_of("T2", "b é")
    assert state.output_offset(str(out)) == out.stat().st_size
    assert len(out.read_text().splitlines()) == 2
    assert reconcile(state) == 0  # idempotent
    state.close()


def test_unwritable_output_is_an_output_error(tmp_path: Path) -> None:
    from newscrawl.errors import OutputError

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    with pytest.raises(OutputError):
        JsonlWriter(blocked / "out.jsonl")
    if os.geteuid() != 0:  # root ignores permissions
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        with pytest.raises(OutputError):
            JsonlWriter(ro / "out.jsonl")
