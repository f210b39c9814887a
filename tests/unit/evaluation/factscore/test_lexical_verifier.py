"""The offline lexical-entailment rule (lexical-v1), on hand-computed examples."""

from __future__ import annotations

import math

import pytest

from ragops.evaluation.factscore.evidence import Passage
from ragops.evaluation.factscore.lexical_verifier import LexicalVerifier, Weights, fact_terms, fold

# Ten documents; "carry" is in nine of them, "horseshoe" in one. Weight = ln(1 + (10 - df + 0.5) / (df + 0.5)):
# horseshoe 1.99243, bat 1.48160, coronavirus 0.69315, carry 0.14660; a word no document has, 3.09104.
WEIGHTS = Weights({"horseshoe": 1, "bat": 2, "coronavirus": 5, "carry": 9, "sars": 3, "2003": 2}, 10)


def _passages(*texts: str) -> list[Passage]:
    return [Passage(f"c{i}", "d", text) for i, text in enumerate(texts)]


def test_weights_are_bm25_idf_of_document_frequency() -> None:
    assert WEIGHTS("horseshoe") == pytest.approx(math.log(1 + 9.5 / 1.5))
    assert WEIGHTS("carry") == pytest.approx(0.146603, rel=1e-5)
    assert WEIGHTS("pangolin") == pytest.approx(math.log(22))  # unseen: the largest weight
    # A word counts once per document, whether the document comes whole or in chunks.
    counted = Weights.from_documents({"a": ["Bats bats.", "bats"], "b": ["Camels."]})
    assert counted("bat") == pytest.approx(math.log(1 + 1.5 / 1.5))


def test_plurals_fold_and_key_terms_are_numbers_and_names() -> None:
    assert [fold(w) for w in ("cases", "viruses", "studies", "virus", "analysis", "bats")] == [
        "case",
        "virus",
        "study",
        "virus",
        "analysis",
        "bat",
    ]
    terms = fact_terms("Cases of COVID-19 rose in Wuhan in 2020.")
    assert terms.content == ("case", "covid", "19", "rose", "wuhan", "2020")
    assert terms.key == {"covid", "19", "wuhan", "2020"}  # "Cases" opens the fact: not taken as a name
    assert not terms.negated and fact_terms("Bats do not carry it.").negated


def test_weighted_coverage_decides_and_rare_words_count_more() -> None:
    verifier = LexicalVerifier(WEIGHTS)
    fact = "Horseshoe bats carry coronaviruses."  # horseshoe, bat, carry, coronavirus: total weight 4.31378
    full = verifier.check(fact, _passages("Horseshoe bats are a natural reservoir of coronaviruses."))
    # Covers horseshoe + bat + coronavirus = 4.16718 of 4.31378.
    assert full.supported and full.coverage == pytest.approx(0.96601, rel=1e-4) and full.passage == 0
    # Three of four words (0.75 unweighted), but not the rare one: 2.32135 / 4.31378 = 0.5381 < 0.6.
    partial = verifier.check(fact, _passages("Bats carry coronaviruses."))
    assert not partial.supported and partial.coverage == pytest.approx(0.53812, rel=1e-4)
    assert "below 0.6" in partial.reason
    # The best passage decides, wherever it ranks.
    assert (
        verifier.check(fact, _passages("Camels carry coronaviruses.", "Horseshoe bats carry coronaviruses.")).passage
        == 1
    )


def test_every_number_and_name_must_be_in_one_passage() -> None:
    verifier = LexicalVerifier(WEIGHTS)
    fact = "In 2003, bats carried SARS."
    apart = verifier.check(fact, _passages("In 2003 bats carried a virus.", "Bats carried SARS."))
    assert not apart.supported and apart.passage is None and "in no passage" in apart.reason
    assert verifier.supported(fact, _passages("Bats carried a virus.", "SARS was carried by bats in 2003."))


def test_a_negation_mismatch_with_the_best_sentence_rejects() -> None:
    verifier = LexicalVerifier(WEIGHTS)
    negated = _passages("Bats do not carry coronaviruses.")
    assert not verifier.supported("Bats carry coronaviruses.", negated)
    assert verifier.check("Bats carry coronaviruses.", negated).reason == "negation mismatch"
    assert verifier.supported("Bats do not carry coronaviruses.", negated)
    # The sentence that best covers the fact is the one compared, not any sentence of the passage.
    assert verifier.supported(
        "Bats carry coronaviruses.", _passages("Bats do not carry rabies. Bats carry coronaviruses.")
    )


def test_no_passage_or_no_content_is_not_supported() -> None:
    verifier = LexicalVerifier(WEIGHTS)
    assert not verifier.supported("Bats carry coronaviruses.", [])
    assert verifier.check("It is.", _passages("It is.")).reason == "no content words"
