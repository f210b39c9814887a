"""The offline generator: answers with the retrieved sentences that share the most informative words with the question.

Deterministic and free: every retrieved chunk is split into sentences; a sentence scores the sum of the inverse
document frequencies (over all candidate sentences) of the question words it contains, so rare words such as
names and terms count most. The best ``sentences`` sentences form the answer, in retrieval order; ties go to the
higher-ranked chunk, then the earlier sentence. Citations are the documents of the chosen sentences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ragops.rag.generation import Generation
from ragops.rag.hits import Hit
from ragops.rag.lexical import sentences, words


@dataclass(frozen=True)
class _Candidate:
    rank: int
    position: int
    text: str
    doc_id: str
    words: frozenset[str]


class ExtractiveGenerator:
    def __init__(self, sentence_count: int) -> None:
        self.sentence_count = sentence_count

    def generate(self, question: str, hits: list[Hit]) -> Generation:
        candidates = [
            _Candidate(hit.rank, start, hit.text[start:end], hit.doc_id, frozenset(words(hit.text[start:end])))
            for hit in hits
            for start, end in sentences(hit.text)
        ]
        if not candidates:
            return Generation(answer="", citations=[])
        asked = set(words(question))
        frequency = {w: sum(1 for c in candidates if w in c.words) for w in asked}
        weight = {w: math.log(1 + len(candidates) / n) for w, n in frequency.items() if n}

        def score(candidate: _Candidate) -> float:
            # fsum is exactly rounded, so the score does not depend on the set's iteration order (which varies
            # with PYTHONHASHSEED between processes): equal scores stay equal and ties break the same way.
            return math.fsum(weight.get(w, 0.0) for w in candidate.words & asked)

        best = sorted(candidates, key=lambda c: (-score(c), c.rank, c.position))[: self.sentence_count]
        chosen = sorted(best, key=lambda c: (c.rank, c.position))
        return Generation(
            answer=" ".join(c.text for c in chosen),
            citations=list(dict.fromkeys(c.doc_id for c in chosen)),
        )
