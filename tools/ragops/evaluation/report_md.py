"""``report.md``: the human summary of one evaluation — metrics, timings, per-test-set and per-tag tables and the
questions that went worst. GitHub-flavoured Markdown, so it reads well as a job summary too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from ragops.config.testset import QuestionRecord
from ragops.evaluation.predictions import Prediction
from ragops.evaluation.report import Report
from ragops.evaluation.report_views import breakdown_names, fmt, fmt_timing, headline_k, metric_rows, worst


def render(
    report: Report,
    predictions: Sequence[Prediction],
    testsets: Mapping[str, Sequence[QuestionRecord]],
    *,
    worst_count: int = 10,
    k: int | None = None,
) -> str:
    """The Markdown report. ``predictions`` must be scored (their ``metrics`` filled in)."""
    cut = headline_k(report, k)
    names = breakdown_names(report, cut)
    meta = report.metadata
    lines = [
        f"# Evaluation: {_cell(report.app)}",
        "",
        f"{report.counts.questions} questions in {len(report.counts.testsets)} test set(s) · "
        f"commit `{meta.git_commit or 'none'}` · config `{meta.config_hash}` · index `{meta.index_id}`",
        "",
        *([f"Personal data in the documents: {meta.privacy.summary()}.", ""] if meta.privacy else []),
        "## Metrics",
        "",
        "| metric | value | better | role | questions |",
        "|---|---:|---|---|---:|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in metric_rows(report)]
    if report.timings:
        lines += ["", "## Timings", "", "| measure | value |", "|---|---:|"]
        lines += [f"| {name} | {fmt_timing(value)} |" for name, value in report.timings.items()]
    lines += ["", "## By test set", ""]
    lines += _table("test set", report.breakdowns.testsets, report.counts.testsets, names)
    if report.breakdowns.tags:
        lines += ["", "## By tag", ""]
        lines += _table("tag", report.breakdowns.tags, report.counts.tags, names)
    lines += _worst(predictions, testsets, worst_count, cut)
    return "\n".join(lines) + "\n"


def _table(
    label: str, groups: Mapping[str, Mapping[str, float]], counts: Mapping[str, int], names: list[str]
) -> list[str]:
    out = [
        f"| {label} | questions | " + " | ".join(names) + " |",
        "|---|---:|" + "---:|" * len(names),
    ]
    for group, values in groups.items():
        cells = [fmt(values[n]) if n in values else "–" for n in names]
        out.append(f"| {_cell(group)} | {counts[group]} | " + " | ".join(cells) + " |")
    return out


def _worst(
    predictions: Sequence[Prediction], testsets: Mapping[str, Sequence[QuestionRecord]], count: int, k: int
) -> list[str]:
    chosen = worst(predictions, count, k)
    if not chosen:
        return []
    references = {
        (name, r.id): r.answers[0] if r.answers else "" for name, records in testsets.items() for r in records
    }
    hit = f"hit_rate@{k}"
    out = [
        "",
        f"## Worst {len(chosen)} questions (lowest F1, then {hit})",
        "",
        f"| test set | id | question | answer | reference | f1 | {hit} |",
        "|---|---|---|---|---|---:|---:|",
    ]
    for p in chosen:
        out.append(
            f"| {_cell(p.testset)} | {_cell(p.id)} | {_cell(p.question)} | {_cell(p.answer)} | "
            f"{_cell(references.get(p.key, ''))} | {fmt(p.metrics.get('f1', 0.0))} | {fmt(p.metrics.get(hit, 0.0))} |"
        )
    return out


def _cell(text: str, limit: int = 120) -> str:
    # A pipe or newline would break the table row, and GitHub renders inline HTML, so user text is escaped;
    # long answers are cut so the table stays readable.
    flat = " ".join(text.split())
    flat = flat if len(flat) <= limit else flat[: limit - 1] + "…"
    return escape(flat, quote=False).replace("|", "\\|")
