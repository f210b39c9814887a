"""Retrieval over an index: vector, text (BM25) or hybrid (RRF), then optional reranking, threshold and top_k.

Each retriever returns ``max(candidates, top_k)`` hits (and at least as many as the reranker re-scores). Scores
are mode-specific: cosine similarity (vector), BM25 (text), fused RRF score (hybrid), cross-encoder score (with a
reranker); ``score_threshold`` applies to the score the hit ends up with. Many questions are retrieved in one
batch: one embedding call, one FAISS search, one BM25 search. With an embedding cache, question vectors are
cached like chunk vectors (same key: model identity, normalisation, text), so asking the same questions again
embeds nothing; ``prepare_queries`` embeds what is missing ahead of a timed pass.
"""

from __future__ import annotations

import numpy as np

from ragops import tracing
from ragops.config.models import RetrievalSpec
from ragops.rag.embedding_cache import EmbeddingCache, cache_key
from ragops.rag.embeddings import Embedder
from ragops.rag.fusion import reciprocal_rank_fusion
from ragops.rag.hits import Hit
from ragops.rag.index import Index
from ragops.rag.reranker import Reranker

__all__ = ["Hit", "Ranking", "Retriever"]  # Hit lives in ragops.rag.hits; importing it from here still works

Ranking = list[tuple[int, float]]  # (row in the index, score), best first


def _rankings(scores: np.ndarray, rows: np.ndarray) -> list[Ranking]:
    return [
        [(int(r), float(s)) for r, s in zip(row_list, score_list, strict=True) if r >= 0]
        for row_list, score_list in zip(rows, scores, strict=True)
    ]


class Retriever:
    def __init__(
        self,
        index: Index,
        spec: RetrievalSpec,
        embedder: Embedder | None,
        batch_size: int,
        reranker: Reranker | None = None,
        cache: EmbeddingCache | None = None,
    ) -> None:
        if spec.mode != "text" and embedder is None:
            raise ValueError(f"retrieval mode {spec.mode} needs an embedder")
        self.index = index
        self.spec = spec
        self.embedder = embedder
        self.batch_size = batch_size
        self.reranker = reranker
        self.cache = cache
        self.candidates = max(spec.candidates, spec.top_k, reranker.candidates if reranker else 0)

    def _vector(self, questions: list[str]) -> list[Ranking]:
        vectors = self._query_vectors(questions)
        with tracing.stage("search", {"ragops.search.kind": "vector", "ragops.candidates": self.candidates}):
            return _rankings(*self.index.vectors.search(vectors, self.candidates))

    def _query_vectors(self, questions: list[str]) -> np.ndarray:
        with tracing.stage("embed", {"ragops.texts": len(questions)}) as traced:
            return self._embedded(questions, traced)

    def _embedded(self, questions: list[str], traced: tracing.Stage) -> np.ndarray:
        embedder = self.embedder
        assert embedder is not None  # checked in __init__
        traced.set("ragops.embedding.model", embedder.identity)
        if self.cache is None:
            return embedder.encode(questions, self.batch_size)
        keys = [cache_key(embedder.identity, embedder.normalize, question) for question in questions]
        known = self.cache.get_many(keys)
        # Questions not cached are embedded together, in order, as without a cache: same batch, same vectors.
        todo = [i for i, key in enumerate(keys) if key not in known]
        rows: dict[int, np.ndarray] = {}
        traced.set("ragops.embedding.cached", len(questions) - len(todo))
        if todo:
            fresh = embedder.encode([questions[i] for i in todo], self.batch_size)
            rows = {i: vector for i, vector in zip(todo, fresh, strict=True)}
            self.cache.put_many({keys[i]: vector for i, vector in rows.items()})
        return np.stack([rows[i] if i in rows else known[key] for i, key in enumerate(keys)]).astype(np.float32)

    def prepare_queries(self, questions: list[str]) -> int:
        """Embed the questions whose vectors the cache lacks, and keep them; returns how many were embedded.

        Retrieval then reads every question's vector from the cache, so timing it leaves out the embedding model
        (loading and running it) — which a second evaluation of the same questions never pays, since the first
        cached their vectors. Nothing to do without a cache or in text mode."""
        embedder = self.embedder
        if self.cache is None or embedder is None or self.spec.mode == "text":
            return 0
        texts = list(dict.fromkeys(questions))
        keys = [cache_key(embedder.identity, embedder.normalize, text) for text in texts]
        present = self.cache.has_many(keys)
        todo = [i for i, key in enumerate(keys) if key not in present]
        if todo:
            fresh = embedder.encode([texts[i] for i in todo], self.batch_size)
            self.cache.put_many({keys[i]: vector for i, vector in zip(todo, fresh, strict=True)})
        return len(todo)

    def _text(self, questions: list[str]) -> list[Ranking]:
        with tracing.stage("search", {"ragops.search.kind": "text", "ragops.candidates": self.candidates}):
            return _rankings(*self.index.text.search(questions, self.candidates))

    def _ranked(self, questions: list[str]) -> list[Ranking]:
        if self.spec.mode == "vector":
            return self._vector(questions)
        if self.spec.mode == "text":
            return self._text(questions)
        fusion = self.spec.fusion
        vector, text = self._vector(questions), self._text(questions)
        with tracing.stage("fuse", {"ragops.fusion.method": fusion.method, "ragops.fusion.k": fusion.k}):
            return [
                reciprocal_rank_fusion(
                    [([r for r, _ in v], fusion.vector_weight), ([r for r, _ in t], fusion.text_weight)], fusion.k
                )
                for v, t in zip(vector, text, strict=True)
            ]

    def _rerank(self, questions: list[str], rankings: list[Ranking]) -> list[Ranking]:
        if self.reranker is None:
            return rankings
        shortlists = [ranking[: self.reranker.candidates] for ranking in rankings]
        pairs = [
            (question, self.index.chunks[row].text)
            for question, short in zip(questions, shortlists, strict=True)
            for row, _ in short
        ]
        with tracing.stage("rerank", {"ragops.pairs": len(pairs)}):
            scores = iter(self.reranker.scores(pairs).tolist())
        rescored = [[(row, next(scores)) for row, _ in short] for short in shortlists]
        return [sorted(ranking, key=lambda item: -item[1]) for ranking in rescored]

    def retrieve_many(self, questions: list[str]) -> list[list[Hit]]:
        if not questions:
            return []
        threshold = self.spec.score_threshold
        results = []
        for ranking in self._rerank(questions, self._ranked(questions)):
            kept = [(row, score) for row, score in ranking if threshold is None or score >= threshold]
            top = kept[: self.spec.top_k]
            results.append([self._hit(row, score, rank) for rank, (row, score) in enumerate(top, start=1)])
        return results

    def _hit(self, row: int, score: float, rank: int) -> Hit:
        chunk = self.index.chunks[row]
        return Hit(chunk.id, chunk.doc_id, rank, score, chunk.start, chunk.end, chunk.text)
