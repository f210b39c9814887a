"""Where an answer's sentences come from: for each, the retrieved passage and the sentence in it that supports it,
so a reader can check the answer (the chat page's inline citations and highlighted passages).

An answer written from the QA prompt, which numbers the passages, keeps the references it makes to them (``[n]``):
each points at the passage of rank ``n``. Otherwise (the extractive generator, an LLM that names no source) each
answer sentence is matched with the sentence of a cited document's passage that holds the largest share of its
words; a sentence the answer copied from a passage matches it whole. A sentence that no passage sentence covers
at least half of gets no reference: nothing retrieved says it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ragops.rag.hits import Hit
from ragops.rag.lexical import sentences, words
from ragops.rag.prompt import numbered_references

# The least share of an answer sentence's words a passage sentence must hold to be named as its source.
MIN_COVERAGE = 0.5


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Reference:
    """A citation in the answer: the characters it stands for (the ``[n]`` the answer wrote, or an empty span at
    the end of the sentence it supports) and the index in the hits of the passage it names."""

    start: int
    end: int
    hit: int


@dataclass(frozen=True)
class Attribution:
    references: list[Reference]
    supporting: dict[int, list[Span]]  # hit index → the sentences of its text that support the answer, in order


@dataclass(frozen=True)
class _Match:
    coverage: float
    hit: int
    span: Span


def _best_sentence(claim: str, hits: list[Hit], eligible: list[int]) -> _Match | None:
    asked = set(words(claim))
    if not asked:
        return None
    best: _Match | None = None
    for index in eligible:
        text = hits[index].text
        for start, end in sentences(text):
            coverage = len(asked & set(words(text[start:end]))) / len(asked)
            # Strictly better only: ties go to the higher-ranked passage, then the earlier sentence.
            if best is None or coverage > best.coverage:
                best = _Match(coverage, index, Span(start, end))
    return best


def attribute(answer: str, hits: list[Hit], cited_doc_ids: list[str], numbered: bool) -> Attribution:
    """The references of ``answer`` to ``hits`` and, for each passage it draws on, its supporting sentence.
    ``numbered``: the answer was written from a prompt that numbers the passages, so its ``[n]`` cite them (in an
    answer copied from the passages, ``[18]`` is the paper's own reference, not a passage)."""
    references: list[Reference] = []
    supporting: dict[int, list[Span]] = {}

    def supports(index: int, span: Span) -> None:
        spans = supporting.setdefault(index, [])
        if span not in spans:
            spans.append(span)
            spans.sort(key=lambda s: s.start)

    by_rank = {hit.rank: index for index, hit in enumerate(hits)}
    written = [(s, e, by_rank[n]) for s, e, n in numbered_references(answer) if n in by_rank] if numbered else []
    if written:
        for start, end, index in written:
            references.append(Reference(start, end, index))
            # The claim a marker supports: its sentence, up to the marker.
            opening = max((s for s, _ in sentences(answer[:start])), default=0)
            match = _best_sentence(answer[opening:start], hits, [index])
            if match is not None and match.coverage > 0:
                supports(index, match.span)
        return Attribution(references, supporting)
    cited = set(cited_doc_ids)
    eligible = [index for index, hit in enumerate(hits) if hit.doc_id in cited]
    for start, end in sentences(answer):
        match = _best_sentence(answer[start:end], hits, eligible)
        if match is None or match.coverage < MIN_COVERAGE:
            continue
        references.append(Reference(end, end, match.hit))
        supports(match.hit, match.span)
    return Attribution(references, supporting)
