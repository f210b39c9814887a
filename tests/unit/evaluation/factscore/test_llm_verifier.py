"""The LLM verifier: the reference's true/false prompt, reading replies, and the cache (replies are stored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.evaluation.factscore import llm_verifier
from ragops.evaluation.factscore.evidence import Passage
from ragops.evaluation.factscore.method import LLM_VERIFY_VERSION
from ragops.evaluation.judge import Judge
from tests.support.judge_replies import closed_port_spec, store_reply

PASSAGES = [Passage("c1", "bats", "Horseshoe bats carry coronaviruses"), Passage("c2", "camels", "Camels carry MERS.")]


def test_the_prompt_puts_the_best_passage_last_and_asks_true_or_false() -> None:
    system, user = llm_verifier.render("Bats carry coronaviruses.", PASSAGES)
    assert "True or False" in str(system["content"])
    text = str(user["content"])
    assert text.index("Title: camels") < text.index("Title: bats")  # rank 1 nearest the question
    assert "Text: Horseshoe bats carry coronaviruses." in text  # a full stop closes the context
    assert text.endswith("Input: Bats carry coronaviruses. True or False?\nOutput:")


@pytest.mark.parametrize(
    ("reply", "supported"),
    [
        ("True", True),
        ("False.", False),
        (" true, not false", True),  # the first verdict word decides
        ("FALSE, although partly true", False),
        ("Yes, it is supported.", True),  # neither word: supported unless it hedges (the reference's rule)
        ("I cannot tell.", False),
        ("Not enough information", False),
        ("", True),
    ],
)
def test_replies_are_read_like_the_reference(reply: str, supported: bool) -> None:
    assert llm_verifier.parse(reply) is supported


def test_verdicts_come_from_the_cache(tmp_path: Path) -> None:
    spec = closed_port_spec()
    messages = llm_verifier.render("Bats carry coronaviruses.", PASSAGES)
    store_reply(tmp_path, spec, llm_verifier.TASK, LLM_VERIFY_VERSION, llm_verifier.MAX_TOKENS, messages, "False")
    judge = Judge(spec, tmp_path)
    assert llm_verifier.supported(judge, "Bats carry coronaviruses.", PASSAGES) is False
    assert judge.cache_hits == 1
