"""Gate evaluation: the policy's rules against what a change did to each metric, each limit checked with the reason
in words. Both the pull-request diff and promotion's release gate build a :class:`GateInput` and call
:func:`evaluate_gates`, so a new kind of rule touches the gate model (``ragops.config.gate``) and this module only.

Thresholds (``min``/``max``) apply to the head run's value over all its questions; regressions
(``max_regression``, ``max_relative_regression``) to the paired delta, in the metric's own direction. With
``significant: true`` a regression beyond its limit fails only when its 95% confidence interval lies entirely on
the worse side of zero. A new app (no base) is checked on thresholds only.

A rule is blocking — its failure fails the check — when it says ``advisory: false``, or says nothing and the
metric's role is ``gate`` (deterministic). Rules on timings (latency, tokens) are judged on the run-level values,
which have no confidence interval.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ragops.config.gate import GatePolicy, GateRule
from ragops.evaluation.metrics import Direction, Role
from ragops.evaluation.percent import percent

_EPS = 1e-12  # float noise in means of the same numbers must not fail a "no regression" rule


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


class RuleCheck(BaseModel):
    """One limit of one rule, checked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: Literal["min", "max", "max_regression", "max_relative_regression"]
    threshold: float
    value: float | None = Field(description="What was compared with the threshold (head value, or the regression).")
    passed: bool
    reason: str


class GateOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str
    origin: Literal["app", "default"]
    blocking: bool = Field(description="A failure of this rule fails the check.")
    status: Literal["pass", "fail", "warn", "missing"] = Field(
        description="warn: an advisory rule failed; missing: the metric is not in the head report."
    )
    checks: list[RuleCheck]
    reason: str


@dataclass(frozen=True)
class GateSubject:
    """What a rule on one metric or timing is checked against.

    ``head`` is the value thresholds (``min``/``max``) apply to; ``base`` and ``delta`` what regressions apply to
    (None: nothing to compare with); ``ci`` the 95% interval of the delta, when the caller has one (a
    ``significant: true`` rule is then judged on it, else on the delta alone); ``incomparable`` why base and head
    cannot be compared although both exist (timings measured under other conditions): regressions are then not
    checked, and the reason says why.
    """

    head: float | None
    base: float | None
    delta: float | None
    direction: Direction
    role: Role
    ci: tuple[float, float] | None = None
    incomparable: str | None = None

    def regression(self) -> float | None:
        if self.delta is None:
            return None
        return -self.delta if self.direction == "higher" else self.delta

    def significantly_worse(self) -> bool | None:
        if self.ci is None:
            return None
        low, high = self.ci
        return high < 0.0 if self.direction == "higher" else low > 0.0


@dataclass(frozen=True)
class GateInput:
    """Everything the gates of one app look at: a subject per metric and timing name, and whether the app is new
    (no base: thresholds only)."""

    subjects: Mapping[str, GateSubject]
    new_app: bool


def blocking(rule: GateRule, role: Role) -> bool:
    if rule.advisory is not None:
        return not rule.advisory
    return role == "gate"


def _checks(rule: GateRule, subject: GateSubject, new_app: bool) -> list[RuleCheck]:
    checks: list[RuleCheck] = []
    head = subject.head
    if rule.min is not None:
        ok = head is not None and head >= rule.min - _EPS
        shown = "missing" if head is None else _num(head)
        checks.append(
            RuleCheck(
                limit="min",
                threshold=rule.min,
                value=head,
                passed=ok,
                reason=f"{shown} {'≥' if ok else '<'} min {_num(rule.min)}",
            )
        )
    if rule.max is not None:
        ok = head is not None and head <= rule.max + _EPS
        shown = "missing" if head is None else _num(head)
        checks.append(
            RuleCheck(
                limit="max",
                threshold=rule.max,
                value=head,
                passed=ok,
                reason=f"{shown} {'≤' if ok else '>'} max {_num(rule.max)}",
            )
        )
    regression = subject.regression()
    significant = subject.significantly_worse()
    for limit, threshold in (
        ("max_regression", rule.max_regression),
        ("max_relative_regression", rule.max_relative_regression),
    ):
        if threshold is None:
            continue
        if new_app or regression is None:
            why = subject.incomparable if subject.incomparable and not new_app else "no base run to compare with"
            checks.append(
                RuleCheck(
                    limit=limit, threshold=threshold, value=None, passed=True, reason=f"{limit} not checked: {why}"
                )
            )
            continue
        if limit == "max_relative_regression":
            base = abs(subject.base or 0.0)
            value = regression / base if base > 0 else (0.0 if regression <= _EPS else float("inf"))
            if value == float("inf"):
                what = "regression from a base of 0"
            elif value > _EPS:
                what = f"regression {percent(value)} of base"
            elif value < -_EPS:
                what = f"no regression ({percent(-value)} better)"
            else:
                what = "no regression"
            beyond = value > threshold + _EPS
            limit_text = f"max {percent(threshold)}"
        else:
            value = regression
            what = (
                f"regression {_num(value)}" if value > _EPS else f"no regression (delta {_num(subject.delta or 0.0)})"
            )
            beyond = value > threshold + _EPS
            limit_text = f"max {_num(threshold)}"
        if not beyond:
            reason = f"{what} within {limit_text}"
            passed = True
        elif rule.significant and significant is False:
            reason = f"{what} beyond {limit_text}, but its 95% CI includes 0 (not significant)"
            passed = True
        else:
            note = ", significant" if rule.significant and significant else ""
            reason = f"{what} beyond {limit_text}{note}"
            passed = False
        checks.append(
            RuleCheck(
                limit=limit,
                threshold=threshold,
                value=value if value != float("inf") else None,
                passed=passed,
                reason=reason,
            )
        )
    return checks


def evaluate_gates(policy: GatePolicy, origin: Mapping[str, str], gate_input: GateInput) -> list[GateOutcome]:
    """One outcome per rule, in policy order (the app's rules, then the defaults)."""
    outcomes: list[GateOutcome] = []
    for rule in policy.rules:
        source = "default" if origin.get(rule.metric) == "default" else "app"
        subject = gate_input.subjects.get(rule.metric)
        if subject is None:
            # An app's own rule on a metric it does not report is a mistake that must not pass silently; a
            # repository default simply does not apply to an app that does not report the metric.
            applies = source == "app"
            outcomes.append(
                GateOutcome(
                    metric=rule.metric,
                    origin=source,
                    blocking=applies and rule.advisory is not True,
                    status="missing",
                    checks=[],
                    reason=(
                        f"{rule.metric} is not in the head report: check the metric name and k_values"
                        if applies
                        else f"default rule skipped: the app does not report {rule.metric}"
                    ),
                )
            )
            continue
        checks = _checks(rule, subject, gate_input.new_app)
        is_blocking = blocking(rule, subject.role)
        failed = [c for c in checks if not c.passed]
        status = "pass" if not failed else ("fail" if is_blocking else "warn")
        reason = "; ".join(c.reason for c in (failed or checks))
        outcomes.append(
            GateOutcome(
                metric=rule.metric,
                origin=source,
                blocking=is_blocking,
                status=status,
                checks=checks,
                reason=reason,
            )
        )
    return outcomes


def verdict(outcomes: list[GateOutcome]) -> str:
    return "fail" if any(o.blocking and o.status in ("fail", "missing") for o in outcomes) else "pass"
