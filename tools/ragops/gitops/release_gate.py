"""The gate verdict promotion applies to one run: the app's gate rules over the run's metrics.

Thresholds (``min``/``max``) are checked against the run; ``max_regression`` against the release the environment
serves now (its ``release.json`` metrics), when there is one — a release must not be worse than the one it replaces
by more than the rule allows. A metric a rule names that the run does not report fails the rule: a gate that
cannot be checked does not pass. Advisory rules are reported and never fail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ragops.config.gate import GateRule
from ragops.evaluation.metrics import Direction


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
    rules: Sequence[GateRule],
    metrics: Mapping[str, float],
    directions: Mapping[str, Direction],
    baseline: Mapping[str, float] | None = None,
) -> GateVerdict:
    """Apply ``rules`` to ``metrics``; ``baseline`` (the deployed release's metrics) for ``max_regression``."""
    outcomes: list[RuleOutcome] = []
    for rule in rules:
        value = metrics.get(rule.metric)
        if value is None:
            outcomes.append(RuleOutcome(rule.metric, False, rule.advisory, "the run does not report this metric"))
            continue
        problems: list[str] = []
        if rule.min is not None and value < rule.min:
            problems.append(f"{value:.4f} < min {rule.min:g}")
        if rule.max is not None and value > rule.max:
            problems.append(f"{value:.4f} > max {rule.max:g}")
        base = baseline.get(rule.metric) if baseline is not None else None
        if rule.max_regression is not None and base is not None:
            worse_by = base - value if directions.get(rule.metric, "higher") == "higher" else value - base
            if worse_by > rule.max_regression + 1e-12:
                problems.append(
                    f"{value:.4f} is worse than the deployed {base:.4f} by {worse_by:.4f} "
                    f"(max_regression {rule.max_regression:g})"
                )
        detail = "; ".join(problems) if problems else f"{value:.4f} ok"
        outcomes.append(RuleOutcome(rule.metric, not problems, rule.advisory, detail))
    return GateVerdict(outcomes)
