"""What both question endpoints record per answer: stage timings and the online quality signals, per release."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from ragops.rag.engine import Answer
from ragops.rag.hits import Hit
from ragops.serve.batcher import Batched
from ragops.serve.metrics import ServeMetrics
from ragops.serve.responses import observe_answered, sources_of

HITS = [
    Hit("a#0", "a", 1, 0.9, 0, 40, "The alpha protocol uses a five step handshake."),
    Hit("b#0", "b", 2, 0.3, 0, 30, "Beta sorting is quadratic."),
]


def _values(metrics: ServeMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.render().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_an_answer_records_its_stages_and_its_quality_signals() -> None:
    metrics = ServeMetrics()
    grounded = Answer("q", "a five step handshake", ["a"], HITS, {"retrieve": 4.0, "generate": 20.0})
    abstained = Answer("q", "I don't know.", [], HITS[1:], {"retrieve": 2.0, "generate": 10.0})
    observe_answered(metrics, Batched(grounded, queued_s=0.001, batch_size=2))
    observe_answered(metrics, Batched(abstained, queued_s=0.003, batch_size=2))
    values = _values(metrics)
    release = ("release", "unreleased")
    assert values[("ragops_answers_total", (release,))] == 2
    assert values[("ragops_answers_abstained_total", (release,))] == 1
    assert values[("ragops_answer_support_count", (release,))] == 1  # an abstention claims nothing
    assert values[("ragops_answer_support_sum", (release,))] == 1.0
    assert values[("ragops_answer_top_score_sum", (release,))] == 0.9 + 0.3
    assert values[("ragops_stage_duration_seconds_sum", (release, ("stage", "retrieve")))] == 0.006
    assert values[("ragops_stage_duration_seconds_count", (release, ("stage", "queue")))] == 2


def test_sources_mark_the_cited_documents() -> None:
    answer = Answer("q", "a five step handshake", ["a"], HITS)
    assert [(s.doc_id, s.cited) for s in sources_of(answer)] == [("a", True), ("b", False)]
