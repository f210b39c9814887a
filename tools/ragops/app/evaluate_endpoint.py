"""Use case: evaluate a running service (``ragops eval CONFIG --endpoint URL``) into an ordinary run folder.

The app's test sets are asked of the service over HTTP (``ragops.serve.client``) and scored exactly as the
pipeline scores its in-process answers (``evaluation.scoring``), into the same run folder (``RunFolder``): the
retrieval metrics come from the sources the service returns, the answer metrics from its answers, latency from the
round trip measured at the client. The report's ``metadata.endpoint`` records the URL, the release the service
said it serves (``/metrics``) and every question it failed to answer usably; such a question counts as a failure
(an empty answer that retrieved nothing). The folder is assembled beside ``--out`` and renamed into place whole.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from ragops import logs
from ragops.app.evaluate import new_run_id
from ragops.app.preflight import load_app
from ragops.config.app_data import config_hash, corpus_path, paths_inside, testset_paths
from ragops.config.models import AppConfig
from ragops.config.testset import QuestionRecord, load_testset
from ragops.data.fingerprint import corpus_fingerprint, file_fingerprint
from ragops.errors import UsageError, ValidationFailed
from ragops.evaluation.predictions import ChunkHit, Latency, Prediction, distinct_doc_ids
from ragops.evaluation.provenance import (
    git_commit,
    git_dirty,
    installed_versions,
    model_identities,
    running_code_fingerprint,
    timing_conditions,
)
from ragops.evaluation.report import EndpointRun, Metadata, QuestionFailure, Report
from ragops.evaluation.run_folder import IndexSummary, RunContents, RunFolder, check_out_dir, publish, staging_folder
from ragops.evaluation.scoring import build_report, score
from ragops.layout import default_run_dir
from ragops.progress import Progress
from ragops.serve.client import Asked, ClientSettings, ServiceState, ask_all, service_state, wait_until_ready


@dataclass
class EndpointEval:
    out_dir: Path
    report: Report
    state: ServiceState
    failures: list[QuestionFailure]
    seconds: float = 0.0  # the whole command
    asking_seconds: float = 0.0  # the questions alone: what questions_per_second divides by
    warnings: list[str] = field(default_factory=list)


def load_testsets(config: AppConfig, root: Path) -> tuple[dict[str, list[QuestionRecord]], dict[str, str]]:
    """The app's test sets as evaluated (the first ``evaluation.max_questions`` of each) and their file hashes."""
    testsets: dict[str, list[QuestionRecord]] = {}
    hashes: dict[str, str] = {}
    limit = config.spec.evaluation.max_questions
    for name, path in testset_paths(config, root).items():
        if not path.is_file():
            raise ValidationFailed(f"test set {path} is missing; run 'ragops validate'")
        shown = path.relative_to(root).as_posix()
        loaded = load_testset(path, shown)
        if loaded.diagnostics:
            raise ValidationFailed(f"test set {shown} is invalid: {loaded.diagnostics[0].render_text()}")
        testsets[name] = loaded.records if limit is None else loaded.records[:limit]
        hashes[name] = file_fingerprint(path)
    conversational = [f"{name}/{r.id}" for name, records in testsets.items() for r in records if r.history]
    if conversational:
        raise UsageError(
            f"{len(conversational)} question(s) carry a conversation history ({', '.join(conversational[:3])}): "
            "conversational test sets are evaluated by the pipeline ('ragops eval' without --endpoint)"
        )
    return dict(sorted(testsets.items())), hashes


def to_prediction(testset: str, record: QuestionRecord, asked: Asked, cites: bool) -> Prediction:
    """The prediction a service's answer makes: its sources as the ranked chunks; a failure answers nothing."""
    client_ms = asked.seconds * 1000
    response = asked.response
    if response is None or response.detail is None:
        return Prediction(
            id=record.id,
            testset=testset,
            question=record.question,
            answer="",
            retrieved_doc_ids=[],
            citations=[] if cites else None,
            latency_ms=Latency(retrieve=0.0, generate=client_ms),
        )
    chunks = [
        ChunkHit(chunk_id=s.chunk_id, doc_id=s.doc_id, start=s.start, end=s.end, score=s.score)
        for s in response.sources
    ]
    retrieve = min(response.latency_ms.retrieve, client_ms)
    return Prediction(
        id=record.id,
        testset=testset,
        question=record.question,
        answer=response.answer,
        retrieved_doc_ids=distinct_doc_ids(chunks),
        chunks=chunks,
        citations=list(response.detail.citations) if cites else None,
        context=response.detail.context,
        # The service's retrieval share, and the rest of the round trip the client waited (queue, generation,
        # network): together the latency a user of this endpoint sees.
        latency_ms=Latency(retrieve=retrieve, generate=client_ms - retrieve),
        prompt_tokens=response.detail.prompt_tokens,
        completion_tokens=response.detail.completion_tokens,
    )


def _corpus_hash(config: AppConfig, root: Path) -> str:
    # The service holds the documents; a checkout without them (DVC data not pulled) can still ask it.
    corpus = corpus_path(config, root)
    return corpus_fingerprint(corpus) if corpus.is_dir() else ""


def evaluate_endpoint(
    config_path: Path,
    root: Path,
    endpoint: str,
    out_dir: Path | None = None,
    *,
    settings: ClientSettings | None = None,
    on_progress: Progress | None = None,
    force: bool = False,
) -> EndpointEval:
    """Ask the service at ``endpoint`` the app's test sets and publish the scored run folder at ``out_dir``."""
    started = time.perf_counter()
    settings = settings or ClientSettings()
    if settings.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    base_url = endpoint.rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise UsageError(f"--endpoint {endpoint!r}: give the service's base URL, e.g. http://127.0.0.1:8000")
    root = root.resolve()
    config = load_app(config_path, root)
    logs.bind(app=config.name)
    testsets, testset_hashes = load_testsets(config, root)
    run_id = new_run_id(config)
    out = (out_dir or default_run_dir(root, config.name, run_id)).absolute()
    check_out_dir(out, config.name, git_commit(root), paths_inside(config, root), force)

    wait_until_ready(base_url, settings)
    state = service_state(base_url, settings)
    ordered = [(name, record) for name, records in testsets.items() for record in records]
    if on_progress is not None:
        on_progress("answer", 0, len(ordered))

    def answered(done: int, total: int) -> None:
        if on_progress is not None:
            on_progress("answer", done, total)

    asking = time.perf_counter()
    outcomes = ask_all(base_url, [record.question for _, record in ordered], settings, answered)
    asking_seconds = time.perf_counter() - asking

    cites = config.spec.citation.mode != "off"
    pairs = list(zip(ordered, outcomes, strict=True))
    predictions = [to_prediction(name, record, asked, cites) for (name, record), asked in pairs]
    failures = [
        QuestionFailure(testset=name, id=record.id, reason=asked.failure)
        for (name, record), asked in pairs
        if asked.failure is not None
    ]
    release = state.release
    digest = release.index_digest if release is not None else ""
    metadata = Metadata(
        git_commit=git_commit(root),
        git_dirty=git_dirty(root),
        run_id=run_id,
        config_hash=config_hash(config),
        corpus_hash=_corpus_hash(config, root),
        testset_hashes=testset_hashes,
        index_id=digest,
        k_values=list(config.spec.evaluation.k_values),
        package_versions=installed_versions(),
        models=model_identities(config),
        code_fingerprint=running_code_fingerprint(),
        timing_conditions=f"HTTP round trips to {base_url}, {settings.concurrency} at once; client: "
        + timing_conditions(),
        endpoint=EndpointRun(
            url=base_url,
            release_id=release.release_id if release is not None else None,
            index_digest=digest or None,
            environment=(release.environment or None) if release is not None else None,
            concurrency=settings.concurrency,
            failures=failures,
        ),
    )
    scoring = score(predictions, testsets, config.spec.evaluation.k_values, wall_seconds=asking_seconds)
    report = build_report(scoring, app=config.name, metadata=metadata)
    index = IndexSummary(
        index_id=digest,
        index_dir=base_url,
        reused_index=True,
        documents=state.documents,
        chunks=state.chunks,
        embedded=0,
        reused=state.chunks,
        notes=[f"the index the service at {base_url} serves"],
    )
    staging = staging_folder(out)
    try:
        RunFolder(staging).write(
            RunContents(report=report, predictions=scoring.predictions, config=config, index=index, testsets=testsets)
        )
        folder = publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    warnings = [] if release is not None else [f"the service at {base_url} names no release (no release manifest)"]
    return EndpointEval(
        out,
        folder.read_report(),
        state,
        failures,
        time.perf_counter() - started,
        asking_seconds,
        warnings,
    )
