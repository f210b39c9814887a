"""The FAISS vector index: exact inner product by default, HNSW or IVF for large corpora.

With normalised embeddings inner product is cosine similarity. IVF needs at least ``nlist`` training vectors,
so a corpus smaller than that trains with fewer lists. FAISS saves efSearch and nprobe with the index.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from ragops.config.models import VectorStoreSpec

_FILE = "vectors.faiss"


class VectorStore:
    def __init__(self, index: faiss.Index) -> None:
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray, spec: VectorStoreSpec) -> VectorStore:
        dim = vectors.shape[1]
        index: faiss.Index
        if spec.index == "hnsw":
            index = faiss.IndexHNSWFlat(dim, spec.hnsw.m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = spec.hnsw.ef_construction
            index.hnsw.efSearch = spec.hnsw.ef_search
        elif spec.index == "ivf":
            nlist = max(1, min(spec.ivf.nlist, len(vectors)))
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
            index.train(vectors)
            index.nprobe = min(spec.ivf.nprobe, nlist)
        else:
            index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return cls(index)

    @property
    def dimension(self) -> int:
        return int(self.index.d)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, row numbers), each ``len(queries) × k``; a row number of -1 means no hit."""
        k = min(k, int(self.index.ntotal))
        if k == 0:
            empty = np.zeros((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        scores, rows = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return scores, rows

    def save(self, folder: Path) -> None:
        faiss.write_index(self.index, str(folder / _FILE))

    @classmethod
    def load(cls, folder: Path) -> VectorStore:
        index = faiss.read_index(str(folder / _FILE))
        return cls(index)
