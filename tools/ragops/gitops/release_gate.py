"""The gate verdict promotion applies to one run, with the same rules and evaluator as ``ragops diff``.

The policy is the app's ``spec.evaluation.gate`` over the repository's ``gate-policy.yaml``. Thresholds
(``min``/``max``) are checked against the run; regressions (``max_regression``, ``max_relative_regression``)
against the release the environment serves now (its ``release.json`` metrics), when there is one — a release must
not be worse than the one it replaces by more than the rule allows. A release manifest keeps no per-question
values, so there is no confidence interval here: a ``significant: true`` rule is judged on the delta alone, the
cautious reading for what goes live. A metric an app's rule names that the run does not report fails the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ragops.config.gate import GatePolicy, effective_policy
from ragops.evaluation.diff.gates import evaluate_gates
from ragops.evaluation.diff.model import Change, MetricDelta, TimingDelta
from ragops.evaluation.report import Report


@dataclass(frozen=True)
class RuleOutcome:
    metric: str
    passed: bool
    advisory: bool
    detail: str

    @property
    def blocking(self) -> bool:
        return not self.passed and not self.advisory


@dataclass(frozen=True)
class GateVerdict:
    outcomes: list[RuleOutcome]

    @property
    def passed(self) -> bool:
        return not any(outcome.blocking for outcome in self.outcomes)

    @property
    def failures(self) -> list[RuleOutcome]:
        return [outcome for outcome in self.outcomes if outcome.blocking]


def _change(delta: float | None, higher_is_better: bool) -> Change:
    if not delta:
        return "same"
    return "better" if (delta > 0) == higher_is_better else "worse"


def check_gates(
    report: Report,
    app_policy: GatePolicy,
    defaults: GatePolicy | None,
    baseline: Mapping[str, float] | None = None,
) -> GateVerdict:
    """Apply the effective policy to ``report``; ``baseline`` (the deployed release's metrics) for regressions."""
    policy, origin = effective_policy(app_policy, defaults)
    deltas: dict[str, MetricDelta] = {}
    for name, value in report.metrics.items():
        info = report.metric_info[name]
        base = baseline.get(name) if baseline is not None else None
        delta = value - base if base is not None else None
        deltas[name] = MetricDelta(
            name=name,
            kind=info.kind,
            direction=info.direction,
            role=info.role,
            standing="exploratory",
            n=report.counts.scored.get(name, report.counts.questions),
            base=base,
            head=value,
            head_all=value,
            delta=delta,
            ci_low=None,
            ci_high=None,
            p_value=None,
            p_exact=None,
            change=_change(delta, info.direction == "higher"),
            significant=False,
        )
    timings: dict[str, TimingDelta] = {}
    for name, value in report.timings.items():
        base = baseline.get(name) if baseline is not None else None
        timings[name] = TimingDelta(
            name=name,
            direction=report.metric_info[name].direction if name in report.metric_info else "lower",
            base=base,
            head=value,
            delta=value - base if base is not None else None,
            relative=(value - base) / base if base else None,
        )
    outcomes = evaluate_gates(policy, origin, deltas, report.metrics, timings, new_app=baseline is None)
    return GateVerdict(
        [
            RuleOutcome(o.metric, passed=o.status in ("pass", "warn"), advisory=not o.blocking, detail=o.reason)
            for o in outcomes
        ]
    )
