"""The service's Prometheus metrics, in a registry of their own per app (so tests can run several apps).

The names are a contract with the monitoring manifests (alerts, dashboard): change them only together.
``ragops_release_*`` come from the release manifest, so a dashboard can plot each release's evaluated quality
against the time it went live.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from ragops.serve.models import ReleaseManifest

# Seconds; the service aims at p95 <= 100 ms, so the buckets are finest around it.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STAGES = ("retrieve", "generate", "embed", "queue", "condense", "session")

_NAMES = frozenset(
    {
        "ragops_requests_total",
        "ragops_request_duration_seconds",
        "ragops_stage_duration_seconds",
        "ragops_ready",
        "ragops_index_chunks",
        "ragops_index_documents",
        "ragops_inflight_requests",
        "ragops_feedback_total",
        "ragops_release_info",
        "ragops_release_metric",
        "ragops_release_timestamp_seconds",
    }
)


def exported_metric_names() -> set[str]:
    """The base names of every metric the service exports (counters with their ``_total``)."""
    return set(_NAMES)


class ServeMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "ragops_requests", "HTTP requests by endpoint and status code", ["endpoint", "status"], registry=r
        )
        self.request_duration = Histogram(
            "ragops_request_duration_seconds",
            "Time from receiving a request to answering it",
            ["endpoint"],
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
        self.release_info = Gauge(
            "ragops_release_info",
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
        for stage in STAGES:
            self.stage_duration.labels(stage=stage)
        for rating in ("up", "down"):
            self.feedback.labels(rating=rating)

    def set_release(self, release: ReleaseManifest) -> None:
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

    def render(self) -> bytes:
        return generate_latest(self.registry)
