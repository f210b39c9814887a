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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sacrebleu.metrics.bleu import BLEU

# str.translate deletes the ASCII punctuation in one pass: the same text as the script's per-character filter,
# much faster on long texts (answer_support normalises the whole retrieved context of every question).
_DELETE_PUNCTUATION = str.maketrans("", "", string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


# ROUGE-L as rouge-score computes it with stemming off (its tokenizer: lowercase, runs of [a-z0-9]), written
# out here because importing rouge-score imports nltk and scipy — seconds at the start of every scoring step.
# The tests check it against rouge-score itself.
_NON_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def _rouge_tokens(text: str) -> list[str]:
    return _NON_ALPHANUMERIC.sub(" ", text.lower()).split()


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence, bit-parallel (Allison–Dix, Hyyrö): one row of the dynamic
    programme per token of ``a``, held as the bits of an integer, so a row costs a few integer operations."""
    matches: dict[str, int] = {}
    for j, token in enumerate(b):
        matches[token] = matches.get(token, 0) | (1 << j)
    full = (1 << len(b)) - 1
    row = full
    for token in a:
        common = row & matches.get(token, 0)
        row = ((row + common) | (row - common)) & full
    return len(b) - row.bit_count()


def _rouge_l_fmeasure(target: str, prediction: str) -> float:
    target_tokens, prediction_tokens = _rouge_tokens(target), _rouge_tokens(prediction)
    if not target_tokens or not prediction_tokens:
        return 0.0
    lcs = _lcs_length(target_tokens, prediction_tokens)
    precision = lcs / len(prediction_tokens)
    recall = lcs / len(target_tokens)
    # rouge-score's scoring.fmeasure, operation for operation, so the floats are the same.
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


@cache
def _bleu() -> BLEU:
    from sacrebleu.metrics.bleu import BLEU

    # effective_order: short answers rarely have 4-grams; without it most sentence scores collapse to smoothed noise.
    return BLEU(effective_order=True)


def normalize(text: str) -> str:
    """SQuAD v1.1 ``normalize_answer``."""
    text = text.lower().translate(_DELETE_PUNCTUATION)
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
    return max(_rouge_l_fmeasure(ref, answer) for ref in references)


def bleu(answer: str, references: Sequence[str]) -> float:
    """Sentence BLEU (sacrebleu, 13a tokenizer, exp smoothing) on a 0–1 scale, all references at once.

    Per question rather than corpus BLEU so that every answer metric is a mean of per-question values: test-set
    and tag breakdowns, worst-question lists and the paired statistics of the diff then work the same way for
    BLEU as for F1. BLEU defines multi-reference scoring itself (n-gram counts clipped by the most generous
    reference, closest reference length), so references are passed together rather than maximised over.
    """
    return float(_bleu().sentence_score(answer, list(references)).score) / 100.0
