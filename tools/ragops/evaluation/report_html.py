"""``report.html``: one self-contained page (inline CSS and SVG, no scripts, no network) with the summary,
two charts and a per-question drill-down: question, answer, references, gold and retrieved documents, metrics.

The page is the Jinja2 template ``templates/report.html.j2`` rendered with autoescape on, so user text (questions,
answers, document ids, contexts) is escaped by default; only the SVG charts, which ``svg`` builds and escapes
itself, are marked safe (in the template). This module only shapes the report into plain values for the template.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jinja2

from ragops.config.testset import QuestionRecord
from ragops.evaluation.predictions import Prediction
from ragops.evaluation.report import Report
from ragops.evaluation.report_views import (
    breakdown_names,
    fmt,
    fmt_timing,
    headline_k,
    headline_names,
    metric_rows,
    worst,
)
from ragops.evaluation.svg import bar_chart, histogram
from ragops.templates import template

TEMPLATE = "report.html.j2"


def _template() -> jinja2.Template:
    return template("ragops.evaluation", TEMPLATE, html=True)


def render(
    report: Report,
    predictions: Sequence[Prediction],
    testsets: Mapping[str, Sequence[QuestionRecord]],
    *,
    k: int | None = None,
) -> str:
    """The HTML page. ``predictions`` must be scored; they are listed worst first."""
    cut = headline_k(report, k)
    names = breakdown_names(report, cut)
    meta = report.metadata
    return _template().render(
        title=f"Evaluation: {report.app}",
        questions=report.counts.questions,
        testset_count=len(report.counts.testsets),
        commit=meta.git_commit or "none",
        config_hash=meta.config_hash,
        index_id=meta.index_id,
        privacy=meta.privacy.summary() if meta.privacy else None,
        metric_rows=metric_rows(report),
        # SVG markup built by ``svg``, which escapes its labels itself; the template marks these two as safe.
        bar_chart=bar_chart(
            [(n, report.metrics[n]) for n in headline_names(report, cut)], title=f"Headline metrics (k = {cut})"
        ),
        f1_histogram=histogram(
            [p.metrics["f1"] for p in predictions if "f1" in p.metrics], title="Per-question F1 (questions per bin)"
        ),
        timings=[(n, fmt_timing(v)) for n, v in report.timings.items()],
        names=names,
        by_testset=_breakdown(report.breakdowns.testsets, report.counts.testsets, names),
        by_tag=_breakdown(report.breakdowns.tags, report.counts.tags, names),
        hit=f"hit_rate@{cut}",
        questions_worst_first=_questions(predictions, testsets, cut),
    )


def _breakdown(
    groups: Mapping[str, Mapping[str, float]], counts: Mapping[str, int], names: list[str]
) -> list[list[str]]:
    return [[group, str(counts[group])] + [fmt(v[n]) if n in v else "–" for n in names] for group, v in groups.items()]


def _questions(
    predictions: Sequence[Prediction], testsets: Mapping[str, Sequence[QuestionRecord]], k: int
) -> list[dict[str, Any]]:
    records = {(name, r.id): r for name, rs in testsets.items() for r in rs}
    hit = f"hit_rate@{k}"
    rows = []
    for p in worst(predictions, len(predictions), k):
        record = records.get(p.key)
        gold = set(record.gold_doc_ids) if record else set()
        rows.append(
            {
                "testset": p.testset,
                "id": p.id,
                "question": p.question,
                "metrics": [(n, fmt(v)) for n, v in p.metrics.items()],
                "context": p.context,
                "answer": p.answer,
                "references": record.answers if record else [],
                "gold": record.gold_doc_ids if record else [],
                "retrieved": [(d, d in gold) for d in p.retrieved_doc_ids],
                "f1": fmt(p.metrics.get("f1", 0.0)),
                "hit": fmt(p.metrics.get(hit, 0.0)),
            }
        )
    return rows
