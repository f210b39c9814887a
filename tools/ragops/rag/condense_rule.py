"""The deterministic condense step (``condense: rule``, the default without an LLM): carry the last turns' names.

The rule, in full:

1. A question with no history, or of ``trigger_context`` characters or more, is used as asked.
2. A question that names something of its own and refers to nothing before it is used as asked: a new topic.
   It *refers back* when it contains a referring word (he, him, his, she, her, hers, it, its, they, them, their,
   theirs, this, these, those, former, latter).
3. Otherwise the names of the last ``n_last_interactions`` turns are carried into it: newest turn first, within a
   turn the answer's names before the question's, each once, none the question already contains, at most
   ``carry_names``; the standalone question is ``"<question> (<name>; <name>)"``.

A *name* is a run of capitalised words (or words with a digit: "COVID-19", "2015 Diamond Head Classic"), joined
across "of", "de", "la", "von", "van", "der", "du", "da" ("Earl of Mercia"); a run's leading function words are
dropped ("The Nile delta" gives "Nile"). The rule carries names, not predicates: an elliptical follow-up such as
"And Beta?" stays as asked; an app that needs those condenses with an LLM.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ragops.config.models import ConversationSpec
from ragops.config.testset import PriorTurn
from ragops.rag.condense import Standalone, recent

_TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*")


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_REFERRING = _wordset("he him his she her hers it its they them their theirs this these those former latter")
_JOINERS = _wordset("of de la von van der du da")
# Capitalised only because they open a sentence or a question: never the start of a name.
_FUNCTION_WORDS = _wordset(
    """a an the and or but if then so as at by for from in into of on onto to with without about after before
    what which who whom whose when where why how is are was were be been being do does did has have had can could
    will would shall should may might must i you he she it we they me him her us them my your his its our their
    this that these those there here yes no not also tell please give list name describe explain"""
)


def _name_like(token: str) -> bool:
    return token[0].isupper() or any(c.isdigit() for c in token)


def names(text: str) -> list[str]:
    """The names in ``text``, in order of appearance, each once."""
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    found: list[str] = []
    run: list[tuple[str, int, int]] = []

    def close() -> None:
        while run and (run[0][0].lower() in _FUNCTION_WORDS or run[0][0].lower() in _JOINERS):
            run.pop(0)
        while run and run[-1][0].lower() in _JOINERS:
            run.pop()
        # A run of digits alone is a number, not a name.
        if run and any(not token.isdigit() for token, _, _ in run):
            name = text[run[0][1] : run[-1][2]]
            if name not in found:
                found.append(name)
        run.clear()

    for index, (token, start, end) in enumerate(tokens):
        adjacent = not run or not text[run[-1][2] : start].strip()  # only spaces between: one run
        if not adjacent:
            close()
        joins = bool(run) and token.lower() in _JOINERS and index + 1 < len(tokens) and _name_like(tokens[index + 1][0])
        if _name_like(token) or joins:
            run.append((token, start, end))
        else:
            close()
    close()
    return found


def refers_back(question: str) -> bool:
    return any(token.lower() in _REFERRING for token in _TOKEN.findall(question))


class RuleCondenser:
    def __init__(self, spec: ConversationSpec) -> None:
        self.spec = spec

    def standalone(self, question: str, history: Sequence[PriorTurn]) -> Standalone:
        turns = recent(self.spec, question, history)
        if not turns or (names(question) and not refers_back(question)):
            return Standalone(question, carried=False)
        asked = question.lower()
        carried: list[str] = []
        for turn in reversed(turns):
            for name in [*names(turn.answer), *names(turn.question)]:
                if name.lower() not in asked and name.lower() not in (c.lower() for c in carried):
                    carried.append(name)
        carried = carried[: self.spec.carry_names]
        if not carried:
            return Standalone(question, carried=False)
        return Standalone(f"{question} ({'; '.join(carried)})", carried=True)
