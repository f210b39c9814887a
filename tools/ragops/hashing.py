"""Canonical JSON and its sha256: the one way ragops turns a structure into a content hash.

Keys sorted, no insignificant whitespace, non-ASCII kept as UTF-8: two structures that are equal as JSON give
the same hash on every machine. (DVC's own md5 listing format lives in ``ragops.data.fingerprint``; it must
match DVC byte for byte and so keeps DVC's options.)
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_sha256(value: Any) -> str:
    """sha256 (hex) of :func:`canonical_json` of ``value``."""
    return sha256_text(canonical_json(value))
