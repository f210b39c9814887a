"""The Prometheus metrics the service exports, as the monitoring manifests may use them.

This must equal ``ragops.serve.metrics.exported_metric_names()``; once the service is merged, the tests import that
function instead of this constant. Counters carry their ``_total``; histograms are named by their base name and
queried through ``_bucket``, ``_sum`` and ``_count``.
"""

from __future__ import annotations

EXPORTED_METRICS: frozenset[str] = frozenset(
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

HISTOGRAMS: frozenset[str] = frozenset({"ragops_request_duration_seconds", "ragops_stage_duration_seconds"})
_HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")


def exported_series(name: str) -> bool:
    """Whether a metric name in a query is one the service exports (a histogram's series included)."""
    if name in EXPORTED_METRICS:
        return True
    return any(name.endswith(suffix) and name.removesuffix(suffix) in HISTOGRAMS for suffix in _HISTOGRAM_SERIES)
