"""A run's FActScore registry entries: atomic facts and their verdicts for every prediction, computed up front,
then read by :class:`~ragops.evaluation.metrics.QuestionMetric` entries named by
:func:`~ragops.evaluation.metrics.factscore_name`.

Two families, each with one fixed method so a name always means the same measurement:

- ``factscore_lexical*``, always (for an LLM generator): rule-based facts (:mod:`.rule_facts`), the lexical
  verifier (:mod:`.lexical_verifier`). Offline, deterministic, role ``gate``.
- ``factscore_llm*``, when the judge is configured with ``factscore: true``: facts by the judge model
  (:mod:`.llm_facts`), verdicts by the judge model (:mod:`.llm_verifier`), both cached. Role as the judge's.

Each family reports the score and the unpenalised score against two kinds of evidence (the top-5 corpus
passages; the passages the answer was given), the share answered and the facts per answer. For the extractive
generator it is not applicable (``method.NOT_APPLICABLE``): nothing is reported, rather than a perfect score.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ragops.config.models import AppConfig
from ragops.config.testset import QuestionRecord
from ragops.evaluation.factscore import llm_facts, llm_verifier, rule_facts
from ragops.evaluation.factscore.evidence import CorpusEvidence, Passage
from ragops.evaluation.factscore.lexical_verifier import LexicalVerifier, Weights
from ragops.evaluation.factscore.method import applies, lexical_method, llm_judge, llm_method
from ragops.evaluation.factscore.scores import score_answer
from ragops.evaluation.judge import Judge
from ragops.evaluation.metrics import (
    FACTSCORE_MEASURES,
    FactScoreMeasure,
    FactScoreVerifier,
    QuestionMetric,
    Role,
    factscore_info,
    factscore_name,
)
from ragops.evaluation.predictions import Prediction
from ragops.rag.index import load_text_index

Key = tuple[str, str]
Progress = Callable[[str, int, int], None]
STAGE = "factscore"


@dataclass(frozen=True)
class Verdicts:
    """One answer's atomic facts and, per fact, whether the corpus passages and the given passages support it."""

    facts: tuple[str, ...]
    corpus: tuple[bool, ...]
    context: tuple[bool, ...]


def measures(verdicts: Verdicts) -> dict[FactScoreMeasure, float | None]:
    """The per-question values of every measure (None: undefined for this answer, as for an abstention)."""
    corpus, context = score_answer(verdicts.corpus), score_answer(verdicts.context)
    return {
        "score": corpus.score,
        "unpenalized": corpus.unpenalized,
        "context": context.score,
        "context_unpenalized": context.unpenalized,
        "answered": 1.0 if corpus.answered else 0.0,
        "facts": float(corpus.facts) if corpus.answered else None,
    }


def weights_of(evidence: CorpusEvidence) -> Weights:
    """Word weights from the corpus the chunks were cut from (a word counts once per document)."""
    texts: dict[str, list[str]] = defaultdict(list)
    for chunk in evidence.chunks:
        texts[chunk.doc_id].append(chunk.text)
    return Weights.from_documents(texts)


def lexical_verdicts(
    predictions: Sequence[Prediction], evidence: CorpusEvidence, verifier: LexicalVerifier
) -> dict[Key, Verdicts]:
    facts = {p.key: rule_facts.atomic_facts(p.answer) for p in predictions}
    queries = [fact for p in predictions for fact in facts[p.key]]
    found = iter(evidence.search(queries))
    out: dict[Key, Verdicts] = {}
    for p in predictions:
        given = evidence.given(p)
        corpus = [verifier.supported(fact, next(found)) for fact in facts[p.key]]
        context = [verifier.supported(fact, given) for fact in facts[p.key]]
        out[p.key] = Verdicts(tuple(facts[p.key]), tuple(corpus), tuple(context))
    return out


def _llm_supported(judge: Judge, fact: str, passages: Sequence[Passage]) -> bool:
    # No passage shares a word with the fact: nothing could support it, and there is nothing to ask about.
    return bool(passages) and llm_verifier.supported(judge, fact, passages)


def llm_verdicts(
    predictions: Sequence[Prediction], evidence: CorpusEvidence, judge: Judge, progress: Progress | None = None
) -> dict[Key, Verdicts]:
    out: dict[Key, Verdicts] = {}
    for done, p in enumerate(predictions, start=1):
        facts = llm_facts.atomic_facts(judge, p.answer)
        given = evidence.given(p)
        corpus = [_llm_supported(judge, f, passages) for f, passages in zip(facts, evidence.search(facts), strict=True)]
        context = [_llm_supported(judge, f, given) for f in facts]
        out[p.key] = Verdicts(tuple(facts), tuple(corpus), tuple(context))
        if progress is not None:
            progress(STAGE, done, len(predictions))
    return out


def entries(
    verifier: FactScoreVerifier, verdicts: Mapping[Key, Verdicts], method_text: str, role: Role
) -> tuple[QuestionMetric, ...]:
    """Registry entries reading ``verdicts``: one per measure, in :data:`FACTSCORE_MEASURES` order."""
    values = {key: measures(v) for key, v in verdicts.items()}

    def entry(measure: FactScoreMeasure) -> QuestionMetric:
        def compute(prediction: Prediction, _record: QuestionRecord) -> float | None:
            return values[prediction.key][measure]

        info = factscore_info(verifier, measure, method_text, role)
        return QuestionMetric(factscore_name(verifier, measure), info, compute)

    return tuple(entry(measure) for measure in FACTSCORE_MEASURES)


def factscore_metrics(
    config: AppConfig,
    predictions: Sequence[Prediction],
    index_dir: Path,
    judge_cache_dir: Path,
    progress: Progress | None = None,
) -> tuple[QuestionMetric, ...]:
    """The run's FActScore entries ((): not applicable to the app's generator). The evidence is the index the
    answers were retrieved from; LLM replies are cached in ``judge_cache_dir``."""
    if not applies(config):
        return ()
    chunks, text = load_text_index(index_dir)
    evidence = CorpusEvidence(chunks, text)
    verifier = LexicalVerifier(weights_of(evidence))
    found = entries("lexical", lexical_verdicts(predictions, evidence, verifier), lexical_method(), "gate")
    judge = llm_judge(config)
    if judge is None:
        return found
    role: Role = "advisory" if judge.advisory else "gate"
    verdicts = llm_verdicts(predictions, evidence, Judge(judge, judge_cache_dir), progress)
    return found + entries("llm", verdicts, llm_method(judge), role)
