"""Compare a base and a head run of one app into a :class:`DiffResult`: pair the questions, compute every
metric's paired delta with its confidence interval and p-value, list per-question and other changes, and check
the gates. Pure: run contents in, a typed result out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ragops.config.gate import GatePolicy, effective_policy
from ragops.data.change_summary import DataChangeSummary
from ragops.evaluation.diff.model import (
    Change,
    DiffResult,
    Links,
    MetricDelta,
    QuestionCounts,
    RunInfo,
    Standing,
    TimingDelta,
)
from ragops.evaluation.diff.pairing import Key, pair
from ragops.evaluation.diff.questions import question_changes
from ragops.evaluation.diff.stats import paired_stats
from ragops.evaluation.diff.what_changed import (
    config_changes,
    data_changes,
    software_changes,
    timing_deltas,
    timing_incomparable,
)
from ragops.evaluation.gates import GateInput, GateSubject, blocking, evaluate_gates, verdict
from ragops.evaluation.metrics import MetricInfo
from ragops.evaluation.predictions import by_key
from ragops.evaluation.report_views import headline_k
from ragops.evaluation.run_folder import RunContents

_DIGITS = 10  # stored precision: means of the same numbers are then equal however they were summed
_EPS = 1e-12


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, _DIGITS) + 0.0  # + 0.0 turns -0.0 into 0.0


def _run_info(run: RunContents, ref: str | None) -> RunInfo:
    meta = run.report.metadata
    return RunInfo(
        commit=meta.git_commit,
        dirty=meta.git_dirty,
        config_hash=meta.config_hash,
        run_id=meta.run_id,
        code=meta.code_fingerprint,
        questions=run.report.counts.questions,
        ref=ref,
    )


def _gate_input(
    metrics: Sequence[MetricDelta],
    head_all: Mapping[str, float],
    timings: Sequence[TimingDelta],
    *,
    new_app: bool,
    incomparable: str | None = None,
) -> GateInput:
    """Metrics: thresholds on the head over all its questions, regressions on the paired delta and its CI. Timings:
    run-level values, no interval, advisory by role; regressions of timings measured under other conditions are
    not checked."""
    subjects = {
        t.name: GateSubject(
            head=t.head,
            base=t.base,
            delta=t.delta,
            direction=t.direction,
            role="advisory",
            incomparable=None if t.comparable else f"not comparable, {incomparable}",
        )
        for t in timings
    }
    for m in metrics:
        ci = (m.ci_low, m.ci_high) if m.ci_low is not None and m.ci_high is not None else None
        subjects[m.name] = GateSubject(head_all.get(m.name, m.head), m.base, m.delta, m.direction, m.role, ci)
    return GateInput(subjects, new_app=new_app)


def _change(delta: float | None, info: MetricInfo) -> Change:
    if delta is None or abs(delta) <= _EPS:
        return "same"
    up = delta > 0
    return "better" if up == (info.direction == "higher") else "worse"


def _standings(policy: GatePolicy, infos: dict[str, MetricInfo]) -> dict[str, Standing]:
    out: dict[str, Standing] = {}
    for rule in policy.rules:
        info = infos.get(rule.metric)
        role = info.role if info is not None else "advisory"
        out[rule.metric] = "gated" if blocking(rule, role) else "advisory"
    return out


def _paired_metrics(
    base: RunContents, head: RunContents, paired: Sequence[Key], standings: dict[str, Standing]
) -> list[MetricDelta]:
    old, new = by_key(base.predictions), by_key(head.predictions)
    infos = {**base.report.metric_info, **head.report.metric_info}
    names = [n for n in head.report.metric_info if n in head.report.metrics or n in base.report.metrics]
    names += sorted(n for n in base.report.metric_info if n not in head.report.metric_info and n in base.report.metrics)
    # Metrics defined on the same questions share one set of resamples (one matrix product per group).
    groups: dict[tuple[bool, ...], list[str]] = {}
    for name in names:
        mask = tuple(name in old[k].metrics and name in new[k].metrics for k in paired)
        groups.setdefault(mask, []).append(name)
    rows: dict[str, MetricDelta] = {}
    for mask, group in groups.items():
        keys = [k for k, defined in zip(paired, mask, strict=True) if defined]
        a = np.array([[old[k].metrics[n] for n in group] for k in keys], dtype=np.float64).reshape(
            len(keys), len(group)
        )
        b = np.array([[new[k].metrics[n] for n in group] for k in keys], dtype=np.float64).reshape(
            len(keys), len(group)
        )
        stats = paired_stats(b - a, salt=",".join(group))
        for j, name in enumerate(group):
            info = infos[name]
            s = stats[j]
            n = len(keys)
            delta = _round(s.mean) if n else None
            rows[name] = MetricDelta(
                name=name,
                kind=info.kind,
                direction=info.direction,
                role=info.role,
                standing=standings.get(name, "exploratory"),
                n=n,
                base=_round(float(a[:, j].mean())) if n else None,
                head=_round(float(b[:, j].mean())) if n else None,
                head_all=_round(head.report.metrics.get(name)),
                delta=delta,
                ci_low=_round(s.ci_low) if n else None,
                ci_high=_round(s.ci_high) if n else None,
                p_value=_round(s.p_value) if n else None,
                p_exact=s.exact if n else None,
                change=_change(delta, info),
                significant=bool(n) and s.excludes_zero,
            )
    return [rows[name] for name in names]


def _head_only_metrics(head: RunContents, standings: dict[str, Standing]) -> list[MetricDelta]:
    report = head.report
    return [
        MetricDelta(
            name=name,
            kind=info.kind,
            direction=info.direction,
            role=info.role,
            standing=standings.get(name, "exploratory"),
            n=report.counts.scored.get(name, 0),
            base=None,
            head=_round(report.metrics[name]),
            head_all=_round(report.metrics[name]),
            delta=None,
            ci_low=None,
            ci_high=None,
            p_value=None,
            p_exact=None,
            change="same",
            significant=False,
        )
        for name, info in report.metric_info.items()
        if name in report.metrics
    ]


def compare(
    base: RunContents | None,
    head: RunContents,
    *,
    defaults: GatePolicy | None = None,
    data: DataChangeSummary | None = None,
    base_ref: str | None = None,
    head_ref: str | None = None,
    notes: Sequence[str] = (),
    links: Links | None = None,
) -> DiffResult:
    """The diff of ``head`` against ``base`` (None: the app is new), gated by the head config's policy merged
    with the repository ``defaults``."""
    policy, origin = effective_policy(head.config.spec.evaluation.gate, defaults)
    infos = {**(base.report.metric_info if base else {}), **head.report.metric_info}
    standings = _standings(policy, infos)
    all_notes = list(notes)
    if base is None:
        metrics = _head_only_metrics(head, standings)
        counts = QuestionCounts(paired=0, added=head.report.counts.questions, removed=0, edited=0)
        apart = []
        changes = []
        all_notes.append("new app: it does not exist at the base, so there is nothing to compare with")
    else:
        pairing = pair(base.predictions, base.testsets, head.predictions, head.testsets)
        metrics = _paired_metrics(base, head, pairing.paired, standings)
        counts = QuestionCounts(
            paired=len(pairing.paired),
            added=len(pairing.added),
            removed=len(pairing.removed),
            edited=len(pairing.edited),
        )
        apart = pairing.apart
        records = {(name, r.id): r for name, records in head.testsets.items() for r in records}
        changes = question_changes(
            pairing.paired, by_key(base.predictions), by_key(head.predictions), records, headline_k(head.report)
        )
    incomparable = timing_incomparable(base.report.metadata, head.report.metadata) if base else None
    if incomparable is not None:
        all_notes.append(f"latency and throughput are not compared: {incomparable}")
    limit = head.config.spec.evaluation.max_questions
    if limit is not None:
        all_notes.append(
            f"evaluated on the first {limit} question(s) of each test set only (spec.evaluation.max_questions)"
        )
    timings = timing_deltas(base.report.timings if base else None, head.report.timings, incomparable)
    gate_input = _gate_input(metrics, head.report.metrics, timings, new_app=base is None, incomparable=incomparable)
    gates = evaluate_gates(policy, origin, gate_input)
    return DiffResult(
        app=head.report.app,
        verdict="fail" if verdict(gates) == "fail" else "pass",
        new_app=base is None,
        base=_run_info(base, base_ref) if base else None,
        head=_run_info(head, head_ref),
        questions=counts,
        metrics=metrics,
        gates=gates,
        question_changes=changes,
        question_set=apart,
        config_changes=config_changes(base.config if base else None, head.config),
        software_changes=software_changes(base.report.metadata, head.report.metadata) if base else [],
        data=data_changes(data, head.config),
        timings=timings,
        notes=all_notes,
        links=links or Links(),
    )
