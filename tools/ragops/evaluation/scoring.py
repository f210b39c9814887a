"""Scoring predictions against test sets into the aggregate parts of a report.

Determinism is a contract: scoring the same predictions against the same test sets gives byte-identical
``metrics``, ``breakdowns`` and ``counts`` however the predictions were ordered or sharded. Three things make it so:

- questions are put in one canonical order (test sets by name, then file order) before anything is computed;
- means use ``math.fsum``, which is correctly rounded and so independent of summation order;
- every written value is rounded to :data:`DECIMALS` places. Rounding absorbs last-bit differences between
  platforms and library versions (ROUGE, BLEU, ``log2``) that would otherwise flip bytes without changing
  meaning; 1e-6 is far below one question's weight in any test set under a million questions.

Dicts are written in a fixed order (registry order for metrics, sorted names for test sets and tags) rather than
sorted keys, because string sorting would put ``hit_rate@10`` before ``hit_rate@5``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ragops.config.testset import QuestionRecord
from ragops.errors import ValidationFailed
from ragops.evaluation.metrics import METRICS, TIMINGS, BoundMetric, Metric, MetricInfo, RunMetric, bind
from ragops.evaluation.predictions import Prediction, by_key
from ragops.evaluation.report import Breakdowns, Counts, Metadata, MetricValues, Report

DECIMALS = 6


@dataclass(frozen=True)
class Scoring:
    """The result of :func:`score`: predictions with their metrics, and the aggregate parts of a report."""

    predictions: list[Prediction]
    metrics: MetricValues
    breakdowns: Breakdowns
    counts: Counts
    metric_info: dict[str, MetricInfo]
    timings: MetricValues


def score(
    predictions: Sequence[Prediction],
    testsets: Mapping[str, Sequence[QuestionRecord]],
    k_values: Sequence[int],
    *,
    wall_seconds: float | None = None,
    metrics: Sequence[Metric] = METRICS,
    run_metrics: Sequence[RunMetric] = TIMINGS,
) -> Scoring:
    """Score every prediction against its test-set record.

    ``testsets`` maps test-set name → its records; there must be exactly one prediction per record, or the run
    is incomplete and its means would mislead. ``wall_seconds`` is the answering step's wall time (for
    ``questions_per_second``). ``metrics`` is the extension point for judge metrics.
    """
    ordered = _pair(predictions, testsets)
    bound = bind(metrics, k_values)
    scored: list[Prediction] = []
    raw: list[dict[str, float]] = []
    for prediction, record in ordered:
        values = _evaluate(bound, prediction, record)
        raw.append(values)
        scored.append(prediction.model_copy(update={"metrics": {n: _round(v) for n, v in values.items()}}))

    names = [metric.name for metric in bound]
    records = [record for _, record in ordered]
    by_testset = {name: [i for i, p in enumerate(scored) if p.testset == name] for name in sorted(testsets)}
    tags = sorted({tag for record in records for tag in record.tags})
    by_tag = {tag: [i for i, record in enumerate(records) if tag in record.tags] for tag in tags}
    everyone = list(range(len(scored)))

    overall = _means(names, raw, everyone)
    # Judge metrics exist only when a judge is configured, so they are reported even when no question got a
    # usable score: counts.scored 0 shows a judge that never answered with one, where absence would hide it.
    reported = [m.name for m in bound if m.name in overall or m.info.kind == "judge"]
    timings = {m.name: _round(v) for m in run_metrics if (v := m.compute(scored, wall_seconds)) is not None}
    info = {metric.name: metric.info for metric in bound if metric.name in reported}
    info.update({m.name: m.info for m in run_metrics if m.name in timings})
    return Scoring(
        predictions=scored,
        metrics=overall,
        breakdowns=Breakdowns(
            testsets={name: _means(names, raw, rows) for name, rows in by_testset.items()},
            tags={tag: _means(names, raw, rows) for tag, rows in by_tag.items()},
        ),
        counts=Counts(
            questions=len(scored),
            testsets={name: len(rows) for name, rows in by_testset.items()},
            tags={tag: len(rows) for tag, rows in by_tag.items()},
            scored={name: sum(1 for values in raw if name in values) for name in reported},
        ),
        metric_info=info,
        timings=timings,
    )


def build_report(scoring: Scoring, *, app: str, metadata: Metadata) -> Report:
    return Report(
        app=app,
        metrics=scoring.metrics,
        breakdowns=scoring.breakdowns,
        counts=scoring.counts,
        metric_info=scoring.metric_info,
        timings=scoring.timings,
        metadata=metadata,
    )


def _pair(
    predictions: Sequence[Prediction], testsets: Mapping[str, Sequence[QuestionRecord]]
) -> list[tuple[Prediction, QuestionRecord]]:
    """Predictions matched to records, in canonical order; a missing or unknown question raises."""
    pending = by_key(predictions)
    out: list[tuple[Prediction, QuestionRecord]] = []
    missing: list[str] = []
    for name in sorted(testsets):
        for record in testsets[name]:
            prediction = pending.pop((name, record.id), None)
            if prediction is None:
                missing.append(f"{name}/{record.id}")
            else:
                out.append((prediction, record))
    if missing:
        raise ValidationFailed(f"no prediction for {len(missing)} question(s): {', '.join(missing[:5])}")
    if pending:
        unknown = [f"{testset}/{qid}" for testset, qid in sorted(pending)]
        raise ValidationFailed(f"predictions for unknown question(s): {', '.join(unknown[:5])}")
    return out


def _evaluate(bound: Sequence[BoundMetric], prediction: Prediction, record: QuestionRecord) -> dict[str, float]:
    return {metric.name: value for metric in bound if (value := metric.compute(prediction, record)) is not None}


def _means(names: Sequence[str], raw: Sequence[Mapping[str, float]], rows: Sequence[int]) -> MetricValues:
    out: MetricValues = {}
    for name in names:
        values = [raw[i][name] for i in rows if name in raw[i]]
        if values:
            out[name] = _round(math.fsum(values) / len(values))
    return out


def _round(value: float) -> float:
    # + 0.0 turns -0.0 into 0.0 so a tiny negative never serialises differently from zero.
    return round(value, DECIMALS) + 0.0
