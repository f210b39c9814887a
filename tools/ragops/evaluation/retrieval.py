"""Ranked retrieval metrics with binary relevance, as trec_eval defines them.

Each metric takes the relevance flags of a ranking (``flags[i]`` is True when the item at rank ``i + 1`` is
relevant) and a cut-off ``k``, so the same functions serve the document level (distinct documents vs gold document
ids) and the chunk level (chunks vs gold spans). Definitions, with ``rel@k`` the relevant items in the top k and
``R`` the number of relevant items that exist:

- ``hit_rate@k``   1 if ``rel@k > 0`` else 0
- ``precision@k``  ``rel@k / k`` — divided by k even when fewer than k items came back (trec_eval ``P_k``)
- ``recall@k``     ``rel@k / R`` (trec_eval ``recall_k``)
- ``mrr@k``        1 / rank of the first relevant item within the top k, else 0 (trec_eval ``recip_rank`` on the
  run truncated to k)
- ``ndcg@k``       ``DCG@k / IDCG@k`` with gain 1 and discount ``log2(rank + 1)``; the ideal ranking puts
  ``min(R, k)`` relevant items first (trec_eval ``ndcg_cut_k``)
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

from ragops.config.testset import GoldSpan
from ragops.evaluation.predictions import ChunkHit


def doc_flags(ranked_doc_ids: Sequence[str], gold_doc_ids: Collection[str]) -> list[bool]:
    gold = set(gold_doc_ids)
    return [doc in gold for doc in ranked_doc_ids]


def hit_rate(flags: Sequence[bool], k: int) -> float:
    return 1.0 if any(flags[:k]) else 0.0


def precision(flags: Sequence[bool], k: int) -> float:
    return sum(flags[:k]) / k


def recall(flags: Sequence[bool], k: int, relevant: int) -> float:
    return sum(flags[:k]) / relevant if relevant else 0.0


def reciprocal_rank(flags: Sequence[bool], k: int) -> float:
    for rank, relevant in enumerate(flags[:k], start=1):
        if relevant:
            return 1.0 / rank
    return 0.0


def ndcg(flags: Sequence[bool], k: int, relevant: int) -> float:
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(relevant, k) + 1))
    if ideal == 0.0:
        return 0.0
    gained = sum(1.0 / math.log2(rank + 1) for rank, hit in enumerate(flags[:k], start=1) if hit)
    return gained / ideal


def _overlaps(chunk: ChunkHit, span: GoldSpan) -> bool:
    # Half-open intervals [start, end): touching ends share no character.
    return chunk.doc_id == span.doc_id and chunk.start < span.end and span.start < chunk.end


def chunk_flags(chunks: Sequence[ChunkHit], spans: Sequence[GoldSpan]) -> list[bool]:
    """A chunk is relevant when it shares at least one character with a gold span of the same document."""
    return [any(_overlaps(chunk, span) for span in spans) for chunk in chunks]


def spans_recall(chunks: Sequence[ChunkHit], spans: Sequence[GoldSpan], k: int) -> float:
    """Share of gold spans that at least one of the top-k chunks overlaps. Counting spans rather than relevant
    chunks keeps the denominator independent of how the corpus was chunked."""
    if not spans:
        return 0.0
    top = chunks[:k]
    return sum(1 for span in spans if any(_overlaps(chunk, span) for chunk in top)) / len(spans)
