"""Use case: evaluate one app on its test sets with the evaluation pipeline, and publish the run folder.

On the KFP local runner (the default) the run is assembled in a staging folder beside ``--out`` and renamed into
place only when complete, so an interrupted run never looks like a finished one; ``--out`` is checked first so a
run never lands inside the app's data or silently replaces another app's or commit's run. On a Kubeflow cluster
the run is submitted and waited for.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ragops import logs, tracing
from ragops.app.endpoints import serve_local_models
from ragops.app.preflight import load_app
from ragops.config.app_data import data_paths
from ragops.config.models import AppConfig
from ragops.config.testset import load_testset
from ragops.errors import UsageError
from ragops.evaluation.baselines import remember as remember_baseline
from ragops.evaluation.provenance import git_commit
from ragops.evaluation.report import Report
from ragops.evaluation.run_folder import IndexSummary, RunFolder, check_out_dir, publish, staging_folder
from ragops.hashing import sha256_text
from ragops.layout import default_run_dir, kfp_state_dir, local_models_dir
from ragops.pipelines.events import StepCallback, StepEvent
from ragops.progress import StepProgressCallback

# Evaluates (config, repository root, run folder or None for the default, replace it) and returns the run folder.
Evaluator = Callable[[Path, Path, Path | None, bool], Path]
# More answering tasks than this only adds overhead, even on a cluster.
MAX_SHARDS = 64


@dataclass
class EvalRun:
    out_dir: Path
    report: Report
    index: IndexSummary
    steps: list[StepEvent] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def index_reused(self) -> bool:
        cached = any(e.step == "build-index" and e.event == "cached" for e in self.steps)
        return cached or self.index.reused_index


@dataclass(frozen=True)
class ClusterSubmission:
    run_id: str
    state: str
    url: str
    record: Path  # run.json in the run folder
    out_dir: Path
    report: Report
    results_uri: str
    uploaded: int  # objects of git-held data this submission uploaded
    sources: dict[str, str]  # repository path → where the cluster read it
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def new_run_id(config: AppConfig, now: datetime | None = None) -> str:
    moment = now or datetime.now(UTC)
    return f"{moment.strftime('%Y%m%dT%H%M%SZ')}-{sha256_text(config.name + moment.isoformat())[:8]}"


def _question_count(config: AppConfig, root: Path) -> int:
    limit = config.spec.evaluation.max_questions
    count = 0
    for entry in data_paths(config, root)[1:]:
        if entry.path is not None and entry.path.is_file():
            records = len(load_testset(entry.path, entry.value).records)
            count += records if limit is None else min(records, limit)
    return count


def shard_count(requested: int, questions: int) -> tuple[int, list[str]]:
    """The number of answering tasks to run: at least one, at most one per question and :data:`MAX_SHARDS`."""
    if requested < 1:
        raise UsageError("--shards must be at least 1")
    limit = max(1, min(questions, MAX_SHARDS))
    if requested <= limit:
        return requested, []
    return limit, [f"--shards {requested} capped at {limit} ({questions} question(s); at most {MAX_SHARDS} tasks)"]


def evaluate(
    config_path: Path,
    root: Path,
    out_dir: Path | None = None,
    *,
    shards: int = 1,
    state_dir: Path | None = None,
    on_step: StepCallback | None = None,
    on_progress: StepProgressCallback | None = None,
    force: bool = False,
    start_local_models: bool = False,
) -> EvalRun:
    """Run the evaluation pipeline on the KFP local runner and publish the run folder at ``out_dir``; ``on_step``
    hears of each step starting, reused or finished, ``on_progress`` of the work inside a step (chunks embedded).
    With ``start_local_models``, the packaged models the app's endpoints need here are served while it runs."""
    from ragops.pipelines.evaluate import pipeline_arguments  # imports KFP and torch: only when evaluating
    from ragops.pipelines.local_run import run_local

    started = time.perf_counter()
    root = root.resolve()
    config = load_app(config_path, root)
    logs.bind(app=config.name)
    shards, warnings = shard_count(shards, _question_count(config, root))
    run_id = new_run_id(config)
    out = (out_dir or default_run_dir(root, config.name, run_id)).absolute()
    check_out_dir(
        out, config.name, git_commit(root), [e.path for e in data_paths(config, root) if e.path is not None], force
    )
    state = (state_dir or kfp_state_dir(root)).resolve()
    events: list[StepEvent] = []

    def record(event: StepEvent) -> None:
        events.append(event)
        if on_step is not None:
            on_step(event)

    arguments = pipeline_arguments(config, root, state, shards, run_id)
    staging = staging_folder(out)
    try:
        staging.mkdir(parents=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create the run folder there ({exc.strerror or exc})") from None
    tracing.configure_from_environment(tracing.PIPELINE_SERVICE_NAME)
    # One trace for the whole run: the steps' processes continue it (TRACEPARENT).
    with (
        serve_local_models(config, local_models_dir(state), start_local_models),
        tracing.span(f"eval {config.name}", {"ragops.app": config.name, "ragops.shards": shards}),
        tracing.handed_down(),
    ):
        outputs = run_local(arguments, state, RunFolder(staging).kfp_log, record, on_progress)
    RunFolder(Path(outputs["report"].path)).copy_into(staging)
    folder = publish(staging, out)
    try:
        remember_baseline(folder, state)
    except OSError as exc:  # the run itself is complete; only a later diff's shortcut is lost
        warnings.append(f"this run was not kept as a baseline in {state} ({exc.strerror or exc})")
    report = folder.read_report()
    index = IndexSummary.model_validate_json(outputs["index_summary"])
    return EvalRun(out, report, index, events, time.perf_counter() - started, warnings)


PIPELINE_ROOT_ENV = "RAGOPS_PIPELINE_ROOT"
OBJECT_STORE_SECRET_ENV = "RAGOPS_OBJECT_STORE_SECRET"


@dataclass(frozen=True)
class ClusterPlan:
    """A cluster run ready to submit: its arguments, where its results will be, and what it reads from where."""

    app: str
    run_id: str
    out: Path
    pipeline_root: str
    results_uri: str
    arguments: dict[str, Any]
    uploaded: int
    sources: dict[str, str]
    warnings: list[str]

    @property
    def metadata(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.arguments["metadata_json"])
        return loaded


def plan_cluster_run(
    config_path: Path,
    root: Path,
    out_dir: Path | None,
    *,
    shards: int,
    pipeline_root: str | None,
    corpus_uri: str | None = None,
    testsets_uri: str | None = None,
    object_store_secret: str | None = None,
    dvc_remote: str | None = None,
    force: bool = False,
) -> ClusterPlan:
    """Everything before submitting: check ``--out``, hash the data, make it readable by hash (uploading git-held
    data once, checking the DVC remote holds the rest), and choose the results location."""
    from ragops.pipelines.cluster import cluster_arguments
    from ragops.pipelines.cluster_data import cluster_data, results_uri
    from ragops.pipelines.evaluate import pipeline_arguments

    root = root.resolve()
    pipeline_root = (pipeline_root or os.environ.get(PIPELINE_ROOT_ENV, "")).rstrip("/")
    if not pipeline_root:
        raise UsageError(
            f"--backend kfp needs --pipeline-root URI (or ${PIPELINE_ROOT_ENV}): the object-store prefix "
            "(s3://bucket/prefix) where the run keeps its artifacts, the git-held data and the results"
        )
    config = load_app(config_path, root)
    shards, warnings = shard_count(shards, _question_count(config, root))
    run_id = new_run_id(config)
    out = (out_dir or default_run_dir(root, config.name, run_id)).absolute()
    check_out_dir(
        out, config.name, git_commit(root), [e.path for e in data_paths(config, root) if e.path is not None], force
    )
    local = pipeline_arguments(config, root, kfp_state_dir(root), shards, run_id)
    data = None
    if not (corpus_uri and testsets_uri):
        data = cluster_data(config, root, pipeline_root, local["corpus_hash"], dvc_remote)
    results = results_uri(pipeline_root, config.name, run_id)
    arguments = cluster_arguments(
        local,
        data,
        results_uri=results,
        corpus_uri=corpus_uri,
        testsets_uri=testsets_uri,
        object_store_secret=object_store_secret or os.environ.get(OBJECT_STORE_SECRET_ENV) or None,
    )
    uploaded, sources = (data.uploaded, data.sources) if data else (0, {})
    return ClusterPlan(config.name, run_id, out, pipeline_root, results, arguments, uploaded, sources, warnings)


def fetch_cluster_results(plan: ClusterPlan, record: dict[str, Any]) -> RunFolder:
    """Download the run folder the pipeline wrote to ``plan.results_uri``, check it is the run submitted (commit,
    config, data hashes, run id), add ``run.json`` (``record``) and publish it at ``plan.out``."""
    from ragops.pipelines.results import download_run_folder, verify

    staging = staging_folder(plan.out)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        downloaded = download_run_folder(plan.results_uri, staging)
        verify(downloaded, plan.metadata, plan.results_uri)
        record = {**record, "results_uri": plan.results_uri}
        (staging / "run.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        return publish(staging, plan.out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def submit_to_cluster(
    config_path: Path,
    root: Path,
    out_dir: Path | None,
    *,
    shards: int,
    host: str | None,
    namespace: str | None,
    experiment: str,
    corpus_uri: str | None,
    testsets_uri: str | None,
    timeout_s: int,
    pipeline_root: str | None = None,
    object_store_secret: str | None = None,
    dvc_remote: str | None = None,
    force: bool = False,
    poll_s: float | None = None,
) -> ClusterSubmission:
    """Submit the evaluation pipeline to a Kubeflow cluster, wait for it, fetch its run folder back into
    ``out_dir`` and check it is the run submitted; from then on it is a run folder like a local one.

    The data goes by content hash (see ``pipelines.cluster_data``); ``pipeline_root`` (or ``$RAGOPS_PIPELINE_ROOT``)
    is the object-store prefix for the run's artifacts, git-held data and results."""
    from ragops.pipelines.cluster import POLL_S, submit

    started = time.perf_counter()
    plan = plan_cluster_run(
        config_path,
        root,
        out_dir,
        shards=shards,
        pipeline_root=pipeline_root,
        corpus_uri=corpus_uri,
        testsets_uri=testsets_uri,
        object_store_secret=object_store_secret,
        dvc_remote=dvc_remote,
        force=force,
    )
    logs.bind(app=plan.app)
    result = submit(
        plan.arguments,
        app=plan.app,
        host=host,
        namespace=namespace,
        experiment=experiment,
        timeout_s=timeout_s,
        pipeline_root=plan.pipeline_root,
        poll_s=POLL_S if poll_s is None else poll_s,
    )
    folder = fetch_cluster_results(plan, dict(result.to_dict()))
    return ClusterSubmission(
        result.run_id,
        result.state,
        result.url,
        folder.path / "run.json",
        plan.out,
        folder.read_report(),
        plan.results_uri,
        plan.uploaded,
        plan.sources,
        time.perf_counter() - started,
        plan.warnings,
    )


def cluster_evaluator(
    *,
    host: str | None,
    namespace: str | None,
    experiment: str,
    timeout_s: int,
    pipeline_root: str | None,
    object_store_secret: str | None = None,
    dvc_remote: str | None = None,
) -> Evaluator:
    """An evaluator for ``ragops diff --backend kfp``: each side is submitted to the cluster and fetched back."""

    def run(config: Path, root: Path, out: Path | None, force: bool) -> Path:
        return submit_to_cluster(
            config,
            root,
            out,
            shards=1,
            host=host,
            namespace=namespace,
            experiment=experiment,
            corpus_uri=None,
            testsets_uri=None,
            timeout_s=timeout_s,
            pipeline_root=pipeline_root,
            object_store_secret=object_store_secret,
            dvc_remote=dvc_remote,
            force=force,
        ).out_dir

    return run
