"""Retrieval metrics agree with trec_eval (via pytrec_eval) to 1e-9, and the chunk level follows its rules."""

from __future__ import annotations

import math

import pytest
import pytrec_eval

from ragops.config.testset import GoldSpan
from ragops.evaluation import retrieval
from ragops.evaluation.metrics import METRICS, bind
from ragops.evaluation.predictions import ChunkHit
from ragops.evaluation.scoring import score
from tests.support.runs import Run

K_VALUES = [1, 3, 5, 10]
# ragops name → trec_eval measure at cut-off k (recip_rank has no cut-off: the run is truncated to k instead).
TREC = {"hit_rate": "success_{k}", "recall": "recall_{k}", "precision": "P_{k}", "ndcg": "ndcg_cut_{k}"}


def _trec(run: Run) -> dict[str, dict[str, float]]:
    """trec_eval measures per question, keyed by ragops metric names."""
    qrels = {
        f"{name}/{r.id}": {doc: 1 for doc in r.gold_doc_ids} for name, records in run.testsets.items() for r in records
    }
    # Strictly decreasing scores, so trec_eval's score sort reproduces the rank order exactly.
    ranked = {f"{p.testset}/{p.id}": p.retrieved_doc_ids for p in run.predictions if p.retrieved_doc_ids}
    ks = ",".join(map(str, K_VALUES))
    full = pytrec_eval.RelevanceEvaluator(qrels, {f"success.{ks}", f"recall.{ks}", f"P.{ks}", f"ndcg_cut.{ks}"})
    out: dict[str, dict[str, float]] = {q: {} for q in ranked}
    for q, values in full.evaluate(_scored(ranked, None)).items():
        for name, measure in TREC.items():
            for k in K_VALUES:
                out[q][f"{name}@{k}"] = values[measure.format(k=k)]
    for k in K_VALUES:
        for q, values in pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(_scored(ranked, k)).items():
            out[q][f"mrr@{k}"] = values["recip_rank"]
    return out


def _scored(ranked: dict[str, list[str]], k: int | None) -> dict[str, dict[str, float]]:
    return {q: {doc: float(len(docs) - i) for i, doc in enumerate(docs[:k])} for q, docs in ranked.items()}


def test_run_is_varied(run: Run) -> None:
    """Guard the fixture: the cross-check is only as good as the variety of the run it checks."""
    records = {(n, r.id): r for n, rs in run.testsets.items() for r in rs}
    first_gold_ranks = set()
    for p in run.predictions:
        gold = records[p.key].gold_doc_ids
        ranks = [i for i, d in enumerate(p.retrieved_doc_ids, 1) if d in gold]
        first_gold_ranks.add(ranks[0] if ranks else None)
    assert {None, 1, 2, 3}.issubset(first_gold_ranks) and max(r or 0 for r in first_gold_ranks) > 10
    assert any(not p.retrieved_doc_ids for p in run.predictions)
    assert any(len(r.gold_doc_ids) == 3 for rs in run.testsets.values() for r in rs)


def test_document_metrics_match_trec_eval(run: Run) -> None:
    expected = _trec(run)
    records = {(n, r.id): r for n, rs in run.testsets.items() for r in rs}
    doc_metrics = [m for m in bind(METRICS, K_VALUES) if m.name.split("@")[0] in {*TREC, "mrr"}]
    assert len(doc_metrics) == 5 * len(K_VALUES)
    checked = 0
    for p in run.predictions:
        for metric in doc_metrics:
            value = metric.compute(p, records[p.key])
            assert value is not None
            q = f"{p.testset}/{p.id}"
            # trec_eval drops questions with no retrieved documents; every measure is 0 for them.
            want = expected[q][metric.name] if q in expected else 0.0
            assert math.isclose(value, want, rel_tol=0, abs_tol=1e-9), (q, metric.name, value, want)
            checked += 1
    assert checked == len(run.predictions) * len(doc_metrics)


def test_run_means_match_trec_eval(run: Run) -> None:
    expected = _trec(run)
    report = score(run.predictions, run.testsets, K_VALUES).metrics
    n = len(run.predictions)
    for name in ("hit_rate@5", "recall@10", "precision@3", "mrr@10", "ndcg@5", "ndcg@1"):
        mean = math.fsum(values[name] for values in expected.values()) / n
        assert report[name] == pytest.approx(mean, abs=5e-7)  # reports are rounded to 6 places


def _chunk(doc: str, start: int, end: int) -> ChunkHit:
    return ChunkHit(chunk_id=f"{doc}:{start}", doc_id=doc, start=start, end=end, score=0.0)


def _span(doc: str, start: int, end: int) -> GoldSpan:
    return GoldSpan(doc_id=doc, start=start, end=end, text="x" * (end - start))


def test_chunk_relevance_is_overlap_within_the_same_document() -> None:
    spans = [_span("a", 100, 150), _span("b", 0, 10)]
    chunks = [
        _chunk("a", 0, 100),  # ends where the span starts: no shared character
        _chunk("c", 100, 150),  # right offsets, wrong document
        _chunk("a", 149, 300),  # shares one character
        _chunk("b", 5, 6),  # inside the span
    ]
    flags = retrieval.chunk_flags(chunks, spans)
    assert flags == [False, False, True, True]
    assert retrieval.reciprocal_rank(flags, 4) == pytest.approx(1 / 3)
    assert retrieval.precision(flags, 4) == 0.5
    assert retrieval.spans_recall(chunks, spans, 3) == 0.5
    assert retrieval.spans_recall(chunks, spans, 4) == 1.0
    # Two chunks covering one span count once: recall is over spans, not chunks.
    assert retrieval.spans_recall([_chunk("a", 90, 120), _chunk("a", 120, 160)], spans, 2) == 0.5


def test_chunk_metrics_are_reported_only_where_gold_spans_exist(run: Run) -> None:
    scoring = score(run.predictions, run.testsets, K_VALUES)
    with_spans = sum(1 for rs in run.testsets.values() for r in rs if r.gold_spans)
    assert 0 < with_spans < len(run.predictions)
    assert scoring.counts.scored["chunk_recall@5"] == with_spans
    assert scoring.counts.scored["hit_rate@5"] == len(run.predictions)
    for p in scoring.predictions:
        assert ("chunk_hit_rate@1" in p.metrics) == (int(p.id[-3:]) % 2 == 0)


def test_ndcg_by_hand() -> None:
    # Gold at ranks 2 and 4 of 2 relevant: DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3).
    flags = [False, True, False, True]
    want = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert retrieval.ndcg(flags, 10, 2) == pytest.approx(want, abs=1e-12)
    assert retrieval.ndcg([False], 1, 0) == 0.0
