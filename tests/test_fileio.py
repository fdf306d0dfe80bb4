"""atomic_write: readers see the old file or the new one, never a half-written one."""

from __future__ import annotations

from pathlib import Path

import pytest

from newscrawl.fileio import atomic_write


def test_replaces_the_file_only_when_the_block_completes(tmp_path: Path) -> None:
    target = tmp_path / "data.jsonl"
    target.write_text('{"old": 1}\n')
    with pytest.raises(RuntimeError), atomic_write(target) as fh:
        fh.write('{"new": 1}\n')
        raise RuntimeError("crash halfway")
    assert target.read_text() == '{"old": 1}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["data.jsonl"]  # no temporary file left behind
    with atomic_write(target, fsync_dir=True) as fh:
        fh.write('{"new": 1}\n')
    assert target.read_text() == '{"new": 1}\n'


def test_binary_mode_and_missing_parent_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "part.jsonl"
    with atomic_write(target, binary=True) as fh:
        fh.write(b"line\n")
    assert target.read_bytes() == b"line\n"
