"""The metric registry: every metric ragops reports, by name, with what "better" means for it.

Three shapes of entry, all wrapping pure functions from the sibling modules:

- :class:`QuestionMetric` — one value per question (or None where undefined); the run value is the mean over
  the questions where it is defined.
- :class:`RankedMetric` — the same, with a rank cut-off; it is reported once per ``k`` as ``name@k``.
- :class:`RunMetric` — one value for the whole run (latency percentiles, throughput); reported in ``timings``.

Each carries :class:`MetricInfo`: ``direction`` (is higher or lower better), ``role`` (``gate``: deterministic,
fit to fail a pull request; ``advisory``: reported, never fails one), ``kind`` and whether it is ranked. An entry
flagged ``headline`` is one of the few a short summary shows: what a release records, what ``release status`` and
the run summary of ``ragops eval`` print (:func:`headline_names`); a ranked one at the headline cut-off
(:func:`headline_k`). Summaries ask this flag; none keeps a list of names of its own.

LLM-as-judge metrics fit the same shape: when an app configures a judge, :func:`ragops.evaluation.judge.judge_metrics`
builds ``QuestionMetric`` entries of kind ``judge`` (advisory by default) whose functions read cached
judgements, and the scoring step passes ``METRICS + judge_entries`` to :func:`ragops.evaluation.report.score`.
Nothing here calls a network.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ragops.config.testset import QuestionRecord
from ragops.evaluation import answers, carried, cost, grounding, retrieval
from ragops.evaluation.predictions import Prediction

Direction = Literal["higher", "lower"]
Role = Literal["gate", "advisory"]
Kind = Literal["retrieval", "answer", "grounding", "conversation", "cost", "judge"]

QuestionFn = Callable[[Prediction, QuestionRecord], float | None]
RankedFn = Callable[[Prediction, QuestionRecord, int], float | None]
RunFn = Callable[[Sequence[Prediction], float | None], float | None]


class MetricInfo(BaseModel):
    """What a report reader needs to judge a change in a metric without importing this registry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    direction: Direction
    role: Role
    kind: Kind
    ranked: bool
    description: str


@dataclass(frozen=True)
class QuestionMetric:
    name: str
    info: MetricInfo
    compute: QuestionFn
    headline: bool = False


@dataclass(frozen=True)
class RankedMetric:
    name: str
    info: MetricInfo
    compute: RankedFn
    headline: bool = False


@dataclass(frozen=True)
class RunMetric:
    name: str
    info: MetricInfo
    compute: RunFn
    headline: bool = False
    clock: bool = True  # measured in time (depends on the machine and its load); False: a count (tokens)


Metric = QuestionMetric | RankedMetric


@dataclass(frozen=True)
class BoundMetric:
    """A question metric with its cut-off applied: the unit the scorer iterates over."""

    name: str
    info: MetricInfo
    compute: QuestionFn


def _info(kind: Kind, description: str, *, ranked: bool = False, direction: Direction = "higher") -> MetricInfo:
    # context_carried falls when retrieval without the history gets better, which is no regression: advisory.
    role: Role = "advisory" if kind in ("cost", "judge", "conversation") else "gate"
    return MetricInfo(direction=direction, role=role, kind=kind, ranked=ranked, description=description)


def _doc(prediction: Prediction, record: QuestionRecord) -> tuple[list[bool], int]:
    return retrieval.doc_flags(prediction.retrieved_doc_ids, record.gold_doc_ids), len(set(record.gold_doc_ids))


# A conversation's turn may have reference answers or gold documents only: the metrics that need the missing one
# are undefined for it (None), not zero.
def _with_answers(compute: QuestionFn) -> QuestionFn:
    return lambda p, r: compute(p, r) if r.answers else None


def _with_gold_docs(compute: RankedFn) -> RankedFn:
    return lambda p, r, k: compute(p, r, k) if r.gold_doc_ids else None


def _chunks(prediction: Prediction, record: QuestionRecord) -> list[bool] | None:
    # Chunk-level metrics exist only where the test set marks evidence spans.
    return retrieval.chunk_flags(prediction.chunks, record.gold_spans) if record.gold_spans else None


def _doc_metric(
    name: str, description: str, compute: Callable[[list[bool], int, int], float], *, headline: bool = False
) -> RankedMetric:
    return RankedMetric(
        name,
        _info("retrieval", description, ranked=True),
        _with_gold_docs(lambda p, r, k: compute(*_doc(p, r), k)),
        headline=headline,
    )


def _chunk_metric(name: str, description: str, compute: Callable[[list[bool], int], float]) -> RankedMetric:
    def bound(p: Prediction, r: QuestionRecord, k: int) -> float | None:
        flags = _chunks(p, r)
        return None if flags is None else compute(flags, k)

    return RankedMetric(name, _info("retrieval", description, ranked=True), bound)


def _chunk_recall(p: Prediction, r: QuestionRecord, k: int) -> float | None:
    return retrieval.spans_recall(p.chunks, r.gold_spans, k) if r.gold_spans else None


# Registry order is report order: retrieval, answers, grounding.
METRICS: tuple[Metric, ...] = (
    _doc_metric(
        "hit_rate", "a gold document is among the top k", lambda f, _n, k: retrieval.hit_rate(f, k), headline=True
    ),
    _doc_metric("recall", "share of gold documents in the top k", lambda f, n, k: retrieval.recall(f, k, n)),
    _doc_metric("precision", "share of the top k that are gold documents", lambda f, _n, k: retrieval.precision(f, k)),
    _doc_metric(
        "mrr",
        "1 / rank of the first gold document in the top k",
        lambda f, _n, k: retrieval.reciprocal_rank(f, k),
        headline=True,
    ),
    _doc_metric(
        "ndcg", "nDCG of the top k documents, binary gains", lambda f, n, k: retrieval.ndcg(f, k, n), headline=True
    ),
    # Chunk level has no nDCG: its ideal ranking needs the number of relevant chunks in the whole index, which
    # depends on chunking and is unknown to a prediction. chunk_recall counts spans, not chunks, for the same reason.
    _chunk_metric("chunk_hit_rate", "a chunk overlapping a gold span is among the top k", retrieval.hit_rate),
    RankedMetric(
        "chunk_recall",
        _info("retrieval", "share of gold spans overlapped by the top k chunks", ranked=True),
        _chunk_recall,
    ),
    _chunk_metric("chunk_precision", "share of the top k chunks that overlap a gold span", retrieval.precision),
    _chunk_metric("chunk_mrr", "1 / rank of the first chunk overlapping a gold span", retrieval.reciprocal_rank),
    QuestionMetric(
        "exact_match",
        _info("answer", "SQuAD exact match, best reference"),
        _with_answers(lambda p, r: answers.exact_match(p.answer, r.answers)),
        headline=True,
    ),
    QuestionMetric(
        "f1",
        _info("answer", "SQuAD token F1, best reference"),
        _with_answers(lambda p, r: answers.f1(p.answer, r.answers)),
        headline=True,
    ),
    QuestionMetric(
        "rouge_l",
        _info("answer", "ROUGE-L F-measure, best reference"),
        _with_answers(lambda p, r: answers.rouge_l(p.answer, r.answers)),
    ),
    QuestionMetric(
        "bleu",
        _info("answer", "sentence BLEU / 100, all references"),
        _with_answers(lambda p, r: answers.bleu(p.answer, r.answers)),
    ),
    QuestionMetric(
        "answer_support",
        _info("grounding", "share of answer tokens found in the retrieved context"),
        lambda p, _r: grounding.answer_support(p.answer, p.context),
        headline=True,
    ),
    QuestionMetric(
        "citation_correctness",
        _info("grounding", "the cited documents include a gold document"),
        lambda p, r: grounding.citation_correctness(p.citations, r.gold_doc_ids) if r.gold_doc_ids else None,
        headline=True,
    ),
    QuestionMetric(
        "context_carried",
        _info("conversation", "follow-up turns whose gold documents were retrieved only with the history"),
        lambda p, r: carried.context_carried(p.retrieved_doc_ids, p.unaided_doc_ids, r.gold_doc_ids, bool(r.history)),
    ),
)


def _latency(stage: cost.Stage, q: float) -> RunFn:
    return lambda ps, _wall: cost.latency_percentile(ps, stage, q)


def _timing(
    name: str, description: str, compute: RunFn, direction: Direction = "lower", *, clock: bool = True
) -> RunMetric:
    return RunMetric(name, _info("cost", description, direction=direction), compute, clock=clock)


TIMINGS: tuple[RunMetric, ...] = (
    _timing("latency_p50_ms", "median retrieve + generate time per question", _latency(cost.total_ms, 50)),
    _timing("latency_p95_ms", "95th percentile retrieve + generate time", _latency(cost.total_ms, 95)),
    _timing("retrieve_latency_p50_ms", "median retrieval time", _latency(cost.retrieve_ms, 50)),
    _timing("retrieve_latency_p95_ms", "95th percentile retrieval time", _latency(cost.retrieve_ms, 95)),
    _timing("generate_latency_p50_ms", "median generation time", _latency(cost.generate_ms, 50)),
    _timing("generate_latency_p95_ms", "95th percentile generation time", _latency(cost.generate_ms, 95)),
    _timing(
        "prompt_tokens_total", "prompt tokens, all questions", lambda ps, _w: cost.tokens_total(ps, False), clock=False
    ),
    _timing(
        "completion_tokens_total",
        "completion tokens, all questions",
        lambda ps, _w: cost.tokens_total(ps, True),
        clock=False,
    ),
    _timing(
        "prompt_tokens_mean", "prompt tokens per question", lambda ps, _w: cost.tokens_mean(ps, False), clock=False
    ),
    _timing(
        "completion_tokens_mean",
        "completion tokens per question",
        lambda ps, _w: cost.tokens_mean(ps, True),
        clock=False,
    ),
    _timing(
        "questions_per_second",
        "questions answered per second of wall time",
        cost.questions_per_second,
        direction="higher",
    ),
)


def bind(metrics: Sequence[Metric], k_values: Sequence[int]) -> list[BoundMetric]:
    """Expand ranked metrics into one entry per cut-off (ascending k), keeping registry order otherwise."""
    ks = sorted(set(k_values))
    out: list[BoundMetric] = []
    for metric in metrics:
        if isinstance(metric, RankedMetric):
            out.extend(BoundMetric(f"{metric.name}@{k}", metric.info, _at(metric.compute, k)) for k in ks)
        else:
            out.append(BoundMetric(metric.name, metric.info, metric.compute))
    return out


def _at(compute: RankedFn, k: int) -> QuestionFn:
    return lambda p, r: compute(p, r, k)


# The cut-off summaries show ranked metrics at: this one when a run reports it, else the largest it reports.
HEADLINE_K = 5


def headline_k(k_values: Sequence[int]) -> int:
    return HEADLINE_K if HEADLINE_K in k_values else max(k_values)


def headline_names(k_values: Sequence[int]) -> list[str]:
    """The names of the headline metrics of a run with these cut-offs, in registry (report) order."""
    k = headline_k(k_values)
    return [f"{m.name}@{k}" if isinstance(m, RankedMetric) else m.name for m in (*METRICS, *TIMINGS) if m.headline]


def registry_entry(name: str) -> Metric | RunMetric | None:
    """The registry entry a reported name (``f1``, ``hit_rate@5``, ``latency_p95_ms``) comes from; None for names
    the registry does not hold (judge metrics, which an app's config defines)."""
    base, _, _k = name.partition("@")
    return next((m for m in (*METRICS, *TIMINGS) if m.name == base), None)


def is_headline(name: str) -> bool:
    """Whether a reported name belongs to a headline entry (at any cut-off)."""
    entry = registry_entry(name)
    return entry is not None and entry.headline


def headline_among(names: Iterable[str]) -> list[tuple[str, Metric | RunMetric]]:
    """The headline metrics among reported ``names`` with their entries, in registry (report) order."""
    order = {m.name: i for i, m in enumerate((*METRICS, *TIMINGS))}
    found = [(name, entry) for name in names if (entry := registry_entry(name)) is not None and entry.headline]
    return sorted(found, key=lambda pair: (order[pair[1].name], pair[0]))


# FActScore (Min et al., 2023; ragops.evaluation.factscore, docs/factscore.md), for apps that generate with an
# LLM. Its values come from a run's atomic facts and their verdicts, so ragops.evaluation.factscore.family binds
# these names to a run, as judge_metrics does; the names and what each means are fixed here. Two families, never
# mixed: factscore_lexical* (rule-based facts, lexical verifier: offline, deterministic, may gate) and
# factscore_llm* (the reference method with the judge model: advisory like every judge metric).
FactScoreVerifier = Literal["lexical", "llm"]
FactScoreMeasure = Literal["score", "unpenalized", "context", "context_unpenalized", "answered", "facts"]
_FACTSCORE_MEASURES: dict[FactScoreMeasure, str] = {
    "score": "share of atomic facts supported by the top-5 corpus passages, x exp(1-10/n) below 10 facts",
    "unpenalized": "share of atomic facts supported by the top-5 corpus passages, no length penalty",
    "context": "share of atomic facts supported by the passages the answer was given, x exp(1-10/n) below 10 facts",
    "context_unpenalized": "share of atomic facts supported by the passages the answer was given, no length penalty",
    "answered": "the answer states at least one atomic fact (1) rather than abstaining (0)",
    "facts": "atomic facts per answer that states any",
}
FACTSCORE_MEASURES: tuple[FactScoreMeasure, ...] = tuple(_FACTSCORE_MEASURES)


def factscore_name(verifier: FactScoreVerifier, measure: FactScoreMeasure) -> str:
    """``factscore_lexical``, ``factscore_llm_unpenalized``, …: the family, the verifier, then the measure."""
    return f"factscore_{verifier}" if measure == "score" else f"factscore_{verifier}_{measure}"


def factscore_info(verifier: FactScoreVerifier, measure: FactScoreMeasure, method: str, role: Role) -> MetricInfo:
    """``method`` names the pinned decomposer, evidence and verifier, so the report records what was measured."""
    kind: Kind = "grounding" if verifier == "lexical" else "judge"
    description = f"FActScore, {method}: {_FACTSCORE_MEASURES[measure]}"
    return MetricInfo(direction="higher", role=role, kind=kind, ranked=False, description=description)
