"""Making a conversation's follow-up question standalone before retrieval: the condense step.

"Which team does he play for?" retrieves nothing useful on its own. Before a turn is retrieved and answered, the
condenser reads the turns before it and returns a standalone question; the service's ``POST /v1/chat`` and the
evaluation of conversational test sets call the same condenser, so both make the same question of the same
history. Which condenser an app uses is ``spec.conversation.condense``: the LLM (``condense_llm``) or a
deterministic rule (``condense_rule``), chosen by ``condensers.make_condenser``. Both leave a question unchanged
when there is no history, and when it is ``trigger_context`` characters or longer (a long question is taken to be
standalone already, as Kotaemon does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ragops.config.models import ConversationSpec
from ragops.config.testset import PriorTurn

__all__ = ["Condenser", "PriorTurn", "Standalone", "recent"]


@dataclass(frozen=True)
class Standalone:
    question: str  # what is retrieved and answered
    carried: bool  # the history changed the question
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Condenser(Protocol):
    spec: ConversationSpec

    def standalone(self, question: str, history: Sequence[PriorTurn]) -> Standalone: ...


def recent(spec: ConversationSpec, question: str, history: Sequence[PriorTurn]) -> Sequence[PriorTurn]:
    """The turns the condense step reads for ``question``: the last ``n_last_interactions``, or none when the
    question is asked first or is long enough to stand alone."""
    if not history or len(question) >= spec.trigger_context:
        return ()
    return history[-spec.n_last_interactions :]
