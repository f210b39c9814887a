"""FActScore in the diff, the gates and the PR comment like any metric: paired per question, with its CI and
significance, failing a gate rule and shown in the comment's gated table."""

from __future__ import annotations

from ragops.config.testset import QuestionRecord
from ragops.evaluation.diff import pr_comment
from ragops.evaluation.diff.compare import compare
from ragops.evaluation.factscore.evidence import CorpusEvidence
from ragops.evaluation.factscore.family import entries, lexical_verdicts, weights_of
from ragops.evaluation.factscore.lexical_verifier import LexicalVerifier
from ragops.evaluation.metrics import METRICS
from ragops.evaluation.predictions import ChunkHit, Latency, Prediction
from ragops.rag.chunking import Chunk
from ragops.rag.text_index import TextIndex
from tests.support.runs import app_config, contents

QUESTIONS = 20
FACTS = 10  # ten facts per answer: no length penalty, so the score is the supported share


def _sentence(n: int, percent: int) -> str:
    return f"Drug {n} reduced viral load by {percent} percent in trial {n}."


CHUNKS = [Chunk(f"c{n}", f"doc{n}", 0, 60, _sentence(n, n)) for n in range(QUESTIONS * FACTS)]
EVIDENCE = CorpusEvidence(CHUNKS, TextIndex.build([c.text for c in CHUNKS]))
RECORDS = {
    "t": [QuestionRecord(id=f"q{i}", question=f"q{i}?", answers=["x"], gold_doc_ids=["doc0"]) for i in range(QUESTIONS)]
}
GATE = [{"metric": "factscore_lexical", "max_regression": 0.05, "significant": True}]


def _predictions(wrong_in_even_questions: int) -> list[Prediction]:
    """Question i answers with the ten sentences of chunks 10i…10i+9; in even questions, the first
    ``wrong_in_even_questions`` of them carry a percentage no passage has."""
    out = []
    for i in range(QUESTIONS):
        numbers = range(i * FACTS, (i + 1) * FACTS)
        wrong = wrong_in_even_questions if i % 2 == 0 else 0
        answer = " ".join(_sentence(n, n + 1000 if k < wrong else n) for k, n in enumerate(numbers))
        hits = [ChunkHit(chunk_id=f"c{n}", doc_id=f"doc{n}", start=0, end=60, score=1.0) for n in numbers]
        out.append(
            Prediction(
                id=f"q{i}",
                testset="t",
                question=f"q{i}?",
                answer=answer,
                retrieved_doc_ids=[h.doc_id for h in hits],
                chunks=hits,
                latency_ms=Latency(retrieve=1.0, generate=1.0),
            )
        )
    return out


def _contents(predictions: list[Prediction], commit: str):  # type: ignore[no-untyped-def]
    verdicts = lexical_verdicts(predictions, EVIDENCE, LexicalVerifier(weights_of(EVIDENCE)))
    family = entries("lexical", verdicts, "rules-v1 facts, lexical-v1 verifier", "gate")
    return contents(predictions, RECORDS, app_config(GATE), commit=commit, metrics=(*METRICS, *family))


def test_a_factscore_drop_is_paired_significant_gated_and_shown() -> None:
    base = _contents(_predictions(0), "a" * 40)
    head = _contents(_predictions(5), "b" * 40)
    assert base.report.metrics["factscore_lexical"] == 1.0
    assert head.report.metrics["factscore_lexical"] == 0.75  # half the answers lost half their facts

    result = compare(base, head)

    metric = next(m for m in result.metrics if m.name == "factscore_lexical")
    assert (metric.n, metric.base, metric.head, metric.delta) == (QUESTIONS, 1.0, 0.75, -0.25)
    assert metric.ci_high is not None and metric.ci_high < 0 and metric.significant and metric.change == "worse"
    assert metric.standing == "gated"
    assert result.verdict == "fail" and [g.metric for g in result.failing] == ["factscore_lexical"]
    comment = pr_comment.render(result)
    gated = comment.split("<details>")[0]
    assert "| `factscore_lexical` | 1.000 | 0.750 | ▼ −0.250 (worse) |" in gated
    assert "factscore_lexical_unpenalized" in comment  # the rest of the family: exploratory, folded


def test_the_same_answers_pass_with_a_zero_delta() -> None:
    base = _contents(_predictions(5), "a" * 40)
    head = _contents(_predictions(5), "b" * 40)
    result = compare(base, head)
    metric = next(m for m in result.metrics if m.name == "factscore_lexical")
    assert metric.delta == 0.0 and not metric.significant and result.verdict == "pass"
