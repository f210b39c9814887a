"""The offline verifier: a deterministic lexical-entailment rule, pinned as ``lexical-v1``
(:data:`~ragops.evaluation.factscore.method.LEXICAL_VERSION`). Not an LLM.

A fact counts as supported by its passages when all of these hold:

1. **Key terms in one passage.** Every key term of the fact — a number (any token with a digit: years, doses,
   percentages), or a named token (written with a capital letter other than as the fact's first word, or with
   two or more capitals anywhere: "Wuhan", "SARS", "ACE2") — occurs in one and the same passage.
2. **Coverage.** Among those passages, the best covers at least ``LEXICAL_THRESHOLD`` (0.6) of the fact's content words
   (lower-cased, stop words removed, plurals folded), each word weighted by its inverse document frequency in the
   corpus (:class:`Weights`), so rare words ("pangolin") count more than common ones ("patients").
3. **No negation mismatch.** The passage sentence that best covers the fact is negated ("not", "no", "never",
   "without", "n't", …) exactly when the fact is.

What it cannot see: paraphrase with other words, numbers that differ only in a part after a decimal point or
comma it also finds elsewhere, and claims assembled from words spread over unrelated sentences. It is calibrated
against hand labels (``datasets/covid-qa/factscore-calibration``); its parameters were fixed before labelling.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ragops.evaluation.factscore.evidence import Passage
from ragops.evaluation.factscore.method import LEXICAL_THRESHOLD
from ragops.rag.lexical import sentences, words

_TOKEN = re.compile(r"\w+")
_NEGATION_WORD = re.compile(r"\b(?:not|no|never|none|nor|neither|cannot|without|\w+n't)\b", re.IGNORECASE)
_PLURAL_ES = ("uses", "sses", "xes", "ches", "shes", "zes")


@functools.lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """A lower-cased word with its plural ending folded: "cases" → "case", "viruses" → "virus", "studies" →
    "study"; words ending in ss, us or is keep their s."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(_PLURAL_ES):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(text: str) -> set[str]:
    return {fold(w) for w in words(text)}


def negated(text: str) -> bool:
    return _NEGATION_WORD.search(text.replace("’", "'")) is not None


@dataclass(frozen=True)
class FactTerms:
    content: tuple[str, ...]  # folded content words, first occurrence order
    key: frozenset[str]  # the numbers and named tokens among them
    negated: bool


def fact_terms(fact: str) -> FactTerms:
    content = list(dict.fromkeys(fold(w) for w in words(fact)))
    key: set[str] = set()
    for position, match in enumerate(_TOKEN.finditer(fact)):
        token = match.group()
        capitals = sum(1 for c in token if c.isupper())
        named = (capitals >= 1 and position > 0 and len(token) > 1) or capitals >= 2
        if any(c.isdigit() for c in token) or named:
            folded = fold(token.lower())
            if folded in content:
                key.add(folded)
    return FactTerms(tuple(content), frozenset(key), negated(fact))


class Weights:
    """Inverse document frequency of folded words over the corpus documents, BM25's form
    ``ln(1 + (N - df + 0.5) / (df + 0.5))`` (always positive; a word the corpus lacks gets the largest weight)."""

    def __init__(self, frequencies: Mapping[str, int], documents: int) -> None:
        self._df = dict(frequencies)
        self._n = documents

    @classmethod
    def from_documents(cls, texts: Mapping[str, Iterable[str]]) -> Weights:
        """``texts``: document id → its texts (its whole text, or its chunks: a word counts once per document)."""
        counts: Counter[str] = Counter()
        for pieces in texts.values():
            seen: set[str] = set()
            for text in pieces:
                seen |= terms(text)
            counts.update(seen)
        return cls(counts, len(texts))

    def __call__(self, word: str) -> float:
        df = self._df.get(word, 0)
        return math.log(1.0 + (self._n - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class PassageTerms:
    words: frozenset[str]
    sentences: tuple[tuple[frozenset[str], bool], ...]  # each sentence's words and whether it is negated


@dataclass(frozen=True)
class Check:
    """The verdict on one fact and why: ``passage`` is the rank of the best passage (None when no passage holds
    every key term), ``coverage`` its weighted coverage."""

    supported: bool
    reason: str
    passage: int | None = None
    coverage: float = 0.0


class LexicalVerifier:
    """Applies the rule; remembers each passage's words, since the same chunks are evidence for many facts."""

    def __init__(self, weights: Weights, threshold: float = LEXICAL_THRESHOLD) -> None:
        self.weights = weights
        self.threshold = threshold
        self._passages: dict[str, PassageTerms] = {}

    def _terms(self, passage: Passage) -> PassageTerms:
        # Keyed by text, not chunk id: a calibration set's passages come from several indexes.
        key = passage.text
        found = self._passages.get(key)
        if found is None:
            parts = tuple(
                (frozenset(terms(passage.text[a:b])), negated(passage.text[a:b])) for a, b in sentences(passage.text)
            )
            found = PassageTerms(frozenset().union(*(words for words, _ in parts)), parts)
            self._passages[key] = found
        return found

    def _coverage(self, content: Sequence[str], available: frozenset[str]) -> float:
        total = math.fsum(self.weights(w) for w in content)
        return math.fsum(self.weights(w) for w in content if w in available) / total

    def check(self, fact: str, passages: Sequence[Passage]) -> Check:
        facts = fact_terms(fact)
        if not facts.content:
            return Check(False, "no content words")
        best: tuple[float, int] | None = None
        for rank, passage in enumerate(passages):
            found = self._terms(passage)
            if facts.key <= found.words:
                coverage = self._coverage(facts.content, found.words)
                if best is None or coverage > best[0]:
                    best = (coverage, rank)
        if best is None:
            return Check(False, "a number or name of the fact is in no passage")
        coverage, rank = best
        if coverage < self.threshold:
            return Check(False, f"coverage {coverage:.2f} below {self.threshold}", rank, coverage)
        sentence = max(
            self._terms(passages[rank]).sentences,
            key=lambda s: self._coverage(facts.content, s[0]),
            default=(frozenset(), False),
        )
        if sentence[1] != facts.negated:
            return Check(False, "negation mismatch", rank, coverage)
        return Check(True, "supported", rank, coverage)

    def supported(self, fact: str, passages: Sequence[Passage]) -> bool:
        return self.check(fact, passages).supported
