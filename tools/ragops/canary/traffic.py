"""Each release's traffic over a window, read from Prometheus: what :func:`ragops.evaluation.canary.analyze_canary`
compares.

Every series the service exports carries its release's id (label ``release``), so one release's traffic is the
sum over its pods (and restarts) of ``increase(…[window])``. Prometheus extrapolates ``increase`` to the window's
edges, so counts are rounded to whole answers. Answers, their quality signals and errors count both question
endpoints (``/v1/query`` and the turns of ``/v1/chat``). The p95 is ``histogram_quantile`` over the window's
increase of ``/v1/query``'s latency buckets only, as the dashboard and the latency alert compute it: a chat turn
also waits for its conversation store and condenser, so mixing the two would make the p95 follow the traffic mix.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from ragops.canary.prometheus import PrometheusClient
from ragops.errors import UsageError
from ragops.evaluation.canary import ReleaseTraffic
from ragops.evaluation.two_sample import BinnedSample
from ragops.serve.metrics import (
    ABSTAINED,
    ANSWER_SUPPORT,
    ANSWERS,
    FEEDBACK,
    HANDLER_LABEL,
    QUERY_HANDLER,
    QUESTION_HANDLERS,
    RELEASE_LABEL,
    REQUEST_DURATION,
    REQUESTS,
    TOP_SCORE,
)

_WINDOW = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


def check_window(window: str) -> str:
    if not _WINDOW.match(window):
        raise UsageError(f"--window {window!r}: give a Prometheus duration such as 30m, 2h or 1h30m")
    return window


@dataclass(frozen=True)
class Scope:
    """Which series belong to the app: its job (the app's instance name) and namespace, when given."""

    job: str | None = None
    namespace: str | None = None

    def matchers(self, **extra: str) -> str:
        pairs = {"job": self.job, "namespace": self.namespace, **extra}
        # A JSON string is a valid PromQL string literal (same escapes for quotes and backslashes).
        return ", ".join(f"{name}={json.dumps(value)}" for name, value in pairs.items() if value is not None)


def _count(client: PrometheusClient, promql: str, at: float | None) -> int:
    value = client.scalar(promql, at)
    return round(value) if value is not None else 0


def _binned(client: PrometheusClient, metric: str, selector: str, window: str, at: float | None) -> BinnedSample | None:
    raw_count = client.scalar(f"sum(increase({metric}_count{{{selector}}}[{window}]))", at)
    count = round(raw_count) if raw_count is not None else 0
    if raw_count is None or count == 0:
        return None
    raw_total = client.scalar(f"sum(increase({metric}_sum{{{selector}}}[{window}]))", at) or 0.0
    # The count is rounded to whole answers; the sum is scaled with it, so the mean stays increase(sum) /
    # increase(count): both are extrapolated alike, and their ratio is exact.
    total = raw_total * count / raw_count
    buckets = client.query(f"sum by (le) (increase({metric}_bucket{{{selector}}}[{window}]))", at)
    cumulative = sorted((float(s.labels["le"]), s.value) for s in buckets)
    return BinnedSample(count, total, cumulative)


def release_traffic(
    client: PrometheusClient, scope: Scope, release: str, window: str, at: float | None = None
) -> ReleaseTraffic:
    selector = scope.matchers(**{RELEASE_LABEL: release})
    queries = scope.matchers(**{RELEASE_LABEL: release, HANDLER_LABEL: QUERY_HANDLER})
    questions = f"{selector}, {HANDLER_LABEL}=~{json.dumps('|'.join(map(re.escape, QUESTION_HANDLERS)))}"
    statuses = client.query(f"sum by (status) (increase({REQUESTS}{{{questions}}}[{window}]))", at)
    ratings = {
        s.labels.get("rating", ""): s.value
        for s in client.query(f"sum by (rating) (increase({FEEDBACK}{{{selector}}}[{window}]))", at)
    }
    p95 = client.scalar(
        f"histogram_quantile(0.95, sum by (le) (increase({REQUEST_DURATION}_bucket{{{queries}}}[{window}]))) * 1000",
        at,
    )
    return ReleaseTraffic(
        release=release,
        answers=_count(client, f"sum(increase({ANSWERS}{{{selector}}}[{window}]))", at),
        requests=round(sum(s.value for s in statuses)),
        errors=round(sum(s.value for s in statuses if s.labels.get("status", "").startswith("5"))),
        down=round(ratings.get("down", 0.0)),
        up=round(ratings.get("up", 0.0)),
        abstained=_count(client, f"sum(increase({ABSTAINED}{{{selector}}}[{window}]))", at),
        support=_binned(client, ANSWER_SUPPORT, selector, window, at),
        top_score=_binned(client, TOP_SCORE, selector, window, at),
        latency_p95_ms=p95 if p95 is not None and math.isfinite(p95) else None,
    )


def answers_by_release(client: PrometheusClient, scope: Scope, window: str, at: float | None = None) -> dict[str, int]:
    """Answers each release of the app gave over the window, most first."""
    samples = client.query(f"sum by ({RELEASE_LABEL}) (increase({ANSWERS}{{{scope.matchers()}}}[{window}]))", at)
    counts = {s.labels.get(RELEASE_LABEL, ""): round(s.value) for s in samples}
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
