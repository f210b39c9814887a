"""An answer's checkable sentences: cleaning, sentence splitting and what is not a claim."""

from __future__ import annotations

from ragops.evaluation.factscore.claims import claim_sentences, clean, is_claim, split_sentences


def test_citations_bullets_decoration_and_the_answer_label_are_removed() -> None:
    answer = "Helpful Answer: **Fever** is common [1].\n- Cough follows (source: covidqa-12) [2, 3]."
    assert clean(answer) == ["Fever is common.", "Cough follows."]


def test_sentences_end_at_stops_but_not_after_abbreviations_or_initials() -> None:
    line = "It was reported by Li et al. in 2020, e.g. in Wuhan. J. Smith confirmed it! Was it 5.2 days? Yes"
    assert split_sentences(line) == [
        "It was reported by Li et al. in 2020, e.g. in Wuhan.",
        "J. Smith confirmed it!",
        "Was it 5.2 days?",
        "Yes",
    ]


def test_questions_filler_abstentions_and_fragments_are_not_claims() -> None:
    assert not is_claim("What is the incubation period?")
    assert not is_claim("Sure, here is what the context says.")
    assert not is_claim("I hope this helps.")
    assert not is_claim("I don't know the answer to that.")
    assert not is_claim("The context does not mention the dose.")
    assert not is_claim("Yes.")  # no two content words
    assert is_claim("No vaccine was approved in 2019.")  # a negated claim is still a claim
    assert is_claim("Surface proteins bind ACE2.")  # starts with "Sur…", not the filler "Sure"


def test_claim_sentences_keep_order_and_drop_repeats() -> None:
    answer = "The virus spreads by droplets. The virus spreads by droplets. I'm sorry, I cannot say more."
    assert claim_sentences(answer) == ["The virus spreads by droplets."]
    assert claim_sentences("I don't know.") == []
    assert claim_sentences("") == []
