"""Retrieval over an index: vector, text (BM25) or hybrid (RRF), then optional reranking, threshold and top_k.

Each retriever returns ``max(candidates, top_k)`` hits (and at least as many as the reranker re-scores). Scores
are mode-specific: cosine similarity (vector), BM25 (text), fused RRF score (hybrid), cross-encoder score (with a
reranker); ``score_threshold`` applies to the score the hit ends up with. Many questions are retrieved in one
batch: one embedding call, one FAISS search, one BM25 search.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ragops.config.models import RetrievalSpec
from ragops.rag.embeddings import Embedder
from ragops.rag.fusion import reciprocal_rank_fusion
from ragops.rag.index import Index
from ragops.rag.reranker import Reranker

Ranking = list[tuple[int, float]]  # (row in the index, score), best first


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    doc_id: str
    rank: int  # from 1
    score: float
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


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
    ) -> None:
        if spec.mode != "text" and embedder is None:
            raise ValueError(f"retrieval mode {spec.mode} needs an embedder")
        self.index = index
        self.spec = spec
        self.embedder = embedder
        self.batch_size = batch_size
        self.reranker = reranker
        self.candidates = max(spec.candidates, spec.top_k, reranker.candidates if reranker else 0)

    def _vector(self, questions: list[str]) -> list[Ranking]:
        assert self.embedder is not None  # checked in __init__
        queries = self.embedder.encode(questions, self.batch_size)
        return _rankings(*self.index.vectors.search(queries, self.candidates))

    def _text(self, questions: list[str]) -> list[Ranking]:
        return _rankings(*self.index.text.search(questions, self.candidates))

    def _ranked(self, questions: list[str]) -> list[Ranking]:
        if self.spec.mode == "vector":
            return self._vector(questions)
        if self.spec.mode == "text":
            return self._text(questions)
        fusion = self.spec.fusion
        return [
            reciprocal_rank_fusion(
                [([r for r, _ in v], fusion.vector_weight), ([r for r, _ in t], fusion.text_weight)], fusion.k
            )
            for v, t in zip(self._vector(questions), self._text(questions), strict=True)
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
