"""The Prometheus metrics the service exports, as the monitoring manifests may use them: taken from the service
itself (``ragops.serve.metrics.exported_metric_names()``), so alerts and the dashboard are checked against what it
really exports. Counters carry their ``_total``; histograms are named by their base name and queried through
``_bucket``, ``_sum`` and ``_count``.
"""

from __future__ import annotations

from ragops.serve.metrics import exported_histograms, exported_metric_names

EXPORTED_METRICS: frozenset[str] = frozenset(exported_metric_names())

HISTOGRAMS: frozenset[str] = frozenset(exported_histograms())
_HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")


def exported_series(name: str) -> bool:
    """Whether a metric name in a query is one the service exports (a histogram's series included)."""
    if name in EXPORTED_METRICS:
        return True
    return any(name.endswith(suffix) and name.removesuffix(suffix) in HISTOGRAMS for suffix in _HISTOGRAM_SERIES)
