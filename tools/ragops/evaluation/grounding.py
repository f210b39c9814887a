"""Grounding metrics that need no LLM: is the answer drawn from what was retrieved, and does it cite the gold?"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ragops.evaluation.answers import normalize


def answer_support(answer: str, context: str) -> float | None:
    """Share of the answer's normalised tokens (with repeats) that occur among the context's normalised tokens.

    Undefined (None) for an empty answer: an abstention claims nothing, so it is neither supported nor not.
    """
    tokens = normalize(answer).split()
    if not tokens:
        return None
    available = set(normalize(context).split())
    return sum(1 for token in tokens if token in available) / len(tokens)


def citation_correctness(citations: Sequence[str] | None, gold_doc_ids: Collection[str]) -> float | None:
    """1 when at least one cited document is a gold document, else 0 (citing nothing counts as 0).

    Undefined (None) when the app does not cite at all (``citations`` is None), so apps without citations are
    not scored as always wrong.
    """
    if citations is None:
        return None
    gold = set(gold_doc_ids)
    return 1.0 if any(doc in gold for doc in citations) else 0.0
