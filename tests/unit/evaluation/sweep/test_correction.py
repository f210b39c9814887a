"""Holm's correction, and what it is for: on a grid of settings none of which is better, a sweep selects one at no
more than the stated rate (alpha) — where taking the best-looking uncorrected one would select far more often."""

from __future__ import annotations

import numpy as np
import pytest

from ragops.evaluation.diff.stats import sign_flip_p_values
from ragops.evaluation.sweep.correction import holm
from ragops.evaluation.sweep.selection import Candidate, choose

ALPHA = 0.05


def test_holm_matches_the_textbook_step_down() -> None:
    # Worked example (Holm 1979 style): sorted p 0.01, 0.02, 0.03, 0.04 with m = 4 → 0.04, 0.06, 0.06, 0.06.
    assert holm([0.03, 0.01, 0.04, 0.02]) == pytest.approx([0.06, 0.04, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []
    # Monotone in the raw p-values, never below them, never above 1.
    raw = [0.001, 0.2, 0.004, 0.9, 0.03]
    adjusted = holm(raw)
    order = np.argsort(raw)
    assert all(a >= p for a, p in zip(adjusted, raw, strict=True)) and max(adjusted) <= 1.0
    assert list(np.array(adjusted)[order]) == sorted(adjusted)


def test_with_exact_null_p_values_holm_selects_at_alpha() -> None:
    # Independent uniform p-values (continuous tests, all nulls true): the family-wise rate is 1 − (1 − α/m)^m,
    # just under alpha — the correction spends the budget, it does not waste it.
    rng = np.random.default_rng(7)
    sweeps, settings = 20_000, 8
    selected = sum(
        choose([Candidate(1.0, float(p), gates_pass=True) for p in rng.random(settings)], ALPHA).selected is not None
        for _ in range(sweeps)
    )
    expected = 1 - (1 - ALPHA / settings) ** settings
    assert abs(selected / sweeps - expected) < 4 * np.sqrt(expected * (1 - expected) / sweeps)


def _null_sweep(rng: np.random.Generator, settings: int, questions: int) -> list[float]:
    """p-values of ``settings`` settings that are no better than the base: each question's outcome under a setting
    is the base's, except on a random few where it is drawn afresh from the same distribution (a tie in law)."""
    base = rng.random(questions) < 0.6
    deltas = np.zeros((questions, settings))
    for j in range(settings):
        redrawn = rng.random(questions) < 0.2
        fresh = rng.random(questions) < 0.6
        deltas[:, j] = np.where(redrawn, fresh.astype(float) - base.astype(float), 0.0)
    p_values, _exact = sign_flip_p_values(deltas, seed=int(rng.integers(1 << 31)))
    return p_values


def test_a_null_grid_selects_nothing_at_the_stated_rate() -> None:
    rng = np.random.default_rng(20260101)
    sweeps, settings = 600, 8
    corrected = uncorrected = 0
    for _ in range(sweeps):
        p_values = _null_sweep(rng, settings, questions=70)
        deltas = [1.0] * settings  # the most favourable case: every setting looks better
        candidates = [Candidate(d, p, gates_pass=True) for d, p in zip(deltas, p_values, strict=True)]
        corrected += choose(candidates, ALPHA).selected is not None
        uncorrected += min(p_values) < ALPHA
    rate, naive = corrected / sweeps, uncorrected / sweeps
    tolerance = 3 * np.sqrt(ALPHA * (1 - ALPHA) / sweeps)
    assert rate <= ALPHA + tolerance, f"{rate:.3f} of null sweeps selected a setting (alpha {ALPHA})"
    # The correction is what keeps it there: without it, the best of 8 null settings "wins" several times as often.
    assert naive > 2 * max(rate, ALPHA / 2), (naive, rate)


def test_choice_takes_the_largest_significant_improvement_whose_gates_pass() -> None:
    candidates = [
        Candidate(0.10, 0.0001, gates_pass=False),  # biggest, but a gate fails
        Candidate(0.05, 0.0001, gates_pass=True),
        Candidate(0.03, 0.0001, gates_pass=True),
        Candidate(0.20, 0.2, gates_pass=True),  # biggest of all, not significant
        Candidate(-0.05, 0.0001, gates_pass=True),  # significant, the wrong way
        Candidate(None, 1.0, gates_pass=True),
    ]
    choice = choose(candidates, ALPHA)
    assert choice.selected == 1
    assert choice.significant == [True, True, True, False, False, False]
