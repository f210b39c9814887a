"""Reciprocal-rank fusion: merge rankings by ``sum(weight / (k + rank))``, rank counted from 1.

RRF needs no score calibration between retrievers (cosine and BM25 live on different scales), which is why it
beats concatenating or adding raw scores. Ties are broken by the best rank a row had anywhere, then by row.
"""

from __future__ import annotations

from collections.abc import Sequence


def reciprocal_rank_fusion(rankings: Sequence[tuple[Sequence[int], float]], k: int) -> list[tuple[int, float]]:
    """(row, fused score) best first, from ``(ranked rows, weight)`` pairs."""
    scores: dict[int, float] = {}
    best_rank: dict[int, int] = {}
    for rows, weight in rankings:
        for rank, row in enumerate(rows, start=1):
            scores[row] = scores.get(row, 0.0) + weight / (k + rank)
            best_rank[row] = min(best_rank.get(row, rank), rank)
    return sorted(scores.items(), key=lambda item: (-item[1], best_rank[item[0]], item[0]))
