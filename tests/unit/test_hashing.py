"""ragops.hashing: file hashes as the standard tools compute them, and the one ``sha256:<hex>`` digest form."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ragops.errors import UsageError
from ragops.hashing import canonical_sha256, file_hash, files_hash, is_digest, parse_digest, to_digest


def test_file_hashes_match_hashlib_over_the_whole_file(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # larger than one read block
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert file_hash(path) == hashlib.sha256(data).hexdigest()
    assert file_hash(path, "md5") == hashlib.md5(data).hexdigest()


def test_files_hash_covers_names_and_contents_in_path_order(tmp_path: Path) -> None:
    (tmp_path / "b").write_bytes(b"2")
    (tmp_path / "a").write_bytes(b"1")
    before = files_hash(tmp_path, [tmp_path / "b", tmp_path / "a"])
    assert before == hashlib.sha256(b"a\x001b\x002").hexdigest()
    (tmp_path / "a").rename(tmp_path / "c")  # same bytes under another name
    assert files_hash(tmp_path, [tmp_path / "b", tmp_path / "c"]) != before


def test_the_digest_form() -> None:
    hex_digest = "ab" * 32
    assert to_digest(hex_digest) == "sha256:" + hex_digest and is_digest(to_digest(hex_digest))
    assert parse_digest(" SHA256:" + hex_digest.upper()) == hex_digest
    for bad in ("sha256:" + "ab" * 31, "md5:" + hex_digest, hex_digest, "sha256:" + "g" * 64):
        assert not is_digest(bad)
        with pytest.raises(UsageError, match="not a digest"):
            parse_digest(bad)


def test_canonical_json_hash_ignores_key_order() -> None:
    assert canonical_sha256({"a": 1, "b": [1, "é"]}) == canonical_sha256({"b": [1, "é"], "a": 1})
