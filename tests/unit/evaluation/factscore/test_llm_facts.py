"""Atomic facts by the judge model: the prompt, parsing its reply, and the cache (no model: replies are stored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.errors import InfrastructureError
from ragops.evaluation.factscore import llm_facts
from ragops.evaluation.factscore.method import LLM_FACTS_VERSION
from ragops.evaluation.judge import Judge
from tests.support.judge_replies import closed_port_spec, store_reply


def test_the_prompt_shows_worked_examples_then_asks_for_the_sentence() -> None:
    messages = llm_facts.render("Masks reduce spread, and vaccines prevent disease.")
    assert messages[0]["role"] == "system" and '"- "' in str(messages[0]["content"])
    roles = [m["role"] for m in messages[1:]]
    assert roles == ["user", "assistant"] * 3 + ["user"]
    assert str(messages[-1]["content"]).endswith(": Masks reduce spread, and vaccines prevent disease.")
    assert str(messages[2]["content"]).startswith("- ")


def test_a_reply_gives_its_list_lines_with_two_or_more_content_words() -> None:
    reply = "Here are the facts:\n- Masks reduce spread.\n* Vaccines prevent disease\n2. Bats carry viruses.\n- It\n"
    assert llm_facts.parse(reply) == ["Masks reduce spread.", "Vaccines prevent disease", "Bats carry viruses."]
    assert llm_facts.parse("Masks reduce spread.") == []  # no list line: no fact, as in the reference
    looping = "\n".join(f"- Fact number {n} repeats." for n in range(30))
    assert len(llm_facts.parse(looping)) == llm_facts.MAX_FACTS_PER_SENTENCE


def test_facts_come_per_checkable_sentence_from_the_cache(tmp_path: Path) -> None:
    spec = closed_port_spec()
    replies = {
        "Masks reduce spread, and vaccines prevent disease.": "- Masks reduce spread.\n- Vaccines prevent disease.",
        "Vaccines were approved in 2020.": "- Vaccines prevent disease.\n- Vaccines were approved in 2020.",
    }
    for sentence, reply in replies.items():
        messages = llm_facts.render(sentence)
        store_reply(tmp_path, spec, llm_facts.TASK, LLM_FACTS_VERSION, llm_facts.MAX_TOKENS, messages, reply)
    judge = Judge(spec, tmp_path)
    answer = "Masks reduce spread, and vaccines prevent disease [1]. I hope this helps. Vaccines were approved in 2020."
    # The filler sentence is never sent; a fact repeated by a later sentence is kept once.
    assert llm_facts.atomic_facts(judge, answer) == [
        "Masks reduce spread.",
        "Vaccines prevent disease.",
        "Vaccines were approved in 2020.",
    ]
    assert (judge.requests, judge.cache_hits) == (2, 2)
    assert llm_facts.atomic_facts(judge, "I don't know.") == []
    with pytest.raises(InfrastructureError, match="judge"):
        llm_facts.atomic_facts(judge, "An uncached sentence would be asked of the model.")
