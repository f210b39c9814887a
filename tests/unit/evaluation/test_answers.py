"""Answer and grounding metrics against hand-worked examples of the SQuAD v1.1 scoring rules."""

from __future__ import annotations

import pytest
import sacrebleu
from hypothesis import given
from hypothesis import strategies as st
from rouge_score import rouge_scorer

from ragops.evaluation import answers, grounding


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("The Eiffel Tower!", "eiffel tower"),
        ("  a   cat,  AN owl and THE dog. ", "cat owl and dog"),
        ("Theater", "theater"),  # articles only as whole words
        ("U.S.A.", "usa"),  # punctuation is deleted, not replaced by a space
        ("rock-and-roll", "rockandroll"),
    ],
)
def test_squad_normalisation(text: str, normalized: str) -> None:
    assert answers.normalize(text) == normalized


def test_exact_match() -> None:
    assert answers.exact_match("The Eiffel Tower!", ["eiffel tower"]) == 1.0
    assert answers.exact_match("Eiffel Tower in Paris", ["eiffel tower"]) == 0.0
    assert answers.exact_match("1889", ["in 1887", "1889."]) == 1.0  # any reference counts


def test_token_f1_by_hand() -> None:
    # answer "the big red dog barked" → [big, red, dog, barked]; reference "a red dog" → [red, dog]
    # common = 2; precision = 2/4 = 0.5; recall = 2/2 = 1.0; F1 = 2 · 0.5 · 1.0 / 1.5 = 2/3
    assert answers.f1("the big red dog barked", ["a red dog"]) == pytest.approx(2 / 3)
    # answer [dog, dog, dog] vs [dog]: common counts are clipped to 1; P = 1/3, R = 1, F1 = (2/3)/(4/3) = 0.5
    assert answers.f1("dog dog dog", ["dog"]) == pytest.approx(0.5)
    # best over references: [paris] vs [paris, france] → P = 1, R = 1/2, F1 = 2/3; vs [paris] → 1
    assert answers.f1("Paris", ["Paris, France", "paris"]) == 1.0
    assert answers.f1("Paris", ["Paris, France"]) == pytest.approx(2 / 3)
    assert answers.f1("", ["anything"]) == 0.0
    assert answers.f1("completely wrong", ["right"]) == 0.0


def test_rouge_l_by_hand() -> None:
    # rouge-score keeps articles: LCS("red dog", "a red dog") = 2; P = 2/2, R = 2/3, F = 2 · 1 · (2/3) / (5/3) = 0.8
    assert answers.rouge_l("red dog", ["a red dog"]) == pytest.approx(0.8)
    assert answers.rouge_l("red dog", ["a red dog", "red dog"]) == pytest.approx(1.0)
    assert answers.rouge_l("", ["a red dog"]) == 0.0


_TEXT = st.text(alphabet=st.sampled_from(list("ab cd,É.\n1-")), max_size=40) | st.text(max_size=40)


@given(answer=_TEXT, references=st.lists(_TEXT, min_size=1, max_size=3))
def test_rouge_l_equals_rouge_score_exactly(answer: str, references: list[str]) -> None:
    # Written out to spare every scoring step rouge-score's nltk and scipy imports; the values must not move.
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    expected = max(float(scorer.score(ref, answer)["rougeL"].fmeasure) for ref in references)
    assert answers.rouge_l(answer, references) == expected


def test_bleu_is_sacrebleu_sentence_bleu_on_a_unit_scale() -> None:
    refs = ["the cat sat on the mat", "a cat was sitting on the mat"]
    hypothesis = "the cat sat on a mat"
    assert answers.bleu(hypothesis, refs) == pytest.approx(sacrebleu.sentence_bleu(hypothesis, refs).score / 100)
    assert answers.bleu("the cat sat on the mat", refs) == pytest.approx(1.0)
    assert answers.bleu("zebra", refs) == 0.0


def test_answer_support() -> None:
    # answer tokens [paris, france]; only "paris" occurs in the context → 1/2
    assert grounding.answer_support("Paris, France", "The capital is Paris.") == 0.5
    # repeated tokens count each time: [paris, paris, rome] → 2/3
    assert grounding.answer_support("Paris Paris Rome", "paris") == pytest.approx(2 / 3)
    assert grounding.answer_support("The!", "anything") is None  # nothing left after normalisation


def test_citation_correctness() -> None:
    assert grounding.citation_correctness(["d9", "d1"], ["d1", "d2"]) == 1.0
    assert grounding.citation_correctness(["d9"], ["d1"]) == 0.0
    assert grounding.citation_correctness([], ["d1"]) == 0.0  # could cite, cited nothing
    assert grounding.citation_correctness(None, ["d1"]) is None  # the app does not cite
