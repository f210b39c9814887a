"""Did a conversation's follow-up turn need its history to be retrieved? The ``context_carried`` metric.

A follow-up question ("Which team does he play for?") is made standalone from the turns before it, then
retrieved. The evaluation also retrieves the question as it was asked, without the history (``unaided``). The turn
*carried context* when the standalone question's documents include a gold document and the unaided ones do not:
the history is what found the evidence. Over a test set, the metric is the share of follow-up turns where that
happened — how much the conversation step is worth on these turns, not a quality to maximise on its own.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


def context_carried(
    retrieved: Sequence[str], unaided: Sequence[str] | None, gold: Collection[str], has_history: bool
) -> float | None:
    """1 when only the history-aware retrieval found a gold document, else 0; None for an opening question (no
    history), a turn without gold documents, or a prediction that has no unaided retrieval to compare with."""
    if not has_history or not gold or unaided is None:
        return None
    wanted = set(gold)
    found_with = any(doc in wanted for doc in retrieved)
    found_without = any(doc in wanted for doc in unaided)
    return 1.0 if found_with and not found_without else 0.0
