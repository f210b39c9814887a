"""The paired bootstrap CI and sign-flip p-value agree with scipy's independent implementations, are seeded by
their input, and are exact where they claim to be."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from ragops.evaluation.diff.stats import bootstrap_ci, paired_stats, seed_for, sign_flip_p_values


def _deltas(n: int, shift: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.binomial(1, 0.6, n).astype(float)
    # 0/1 outcomes that flip on some questions (like hit_rate), plus a small graded shift (like f1).
    head = np.clip(base + rng.choice([-1.0, 0.0, 0.0, 1.0], n) * (rng.random(n) < 0.3), 0, 1)
    return (head - base + shift * rng.random(n))[:, None]


@pytest.mark.parametrize(("n", "shift", "seed"), [(40, 0.0, 1), (120, 0.05, 2), (300, -0.03, 3)])
def test_bootstrap_interval_matches_scipy_percentile_bootstrap(n: int, shift: float, seed: int) -> None:
    deltas = _deltas(n, shift, seed)
    low, high = bootstrap_ci(deltas, seed=seed_for(deltas))
    # scipy resamples the paired (base, head) samples together and takes the mean difference.
    base = np.zeros(n)
    head = deltas[:, 0]
    reference = scipy_stats.bootstrap(
        (head, base),
        lambda h, b, axis: np.mean(h - b, axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=20_000,
        method="percentile",
        random_state=np.random.default_rng(99),
    ).confidence_interval
    # Monte-Carlo tolerance: the standard error of a 2.5% quantile from 10,000 resamples is about 1% of the
    # interval's width; allow five of those.
    width = reference.high - reference.low
    assert abs(low[0] - reference.low) < 0.05 * width
    assert abs(high[0] - reference.high) < 0.05 * width


@pytest.mark.parametrize(("n", "shift", "seed"), [(12, 0.1, 4), (15, 0.0, 5), (60, 0.04, 6), (200, 0.01, 7)])
def test_sign_flip_p_value_matches_scipy_permutation_test(n: int, shift: float, seed: int) -> None:
    deltas = _deltas(n, shift, seed)
    p, exact = sign_flip_p_values(deltas, seed=seed_for(deltas))
    column = deltas[:, 0]
    reference = scipy_stats.permutation_test(
        (column,),
        np.mean,
        permutation_type="samples",
        vectorized=True,
        n_resamples=np.inf if n <= 16 else 50_000,
        alternative="two-sided",
        random_state=np.random.default_rng(7),
    )
    if exact[0]:
        assert p[0] == pytest.approx(reference.pvalue, abs=1e-12)  # both enumerate every sign pattern
    else:
        # Monte Carlo on both sides: within four standard errors of the two estimates. scipy's two-sided value
        # is twice the smaller tail (50,000 draws), ragops' the share of |flipped mean| ≥ |mean| (10,000).
        ours = np.sqrt(p[0] * (1 - p[0]) / 10_000)
        tail = min(reference.pvalue / 2, 0.5)
        theirs = 2 * np.sqrt(tail * (1 - tail) / 50_000)
        assert abs(p[0] - reference.pvalue) < 4 * (ours + theirs) + 1e-4


def test_exact_when_few_deltas_are_nonzero_even_among_many_questions() -> None:
    column = np.zeros(500)
    column[:6] = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    p, exact = sign_flip_p_values(column[:, None], seed=1)
    assert exact == [True]
    assert p[0] == pytest.approx(2 / 64)  # all six positive or all six negative


def test_same_input_same_numbers_and_a_different_input_reseeds() -> None:
    deltas = _deltas(150, 0.02, 8)
    assert paired_stats(deltas) == paired_stats(deltas.copy())
    assert seed_for(deltas) != seed_for(deltas[::-1].copy())


def test_bounds_are_stable_at_the_shown_precision() -> None:
    """Two different seeds agree on the interval to the third decimal (what the comment shows) within a unit."""
    deltas = _deltas(200, 0.03, 9)
    a = bootstrap_ci(deltas, seed=1)
    b = bootstrap_ci(deltas, seed=2)
    assert abs(a[0][0] - b[0][0]) <= 0.004 and abs(a[1][0] - b[1][0]) <= 0.004


def test_no_change_gives_a_zero_interval_and_p_one() -> None:
    [result] = paired_stats(np.zeros((30, 1)))
    assert (result.mean, result.ci_low, result.ci_high, result.p_value) == (0.0, 0.0, 0.0, 1.0)
    assert not result.excludes_zero


def test_a_clear_drop_excludes_zero() -> None:
    column = -np.abs(_deltas(80, 0.2, 10))
    [result] = paired_stats(column)
    assert result.ci_high < 0 and result.excludes_zero and result.p_value < 0.001
