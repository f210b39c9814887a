"""Unpaired two-sample statistics, checked against scipy and a published example."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ragops.evaluation.two_sample import (
    BinnedSample,
    answers_needed,
    compare_means,
    compare_proportions,
    newcombe_interval,
    proportion_answers_needed,
    wilson,
    z,
)


@pytest.mark.parametrize(("k", "n"), [(0, 10), (1, 10), (5, 10), (10, 10), (3, 250), (40, 1000), (0, 1)])
@pytest.mark.parametrize("alpha", [0.05, 0.025, 0.01])
def test_continuity_corrected_wilson_matches_scipy(k: int, n: int, alpha: float) -> None:
    expected = stats.binomtest(k, n).proportion_ci(confidence_level=1 - 2 * alpha, method="wilsoncc")
    assert wilson(k, n, z(1 - alpha)) == pytest.approx((expected.low, expected.high), abs=1e-12)


def test_newcombe_hybrid_score_interval_matches_the_papers_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, example (a): 56/70 against 48/80, 95%
    # interval of the difference by method 11 (score intervals with continuity correction): 0.0428 to 0.3422.
    compared = compare_proportions(48, 80, 56, 70, alpha=0.025)
    assert compared is not None
    assert compared.delta == pytest.approx(0.2)
    assert (round(compared.low, 4), round(compared.high, 4)) == (0.0428, 0.3422)


@pytest.mark.parametrize(("ks", "ns", "kc", "nc"), [(10, 400, 9, 100), (0, 80, 0, 20), (5, 40, 12, 30), (80, 80, 0, 5)])
def test_newcombe_is_built_from_scipys_wilson_intervals(ks: int, ns: int, kc: int, nc: int) -> None:
    alpha = 0.05
    compared = compare_proportions(ks, ns, kc, nc, alpha)
    assert compared is not None
    ci_s = stats.binomtest(ks, ns).proportion_ci(confidence_level=1 - 2 * alpha, method="wilsoncc")
    ci_c = stats.binomtest(kc, nc).proportion_ci(confidence_level=1 - 2 * alpha, method="wilsoncc")
    p_s, p_c = ks / ns, kc / nc
    low = p_c - p_s - math.hypot(p_c - ci_c.low, ci_s.high - p_s)
    high = p_c - p_s + math.hypot(ci_c.high - p_c, p_s - ci_s.low)
    assert (compared.low, compared.high) == pytest.approx((low, high), abs=1e-12)
    assert compared.low <= compared.delta <= compared.high


def test_no_events_on_little_traffic_is_a_wide_interval_not_a_certain_zero() -> None:
    compared = compare_proportions(0, 160, 0, 40, alpha=0.05)
    assert compared is not None and compared.delta == 0
    assert compared.high > 0.05  # Wald would say [0, 0]
    assert compare_proportions(0, 0, 1, 10, alpha=0.05) is None


@pytest.mark.parametrize(
    ("ks", "ns", "kc", "nc"), [(20, 400, 30, 100), (20, 400, 3, 100), (7, 70, 7, 70), (2, 28, 5, 17)]
)
def test_the_p_value_is_where_the_interval_reaches_zero(ks: int, ns: int, kc: int, nc: int) -> None:
    compared = compare_proportions(ks, ns, kc, nc, alpha=0.05)
    assert compared is not None
    p = compared.p_greater
    if compared.delta == 0:
        assert p == 0.5
        return
    # Significant at any level above the p-value, not below it: on the side the difference points to.
    side = 0 if compared.delta > 0 else 1
    level = p if compared.delta > 0 else 1 - p
    above = compare_proportions(ks, ns, kc, nc, alpha=level * 1.001)
    below = compare_proportions(ks, ns, kc, nc, alpha=level * 0.999)
    assert above is not None and below is not None
    if side == 0:
        assert above.low > 0 >= below.low
    else:
        assert above.high < 0 <= below.high
    # Close to the continuity-corrected chi-square's, the classical test of the same table.
    chi2 = stats.chi2_contingency([[kc, nc - kc], [ks, ns - ks]], correction=True)
    assert level == pytest.approx(chi2.pvalue / 2, rel=0.5)


def _binned(values: list[float], bounds: list[float]) -> BinnedSample:
    cumulative = [(b, float(sum(1 for v in values if v <= b))) for b in bounds] + [(math.inf, float(len(values)))]
    return BinnedSample(len(values), float(sum(values)), cumulative)


def test_welch_statistic_and_interval_match_scipy() -> None:
    bounds = [0.1 * i for i in range(1, 11)]
    rng = np.random.default_rng(7)
    stable = _binned(list(rng.beta(8, 2, 400)), bounds)
    canary = _binned(list(rng.beta(6, 3, 120)), bounds)
    compared = compare_means(stable, canary, alpha=0.05)
    assert compared is not None
    welch = stats.ttest_ind_from_stats(
        canary.mean,
        math.sqrt(canary.variance()),
        canary.count,
        stable.mean,
        math.sqrt(stable.variance()),
        stable.count,
        equal_var=False,
    )
    spread = math.sqrt(canary.variance() / canary.count + stable.variance() / stable.count)
    assert compared.delta / spread == pytest.approx(welch.statistic, rel=1e-9)
    half = stats.norm.ppf(0.95) * spread
    assert (compared.low, compared.high) == pytest.approx((compared.delta - half, compared.delta + half))
    assert compared.p_greater == pytest.approx(stats.norm.sf(welch.statistic), rel=1e-9)


def test_binned_variance_is_close_to_the_raw_variance_and_never_zero() -> None:
    bounds = [0.05 * i for i in range(1, 21)]
    values = list(np.random.default_rng(3).uniform(0, 1, 2000))
    assert _binned(values, bounds).variance() == pytest.approx(float(np.var(values, ddof=1)), rel=0.02)
    bunched = _binned([1.0] * 50, [0.9, 0.95, 1.0])
    assert bunched.mean == 1.0
    assert bunched.variance() == pytest.approx(0.05**2 / 12, rel=0.05)


def test_answers_needed_gives_the_asked_power_under_the_normal_approximation() -> None:
    compared = compare_proportions(50, 1000, 12, 250, alpha=0.05)
    assert compared is not None
    for margin in (0.02, 0.03, 0.05):
        n = answers_needed(compared.unit_variance, margin, alpha=0.05, power=0.8)
        achieved = stats.norm.cdf(margin / math.sqrt(compared.unit_variance / n) - stats.norm.ppf(0.95))
        assert 0.8 <= achieved < 0.81
    with pytest.raises(ValueError, match="positive margin"):
        answers_needed(1.0, 0.0, 0.05, 0.8)


def test_the_lower_bound_errs_at_most_alpha_of_the_time() -> None:
    """Exactly, over the binomial distributions of equal rates: the lower bound excludes 0 at most alpha of the
    time, with a fifth of the traffic on the canary (where an interval without continuity correction errs 6%)."""
    for stable_n, canary_n, rate in ((400, 100, 0.05), (200, 50, 0.02), (2000, 500, 0.1)):
        stable = stats.binom.pmf(np.arange(stable_n + 1), stable_n, rate)
        canary = stats.binom.pmf(np.arange(canary_n + 1), canary_n, rate)
        error = 0.0
        for ks in np.flatnonzero(stable > 1e-10):
            for kc in np.flatnonzero(canary > 1e-10):
                if newcombe_interval(int(ks), stable_n, int(kc), canary_n, alpha=0.05)[0] > 0:
                    error += stable[ks] * canary[kc]
        assert 0.02 < error <= 0.05, (stable_n, canary_n, rate, error)


@pytest.mark.parametrize(("rate", "limit"), [(0.0, 0.05), (0.05, 0.03), (0.05, 0.1), (0.2, 0.05)])
def test_proportion_answers_needed_shows_an_equal_canary_within_the_limit_with_the_asked_power(
    rate: float, limit: float
) -> None:
    # Planning from a stable release with plenty of answers and a canary that has just started, 80/20.
    stable_n = 4000
    planned = compare_proportions(round(rate * stable_n), stable_n, 0, stable_n // 4, alpha=0.05)
    assert planned is not None
    n = proportion_answers_needed(planned, limit, worse_is_higher=True, alpha=0.05, power=0.8)
    # Simulated canaries of that size, as good as stable, at the same split: shown within the limit ~80% of the time.
    rng = np.random.default_rng(5)
    stable_size = 4 * n
    passed = 0
    for _ in range(400):
        ks, kc = int(rng.binomial(stable_size, rate)), int(rng.binomial(n, rate))
        passed += newcombe_interval(ks, stable_size, kc, n, alpha=0.05)[1] <= limit
    assert passed / 400 >= 0.7, (n, passed)
    if rate > 0:  # with no events at all there is nothing random left: every such canary passes
        assert passed / 400 <= 0.97, (n, passed)
    # The normal formula asks for far fewer when there are no events: the continuity-corrected interval needs more.
    if rate == 0.0:
        assert n > 2 * answers_needed(planned.unit_variance, limit, alpha=0.05, power=0.8)
