"""Atomic facts by a prompted LLM, the reference method: each checkable sentence of the answer is sent to the
judge model with worked examples and the request to "breakdown the following sentence into independent facts";
the reply's ``- `` lines are the facts. Replies are cached like the judge's (keyed by model, endpoint, prompt
version :data:`VERSION` and the messages), so a re-run asks nothing.

Differences from the reference: a chat model instead of InstructGPT completions; three fixed examples written for
ragops instead of the reference's biography demonstrations with one more picked by BM25; no post-processing of
the facts with a named-entity model (spaCy is not a dependency). A reply with no ``- `` line gives no fact for
that sentence, as in the reference.
"""

from __future__ import annotations

import re

from ragops.evaluation.factscore.claims import claim_sentences
from ragops.evaluation.factscore.method import LLM_FACTS_VERSION
from ragops.evaluation.judge import Judge, Messages
from ragops.rag.lexical import words

TASK = "factscore_facts"
MAX_TOKENS = 256
# A small model can loop; facts beyond this many from one sentence are repetition, not information.
MAX_FACTS_PER_SENTENCE = 12

_SYSTEM = (
    "You split a sentence into independent atomic facts: short statements that each convey one piece of "
    "information and can be understood on their own (name what a pronoun refers to). Write one fact per line, "
    'each line starting with "- ". Write nothing else.'
)
_ASK = "Please breakdown the following sentence into independent facts: {sentence}"
_EXAMPLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "The Eiffel Tower, completed in 1889, is about 330 metres tall and stands in Paris.",
        (
            "The Eiffel Tower was completed in 1889.",
            "The Eiffel Tower is about 330 metres tall.",
            "The Eiffel Tower stands in Paris.",
        ),
    ),
    (
        "Influenza spreads through respiratory droplets, and most patients recover within a week.",
        ("Influenza spreads through respiratory droplets.", "Most influenza patients recover within a week."),
    ),
    (
        "Common side effects of the vaccine include fever, headache and muscle pain.",
        (
            "Fever is a common side effect of the vaccine.",
            "Headache is a common side effect of the vaccine.",
            "Muscle pain is a common side effect of the vaccine.",
        ),
    ),
)
_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+(.+?)\s*$")


def render(sentence: str) -> Messages:
    messages: Messages = [{"role": "system", "content": _SYSTEM}]
    for example, facts in _EXAMPLES:
        messages.append({"role": "user", "content": _ASK.format(sentence=example)})
        messages.append({"role": "assistant", "content": "\n".join(f"- {f}" for f in facts)})
    messages.append({"role": "user", "content": _ASK.format(sentence=sentence)})
    return messages


def parse(reply: str) -> list[str]:
    """The facts of a reply: its list lines, stripped; lines with fewer than two content words dropped."""
    facts = []
    for line in reply.splitlines():
        item = _ITEM.match(line)
        if item is not None and len(words(item.group(1))) >= 2:
            facts.append(item.group(1))
    return facts[:MAX_FACTS_PER_SENTENCE]


def atomic_facts(judge: Judge, answer: str) -> list[str]:
    """The answer's atomic facts by the judge model, in order, without repeats; [] when it states nothing."""
    seen: set[str] = set()
    out: list[str] = []
    for sentence in claim_sentences(answer):
        for fact in parse(judge.reply(TASK, LLM_FACTS_VERSION, MAX_TOKENS, render(sentence))):
            key = " ".join(fact.lower().split())
            if key not in seen:
                seen.add(key)
                out.append(fact)
    return out
