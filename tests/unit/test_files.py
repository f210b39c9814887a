"""ragops.files: an atomic write leaves the old file or the new one — never a mix, never a temporary file — and a
folder is swapped in whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ragops import files
from ragops.errors import UsageError
from ragops.files import (
    create_files,
    place_folder_once,
    replace_folder,
    temporary_sibling,
    write_atomic,
    write_if_changed,
)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_write_atomic_writes_text_and_bytes_with_the_usual_mode(tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "file.txt"
    write_atomic(target, "héllo\n")
    assert target.read_bytes() == "héllo\n".encode()
    write_atomic(target, b"\x00bytes")
    assert target.read_bytes() == b"\x00bytes"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert _leftovers(target.parent) == []


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "release.json"
    target.write_text("old\n", encoding="utf-8")

    def full_disk(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert _leftovers(tmp_path) == []


def test_write_if_changed_leaves_an_equal_file_alone(tmp_path: Path) -> None:
    target = tmp_path / "app.yaml"
    assert write_if_changed(target, "a: 1\n") is True
    before = target.stat().st_mtime_ns
    assert write_if_changed(target, "a: 1\n") is False
    assert target.stat().st_mtime_ns == before
    assert write_if_changed(target, "a: 2\n") is True and target.read_text(encoding="utf-8") == "a: 2\n"


def test_temporary_names_are_hidden_and_unique(tmp_path: Path) -> None:
    names = {temporary_sibling(tmp_path / "out", "partial").name for _ in range(50)}
    assert len(names) == 50 and all(n.startswith(".out.") and n.endswith(".partial") for n in names)


def test_replace_folder_swaps_whole_folders(tmp_path: Path) -> None:
    target = tmp_path / "index"
    target.mkdir()
    (target / "old.bin").write_bytes(b"old")
    staging = temporary_sibling(target, "building")
    staging.mkdir()
    (staging / "new.bin").write_bytes(b"new")
    replace_folder(staging, target)
    assert sorted(p.name for p in target.iterdir()) == ["new.bin"]
    assert _leftovers(tmp_path) == []


def test_place_folder_once_keeps_what_is_there(tmp_path: Path) -> None:
    target = tmp_path / "corpora" / "abc"
    target.mkdir(parents=True)
    (target / "doc.txt").write_text("first\n", encoding="utf-8")
    staging = temporary_sibling(target, "partial")
    staging.mkdir()
    (staging / "doc.txt").write_text("second\n", encoding="utf-8")
    place_folder_once(staging, target)
    assert (target / "doc.txt").read_text(encoding="utf-8") == "first\n" and not staging.exists()


def test_create_files_writes_all_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "taken.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"taken\.txt exists already"):
        create_files({tmp_path / "a" / "new.txt": "x", tmp_path / "taken.txt": "y"})
    assert not (tmp_path / "a").exists() and (tmp_path / "taken.txt").read_text(encoding="utf-8") == "mine\n"

    calls = []

    def fail_on_second(path: Path, data: str | bytes, *, encoding: str = "utf-8") -> Path:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_write(path, data, encoding=encoding)

    real_write = files.write_atomic
    monkeypatch.setattr(files, "write_atomic", fail_on_second)
    with pytest.raises(OSError, match="No space left"):
        create_files({tmp_path / "one.txt": "1", tmp_path / "two.txt": "2"})
    assert not (tmp_path / "one.txt").exists() and not (tmp_path / "two.txt").exists()
