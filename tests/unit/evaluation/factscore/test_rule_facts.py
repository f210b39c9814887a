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
    assert clauses("Masks reduce droplet spread, but compliance varies widely between countries") == [
        "Masks reduce droplet spread",
        "compliance varies widely between countries",
    ]
    assert clauses("Masks work, and well") == ["Masks work, and well"]
    assert enumeration("The virus infects bats") is None


def test_answer_facts_are_deduplicated_and_an_abstention_has_none() -> None:
    answer = "Helpful Answer: Symptoms include fever, cough and fatigue [1]. Symptoms include fever. I hope this helps."
    assert atomic_facts(answer) == ["Symptoms include fever.", "Symptoms include cough.", "Symptoms include fatigue."]
    assert atomic_facts("I don't know.") == []
