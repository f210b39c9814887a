"""The service's Prometheus metrics, in a registry of their own per app (so tests can run several apps).

The names are a contract with the monitoring manifests (alerts, dashboard) and with ``ragops canary analyze``:
change them only together. Every sample carries the served release's id as label ``release`` (from its
release manifest; ``unreleased`` without one), so two releases side by side — a canary and the stable release —
are two series. ``ragops_release_*`` come from the release manifest, so a dashboard can plot each release's
evaluated quality and mark the time it was made. ``ragops_answer*`` are the online quality proxies
(:mod:`ragops.serve.online_quality`).
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from ragops.serve.models import ReleaseManifest
from ragops.serve.online_quality import AnswerSignals

# Seconds; the service aims at p95 <= 100 ms, so the buckets are finest around it.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# answer_support is a share: tenths, finer near 1 where grounded answers are.
_SUPPORT_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)
# Top-hit scores live on the retrieval mode's scale: fused RRF scores (~0.01-0.1), cosine (-1..1), BM25 and
# cross-encoder scores (negative to tens). Means come from _sum/_count exactly; buckets only shape the spread. The
# first bound is 0, not negative: prometheus_client drops _sum from a histogram with a negative bucket.
_SCORE_BUCKETS = (
    0.0,
    0.01,
    0.02,
    0.03,
    0.05,
    0.1,
    0.2,
    0.3,
    0.4,
    0.5,
    0.6,
    0.7,
    0.8,
    0.9,
    1.0,
    2.5,
    5.0,
    10.0,
    25.0,
    50.0,
)
STAGES = ("retrieve", "generate", "embed", "queue", "condense", "session")
RATINGS = ("up", "down")
# The release label's value when the service runs without a release manifest (a local `ragops serve`).
UNRELEASED = "unreleased"
RELEASE_LABEL = "release"

# Names other code queries by (the canary analysis): one spelling each.
ANSWERS = "ragops_answers_total"
ABSTAINED = "ragops_answers_abstained_total"
ANSWER_SUPPORT = "ragops_answer_support"
TOP_SCORE = "ragops_answer_top_score"
FEEDBACK = "ragops_feedback_total"
REQUESTS = "ragops_requests_total"
REQUEST_DURATION = "ragops_request_duration_seconds"
RELEASE_INFO = "ragops_release_info"
HANDLER_LABEL = "handler"
QUERY_HANDLER = "/v1/query"  # the question endpoints, as the handler label names them
CHAT_HANDLER = "/v1/chat"
QUESTION_HANDLERS = (QUERY_HANDLER, CHAT_HANDLER)


class _WithRelease(Collector):
    """The registry's samples with the served release's id added as label ``release`` (a sample that names its
    own release, as the ``ragops_release_*`` ones do, keeps it)."""

    def __init__(self, registry: CollectorRegistry, release: str) -> None:
        self.registry = registry
        self.release = release

    def collect(self) -> Iterable[Metric]:
        for family in self.registry.collect():
            family.samples = [s._replace(labels={RELEASE_LABEL: self.release, **s.labels}) for s in family.samples]
            yield family


class ServeMetrics:
    def __init__(self, release: ReleaseManifest | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "ragops_requests", "HTTP requests by handler (path) and status code", [HANDLER_LABEL, "status"], registry=r
        )
        self.request_duration = Histogram(
            REQUEST_DURATION,
            "Time from receiving a request to answering it",
            [HANDLER_LABEL],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.stage_duration = Histogram(
            "ragops_stage_duration_seconds",
            "Time per answering stage: queue (waiting for a batch), embed (query embedding of a batch), "
            "retrieve (per question), generate (per question), condense (a chat turn made standalone), "
            "session (a chat turn's reads and writes of the conversation store)",
            ["stage"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.ready = Gauge("ragops_ready", "1 once the index is loaded and verified and the engine is warm", registry=r)
        self.index_chunks = Gauge("ragops_index_chunks", "Chunks in the served index", registry=r)
        self.index_documents = Gauge("ragops_index_documents", "Documents in the served index", registry=r)
        self.inflight = Gauge("ragops_inflight_requests", "Requests being handled now", registry=r)
        self.feedback = Counter("ragops_feedback", "Feedback received, by rating", ["rating"], registry=r)
        self.answers = Counter(
            "ragops_answers", "Questions answered (the denominator of every rate per answer)", registry=r
        )
        self.abstained = Counter(
            "ragops_answers_abstained",
            "Answers that are empty or say they do not know (online proxy)",
            registry=r,
        )
        self.answer_support = Histogram(
            ANSWER_SUPPORT,
            "Share of each answer's tokens found in its retrieved text, the evaluation's answer_support; "
            "abstentions are not counted (online proxy)",
            buckets=_SUPPORT_BUCKETS,
            registry=r,
        )
        self.top_score = Histogram(
            TOP_SCORE,
            "Retrieval score of each answer's top hit, on the retrieval mode's scale (online proxy)",
            buckets=_SCORE_BUCKETS,
            registry=r,
        )
        self.release_info = Gauge(
            RELEASE_INFO,
            "The release being served (always 1)",
            ["app", "environment", "release", "commit", "index_digest", "config_hash"],
            registry=r,
        )
        self.release_metric = Gauge(
            "ragops_release_metric",
            "The release's evaluation metrics, from its release manifest",
            ["app", "environment", "release", "metric"],
            registry=r,
        )
        self.release_timestamp = Gauge(
            "ragops_release_timestamp_seconds",
            "When the release was created (Unix time), from its release manifest",
            ["app", "environment", "release"],
            registry=r,
        )
        self.ready.set(0)
        # Series exported at 0 before the first request, so Prometheus's increase() counts that request too (a
        # series that appears with a value counts from its first scrape on): the question endpoints' statuses.
        for handler in QUESTION_HANDLERS:
            for status in ("200", "500", "503"):
                self.requests.labels(handler, status)
            self.request_duration.labels(handler)
        for stage in STAGES:
            self.stage_duration.labels(stage=stage)
        for rating in RATINGS:
            self.feedback.labels(rating=rating)
        self.exported = _WithRelease(r, release.release_id if release is not None else UNRELEASED)
        if release is not None:
            self._set_release(release)

    def _set_release(self, release: ReleaseManifest) -> None:
        labels = {"app": release.app, "environment": release.environment, "release": release.release_id}
        self.release_info.labels(
            **labels,
            commit=release.commit,
            index_digest=release.index.digest,
            config_hash=release.config_hash,
        ).set(1)
        for name, value in sorted(release.evaluation.metrics.items()):
            self.release_metric.labels(**labels, metric=name).set(value)
        if release.created_at is not None:
            self.release_timestamp.labels(**labels).set(release.created_at.timestamp())

    def observe_answer(self, signals: AnswerSignals) -> None:
        self.answers.inc()
        if signals.abstained:
            self.abstained.inc()
        if signals.support is not None:
            self.answer_support.observe(signals.support)
        if signals.top_score is not None:
            self.top_score.observe(signals.top_score)

    def render(self) -> bytes:
        return generate_latest(self.exported)


def exported_metric_names() -> set[str]:
    """The base names of every metric the service exports (counters with their ``_total``)."""
    names: set[str] = set()
    for family in ServeMetrics().registry.collect():
        names.add(f"{family.name}_total" if family.type == "counter" else family.name)
    return names


def exported_histograms() -> set[str]:
    """The base names of the histograms among them (queried through ``_bucket``, ``_sum`` and ``_count``)."""
    return {family.name for family in ServeMetrics().registry.collect() if family.type == "histogram"}
