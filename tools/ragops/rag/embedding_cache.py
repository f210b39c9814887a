"""A persistent cache of embeddings keyed by (model identity, normalisation, chunk text hash).

Stored in one SQLite database per cache folder: every batch is written in one transaction, so a crash loses at
most the batch in flight and never leaves a half-written entry, and several processes can share the folder.
Each entry carries its dimension and a checksum of its bytes; an entry that fails either check (or holds a
non-finite number) is treated as missing, so it is recomputed and overwritten, never served. A database file
that SQLite cannot open is moved aside and the cache starts empty.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

import numpy as np

_FILE = "embeddings.sqlite3"
_SCHEMA = "CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, dim INTEGER, checksum TEXT, vector BLOB)"
_LOOKUP_BATCH = 900  # below SQLite's smallest limit on query parameters


def cache_key(identity: str, normalize: bool, text: str) -> str:
    return hashlib.sha256(f"{identity}\0{int(normalize)}\0{text}".encode()).hexdigest()


def _checksum(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()[:16]


class EmbeddingCache:
    def __init__(self, cache_dir: Path) -> None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.path = cache_dir / _FILE
        self.corrupt_entries = 0
        self.reset_reason: str | None = None
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            aside = self.path.with_name(f"{_FILE}.corrupt-{int(time.time())}")
            self.path.rename(aside)
            self.reset_reason = f"the embedding cache {self.path} was unreadable ({exc}); moved to {aside.name}"
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)
            db.execute("SELECT count(*) FROM embeddings").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def has_many(self, keys: Iterable[str]) -> set[str]:
        """The keys among ``keys`` that have an entry (valid or not: reading the vectors is what checks them)."""
        wanted = list(dict.fromkeys(keys))
        present: set[str] = set()
        for first in range(0, len(wanted), _LOOKUP_BATCH):
            batch = wanted[first : first + _LOOKUP_BATCH]
            marks = ",".join("?" * len(batch))
            present.update(k for (k,) in self._db.execute(f"SELECT key FROM embeddings WHERE key IN ({marks})", batch))
        return present

    def get_many(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """The valid cached vectors among ``keys``; missing and corrupt entries are simply absent."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        for first in range(0, len(wanted), _LOOKUP_BATCH):
            batch = wanted[first : first + _LOOKUP_BATCH]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT key, dim, checksum, vector FROM embeddings WHERE key IN ({marks})", batch
            ).fetchall()
            for key, dim, checksum, blob in rows:
                vector = self._valid(dim, checksum, blob)
                if vector is None:
                    self.corrupt_entries += 1
                else:
                    found[key] = vector
        return found

    @staticmethod
    def _valid(dim: object, checksum: object, blob: object) -> np.ndarray | None:
        if not isinstance(blob, bytes) or not isinstance(dim, int) or len(blob) != dim * 4 or dim == 0:
            return None
        if checksum != _checksum(blob):
            return None
        vector = np.frombuffer(blob, dtype=np.float32)
        return vector if np.isfinite(vector).all() else None

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        rows = []
        for key, vector in items.items():
            blob = np.ascontiguousarray(vector, dtype=np.float32).tobytes()
            rows.append((key, len(blob) // 4, _checksum(blob), blob))
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)", rows)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
