"""Deterministic packing and safe unpacking of index folders."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from ragops.artifacts.archive import folder_digest, pack, unpack
from ragops.errors import UsageError, ValidationFailed
from ragops.hashing import parse_digest
from tests.support.artifacts import fake_index


def test_same_content_same_digest_whatever_the_times_modes_and_creation_order(tmp_path: Path) -> None:
    first = fake_index(tmp_path / "a")
    second = tmp_path / "b"
    # Created in another order, with other times and permissions: only names and bytes may count.
    (second / "bm25").mkdir(parents=True)
    (second / "vectors.faiss").write_bytes((first / "vectors.faiss").read_bytes())
    (second / "bm25" / "params.json").write_text("{}")
    (second / "chunks.jsonl").write_text('{"id": "c1"}\n')
    (second / "manifest.json").write_text('{"app": "x"}')
    os.utime(second / "chunks.jsonl", (1_000_000, 1_000_000))
    (second / "vectors.faiss").chmod(0o600)
    assert folder_digest(first) == folder_digest(second)
    (second / "chunks.jsonl").write_text('{"id": "c2"}\n')
    assert folder_digest(first) != folder_digest(second)


def test_archive_entries_are_sorted_with_fixed_owner_time_and_mode(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    pack(fake_index(tmp_path / "i"), buffer)
    with tarfile.open(fileobj=io.BytesIO(buffer.getvalue())) as archive:
        members = archive.getmembers()
    assert [m.name for m in members] == sorted(m.name for m in members)
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, 0, "", "")}
    assert {m.mode for m in members if m.isfile()} == {0o644}


def test_round_trip(tmp_path: Path) -> None:
    source = fake_index(tmp_path / "src")
    archive = tmp_path / "a.tar"
    with archive.open("wb") as handle:
        pack(source, handle)
    (tmp_path / "out").mkdir()
    assert unpack(archive, tmp_path / "out") == 4
    assert folder_digest(tmp_path / "out") == folder_digest(source)


def test_a_symlink_in_the_index_folder_is_refused(tmp_path: Path) -> None:
    source = fake_index(tmp_path / "src")
    (source / "link").symlink_to("/etc/passwd")
    with pytest.raises(ValidationFailed, match="symbolic link"):
        pack(source)


def _malicious(tmp_path: Path, info: tarfile.TarInfo, data: bytes = b"x") -> Path:
    path = tmp_path / "evil.tar"
    with tarfile.open(path, "w") as archive:
        info.size = len(data) if info.isreg() else 0
        archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/evil", "a/../../escape", "./"])
def test_unsafe_paths_are_refused(tmp_path: Path, name: str) -> None:
    archive = _malicious(tmp_path, tarfile.TarInfo(name))
    (tmp_path / "out").mkdir()
    with pytest.raises(ValidationFailed, match=r"unsafe path|link or device"):
        unpack(archive, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE, tarfile.FIFOTYPE])
def test_links_and_devices_are_refused(tmp_path: Path, kind: bytes) -> None:
    info = tarfile.TarInfo("manifest.json")
    info.type = kind
    info.linkname = "/etc/passwd"
    archive = _malicious(tmp_path, info)
    (tmp_path / "out").mkdir()
    with pytest.raises(ValidationFailed, match="link or device"):
        unpack(archive, tmp_path / "out")
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_a_truncated_archive_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    pack(fake_index(tmp_path / "src"), buffer)
    archive = tmp_path / "cut.tar"
    archive.write_bytes(buffer.getvalue()[:1500])
    (tmp_path / "out").mkdir()
    with pytest.raises(ValidationFailed, match="not a readable tar"):
        unpack(archive, tmp_path / "out")


@pytest.mark.parametrize("text", ["sha256:abc", "md5:" + "0" * 64, "0" * 64, "sha256:" + "g" * 64])
def test_malformed_digests_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="not a digest"):
        parse_digest(text)


def test_digest_is_case_insensitive() -> None:
    assert parse_digest("SHA256:" + "AB" * 32) == "ab" * 32
