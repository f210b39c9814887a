"""FActScore arithmetic, as in the reference code (shmsw25/FActScore, ``FactScorer.get_score``).

Per answer with ``n`` atomic facts of which ``s`` are supported: the unpenalised score is ``s / n``; the score is
that times the length penalty ``exp(1 - gamma / n)`` when ``n < gamma`` (``gamma`` = 10: "roughly two
sentences"), so an answer that says little cannot score high by saying only safe things. An answer with no atomic
fact has abstained: it has no score, and counts against the share of questions answered.

Over a set of answers: the score and the unpenalised score are means over the answers that have facts; the share
answered is over all answers; facts per answer is the mean ``n`` over the answers that have facts. These are the
same means the report takes of the per-question values (:class:`AnswerScore`), so a run's report and
:func:`aggregate` agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ragops.evaluation.factscore.method import GAMMA


def length_penalty(facts: int, gamma: int = GAMMA) -> float:
    """``exp(1 - gamma / facts)`` below ``gamma`` facts, else 1."""
    if facts <= 0:
        raise ValueError("the length penalty is defined for answers with at least one fact")
    return 1.0 if facts >= gamma else math.exp(1.0 - gamma / facts)


@dataclass(frozen=True)
class AnswerScore:
    """One answer's FActScore values; the scores are None when it has no atomic fact (abstained)."""

    facts: int
    supported: int
    score: float | None
    unpenalized: float | None

    @property
    def answered(self) -> bool:
        return self.facts > 0


def score_answer(decisions: Sequence[bool], gamma: int = GAMMA) -> AnswerScore:
    """The scores of an answer whose facts got ``decisions`` (True: supported)."""
    n = len(decisions)
    supported = sum(1 for d in decisions if d)
    if n == 0:
        return AnswerScore(0, 0, None, None)
    share = supported / n
    return AnswerScore(n, supported, share * length_penalty(n, gamma), share)


@dataclass(frozen=True)
class SetScore:
    """FActScore over a set of answers (the reference's ``score``, ``init_score``, ``respond_ratio`` and
    ``num_facts_per_response``); the means over answered answers are None when none answered."""

    score: float | None
    unpenalized: float | None
    answered: float | None
    facts_per_answer: float | None


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def aggregate(answers: Sequence[AnswerScore]) -> SetScore:
    answered = [a for a in answers if a.answered]
    return SetScore(
        score=_mean([a.score for a in answered if a.score is not None]),
        unpenalized=_mean([a.unpenalized for a in answered if a.unpenalized is not None]),
        answered=_mean([1.0 if a.answered else 0.0 for a in answers]),
        facts_per_answer=_mean([float(a.facts) for a in answered]),
    )
