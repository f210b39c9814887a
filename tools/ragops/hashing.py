"""Content hashes: canonical JSON and its sha256, the sha256 of a file, and the ``sha256:<hex>`` digest form.

Canonical JSON: keys sorted, no insignificant whitespace, non-ASCII kept as UTF-8, so two structures that are equal
as JSON give the same hash on every machine. Files are hashed by :func:`file_hash` (read in blocks, so a large
index file never sits in memory), sets of files by :func:`files_hash`. A digest that names content (an index
artifact, an image) is written ``sha256:<64 hex>``: :data:`DIGEST_PATTERN` and :func:`parse_digest` are its one
definition. (DVC's ``.dir`` listing format lives in ``ragops.data.fingerprint``: it must match DVC byte for
byte and so keeps DVC's options; git's blob ids live in ``ragops.git``.)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from ragops.errors import UsageError

SHA256_HEX = "[0-9a-f]{64}"
DIGEST_PREFIX = "sha256:"
DIGEST_PATTERN = rf"^{DIGEST_PREFIX}{SHA256_HEX}$"
_DIGEST = re.compile(DIGEST_PATTERN)
_BLOCK = 1 << 20
Algorithm = Literal["sha256", "md5"]


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_sha256(value: Any) -> str:
    """sha256 (hex) of :func:`canonical_json` of ``value``."""
    return sha256_text(canonical_json(value))


def _feed(digest: hashlib._Hash, path: Path) -> None:
    # In blocks: a large PDF or index file never sits in memory.
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)


def file_hash(path: Path, algorithm: Algorithm = "sha256") -> str:
    """The hash (hex) of a file's bytes: sha256, or md5 where DVC's fingerprints must be matched."""
    digest = hashlib.new(algorithm, usedforsecurity=False)
    _feed(digest, path)
    return digest.hexdigest()


def files_hash(folder: Path, paths: Iterable[Path]) -> str:
    """sha256 (hex) of files of ``folder``: each one's posix path inside it, a NUL, its bytes, in path order."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.relative_to(folder).as_posix()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        _feed(digest, path)
    return digest.hexdigest()


def is_digest(value: str) -> bool:
    """Whether ``value`` is ``sha256:<64 lowercase hex>``."""
    return bool(_DIGEST.match(value))


def to_digest(hex_digest: str) -> str:
    return DIGEST_PREFIX + hex_digest


def parse_digest(text: str) -> str:
    """The hex part of ``sha256:<64 hex>`` (any case, surrounding blanks ignored), or a usage error saying what a
    digest looks like."""
    value = text.strip().lower()
    if not is_digest(value):
        raise UsageError(f"not a digest: {text!r} (expected sha256: followed by 64 hex digits)")
    return value[len(DIGEST_PREFIX) :]
