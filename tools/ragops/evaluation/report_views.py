"""What the human reports show, shared by the Markdown and HTML renderers: headline metrics, worst questions,
number formatting. Selection lives here so both reports always agree."""

from __future__ import annotations

from collections.abc import Sequence

from ragops.evaluation import metrics
from ragops.evaluation.predictions import Prediction
from ragops.evaluation.report import Report


def headline_k(report: Report, k: int | None = None) -> int:
    """The cut-off shown in breakdown tables: the one asked for, else the registry's headline cut-off."""
    return k if k is not None else metrics.headline_k(report.metadata.k_values)


def headline_names(report: Report, k: int | None = None) -> list[str]:
    """The headline metrics (the registry's ``headline`` flag) the report has, ranked ones at ``k`` (default: the
    headline cut-off), in report order."""
    return [name for name in metrics.headline_names([headline_k(report, k)]) if name in report.metrics]


def breakdown_names(report: Report, k: int) -> list[str]:
    """Metrics for the breakdown tables: every unranked metric, and ranked ones at cut-off k only."""
    return [
        name
        for name, info in report.metric_info.items()
        if name in report.metrics and (not info.ranked or name.endswith(f"@{k}"))
    ]


def metric_rows(report: Report) -> list[tuple[str, str, str, str, str]]:
    """(metric, value, better, role, questions scored) for every reported metric, in report order."""
    rows: list[tuple[str, str, str, str, str]] = []
    for name, value in report.metrics.items():
        info = report.metric_info[name]
        rows.append((name, fmt(value), info.direction, info.role, str(report.counts.scored[name])))
    return rows


def worst(predictions: Sequence[Prediction], count: int, k: int) -> list[Prediction]:
    """Lowest F1 first, then lowest hit rate at k; ties in (test set, id) order so the list is stable."""
    hit = f"hit_rate@{k}"
    return sorted(predictions, key=lambda p: (p.metrics.get("f1", 0.0), p.metrics.get(hit, 0.0), p.key))[:count]


def fmt(value: float) -> str:
    return f"{value:.4f}"


def fmt_timing(value: float) -> str:
    return f"{value:,.1f}"
