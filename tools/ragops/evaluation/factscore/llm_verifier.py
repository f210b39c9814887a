"""The LLM verifier, the reference's question: the fact's passages as context, then "<fact> True or False?".

As in the reference, the best passage comes last (nearest the question), each passage is shown with its title
(here its document id), and the reply decides: supported when it says "true" before any "false", not supported
when "false" comes first; a reply with neither word counts as supported unless it says "not", "cannot",
"unknown" or "information" (the reference's rule for replies without the word). The reference breaks a reply with
both words the other way round; ragops takes the first one, which is what a sentence like "True. It is not
false" means. Cached like the judge (prompt version ``LLM_VERIFY_VERSION``); advisory, like every judge metric.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ragops.evaluation.factscore.evidence import Passage
from ragops.evaluation.factscore.method import LLM_VERIFY_VERSION
from ragops.evaluation.judge import Judge, Messages

TASK = "factscore_verify"
MAX_TOKENS = 8

_SYSTEM = "You check statements against the given context. Reply True or False."
_VERDICT = re.compile(r"\b(true|false)\b")
_UNSURE = frozenset({"not", "cannot", "unknown", "information"})
_WORD = re.compile(r"[a-z]+")


def render(fact: str, passages: Sequence[Passage]) -> Messages:
    context = "\n\n".join(f"Title: {p.doc_id or 'context'}\nText: {p.text.strip()}" for p in reversed(passages))
    if context and context[-1] not in ".!?":
        context += "."
    user = (
        f"Answer the question based on the given context.\n\n{context}\n\nInput: {fact.strip()} True or False?\nOutput:"
    )
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": user}]


def parse(reply: str) -> bool:
    """Whether the reply says the fact is supported (see the module docstring)."""
    text = reply.lower()
    verdict = _VERDICT.search(text)
    if verdict is not None:
        return verdict.group(1) == "true"
    return not (_UNSURE & set(_WORD.findall(text)))


def supported(judge: Judge, fact: str, passages: Sequence[Passage]) -> bool:
    return parse(judge.reply(TASK, LLM_VERIFY_VERSION, MAX_TOKENS, render(fact, passages)))
