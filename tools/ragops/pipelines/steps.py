"""What each pipeline step does, as plain functions over paths and JSON strings.

The KFP components are thin adaptors over these, so the steps can be tested without KFP and run the same on
the local runner and on a cluster. Every artifact is a folder or file path the step reads or writes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

from ragops import tracing
from ragops.config.models import AppConfig
from ragops.config.testset import QuestionRecord, load_testset
from ragops.errors import ValidationFailed
from ragops.evaluation.metrics import METRICS, Metric
from ragops.evaluation.predictions import ChunkHit, Latency, Prediction, distinct_doc_ids, read_jsonl, write_jsonl
from ragops.evaluation.report import Metadata
from ragops.evaluation.run_folder import IndexSummary, RunContents, RunFolder
from ragops.evaluation.scoring import build_report, score
from ragops.progress import StepEmitter
from ragops.rag.answering import Answer, Retrieved, answer_from
from ragops.rag.hashing import INDEX_SECTIONS
from ragops.rag.hits import Hit, retrieved_text

# The index, the embedding model and the judge's HTTP client are imported by the steps that use them: each step
# is a process of its own, and the generate and score steps should not pay seconds for imports they never use.


def _only(config: AppConfig, name: str, sections: tuple[str, ...]) -> AppConfig:
    """The config with only ``sections`` of its spec kept (the rest at defaults) under a fixed name, so its JSON —
    a step's cache-key parameter — changes exactly when one of those sections does, and apps that agree on them
    share the step's cached output."""
    dumped = config.spec.model_dump(mode="json", by_alias=True)
    return AppConfig.model_validate(
        {
            "apiVersion": config.api_version,
            "kind": config.kind,
            "metadata": {"name": name},
            "spec": {"data": {"corpus": "corpus", "testsets": ["testsets"]}, **{k: dumped[k] for k in sections}},
        }
    )


def retrieval_only(config: AppConfig, conversational: bool = False) -> AppConfig:
    """What shapes retrieval: the indexing settings (the engine checks the index against them) and the
    retrieval settings. Editing the prompt, the LLM or the citation mode leaves it unchanged. With
    ``conversational`` test sets the condense step runs before retrieval too, so its settings count — and the LLM's
    when the LLM condenses."""
    sections: tuple[str, ...] = (*INDEX_SECTIONS, "retrieval")
    if conversational:
        sections += ("conversation",)
        if config.spec.conversation.uses_llm(config.spec.llm.provider):
            sections += ("llm", "prompt")  # the prompt's lang fills the condense prompt's {lang}
    return _only(config, "retrieval", sections)


def has_conversations(testsets: dict[str, list[QuestionRecord]]) -> bool:
    return any(record.history for records in testsets.values() for record in records)


def generation_only(config: AppConfig) -> AppConfig:
    """What shapes an answer once the hits are known: the LLM, the prompt and the citation mode."""
    return _only(config, "generation", ("llm", "prompt", "citation"))


def index_step(index_config_json: str, corpus_dir: str, index_dir: str, embedding_cache_dir: str) -> str:
    """Build the index; returns its :class:`IndexSummary` as JSON (shown to the user, kept in the run folder)."""
    progress = StepEmitter("build-index")
    progress("start", 0, 1)  # at once: importing the index stack, fingerprinting and the tokenizer take seconds
    from ragops.rag.index import build_index

    config = AppConfig.model_validate_json(index_config_json)
    cache = Path(embedding_cache_dir) if embedding_cache_dir else Path(index_dir).parent / "embedding-cache"
    with tracing.step("build-index") as traced:
        report = build_index(config, Path(corpus_dir), Path(index_dir), cache, progress, root=Path.cwd())
        traced.set("ragops.chunks", report.chunks)
        traced.set("ragops.embedded", report.embedded)
        if report.privacy is not None:
            traced.set("ragops.privacy.redacted", report.privacy.redacted)
            traced.set("ragops.privacy.rejected", len(report.privacy.rejected))
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


def split_step(testsets_dir: str, split_json: str, part: str, out_dir: str) -> int:
    """Copy the questions of one part of the split (``ragops.evaluation.split``) into ``out_dir``, line for line
    as the test sets hold them; returns how many. The test sets were validated when they were staged."""
    from ragops.evaluation.split import PARTS, SplitSpec, part_of

    if part not in PARTS:
        raise ValidationFailed(f"unknown part {part!r} of the split: one of {', '.join(PARTS)}")
    spec = SplitSpec.model_validate_json(split_json)
    read_testsets(Path(testsets_dir))  # fails on an invalid test set, as every step that reads them does
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    kept = 0
    for path in sorted(Path(testsets_dir).glob("*.jsonl")):
        lines = [
            line
            for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
            if line.strip() and part_of(spec, path.stem, str(json.loads(line)["id"])) == part
        ]
        if lines:
            (out / path.name).write_text("".join(lines), encoding="utf-8")
            kept += len(lines)
    if not kept:
        raise ValidationFailed(f"the {part} part of the split holds no questions: the test sets are too small to split")
    return kept


def shard_of(
    testsets: dict[str, list[QuestionRecord]], shard: int, num_shards: int
) -> list[tuple[str, QuestionRecord]]:
    """Questions of one shard: every ``num_shards``-th question of the canonical order (test set, then line)."""
    ordered = [(name, record) for name in sorted(testsets) for record in testsets[name]]
    return ordered[shard::num_shards]


def to_prediction(
    testset: str,
    question_id: str,
    answer: Answer,
    cites: bool,
    asked: str | None = None,
    unaided_doc_ids: list[str] | None = None,
) -> Prediction:
    """A prediction of ``answer``; for a conversation's turn, ``asked`` is the question as asked (``answer`` is
    to the standalone question) and ``unaided_doc_ids`` what the question retrieved without its history."""
    chunks = [
        ChunkHit(chunk_id=h.chunk_id, doc_id=h.doc_id, start=h.start, end=h.end, score=h.score) for h in answer.hits
    ]
    return Prediction(
        id=question_id,
        testset=testset,
        question=asked if asked is not None else answer.question,
        standalone_question=answer.question if asked is not None else None,
        unaided_doc_ids=unaided_doc_ids,
        answer=answer.answer,
        retrieved_doc_ids=distinct_doc_ids(chunks),
        chunks=chunks,
        citations=list(answer.citations) if cites else None,
        context=retrieved_text(answer.hits),
        latency_ms=Latency(retrieve=answer.latency_ms["retrieve"], generate=answer.latency_ms["generate"]),
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
    )


def _task_name(step: str, shard: int, num_shards: int) -> str:
    return step if num_shards == 1 else f"{step}[{shard}]"


def retrieve_step(
    config_json: str,
    index_dir: str,
    testsets_dir: str,
    shard: int,
    num_shards: int,
    embedding_cache_dir: str,
    retrieved_path: str,
) -> float:
    """Retrieve the hits of one shard's questions into ``retrieved_path`` (JSONL: test set, question id,
    question, retrieval latency, hits); returns the seconds of the timed retrieval pass — with every question's
    vector at hand, so loading the models and embedding questions an earlier run had not cached are left out (see
    ``ragops.rag.engine``). Question vectors are kept in the embedding cache (next to the output when
    ``embedding_cache_dir`` is empty, as on a cluster).

    A conversation's turn is first made standalone from its (reference) history by the app's condenser — the step
    ``POST /v1/chat`` runs — and the standalone question is retrieved; a turn with history is also retrieved as
    asked, without it, so ``context_carried`` can tell whether the history found the evidence."""
    from ragops.rag.condensers import make_condenser
    from ragops.rag.embedding_cache import EmbeddingCache
    from ragops.rag.engine import RagEngine
    from ragops.rag.index import load_index

    config = AppConfig.model_validate_json(config_json)
    questions = shard_of(read_testsets(Path(testsets_dir)), shard, num_shards)
    cache_dir = Path(embedding_cache_dir) if embedding_cache_dir else Path(retrieved_path).parent / "embedding-cache"
    name = _task_name("retrieve-testset", shard, num_shards)
    progress = StepEmitter(name)
    turns = [record for _, record in questions if record.history]
    standalone: dict[str, str] = {}
    if turns:  # the LLM condenser makes a client: only for test sets that have turns
        condenser = make_condenser(config)
        standalone = {record.id: condenser.standalone(record.question, record.history).question for record in turns}
    asked = [standalone.get(record.id, record.question) for _, record in questions]
    unaided = [record.question for record in turns if standalone[record.id] != record.question]
    with tracing.step(name, {"ragops.questions": len(questions)}), EmbeddingCache(cache_dir) as cache:
        engine = RagEngine(config, load_index(Path(index_dir)), Path.cwd(), embedding_cache=cache)
        retrieved = engine.retrieve_many(asked, progress)
        alone = {found.question: found.hits for found in engine.retrieve_many(unaided)} if unaided else {}
    with Path(retrieved_path).open("w", encoding="utf-8") as out:
        for (name, record), found in zip(questions, retrieved, strict=True):
            row: dict[str, object] = {
                "testset": name,
                "id": record.id,
                "question": found.question,
                "retrieve_ms": found.retrieve_ms,
                "hits": [hit.to_dict() for hit in found.hits],
            }
            if record.history:
                hits = alone.get(record.question, found.hits)  # unchanged by the history: the same hits
                row["asked"] = record.question
                row["unaided_doc_ids"] = list(dict.fromkeys(hit.doc_id for hit in hits))
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return sum(found.retrieve_ms for found in retrieved) / 1000


def generate_step(config_json: str, retrieved_path: str, retrieve_seconds: float, predictions_path: str) -> float:
    """Answer every question of ``retrieved_path`` (a ``retrieve_step`` output) from its hits, into
    ``predictions_path`` (JSONL); returns the shard's answering seconds: the timed retrieval pass and the answering
    loop (not the step's start-up)."""
    from ragops.rag.generators import make_generator

    config = AppConfig.model_validate_json(config_json)
    generator = make_generator(config)
    cites = config.spec.citation.mode != "off"
    with Path(retrieved_path).open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    started = time.perf_counter()
    progress = StepEmitter("generate-answers")
    predictions = []
    with tracing.step("generate-answers", {"ragops.questions": len(rows)}):
        for row in rows:
            found = Retrieved(row["question"], [Hit(**hit) for hit in row["hits"]], row["retrieve_ms"])
            answer = answer_from(generator, found)  # a turn's standalone question is what is answered
            predictions.append(
                to_prediction(row["testset"], row["id"], answer, cites, row.get("asked"), row.get("unaided_doc_ids"))
            )
            progress("generate", len(predictions), len(rows))
    write_jsonl(Path(predictions_path), predictions)
    return retrieve_seconds + time.perf_counter() - started


def score_step(
    config_json: str,
    prediction_paths: Sequence[str],
    shard_seconds: Sequence[float],
    testsets_dir: str,
    metadata_json: str,
    index_summary: str,
    report_dir: str,
    judge_cache_dir: str,
    index_dir: str,
) -> dict[str, float]:
    """Score all shards and write the run's report files into ``report_dir``; returns the metrics.

    With a judge configured, the judge metrics are scored too; its replies are cached in ``judge_cache_dir``
    (next to the report folder when empty, as on a cluster). For an app that generates with an LLM, FActScore
    is scored too, with the index in ``index_dir`` (the one the answers were retrieved from) as its evidence."""
    with tracing.step("score-run"):
        config = AppConfig.model_validate_json(config_json)
        testsets = read_testsets(Path(testsets_dir))
        predictions = [p for path in prediction_paths for p in read_jsonl(Path(path))]
        # Shards run side by side on a cluster: the run took as long as its slowest shard.
        wall = max(shard_seconds) if shard_seconds else None
        metrics: tuple[Metric, ...] = METRICS
        judge = config.spec.evaluation.judge
        cache = Path(judge_cache_dir) if judge_cache_dir else Path(report_dir).parent / "judge-cache"
        if judge is not None:
            from ragops.evaluation.judge import judge_metrics

            metrics += judge_metrics(judge, predictions, cache)
        from ragops.evaluation.factscore.family import factscore_metrics

        metrics += factscore_metrics(config, predictions, Path(index_dir), cache, StepEmitter("score-run"))
        scoring = score(predictions, testsets, config.spec.evaluation.k_values, wall_seconds=wall, metrics=metrics)
        index = IndexSummary.model_validate_json(index_summary)
        metadata = Metadata.model_validate(
            {**json.loads(metadata_json), "index_id": index.index_id, "privacy": index.privacy}
        )
        report = build_report(scoring, app=config.name, metadata=metadata)
        RunFolder(Path(report_dir)).write(
            RunContents(report=report, predictions=scoring.predictions, config=config, index=index, testsets=testsets)
        )
        return dict(report.metrics)
