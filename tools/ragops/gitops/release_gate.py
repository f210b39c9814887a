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
from ragops.evaluation.gates import GateInput, GateSubject, evaluate_gates
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


def check_gates(
    report: Report,
    app_policy: GatePolicy,
    defaults: GatePolicy | None,
    baseline: Mapping[str, float] | None = None,
) -> GateVerdict:
    """Apply the effective policy to ``report``; ``baseline`` (the deployed release's metrics) for regressions."""
    policy, origin = effective_policy(app_policy, defaults)
    subjects: dict[str, GateSubject] = {}
    for name, value in {**report.timings, **report.metrics}.items():
        info = report.metric_info.get(name)
        base = baseline.get(name) if baseline is not None else None
        subjects[name] = GateSubject(
            head=value,
            base=base,
            delta=value - base if base is not None else None,
            direction=info.direction if info is not None else "lower",
            # A timing is advisory whatever its registry role: it has no interval and varies by machine.
            role=info.role if info is not None and name in report.metrics else "advisory",
        )
    outcomes = evaluate_gates(policy, origin, GateInput(subjects, new_app=baseline is None))
    return GateVerdict(
        [
            RuleOutcome(o.metric, passed=o.status in ("pass", "warn"), advisory=not o.blocking, detail=o.reason)
            for o in outcomes
        ]
    )
