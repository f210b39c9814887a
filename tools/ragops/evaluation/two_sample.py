"""Unpaired two-sample statistics: a canary release against the stable release, each measured on its own traffic.

Unlike a pull request's diff (the same questions asked of both runs: paired, ``diff/stats.py``), a canary and the
stable release answer different users, so their samples are independent. Every comparison is canary − stable,
with one-sided bounds at level ``alpha``: ``low`` and ``high`` are the ends of the two-sided ``1 − 2·alpha``
interval, so "canary worse" is claimed with error at most ``alpha`` on whichever side is the worse one.

**Proportions** (a down-rate, an error rate, an abstention rate): Newcombe's hybrid score interval for the
difference of two independent proportions with continuity correction (Newcombe 1998, method 11), built from each
arm's continuity-corrected Wilson interval. Chosen over the textbook Wald interval because it stays honest with
little traffic and with no events at all — Wald gives 0 of 40 against 0 of 160 a zero-width interval, "certainly
no difference" — and over a Beta-Binomial posterior because the canary's rules judge an interval on the
difference (the gates' ``significant: true``), with a frequentist error rate that ``alpha`` bounds. The
continuity correction is what keeps that bound: without it (method 10, and the plain z-test alike) the chance of
calling an equal canary worse is 5.5-6.2 % at alpha 5 % when the canary has a fifth of the traffic and the rates
are small (computed exactly over the binomial distributions for 40-4000 stable answers and rates 1-50 %); with it,
at most 4.8 %. The one-sided p-value shown beside it is the interval's own: the level at which its bound
reaches 0, so the two never disagree.

**Means** of per-answer values Prometheus holds as histograms (answer support, the top hit's score): the mean is
exact (``_sum / _count``); the variance is estimated from the bucket counts, each answer at its bucket's
mid-point (the first bucket reaching down to 0) plus the spread of a uniform value within its bucket (w²/12, so
values bunched in one bucket are not taken for a zero variance); the interval is Welch's, with the normal
quantile (the canary analysis judges means only from ``min_answers`` canary answers on).

**Sample size**: how many canary answers resolve a difference ``margin`` with probability ``power`` at the
current traffic split — e.g. show a canary as good as stable to be within a rule's limit:
n = (z₁₋α + z_power)² · v / margin², where v is the variance of one canary answer's share of the difference
(p(1 − p)(1 + 1/r) for proportions, with r stable answers per canary answer).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

_NORMAL = NormalDist()


def z(probability: float) -> float:
    """The standard normal quantile."""
    return _NORMAL.inv_cdf(probability)


def wilson(successes: int, trials: int, z_value: float) -> tuple[float, float]:
    """Wilson's score interval of a proportion with continuity correction (Newcombe 1998, method 4) at normal
    quantile ``z_value``; (0, 1) without trials."""
    if trials == 0:
        return 0.0, 1.0
    n, p, z2 = trials, successes / trials, z_value * z_value
    low = 0.0
    if successes > 0:
        low = (2 * n * p + z2 - 1 - z_value * math.sqrt(z2 - 2 - 1 / n + 4 * p * (n * (1 - p) + 1))) / (2 * (n + z2))
    high = 1.0
    if successes < trials:
        high = (2 * n * p + z2 + 1 + z_value * math.sqrt(z2 + 2 - 1 / n + 4 * p * (n * (1 - p) - 1))) / (2 * (n + z2))
    return max(0.0, low), min(1.0, high)


@dataclass(frozen=True)
class Comparison:
    """canary − stable of one measure, with its one-sided bounds at level alpha."""

    stable: float
    canary: float
    low: float
    high: float
    p_greater: float  # one-sided p-value of "canary > stable"
    unit_variance: float  # variance of one canary answer's share of the difference, for sample sizes
    # Proportions: (stable events, stable trials, canary events, canary trials), for exact sample sizes.
    counts: tuple[int, int, int, int] | None = None

    @property
    def delta(self) -> float:
        return self.canary - self.stable


def newcombe_interval(
    stable_events: int, stable_trials: int, canary_events: int, canary_trials: int, alpha: float
) -> tuple[float, float]:
    """One-sided bounds at ``alpha`` of p_canary − p_stable (both arms must have trials)."""
    z_value = z(1 - alpha)
    p_s, p_c = stable_events / stable_trials, canary_events / canary_trials
    low_s, high_s = wilson(stable_events, stable_trials, z_value)
    low_c, high_c = wilson(canary_events, canary_trials, z_value)
    delta = p_c - p_s
    return (
        delta - math.sqrt((p_c - low_c) ** 2 + (high_s - p_s) ** 2),
        delta + math.sqrt((high_c - p_c) ** 2 + (p_s - low_s) ** 2),
    )


def _smallest_alpha(significant: Callable[[float], bool]) -> float:
    """The smallest level at which ``significant(alpha)`` holds (it holds for every larger one), at most 0.5."""
    if not significant(0.5 - 1e-12):
        return 0.5
    low, high = 1e-15, 0.5 - 1e-12  # below 1e-15, 1 - alpha rounds to 1: reported as 1e-15
    if significant(low):
        return low
    for _ in range(30):  # bisection in log space: to a relative 1e-7, far finer than any alpha anyone sets
        middle = math.sqrt(low * high)
        low, high = (low, middle) if significant(middle) else (middle, high)
    return high


def compare_proportions(
    stable_events: int, stable_trials: int, canary_events: int, canary_trials: int, alpha: float
) -> Comparison | None:
    """Newcombe's hybrid score interval of p_canary − p_stable; None when an arm has no trials."""
    if stable_trials == 0 or canary_trials == 0:
        return None
    counts = (stable_events, stable_trials, canary_events, canary_trials)
    low, high = newcombe_interval(*counts, alpha)
    p_s, p_c = stable_events / stable_trials, canary_events / canary_trials
    # The p-value of the interval itself (the level at which its bound reaches 0), so it never disagrees with
    # the verdict the interval gives.
    if p_c > p_s:
        p_greater = _smallest_alpha(lambda a: newcombe_interval(*counts, a)[0] > 0)
    elif p_c < p_s:
        p_greater = 1 - _smallest_alpha(lambda a: newcombe_interval(*counts, a)[1] < 0)
    else:
        p_greater = 0.5
    # Laplace-smoothed pooled rate: with no events yet, a sample size still comes out finite and positive.
    planning = (stable_events + canary_events + 1) / (stable_trials + canary_trials + 2)
    ratio = stable_trials / canary_trials
    return Comparison(p_s, p_c, low, high, p_greater, planning * (1 - planning) * (1 + 1 / ratio), counts)


@dataclass(frozen=True)
class BinnedSample:
    """Per-answer values as a Prometheus histogram holds them: count, sum, and cumulative counts per upper bound
    (ascending, the last one +Inf)."""

    count: int
    total: float
    buckets: Sequence[tuple[float, float]]

    @property
    def mean(self) -> float:
        return self.total / self.count

    def variance(self) -> float:
        """Sample variance from the buckets: mid-points plus the within-bucket spread of a uniform value."""
        finite = [bound for bound, _ in self.buckets if math.isfinite(bound)]
        if self.count < 2 or not finite:
            return 0.0
        width_floor = min((b - a for a, b in itertools.pairwise(finite)), default=1.0)
        values: list[tuple[float, float, float]] = []  # (count, mid-point, width)
        previous_bound, previous_count = None, 0.0
        for bound, cumulative in self.buckets:
            in_bucket = cumulative - previous_count
            if in_bucket > 0:
                if previous_bound is None:  # the first bucket: from 0 (the proxies' floor) to its bound
                    lower = min(0.0, bound)
                    mid, width = (lower + bound) / 2, bound - lower
                elif not math.isfinite(bound):  # +Inf: at least the last finite bound
                    mid, width = previous_bound, 0.0
                else:
                    mid, width = (previous_bound + bound) / 2, bound - previous_bound
                values.append((in_bucket, mid, width))
            previous_bound, previous_count = bound, cumulative
        n = sum(c for c, _, _ in values)
        if n < 2:
            return 0.0
        binned_mean = sum(c * m for c, m, _ in values) / n
        between = sum(c * (m - binned_mean) ** 2 for c, m, _ in values) / (n - 1)
        within = sum(c * (w or width_floor) ** 2 / 12 for c, _, w in values) / n
        return between + within


def compare_means(stable: BinnedSample, canary: BinnedSample, alpha: float) -> Comparison | None:
    """Welch's interval of mean_canary − mean_stable; None when an arm has fewer than two values."""
    if stable.count < 2 or canary.count < 2:
        return None
    var_s, var_c = stable.variance(), canary.variance()
    spread = math.sqrt(var_s / stable.count + var_c / canary.count)
    delta = canary.mean - stable.mean
    half = z(1 - alpha) * spread
    p_greater = (0.5 if delta == 0 else float(delta < 0)) if spread == 0 else 1 - _NORMAL.cdf(delta / spread)
    ratio = stable.count / canary.count
    return Comparison(stable.mean, canary.mean, delta - half, delta + half, p_greater, var_c + var_s / ratio)


def answers_needed(unit_variance: float, margin: float, alpha: float, power: float) -> int:
    """Canary answers (in all) for a difference ``margin`` away from the interval's decisive end to be resolved
    with probability ``power`` by a one-sided bound at ``alpha``: (z₁₋α + z_power)² · v / margin²."""
    if margin <= 0:
        raise ValueError("a sample size needs a positive margin")
    return math.ceil((z(1 - alpha) + z(power)) ** 2 * unit_variance / (margin * margin))


def proportion_answers_needed(
    comparison: Comparison, limit: float, worse_is_higher: bool, alpha: float, power: float
) -> int:
    """Canary answers (in all) for a canary with the stable release's rate to be shown within ``limit`` of it with
    probability ``power``: the smallest n at which the interval itself — continuity correction and all, at the
    expected counts of both arms at the current split — has its worse end within the limit at the level whose
    quantile is z₁₋α + z_power. The normal formula (``answers_needed``) underestimates small rates badly: with no
    events, 0 of 12 still leaves the worse end near 0.25."""
    if limit <= 0:
        raise ValueError("a sample size needs a positive limit")
    assert comparison.counts is not None, "a comparison of proportions"
    stable_events, stable_trials, canary_events, canary_trials = comparison.counts
    rate = (stable_events + canary_events + 1) / (stable_trials + canary_trials + 2)
    ratio = stable_trials / canary_trials
    level = 1 - _NORMAL.cdf(z(1 - alpha) + z(power))

    def decided(n: int) -> bool:
        stable_n = max(1, round(ratio * n))
        low, high = newcombe_interval(round(rate * stable_n), stable_n, round(rate * n), n, level)
        return (high if worse_is_higher else -low) <= limit

    high_n = 1
    while not decided(high_n):
        if high_n > 10**9:  # pragma: no cover - a limit no traffic can reach
            return high_n
        high_n *= 2
    low_n = high_n // 2
    while high_n - low_n > 1:
        middle = (low_n + high_n) // 2
        low_n, high_n = (low_n, middle) if decided(middle) else (middle, high_n)
    return high_n
