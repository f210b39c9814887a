"""The offline atomic-fact splitter (rules-v1), against facts written out by hand."""

from __future__ import annotations

import pytest

from ragops.evaluation.factscore.rule_facts import atomic_facts, clauses, enumeration, sentence_facts


@pytest.mark.parametrize(
    ("sentence", "facts"),
    [
        # One fact: nothing to split.
        ("The incubation period is 2 to 14 days.", ["The incubation period is 2 to 14 days."]),
        # Coordinated clauses, each side with three or more content words.
        (
            "SARS-CoV-2 was first identified in Wuhan in December 2019, and it spread rapidly to other countries.",
            ["SARS-CoV-2 was first identified in Wuhan in December 2019.", "It spread rapidly to other countries."],
        ),
        (
            "MERS-CoV passes from camels to humans; human-to-human transmission is limited.",
            ["MERS-CoV passes from camels to humans.", "Human-to-human transmission is limited."],
        ),
        # An enumeration: one fact per item, keeping the frame before and after the list.
        (
            "Symptoms include fever, cough and fatigue.",
            ["Symptoms include fever.", "Symptoms include cough.", "Symptoms include fatigue."],
        ),
        (
            "Common symptoms are fever, dry cough, and shortness of breath.",
            [
                "Common symptoms are fever.",
                "Common symptoms are dry cough.",
                "Common symptoms are shortness of breath.",
            ],
        ),
        (
            "Bats, pangolins, or the civets may be hosts.",
            ["Bats may be hosts.", "Pangolins may be hosts.", "The civets may be hosts."],
        ),
        # Clauses first, then the list inside the first clause.
        (
            "The study enrolled patients from China, Italy and the United States, and the median age was 56 years.",
            [
                "The study enrolled patients from China.",
                "The study enrolled patients from Italy.",
                "The study enrolled patients from the United States.",
                "The median age was 56 years.",
            ],
        ),
        # Not a list: an introductory phrase and a clause; and two-item coordination stays whole.
        ("In Wuhan, the virus spread quickly and widely.", ["In Wuhan, the virus spread quickly and widely."]),
        ("Research and development were funded.", ["Research and development were funded."]),
        # A short right-hand side stays with its clause.
        ("The virus binds ACE2; it enters cells.", ["The virus binds ACE2; it enters cells."]),
    ],
)
def test_sentence_facts(sentence: str, facts: list[str]) -> None:
    assert sentence_facts(sentence) == facts


def test_clauses_and_enumeration_pieces() -> None:
    assert clauses("Masks reduce droplet spread, but compliance is low in many countries") == [
        "Masks reduce droplet spread",
        "compliance is low in many countries",
    ]
    assert clauses("Masks work, and well") == ["Masks work, and well"]
    # After a conjunction, words with no pronoun, auxiliary or -ed form are a list's last item, not a clause.
    assert sentence_facts("Antibodies act against viruses, bacteria, and other microorganisms in the body.") == [
        "Antibodies act against viruses in the body.",
        "Antibodies act against bacteria in the body.",
        "Antibodies act against other microorganisms in the body.",
    ]
    # An -ing form opens the list like "include" does.
    assert sentence_facts("They act by eliminating viruses, bacteria and fungi.") == [
        "They act by eliminating viruses.",
        "They act by eliminating bacteria.",
        "They act by eliminating fungi.",
    ]
    # Brackets hold commas of their own: no items.
    assert enumeration("Cases were in Wuhan, China (first), Hong Kong, and Macau") is None
    assert enumeration("The virus infects bats") is None


def test_dangling_conjunctions_and_a_cut_off_last_sentence_are_dropped() -> None:
    assert sentence_facts("Nulliparous households are counted; and") == ["Nulliparous households are counted."]
    answer = "The vaccine is given intramuscularly. It contains three inactivated strains, two type A strains and"
    assert atomic_facts(answer) == ["The vaccine is given intramuscularly."]
    assert atomic_facts("The answer is: 2.5%") == []  # a bare fragment states nothing checkable on its own
    assert atomic_facts("The answer is: the incubation period is 5 days") == ["The incubation period is 5 days."]


def test_answer_facts_are_deduplicated_and_an_abstention_has_none() -> None:
    answer = "Helpful Answer: Symptoms include fever, cough and fatigue [1]. Symptoms include fever. I hope this helps."
    assert atomic_facts(answer) == ["Symptoms include fever.", "Symptoms include cough.", "Symptoms include fatigue."]
    assert atomic_facts("I don't know.") == []
