"""The BM25 text index (bm25s, Lucene's BM25 variant) over the same chunks as the vector index."""

from __future__ import annotations

from pathlib import Path

import bm25s
import numpy as np

from ragops.rag.lexical import words

_FOLDER = "bm25"


class TextIndex:
    def __init__(self, bm25: bm25s.BM25, size: int) -> None:
        self.bm25 = bm25
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> TextIndex:
        # Word ids, one compact array per text, instead of lists of word strings: those take ~60 bytes a word,
        # gigabytes for a large corpus. The vocabulary is numbered in sorted order (bm25s numbers it in set order,
        # which follows Python's per-process string hashing, so the same chunks gave different files and a
        # different artifact digest); two passes keep only the vocabulary and the arrays in memory.
        vocabulary: set[str] = set()
        for text in texts:
            vocabulary.update(words(text))
        vocab = {word: number for number, word in enumerate(sorted(vocabulary))}
        ids = [np.fromiter((vocab[w] for w in words(t)), dtype=np.int32) for t in texts]
        bm25 = bm25s.BM25()
        bm25.index((ids, vocab), show_progress=False)
        return cls(bm25, len(texts))

    def search(self, queries: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, row numbers), each ``len(queries) × k``; hits scoring 0 (no shared word) have row -1."""
        k = min(k, self.size)
        tokens = [words(q) for q in queries]
        rows, scores = self.bm25.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        rows = np.where(scores > 0, rows, -1)
        return scores.astype(np.float32), rows.astype(np.int64)

    def save(self, folder: Path) -> None:
        self.bm25.save(str(folder / _FOLDER), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> TextIndex:
        return cls(bm25s.BM25.load(str(folder / _FOLDER), show_progress=False, verbosity=0), size)
