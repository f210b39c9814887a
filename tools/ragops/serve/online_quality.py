"""Per-answer quality signals the service can compute online: cheap, without an LLM and without gold answers.

They are online *proxies* of answer quality, not the offline metrics: a release evaluated at f1 0.6 can show any
top score, and a fully supported answer can still be wrong. What they are good for is comparison — the same
release over time, or a canary against the stable release on the same traffic.

- ``top_score``: the retrieval score of the top hit. Its scale is the retrieval mode's (cosine similarity for
  vector, BM25 for text, the fused RRF score for hybrid, the cross-encoder's score with a reranker), so compare it
  only between releases of the same mode. None when nothing was retrieved.
- ``support``: the evaluation's grounding metric ``answer_support`` (share of the answer's tokens found in the
  retrieved text), against the same context the evaluation uses. None for an abstention, which claims nothing.
- ``abstained``: the answer is empty or says it does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ragops.evaluation.answers import normalize
from ragops.evaluation.grounding import answer_support
from ragops.rag.engine import Answer
from ragops.rag.hits import retrieved_text

# Phrases of a "don't know" answer, after SQuAD normalisation (lowercase, no punctuation or articles): what the
# default QA template asks the LLM to say, and the usual variants.
_DONT_KNOW = re.compile(
    r"\b(i )?(dont|do not|cannot|cant|can not) (know|answer|tell|find)\b|\bno (relevant )?information\b"
    r"|\bnot (mentioned|stated|provided) in (context|sources|provided context)\b|\bunable to answer\b"
)


@dataclass(frozen=True)
class AnswerSignals:
    top_score: float | None
    support: float | None
    abstained: bool


def is_abstention(answer: str) -> bool:
    """An empty answer, or one that says it does not know (or cannot answer from its sources)."""
    normalized = normalize(answer)
    return not normalized or _DONT_KNOW.search(normalized) is not None


def answer_signals(answer: Answer) -> AnswerSignals:
    abstained = is_abstention(answer.answer)
    top = answer.hits[0].score if answer.hits else None  # hits come in rank order
    support = None if abstained else answer_support(answer.answer, retrieved_text(answer.hits))
    return AnswerSignals(top_score=top, support=support, abstained=abstained)
