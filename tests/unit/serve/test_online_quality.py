"""The per-answer online proxies: abstentions, support against the retrieved text, the top hit's score."""

from __future__ import annotations

import pytest

from ragops.evaluation.grounding import answer_support
from ragops.rag.engine import Answer
from ragops.rag.hits import Hit, retrieved_text
from ragops.serve.online_quality import answer_signals, is_abstention

HITS = [
    Hit("a#0", "a", 1, 0.9, 0, 40, "The alpha protocol uses a five step handshake."),
    Hit("b#0", "b", 2, 0.3, 0, 30, "Beta sorting is quadratic."),
]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "I don't know.",
        "I do not know the answer.",
        "Sorry, I cannot answer that from the sources.",
        "There is no information about that.",
        "The answer is not mentioned in the context.",
    ],
)
def test_abstentions(text: str) -> None:
    assert is_abstention(text)


@pytest.mark.parametrize("text", ["Five steps.", "The handshake has five steps; I know it well.", "Known since 1998."])
def test_answers_that_are_not_abstentions(text: str) -> None:
    assert not is_abstention(text)


def test_signals_of_a_grounded_answer_use_the_evaluations_context() -> None:
    answer = Answer("q", "a five step handshake", ["a"], HITS)
    signals = answer_signals(answer)
    assert signals == answer_signals(answer)
    assert signals.top_score == 0.9 and not signals.abstained
    assert signals.support == answer_support("a five step handshake", retrieved_text(HITS)) == 1.0


def test_signals_of_an_unsupported_answer_and_of_an_abstention() -> None:
    assert answer_signals(Answer("q", "five steps over radio", [], HITS)).support == pytest.approx(0.25)
    abstained = answer_signals(Answer("q", "I don't know", [], []))
    assert abstained.abstained and abstained.support is None and abstained.top_score is None
