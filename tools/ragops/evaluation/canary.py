"""The canary's verdict — pass, fail or inconclusive — from both releases' live measurements and the app's canary
rules (``spec.rollout.canary``).

Each rule is first checked exactly as a quality gate is (:func:`ragops.evaluation.gates.evaluate_gates`, with the
canary as head, the stable release as base, and the one-sided interval of :mod:`two_sample` as the delta's
interval), so ``min``/``max``, ``max_regression``, ``max_relative_regression`` and ``significant: true`` mean
what they mean for a pull request: a significant rule fails when the regression is beyond its limit *and* the
interval lies entirely on the worse side of zero. The canary adds the third outcome:

- a ``significant: true`` regression limit that did not fail passes only once the interval's worse end is within
  the limit — the canary is shown to be no worse than the limit allows; until then it is inconclusive, and the
  analysis says how many canary answers would settle it: enough for a canary as good as stable to be shown within
  the limit with probability ``power`` (the limit is the minimal detectable difference);
- every other check (thresholds, limits without ``significant``, the p95 latency, which has no interval) is
  judged once the canary has given ``min_answers`` answers, and is inconclusive before.

The verdict fails when a blocking rule fails; else it is inconclusive when a blocking rule is; else it passes.
A rule with ``advisory: true`` only reports (warn). Nothing here reads Prometheus: the numbers come in as
:class:`ReleaseTraffic`, which is also how ``bench/bench_canary.py`` simulates releases.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ragops.config.gate import GatePolicy, GateRule
from ragops.config.rollout import CANARY_METRICS, CanarySpec
from ragops.evaluation.gates import GateInput, GateOutcome, GateSubject, RuleCheck, blocking, evaluate_gates
from ragops.evaluation.metrics import Direction
from ragops.evaluation.two_sample import (
    BinnedSample,
    Comparison,
    answers_needed,
    compare_means,
    compare_proportions,
    proportion_answers_needed,
)

_EPS = 1e-12
_REGRESSION_LIMITS = ("max_regression", "max_relative_regression")
Status = Literal["pass", "fail", "warn", "inconclusive"]


@dataclass(frozen=True)
class ReleaseTraffic:
    """One release's traffic over the analysis window."""

    release: str
    answers: int = 0
    requests: int = 0  # /v1/query requests, answered or not
    errors: int = 0  # of those, answered 5xx
    down: int = 0
    up: int = 0
    abstained: int = 0
    support: BinnedSample | None = None
    top_score: BinnedSample | None = None
    latency_p95_ms: float | None = None


@dataclass(frozen=True)
class Measured:
    stable: float
    canary: float
    comparison: Comparison | None  # None: a value without an interval (a percentile)
    canary_trials: int  # what the canary's value is over (answers or requests)


Measure = Callable[[ReleaseTraffic, ReleaseTraffic, float], Measured | None]


def _proportion(events: Callable[[ReleaseTraffic], int], trials: Callable[[ReleaseTraffic], int]) -> Measure:
    def measure(stable: ReleaseTraffic, canary: ReleaseTraffic, alpha: float) -> Measured | None:
        compared = compare_proportions(events(stable), trials(stable), events(canary), trials(canary), alpha)
        if compared is None:
            return None
        return Measured(compared.stable, compared.canary, compared, trials(canary))

    return measure


def _mean(sample: Callable[[ReleaseTraffic], BinnedSample | None]) -> Measure:
    def measure(stable: ReleaseTraffic, canary: ReleaseTraffic, alpha: float) -> Measured | None:
        s, c = sample(stable), sample(canary)
        if s is None or c is None:
            return None
        compared = compare_means(s, c, alpha)
        if compared is None:
            return None
        return Measured(compared.stable, compared.canary, compared, c.count)

    return measure


def _latency_p95(stable: ReleaseTraffic, canary: ReleaseTraffic, _alpha: float) -> Measured | None:
    if stable.latency_p95_ms is None or canary.latency_p95_ms is None:
        return None
    if math.isnan(stable.latency_p95_ms) or math.isnan(canary.latency_p95_ms):
        return None
    return Measured(stable.latency_p95_ms, canary.latency_p95_ms, None, canary.requests)


@dataclass(frozen=True)
class CanaryMetric:
    direction: Direction
    measure: Measure
    # Judged only from spec.min_answers canary answers on: a normal approximation (means from histograms) or a
    # value without an interval (a percentile). Proportions have small-sample intervals and need no such floor.
    needs_min_answers: bool


METRICS: dict[str, CanaryMetric] = {
    "feedback_down_rate": CanaryMetric("lower", _proportion(lambda t: t.down, lambda t: t.answers), False),
    "error_rate": CanaryMetric("lower", _proportion(lambda t: t.errors, lambda t: t.requests), False),
    "latency_p95_ms": CanaryMetric("lower", _latency_p95, True),
    "abstention_rate": CanaryMetric("lower", _proportion(lambda t: t.abstained, lambda t: t.answers), False),
    "answer_support": CanaryMetric("higher", _mean(lambda t: t.support), True),
    "top_score": CanaryMetric("higher", _mean(lambda t: t.top_score), True),
}
if set(METRICS) != set(CANARY_METRICS):  # pragma: no cover - a new canary metric needs both
    raise RuntimeError(f"canary metrics out of step: {sorted(set(METRICS) ^ set(CANARY_METRICS))}")


class CanaryRuleResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str
    status: Status = Field(description="warn: an advisory rule failed.")
    blocking: bool
    stable: float | None
    canary: float | None
    delta: float | None = Field(description="canary − stable")
    interval: tuple[float, float] | None = Field(
        description="One-sided bounds of the delta at alpha (a two-sided 1 − 2·alpha interval); none for a p95."
    )
    p_value: float | None = Field(description="One-sided p-value of 'the canary is worse'.")
    more_answers: int | None = Field(description="Canary answers still needed to decide this rule.")
    reason: str


class ReleaseSummary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    release: str
    answers: int
    requests: int
    errors: int
    feedback_down: int
    feedback_up: int


class CanaryAnalysis(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, title="CanaryAnalysis")

    verdict: Literal["pass", "fail", "inconclusive"]
    reason: str
    alpha: float
    power: float
    stable: ReleaseSummary
    canary: ReleaseSummary
    rules: list[CanaryRuleResult]
    more_answers: int | None = Field(description="Canary answers still needed for a decision (inconclusive).")
    more_answers_in_all: int | None = Field(description="The same in answers to both releases at the current split.")


def _summary(traffic: ReleaseTraffic) -> ReleaseSummary:
    return ReleaseSummary(
        release=traffic.release,
        answers=traffic.answers,
        requests=traffic.requests,
        errors=traffic.errors,
        feedback_down=traffic.down,
        feedback_up=traffic.up,
    )


def _num(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class _Judged:
    status: Literal["pass", "fail", "inconclusive"]
    reason: str
    more: int | None = None


def _limit(check: RuleCheck, stable: float) -> float:
    return check.threshold if check.limit == "max_regression" else check.threshold * abs(stable)


def _significant_check(
    check: RuleCheck, measured: Measured, comparison: Comparison, direction: Direction, spec: CanarySpec
) -> _Judged:
    if not check.passed:
        return _Judged("fail", check.reason)
    limit = _limit(check, measured.stable)
    worse_end = comparison.high if direction == "lower" else -comparison.low
    if worse_end <= limit + _EPS:
        return _Judged("pass", f"{check.reason}; its worse bound {_num(worse_end)} is within {_num(limit)}")
    regression = comparison.delta if direction == "lower" else -comparison.delta
    # Enough answers to show a canary as good as stable within the limit (the minimal detectable difference);
    # past that, what it takes to tell the observed regression from the limit, or from zero.
    if limit <= 0:
        needed = 0
    elif comparison.counts is not None:
        needed = proportion_answers_needed(comparison, limit, direction == "lower", spec.alpha, spec.power)
    else:
        needed = answers_needed(comparison.unit_variance, limit, spec.alpha, spec.power)
    if needed <= measured.canary_trials:
        margin = abs(limit - regression) if regression < limit else regression
        needed = answers_needed(comparison.unit_variance, margin, spec.alpha, spec.power) if margin > 0 else 0
    more = max(1, needed - measured.canary_trials)
    return _Judged(
        "inconclusive",
        f"regression {_num(regression)}, worse bound {_num(worse_end)} not yet within {_num(limit)}: "
        f"about {more} more canary answers",
        more,
    )


def _missing(metric: str, stable: ReleaseTraffic, canary: ReleaseTraffic, alpha: float) -> str:
    """Which release has no data for ``metric`` yet."""
    measure = METRICS[metric].measure
    lacking = [
        name
        for name, traffic in (("the stable release", stable), ("the canary", canary))
        if measure(traffic, traffic, alpha) is None
    ]
    return f"no {metric} data for {' and '.join(lacking) or 'one of the releases'} in the window yet"


def _judge(rule: GateRule, outcome: GateOutcome, measured: Measured, spec: CanarySpec, canary: int) -> _Judged:
    metric = METRICS[rule.metric]
    judged: list[_Judged] = []
    for check in outcome.checks:
        comparison = measured.comparison
        early = canary < spec.min_answers
        if early and metric.needs_min_answers:
            more = spec.min_answers - canary
            judged.append(_Judged("inconclusive", f"{rule.metric} judged from {spec.min_answers} canary answers", more))
        elif rule.significant and check.limit in _REGRESSION_LIMITS and comparison is not None:
            judged.append(_significant_check(check, measured, comparison, metric.direction, spec))
        elif early:
            more = spec.min_answers - canary
            judged.append(_Judged("inconclusive", f"{check.limit} judged from {spec.min_answers} canary answers", more))
        else:
            judged.append(_Judged("pass" if check.passed else "fail", check.reason))
    for status in ("fail", "inconclusive"):
        found = [j for j in judged if j.status == status]
        if found:
            needs = [j.more for j in found if j.more is not None]
            return _Judged(status, "; ".join(j.reason for j in found), max(needs) if needs else None)
    return _Judged("pass", "; ".join(j.reason for j in judged))


def analyze_canary(stable: ReleaseTraffic, canary: ReleaseTraffic, spec: CanarySpec) -> CanaryAnalysis:
    measured = {rule.metric: METRICS[rule.metric].measure(stable, canary, spec.alpha) for rule in spec.rules}
    subjects = {
        metric: GateSubject(
            head=m.canary,
            base=m.stable,
            delta=m.canary - m.stable,
            direction=METRICS[metric].direction,
            role="gate",
            ci=(m.comparison.low, m.comparison.high) if m.comparison is not None else None,
        )
        for metric, m in measured.items()
        if m is not None
    }
    outcomes = evaluate_gates(
        GatePolicy(rules=spec.rules), {r.metric: "app" for r in spec.rules}, GateInput(subjects, new_app=False)
    )
    results: list[CanaryRuleResult] = []
    for rule, outcome in zip(spec.rules, outcomes, strict=True):
        m = measured[rule.metric]
        if m is None:
            missing = _missing(rule.metric, stable, canary, spec.alpha)
            judged = _Judged("inconclusive", missing, max(1, spec.min_answers - canary.answers))
        else:
            judged = _judge(rule, outcome, m, spec, canary.answers)
        is_blocking = blocking(rule, "gate")
        status: Status = "warn" if judged.status == "fail" and not is_blocking else judged.status
        comparison = m.comparison if m is not None else None
        worse_p = None
        if comparison is not None:
            lower = METRICS[rule.metric].direction == "lower"
            worse_p = comparison.p_greater if lower else 1 - comparison.p_greater
        results.append(
            CanaryRuleResult(
                metric=rule.metric,
                status=status,
                blocking=is_blocking,
                stable=m.stable if m is not None else None,
                canary=m.canary if m is not None else None,
                delta=m.canary - m.stable if m is not None else None,
                interval=(comparison.low, comparison.high) if comparison is not None else None,
                p_value=worse_p,
                more_answers=judged.more if judged.status == "inconclusive" else None,
                reason=judged.reason,
            )
        )
    return _verdict(stable, canary, spec, results)


def _verdict(
    stable: ReleaseTraffic, canary: ReleaseTraffic, spec: CanarySpec, results: list[CanaryRuleResult]
) -> CanaryAnalysis:
    failed = [r for r in results if r.blocking and r.status == "fail"]
    open_ = [r for r in results if r.blocking and r.status == "inconclusive"]
    more: int | None = None
    in_all: int | None = None
    if failed:
        verdict: Literal["pass", "fail", "inconclusive"] = "fail"
        reason = "; ".join(f"{r.metric}: {r.reason}" for r in failed)
    elif open_:
        verdict = "inconclusive"
        more = max(r.more_answers or 1 for r in open_)
        ratio = stable.answers / canary.answers if canary.answers else None
        in_all = math.ceil(more * (1 + ratio)) if ratio is not None else None
        split = f" ({in_all} in all at the current split)" if in_all is not None else ""
        undecided = ", ".join(r.metric for r in open_)
        reason = f"not enough traffic to decide {undecided}: about {more} more canary answers{split}"
    else:
        verdict = "pass"
        reason = f"every rule passed on {canary.answers} canary and {stable.answers} stable answers"
    return CanaryAnalysis(
        verdict=verdict,
        reason=reason,
        alpha=spec.alpha,
        power=spec.power,
        stable=_summary(stable),
        canary=_summary(canary),
        rules=results,
        more_answers=more,
        more_answers_in_all=in_all,
    )
