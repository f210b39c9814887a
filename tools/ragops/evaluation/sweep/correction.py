"""Multiple-comparison correction of the p-values of a sweep: Holm's step-down procedure.

Comparing m settings with the current config is m tests; taking the best-looking one without correction finds a
"better" setting far more often than the nominal 5% when none is (with 12 null settings, about 46% of the time).
Holm's procedure controls the family-wise error rate — the chance that any setting is called better when none is
— at alpha, for any dependence between the tests (settings of one grid share their questions and are strongly
correlated), and it is uniformly more powerful than Bonferroni. The adjusted p-value of the i-th smallest p is
``max over j ≤ i of min(1, (m − j + 1) · p_(j))``; a setting is significant when its adjusted p is below alpha.
"""

from __future__ import annotations

from collections.abc import Sequence


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values, in the order given (ties keep their order, so the result is deterministic)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: (p_values[i], i))
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted
