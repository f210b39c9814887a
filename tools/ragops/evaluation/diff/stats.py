"""Paired statistics of a metric change: a bootstrap confidence interval of the mean delta and a sign-flip
permutation p-value, both over questions.

Every question scored by both runs gives one delta (head − base). The questions are the unit of resampling: the
bootstrap draws questions with replacement and takes the 2.5th and 97.5th percentiles of the resampled mean delta
(the percentile method); the permutation test flips the sign of each delta at random — under "no change", head and
base of a question are exchangeable — and counts how often the flipped mean is at least as far from zero as the
observed one (two-sided). With few non-zero deltas every sign pattern is enumerated and the p-value is exact.

Both are seeded from a hash of their input, so the same deltas always give the same numbers, and both take a
matrix of deltas (questions × metrics) so one set of resamples serves every metric scored on the same questions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BOOTSTRAP_RESAMPLES = 10_000
PERMUTATION_RESAMPLES = 10_000
# 2**16 sign patterns: beyond this many non-zero deltas the test samples patterns instead of enumerating them.
EXACT_MAX = 16
CONFIDENCE = 0.95
_BATCH = 1_000  # resamples per matrix product: bounds memory at _BATCH × questions
# Means within this (relative) distance of the observed one count as "as extreme": sums of the same numbers in
# another order differ in the last bits.
_TIE = 1e-12

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PairedStats:
    """Statistics of one metric's deltas."""

    n: int
    mean: float
    ci_low: float
    ci_high: float
    p_value: float
    exact: bool  # the p-value enumerated every sign pattern

    @property
    def excludes_zero(self) -> bool:
        return self.ci_low > 0.0 or self.ci_high < 0.0


def seed_for(deltas: Matrix, salt: str = "") -> int:
    """A seed derived from the deltas themselves (rounded, so last-bit noise does not reseed)."""
    digest = hashlib.sha256(salt.encode("utf-8"))
    digest.update(np.ascontiguousarray(np.round(deltas, 12), dtype="<f8").tobytes())
    digest.update(str(deltas.shape).encode())
    return int.from_bytes(digest.digest()[:8], "little")


def bootstrap_ci(
    deltas: Matrix, *, resamples: int = BOOTSTRAP_RESAMPLES, seed: int, confidence: float = CONFIDENCE
) -> tuple[Matrix, Matrix]:
    """Percentile-bootstrap interval of the mean of each column of ``deltas`` (questions × metrics)."""
    n, m = deltas.shape
    if n == 0:
        return np.zeros(m), np.zeros(m)
    rng = np.random.default_rng(seed)
    means = np.empty((resamples, m))
    for start in range(0, resamples, _BATCH):
        size = min(_BATCH, resamples - start)
        # Draw n question indices with replacement per resample and count how often each question was drawn:
        # one matrix product then gives every metric's resampled mean.
        drawn = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, None]
        counts = np.bincount(drawn.ravel(), minlength=size * n).reshape(size, n).astype(np.float64)
        means[start : start + size] = counts @ deltas / n
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha], axis=0)
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def _sign_patterns(k: int) -> Matrix:
    """Every ±1 pattern of length k (2**k × k)."""
    codes = np.arange(2**k, dtype=np.int64)[:, None]
    bits = (codes >> np.arange(k, dtype=np.int64)) & 1
    return np.asarray(1.0 - 2.0 * bits, dtype=np.float64)


def sign_flip_p_values(
    deltas: Matrix, *, resamples: int = PERMUTATION_RESAMPLES, seed: int
) -> tuple[list[float], list[bool]]:
    """Two-sided p-value of "mean delta is zero" for each column of ``deltas``; and whether each is exact.

    Zero deltas flip to themselves and add nothing to any flipped sum, so a column with at most
    :data:`EXACT_MAX` non-zero deltas is tested exactly over every sign pattern of those. The others share one
    set of random sign patterns (one matrix product for all of them); their p-values count the observed pattern as
    one of the draws, (hits + 1) / (draws + 1), so they are never zero.
    """
    n, m = deltas.shape
    p_values = [1.0] * m
    exact = [True] * m
    sampled: list[int] = []
    for j in range(m):
        nonzero = deltas[:, j][deltas[:, j] != 0.0]
        if nonzero.size == 0:
            continue
        if nonzero.size <= EXACT_MAX:
            threshold = abs(float(nonzero.sum())) * (1.0 - _TIE)
            sums = _sign_patterns(nonzero.size) @ nonzero
            p_values[j] = float(np.mean(np.abs(sums) >= threshold))
        else:
            sampled.append(j)
            exact[j] = False
    if not sampled:
        return p_values, exact
    columns = deltas[:, sampled]
    thresholds = np.abs(columns.sum(axis=0)) * (1.0 - _TIE)
    rng = np.random.default_rng(seed)
    hits = np.zeros(len(sampled), dtype=np.int64)
    for start in range(0, resamples, _BATCH):
        size = min(_BATCH, resamples - start)
        signs = rng.integers(0, 2, size=(size, n), dtype=np.int8).astype(np.float64) * 2.0 - 1.0
        hits += np.count_nonzero(np.abs(signs @ columns) >= thresholds, axis=0)
    for position, j in enumerate(sampled):
        p_values[j] = (int(hits[position]) + 1) / (resamples + 1)
    return p_values, exact


def paired_stats(deltas: Matrix, salt: str = "") -> list[PairedStats]:
    """Statistics of every column of ``deltas`` (questions × metrics, all defined)."""
    n, m = deltas.shape
    if n == 0:
        return [PairedStats(0, 0.0, 0.0, 0.0, 1.0, True) for _ in range(m)]
    seed = seed_for(deltas, salt)
    # A metric no question changed has the interval [0, 0] and p = 1 with no resampling; the others are resampled
    # together. Resampling draws questions, not metrics, so leaving columns out changes no other column's numbers.
    changed = [j for j in range(m) if np.any(deltas[:, j] != 0.0)]
    out = [PairedStats(n, 0.0, 0.0, 0.0, 1.0, True) for _ in range(m)]
    if not changed:
        return out
    moved = deltas[:, changed]
    low, high = bootstrap_ci(moved, seed=seed)
    p_values, exact = sign_flip_p_values(moved, seed=seed + 1)
    for position, j in enumerate(changed):
        mean = float(moved[:, position].mean())
        # A resampled mean of identical values can differ from the mean in the last bit; keep the interval
        # around the estimate it describes.
        lo, hi = min(float(low[position]), mean), max(float(high[position]), mean)
        out[j] = PairedStats(n, mean, lo, hi, p_values[position], exact[position])
    return out
