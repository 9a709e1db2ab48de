"""Files are written whole or not at all, and durably: bytes and folder entry reach the disk before anyone reads."""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path

import pytest

from otio_retake import paths
from otio_retake.paths import atomic_path, atomic_write

PACKAGE = Path(paths.__file__).resolve().parent


def _synced(monkeypatch) -> list[tuple[int, int]]:
    """(device, inode) of everything fsync'd from now on."""
    seen: list[tuple[int, int]] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        info = os.fstat(fd)
        seen.append((info.st_dev, info.st_ino))
        real(fd)
    monkeypatch.setattr(os, "fsync", fsync)
    return seen


def _key(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_dev, info.st_ino


def test_atomic_write_syncs_the_file_then_its_folder(tmp_path, monkeypatch):
    synced = _synced(monkeypatch)
    dest = tmp_path / "report.json"
    dest.write_text("old", encoding="utf-8")
    atomic_write(dest, '{"new": "é"}')
    assert dest.read_text(encoding="utf-8") == '{"new": "é"}'
    assert _key(dest) in synced  # the renamed file is the one whose bytes were synced
    if sys.platform != "win32":
        assert synced[-1] == _key(tmp_path)  # then the folder entry, after the rename
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_an_error_while_writing_leaves_the_old_file_and_no_partial(tmp_path):
    dest = tmp_path / "take.mov"
    dest.write_bytes(b"old take")
    with pytest.raises(RuntimeError), atomic_path(dest) as partial:
        partial.write_bytes(b"half a ")
        raise RuntimeError("muxer failed")
    assert dest.read_bytes() == b"old take"
    assert [p.name for p in tmp_path.iterdir()] == ["take.mov"]


def test_the_partial_keeps_the_suffix_writers_choose_their_format_by(tmp_path):
    with atomic_path(tmp_path / "cut.otio") as partial:
        assert partial.suffix == ".otio" and partial.name.startswith(".") and partial.parent == tmp_path
        partial.write_text("{}", encoding="utf-8")
    assert (tmp_path / "cut.otio").read_text(encoding="utf-8") == "{}"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_a_private_file_is_the_users_alone_from_its_first_byte(tmp_path):
    old = os.umask(0)  # a umask that hides nothing: the mode must come from the write itself
    try:
        atomic_write(tmp_path / "token.json", "{}", private=True)
        atomic_write(tmp_path / "report.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "token.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o666


def test_no_module_renames_a_half_written_file_by_hand():
    # One writer (paths.atomic_path) fsyncs file and folder; a hand-made "write .partial, rename" does not.
    by_hand = re.compile(r"\bos\.replace\(|\bos\.rename\(|\.rename\(|\bpartial\w*\.replace\(")
    found = [f"{p.relative_to(PACKAGE)}:{n}" for p in sorted(PACKAGE.rglob("*.py")) if p.name != "paths.py"
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if by_hand.search(line)]
    assert found == []
