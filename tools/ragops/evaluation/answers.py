"""Answer metrics against reference answers: SQuAD v1.1 exact match and token F1, ROUGE-L, BLEU.

Normalisation follows the official SQuAD v1.1 evaluation script exactly (lowercase, drop ASCII punctuation,
drop the articles a/an/the, collapse whitespace), so values are comparable with published SQuAD-style numbers.
Tokens are whitespace-separated, so text without spaces between words (Chinese, Japanese) scores per run of
characters; that is the SQuAD rule, kept rather than silently changed.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sacrebleu.metrics.bleu import BLEU

_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


# rouge-score imports nltk (about 1.6 s), and the report model — hence every CLI command that writes schemas —
# imports this module; the scorers are built on first use instead.
@cache
def _rouge() -> Any:
    from rouge_score import rouge_scorer

    # Stemming off: scores then depend only on surface tokens, like EM and F1, and not on the stemmer's rules.
    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)


@cache
def _bleu() -> BLEU:
    from sacrebleu.metrics.bleu import BLEU

    # effective_order: short answers rarely have 4-grams; without it most sentence scores collapse to smoothed noise.
    return BLEU(effective_order=True)


def normalize(text: str) -> str:
    """SQuAD v1.1 ``normalize_answer``."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(answer: str, references: Sequence[str]) -> float:
    """1 when the normalised answer equals any normalised reference."""
    normalized = normalize(answer)
    return 1.0 if any(normalized == normalize(ref) for ref in references) else 0.0


def token_f1(answer: str, reference: str) -> float:
    """SQuAD v1.1 token F1 of one answer against one reference (bag of tokens, counts clipped)."""
    predicted = normalize(answer).split()
    gold = normalize(reference).split()
    same = sum((Counter(predicted) & Counter(gold)).values())
    if same == 0:
        return 0.0
    p = same / len(predicted)
    r = same / len(gold)
    return 2 * p * r / (p + r)


def f1(answer: str, references: Sequence[str]) -> float:
    """Best token F1 over the references."""
    return max(token_f1(answer, ref) for ref in references)


def rouge_l(answer: str, references: Sequence[str]) -> float:
    """Best ROUGE-L F-measure over the references (rouge-score's tokenizer: lowercase, alphanumeric tokens)."""
    return max(float(_rouge().score(ref, answer)["rougeL"].fmeasure) for ref in references)


def bleu(answer: str, references: Sequence[str]) -> float:
    """Sentence BLEU (sacrebleu, 13a tokenizer, exp smoothing) on a 0–1 scale, all references at once.

    Per question rather than corpus BLEU so that every answer metric is a mean of per-question values: test-set
    and tag breakdowns, worst-question lists and the paired statistics of the diff then work the same way for
    BLEU as for F1. BLEU defines multi-reference scoring itself (n-gram counts clipped by the most generous
    reference, closest reference length), so references are passed together rather than maximised over.
    """
    return float(_bleu().sentence_score(answer, list(references)).score) / 100.0
