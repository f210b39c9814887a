"""A folder shaped like an index (manifest, chunks, BM25 params, FAISS bytes) for the artifact tests."""

from __future__ import annotations

from pathlib import Path


def fake_index(folder: Path) -> Path:
    (folder / "bm25").mkdir(parents=True)
    (folder / "manifest.json").write_text('{"app": "x"}')
    (folder / "chunks.jsonl").write_text('{"id": "c1"}\n')
    (folder / "bm25" / "params.json").write_text("{}")
    (folder / "vectors.faiss").write_bytes(bytes(range(256)) * 10)
    return folder
