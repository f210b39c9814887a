"""Per-question changes: which paired questions newly fail or are newly fixed, worst first.

A question passes the retrieval criterion when a gold document is in the top k (``hit_rate@k`` is 1, k the
report's headline cut-off), and the answer criterion when its token F1 is at least :data:`ANSWER_PASS`. A
question that newly fails either criterion is newly failing (even if it got better on the other); one that newly
passes a criterion and fails none it passed before is newly fixed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ragops.config.testset import QuestionRecord
from ragops.evaluation.diff.model import QuestionDelta
from ragops.evaluation.diff.pairing import Key
from ragops.evaluation.predictions import Prediction

ANSWER_METRIC = "f1"
ANSWER_PASS = 0.5


def criteria(k: int) -> list[tuple[str, float]]:
    """(metric, pass threshold) of the per-question criteria at cut-off ``k``."""
    return [(f"hit_rate@{k}", 1.0), (ANSWER_METRIC, ANSWER_PASS)]


def _fmt(value: float) -> str:
    return f"{value:.2f}" if value not in (0.0, 1.0) else f"{value:.0f}"


def question_changes(
    paired: Sequence[Key],
    base: Mapping[Key, Prediction],
    head: Mapping[Key, Prediction],
    records: Mapping[Key, QuestionRecord],
    k: int,
) -> list[QuestionDelta]:
    """Newly failing questions (lowest score first), then newly fixed ones (highest first); ties by key."""
    failing: list[QuestionDelta] = []
    fixed: list[QuestionDelta] = []
    for key in paired:
        old, new = base[key], head[key]
        broke: list[str] = []
        mended: list[str] = []
        score = 0.0
        for metric, threshold in criteria(k):
            if metric not in old.metrics or metric not in new.metrics:
                continue
            a, b = old.metrics[metric], new.metrics[metric]
            was, now = a >= threshold, b >= threshold
            if was and not now:
                broke.append(f"{metric} {_fmt(a)} → {_fmt(b)}")
            elif now and not was:
                mended.append(f"{metric} {_fmt(a)} → {_fmt(b)}")
            score += b - a
        if not broke and not mended:
            continue
        record = records[key]
        entry = QuestionDelta(
            testset=key[0],
            id=key[1],
            question=record.question,
            status="newly_failing" if broke else "newly_fixed",
            criteria=broke + mended,
            score=round(score, 6),
            base_answer=old.answer,
            head_answer=new.answer,
            gold_answers=list(record.answers),
            gold_doc_ids=list(record.gold_doc_ids),
            base_top_docs=old.retrieved_doc_ids[:k],
            head_top_docs=new.retrieved_doc_ids[:k],
        )
        (failing if broke else fixed).append(entry)
    failing.sort(key=lambda q: (q.score, q.testset, q.id))
    fixed.sort(key=lambda q: (-q.score, q.testset, q.id))
    return failing + fixed
