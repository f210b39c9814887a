"""FActScore arithmetic against hand-computed values: the length penalty and aggregation over answers."""

from __future__ import annotations

import pytest

from ragops.evaluation.factscore.scores import AnswerScore, aggregate, length_penalty, score_answer


@pytest.mark.parametrize(
    ("facts", "penalty"),
    [(1, 1.2340980e-4), (4, 0.22313016), (5, 0.36787944), (9, 0.89483932), (10, 1.0), (25, 1.0)],
)
def test_length_penalty_is_exp_1_minus_10_over_n_below_10_facts(facts: int, penalty: float) -> None:
    # exp(1 - 10/1) = e^-9, exp(1 - 10/4) = e^-1.5, exp(1 - 10/5) = e^-1, exp(1 - 10/9) = e^(-1/9).
    assert length_penalty(facts) == pytest.approx(penalty, rel=1e-6)


def test_length_penalty_needs_a_fact() -> None:
    with pytest.raises(ValueError, match="at least one fact"):
        length_penalty(0)


def test_an_answer_scores_its_supported_share_times_the_penalty() -> None:
    scored = score_answer([True, True, False, True])
    assert (scored.facts, scored.supported, scored.unpenalized) == (4, 3, 0.75)
    assert scored.score == pytest.approx(0.75 * 0.22313016, rel=1e-6)  # 0.16734762
    assert score_answer([True] * 6 + [False] * 4).score == 0.6  # ten facts: no penalty
    assert score_answer([]) == AnswerScore(0, 0, None, None)  # an abstention has no score, not 0


def test_a_set_averages_over_answered_answers_and_counts_abstentions_in_the_share_answered() -> None:
    answers = [
        score_answer([True, True, False, True]),  # 0.75 unpenalised, 0.16734762 penalised
        score_answer([True] * 5 + [False] * 5),  # 0.5 and 0.5
        score_answer([]),  # abstained
    ]
    result = aggregate(answers)
    assert result.score == pytest.approx((0.16734762 + 0.5) / 2, rel=1e-6)  # 0.33367381
    assert result.unpenalized == pytest.approx(0.625)
    assert result.answered == pytest.approx(2 / 3)
    assert result.facts_per_answer == 7.0  # (4 + 10) / 2


def test_a_set_where_nobody_answered_has_no_score() -> None:
    result = aggregate([score_answer([]), score_answer([])])
    assert (result.score, result.unpenalized, result.answered, result.facts_per_answer) == (None, None, 0.0, None)
