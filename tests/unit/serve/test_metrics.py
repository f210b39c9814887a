"""The service's metrics: every sample names the served release, and the online quality proxies are counted."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families

from ragops.serve.metrics import UNRELEASED, ServeMetrics
from ragops.serve.models import ReleaseEvaluation, ReleaseManifest
from ragops.serve.online_quality import AnswerSignals


def _release(release_id: str) -> ReleaseManifest:
    return ReleaseManifest(
        app="tiny",
        environment="production",
        release_id=release_id,
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        evaluation=ReleaseEvaluation(metrics={"answer_support": 0.93}),
    )


def _samples(metrics: ServeMetrics) -> list[tuple[str, dict[str, str], float]]:
    text = metrics.render().decode()
    return [(s.name, s.labels, s.value) for family in text_string_to_metric_families(text) for s in family.samples]


def test_every_sample_carries_the_release_id() -> None:
    metrics = ServeMetrics(_release("r-2"))
    metrics.requests.labels(handler="/v1/query", status="200").inc()
    samples = _samples(metrics)
    assert len(samples) > 50
    assert {labels["release"] for _, labels, _ in samples} == {"r-2"}
    assert (
        "ragops_release_timestamp_seconds",
        {"app": "tiny", "environment": "production", "release": "r-2"},
        1767323045.0,
    ) in samples
    assert (
        "ragops_release_metric",
        {"app": "tiny", "environment": "production", "release": "r-2", "metric": "answer_support"},
        0.93,
    ) in samples


def test_two_releases_are_two_series_and_no_manifest_is_unreleased() -> None:
    stable, canary, local = ServeMetrics(_release("r-1")), ServeMetrics(_release("r-2")), ServeMetrics()
    for metrics in (stable, canary, local):
        metrics.feedback.labels(rating="down").inc()
    series = {
        (name, tuple(sorted(labels.items())))
        for metrics in (stable, canary, local)
        for name, labels, _ in _samples(metrics)
        if name == "ragops_feedback_total" and labels["rating"] == "down"
    }
    assert {dict(labels)["release"] for _, labels in series} == {"r-1", "r-2", UNRELEASED}


def test_answers_abstentions_support_and_top_score_are_counted() -> None:
    metrics = ServeMetrics()
    metrics.observe_answer(AnswerSignals(top_score=0.8, support=1.0, abstained=False))
    metrics.observe_answer(AnswerSignals(top_score=0.4, support=0.5, abstained=False))
    metrics.observe_answer(AnswerSignals(top_score=None, support=None, abstained=True))
    values = {(name, labels.get("le")): value for name, labels, value in _samples(metrics)}
    assert values[("ragops_answers_total", None)] == 3
    assert values[("ragops_answers_abstained_total", None)] == 1
    assert values[("ragops_answer_support_count", None)] == 2
    assert values[("ragops_answer_support_sum", None)] == 1.5
    assert values[("ragops_answer_support_bucket", "0.5")] == 1
    assert values[("ragops_answer_top_score_count", None)] == 2
    assert abs(values[("ragops_answer_top_score_sum", None)] - 1.2) < 1e-9
