"""Synthetic evaluation runs for the evaluation, diff and app tests.

A realistic evaluation run, generated from a fixed seed: two test sets, one to three gold documents per question,
gold documents at varied ranks or missing, empty rankings, gold spans on half the questions, answers that are
exact, decorated, partial, wrong or empty, and apps with and without citations; as run-folder contents; and a
degraded copy (the head of the diff tests loses its gold documents on some questions)."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragops.config.models import AppConfig
from ragops.config.testset import GoldSpan, QuestionRecord
from ragops.evaluation.metrics import METRICS, Metric
from ragops.evaluation.predictions import ChunkHit, Latency, Prediction, distinct_doc_ids
from ragops.evaluation.report import Metadata
from ragops.evaluation.run_folder import IndexSummary, RunContents, RunFolder
from ragops.evaluation.scoring import build_report, score

DOCS = [f"doc-{i:02d}" for i in range(40)]
REFERENCES = ["Eiffel Tower", "1889", "Gustave Eiffel", "wrought iron", "Paris, France", "324 metres"]
SPAN = (100, 140)  # where the evidence sits in every gold document
CHUNK = 200  # chunk j of a document covers [200 j, 200 j + 200), so only chunk 0 overlaps the span


@dataclass(frozen=True)
class Run:
    predictions: list[Prediction]
    testsets: dict[str, list[QuestionRecord]]


def _answer(rng: random.Random, reference: str) -> str:
    style = rng.randrange(5)
    if style == 0:
        return reference
    if style == 1:
        return f"The {reference}!"
    if style == 2:
        return f"it is {reference.split()[0]} probably"
    if style == 3:
        return "something else entirely"
    return ""


def _question(rng: random.Random, testset: str, number: int) -> tuple[Prediction, QuestionRecord]:
    qid = f"{testset}-q{number:03d}"
    gold = rng.sample(DOCS, rng.choice([1, 1, 2, 3]))
    spans = [GoldSpan(doc_id=d, start=SPAN[0], end=SPAN[1], text="x" * (SPAN[1] - SPAN[0])) for d in gold]
    reference = rng.choice(REFERENCES)
    record = QuestionRecord(
        id=qid,
        question=f"Question {number} about {reference}?",
        answers=[reference, reference.lower() + " (alt)"],
        gold_doc_ids=gold,
        gold_spans=spans if number % 2 == 0 else [],
        tags=rng.sample(["numeric", "entity", "multi-hop"], rng.randrange(3)),
    )
    ranking = rng.sample([d for d in DOCS if d not in gold], 0 if number % 11 == 0 else rng.randint(1, 12))
    for doc in gold:
        if ranking and rng.random() < 0.7:
            ranking.insert(rng.randrange(len(ranking) + 1), doc)
    chunks = [
        ChunkHit(chunk_id=f"{doc}#{j}", doc_id=doc, start=j * CHUNK, end=(j + 1) * CHUNK, score=0.0)
        for doc in ranking
        for j in sorted(rng.sample(range(3), rng.choice([1, 2])))
    ]
    chunks = [c.model_copy(update={"score": 1.0 - i / 100}) for i, c in enumerate(chunks)]
    cites: list[str] | None = None if testset == "beta" else ranking[: rng.randrange(2)]
    prediction = Prediction(
        id=qid,
        testset=testset,
        question=record.question,
        answer=_answer(rng, reference),
        retrieved_doc_ids=distinct_doc_ids(chunks),
        chunks=chunks,
        citations=cites,
        context=f"Some context. {reference if rng.random() < 0.6 else 'nothing useful'} here.",
        latency_ms=Latency(retrieve=rng.uniform(1, 30), generate=rng.uniform(50, 400)),
        prompt_tokens=rng.randint(200, 900),
        completion_tokens=rng.randint(1, 40),
    )
    return prediction, record


def make_run(seed: int = 20240601) -> Run:
    rng = random.Random(seed)
    predictions: list[Prediction] = []
    testsets: dict[str, list[QuestionRecord]] = {}
    for testset, size in (("alpha", 45), ("beta", 30)):
        for number in range(size):
            prediction, record = _question(rng, testset, number)
            predictions.append(prediction)
            testsets.setdefault(testset, []).append(record)
    return Run(predictions, testsets)


RUN_K_VALUES = [1, 5]
# The commit the runs record: a full commit id, as run metadata requires.
RUN_COMMIT = "abc123" + "0" * 34
# How every synthetic run measured its timings, unless a test says otherwise.
TIMING_CONDITIONS = "question vectors at hand, start-up excluded (v1); Test CPU × 2 CPU(s)"


def run_contents(
    run: Run, app: str = "sample", commit: str | None = RUN_COMMIT, dirty: bool | None = False
) -> RunContents:
    """The run as a run folder holds it: report (commit ``commit``, ``dirty``), predictions, config, index."""
    scoring = score(run.predictions, run.testsets, RUN_K_VALUES, wall_seconds=2.0)
    metadata = Metadata(
        git_commit=commit,
        config_hash="cfg",
        corpus_hash="corpus",
        testset_hashes={name: f"h-{name}" for name in run.testsets},
        index_id="corpus:cfg",
        k_values=RUN_K_VALUES,
        package_versions={"ragops": "0.1.0"},
        models={"embedding": "sentence-transformers:m", "llm": "extractive", "reranker": "r"},
        git_dirty=dirty,
        code_fingerprint="code0123",
        run_id="20260101T000000Z-abcdef12",
        timing_conditions=TIMING_CONDITIONS,
    )
    config = AppConfig.model_validate(
        {
            "apiVersion": "ragops.dev/v1",
            "kind": "RAGApp",
            "metadata": {"name": app},
            "spec": {"data": {"corpus": "datasets/x/docs", "testsets": ["datasets/x/testsets/a.jsonl"]}},
        }
    )
    index = IndexSummary(
        index_id="corpus:cfg",
        index_dir="/tmp/index",
        reused_index=False,
        documents=40,
        chunks=90,
        embedded=10,
        reused=80,
        problems=[{"path": "bad.pdf", "reason": "encrypted"}],
        notes=["a note"],
        seconds=1.5,
    )
    return RunContents(
        report=build_report(scoring, app=app, metadata=metadata),
        predictions=scoring.predictions,
        config=config,
        index=index,
        testsets={name: list(records) for name, records in run.testsets.items()},
    )


def write_run_folder(run: Run, folder: Path, commit: str | None = RUN_COMMIT, dirty: bool | None = False) -> RunFolder:
    out = RunFolder(folder)
    out.write(run_contents(run, commit=commit, dirty=dirty))
    return out


DIFF_K_VALUES = [1, 5]


def app_config(gate: Sequence[Mapping[str, Any]] = (), top_k: int = 5, app: str = "sample") -> AppConfig:
    return AppConfig.model_validate(
        {
            "apiVersion": "ragops.dev/v1",
            "kind": "RAGApp",
            "metadata": {"name": app},
            "spec": {
                "data": {"corpus": "datasets/x/docs", "testsets": ["datasets/x/testsets/alpha.jsonl"]},
                "retrieval": {"top_k": top_k},
                "evaluation": {"k_values": DIFF_K_VALUES, "gate": {"rules": list(gate)}},
            },
        }
    )


def contents(
    predictions: Sequence[Prediction],
    testsets: Mapping[str, Sequence[QuestionRecord]],
    config: AppConfig,
    commit: str = "a" * 40,
    metrics: Sequence[Metric] = METRICS,
    timing_conditions: str | None = None,
) -> RunContents:
    """A run of ``config``; ``metrics`` adds run-bound entries (judge, FActScore) to the registry's; its timings
    were measured under ``timing_conditions`` (default: the same for all)."""
    scoring = score(predictions, testsets, DIFF_K_VALUES, wall_seconds=2.0, metrics=metrics)
    metadata = Metadata(
        git_commit=commit,
        config_hash="cfg-" + commit[:6],
        corpus_hash="corpus",
        testset_hashes={name: f"h-{name}" for name in testsets},
        index_id="corpus:cfg",
        k_values=DIFF_K_VALUES,
        package_versions={"ragops": "0.1.0"},
        models={"embedding": "m", "llm": "extractive"},
        git_dirty=False,
        run_id="20260101T000000Z-abcdef12",
        timing_conditions=timing_conditions or TIMING_CONDITIONS,
    )
    index = IndexSummary(
        index_id="i", index_dir="/tmp/i", reused_index=True, documents=1, chunks=1, embedded=0, reused=1
    )
    return RunContents(
        report=build_report(scoring, app=config.name, metadata=metadata),
        predictions=scoring.predictions,
        config=config,
        index=index,
        testsets={name: list(records) for name, records in testsets.items()},
    )


def degrade(run: Run, every: int = 3) -> list[Prediction]:
    """Every ``every``-th question loses its gold documents from the ranking and its answer."""
    out: list[Prediction] = []
    records = {(name, r.id): r for name, rs in run.testsets.items() for r in rs}
    for i, p in enumerate(run.predictions):
        if i % every == 0:
            gold = set(records[p.key].gold_doc_ids)
            chunks = [c for c in p.chunks if c.doc_id not in gold]
            p = p.model_copy(
                update={
                    "chunks": chunks,
                    "retrieved_doc_ids": [d for d in p.retrieved_doc_ids if d not in gold],
                    "answer": "no idea",
                }
            )
        out.append(p)
    return out
