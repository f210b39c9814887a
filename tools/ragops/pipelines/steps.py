"""What each pipeline step does, as plain functions over paths and JSON strings.

The KFP components are thin adaptors over these, so the steps can be tested without KFP and run the same on
the local runner and on a cluster. Every artifact is a folder or file path the step reads or writes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

from ragops.config.models import AppConfig, EvaluationSpec
from ragops.config.testset import QuestionRecord, load_testset
from ragops.errors import ValidationFailed
from ragops.evaluation.judge import judge_metrics
from ragops.evaluation.metrics import METRICS, Metric
from ragops.evaluation.predictions import ChunkHit, Latency, Prediction, distinct_doc_ids, read_jsonl, write_jsonl
from ragops.evaluation.report import Metadata
from ragops.evaluation.run_folder import IndexSummary, RunContents, RunFolder
from ragops.evaluation.scoring import build_report, score
from ragops.rag.engine import Answer, RagEngine
from ragops.rag.index import build_index, load_index


def answering_only(config: AppConfig) -> AppConfig:
    """The config without its evaluation settings (k_values, gate, judge): the answering step's cache key, so
    changing how answers are scored never answers the questions again."""
    return config.model_copy(update={"spec": config.spec.model_copy(update={"evaluation": EvaluationSpec()})})


def index_step(index_config_json: str, corpus_dir: str, index_dir: str, embedding_cache_dir: str) -> str:
    """Build the index; returns its :class:`IndexSummary` as JSON (shown to the user, kept in the run folder)."""
    config = AppConfig.model_validate_json(index_config_json)
    cache = Path(embedding_cache_dir) if embedding_cache_dir else Path(index_dir).parent / "embedding-cache"
    report = build_index(config, Path(corpus_dir), Path(index_dir), cache, root=Path.cwd())
    return IndexSummary.model_validate(report.to_dict()).model_dump_json()


def read_testsets(folder: Path) -> dict[str, list[QuestionRecord]]:
    """Test sets staged for a run: ``<name>.jsonl`` files, already validated by ``ragops validate``."""
    testsets: dict[str, list[QuestionRecord]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        loaded = load_testset(path, path.name)
        if loaded.diagnostics:
            raise ValidationFailed(f"test set {path.name} is invalid: {loaded.diagnostics[0].render_text()}")
        testsets[path.stem] = loaded.records
    if not testsets:
        raise ValidationFailed(f"no test sets (*.jsonl) in {folder}")
    return testsets


def shard_of(
    testsets: dict[str, list[QuestionRecord]], shard: int, num_shards: int
) -> list[tuple[str, QuestionRecord]]:
    """Questions of one shard: every ``num_shards``-th question of the canonical order (test set, then line)."""
    ordered = [(name, record) for name in sorted(testsets) for record in testsets[name]]
    return ordered[shard::num_shards]


def to_prediction(testset: str, record: QuestionRecord, answer: Answer, cites: bool) -> Prediction:
    chunks = [
        ChunkHit(chunk_id=h.chunk_id, doc_id=h.doc_id, start=h.start, end=h.end, score=h.score) for h in answer.hits
    ]
    return Prediction(
        id=record.id,
        testset=testset,
        question=record.question,
        answer=answer.answer,
        retrieved_doc_ids=distinct_doc_ids(chunks),
        chunks=chunks,
        citations=list(answer.citations) if cites else None,
        context="\n\n".join(h.text for h in answer.hits),
        latency_ms=Latency(retrieve=answer.latency_ms["retrieve"], generate=answer.latency_ms["generate"]),
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
    )


def answer_step(
    config_json: str, index_dir: str, testsets_dir: str, shard: int, num_shards: int, predictions_path: str
) -> float:
    """Answer one shard's questions into ``predictions_path`` (JSONL); returns the wall seconds it took."""
    started = time.perf_counter()
    config = AppConfig.model_validate_json(config_json)
    questions = shard_of(read_testsets(Path(testsets_dir)), shard, num_shards)
    engine = RagEngine(config, load_index(Path(index_dir)), Path.cwd())
    answers = engine.answer_many([record.question for _, record in questions])
    cites = config.spec.citation.mode != "off"
    write_jsonl(
        Path(predictions_path),
        [to_prediction(name, record, answer, cites) for (name, record), answer in zip(questions, answers, strict=True)],
    )
    return time.perf_counter() - started


def score_step(
    config_json: str,
    prediction_paths: Sequence[str],
    shard_seconds: Sequence[float],
    testsets_dir: str,
    metadata_json: str,
    index_summary: str,
    report_dir: str,
    judge_cache_dir: str,
) -> dict[str, float]:
    """Score all shards and write the run's report files into ``report_dir``; returns the metrics.

    With a judge configured, the judge metrics are scored too; its replies are cached in ``judge_cache_dir``
    (next to the report folder when empty, as on a cluster)."""
    config = AppConfig.model_validate_json(config_json)
    testsets = read_testsets(Path(testsets_dir))
    predictions = [p for path in prediction_paths for p in read_jsonl(Path(path))]
    # Shards run side by side on a cluster: the run took as long as its slowest shard.
    wall = max(shard_seconds) if shard_seconds else None
    metrics: tuple[Metric, ...] = METRICS
    judge = config.spec.evaluation.judge
    if judge is not None:
        cache = Path(judge_cache_dir) if judge_cache_dir else Path(report_dir).parent / "judge-cache"
        metrics += judge_metrics(judge, predictions, cache)
    scoring = score(predictions, testsets, config.spec.evaluation.k_values, wall_seconds=wall, metrics=metrics)
    index = IndexSummary.model_validate_json(index_summary)
    metadata = Metadata.model_validate({**json.loads(metadata_json), "index_id": index.index_id})
    report = build_report(scoring, app=config.name, metadata=metadata)
    RunFolder(Path(report_dir)).write(
        RunContents(report=report, predictions=scoring.predictions, config=config, index=index, testsets=testsets)
    )
    return dict(report.metrics)
