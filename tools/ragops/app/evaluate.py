"""Use case: evaluate one app on its test sets with the evaluation pipeline, and publish the run folder.

On the KFP local runner (the default) the run is assembled in a staging folder beside ``--out`` and renamed into
place only when complete, so an interrupted run never looks like a finished one; ``--out`` is checked first so a
run never lands inside the app's data or silently replaces another app's or commit's run. On a Kubeflow cluster
the run is submitted and waited for.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ragops import logs
from ragops.app.preflight import load_app
from ragops.config.models import AppConfig
from ragops.config.testset import load_testset
from ragops.errors import UsageError
from ragops.evaluation.provenance import git_commit
from ragops.evaluation.report import Report
from ragops.evaluation.run_folder import IndexSummary, RunFolder, check_out_dir, publish, staging_folder
from ragops.hashing import sha256_text
from ragops.layout import default_run_dir, kfp_state_dir, resolve_repo_path
from ragops.pipelines.events import StepCallback, StepEvent
from ragops.progress import StepProgressCallback

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


def new_run_id(config: AppConfig, now: datetime | None = None) -> str:
    moment = now or datetime.now(UTC)
    return f"{moment.strftime('%Y%m%dT%H%M%SZ')}-{sha256_text(config.name + moment.isoformat())[:8]}"


def _question_count(config: AppConfig, root: Path) -> int:
    count = 0
    for value in config.spec.data.testsets:
        path = resolve_repo_path(value, root)
        if path is not None and path.is_file():
            count += len(load_testset(path, value).records)
    return count


def shard_count(requested: int, questions: int) -> tuple[int, list[str]]:
    """The number of answering tasks to run: at least one, at most one per question and :data:`MAX_SHARDS`."""
    if requested < 1:
        raise UsageError("--shards must be at least 1")
    limit = max(1, min(questions, MAX_SHARDS))
    if requested <= limit:
        return requested, []
    return limit, [f"--shards {requested} capped at {limit} ({questions} question(s); at most {MAX_SHARDS} tasks)"]


def data_paths(config: AppConfig, root: Path) -> list[Path]:
    values = [config.spec.data.corpus, *config.spec.data.testsets]
    return [path for value in values if (path := resolve_repo_path(value, root)) is not None]


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
) -> EvalRun:
    """Run the evaluation pipeline on the KFP local runner and publish the run folder at ``out_dir``; ``on_step``
    hears of each step starting, reused or finished, ``on_progress`` of the work inside a step (chunks embedded)."""
    from ragops.pipelines.evaluate import pipeline_arguments  # imports KFP and torch: only when evaluating
    from ragops.pipelines.local_run import run_local

    started = time.perf_counter()
    root = root.resolve()
    config = load_app(config_path, root)
    logs.bind(app=config.name)
    shards, warnings = shard_count(shards, _question_count(config, root))
    out = (out_dir or default_run_dir(root, config.name)).absolute()
    check_out_dir(out, config.name, git_commit(root), data_paths(config, root), force)
    state = (state_dir or kfp_state_dir(root)).resolve()
    events: list[StepEvent] = []

    def record(event: StepEvent) -> None:
        events.append(event)
        if on_step is not None:
            on_step(event)

    run_id = new_run_id(config)
    arguments = pipeline_arguments(config, root, state, shards, run_id)
    staging = staging_folder(out)
    try:
        staging.mkdir(parents=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create the run folder there ({exc.strerror or exc})") from None
    outputs = run_local(arguments, state, staging / "kfp.log", record, on_progress)
    RunFolder(Path(outputs["report"].path)).copy_into(staging)
    folder = publish(staging, out)
    report = folder.read_report()
    index = IndexSummary.model_validate_json(outputs["index_summary"])
    return EvalRun(out, report, index, events, time.perf_counter() - started, warnings)


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
) -> ClusterSubmission:
    """Submit the evaluation pipeline to a Kubeflow cluster, wait for it, and record the run in ``out_dir``."""
    from ragops.pipelines.cluster import cluster_arguments, submit
    from ragops.pipelines.evaluate import pipeline_arguments

    root = root.resolve()
    config = load_app(config_path, root)
    shards, _ = shard_count(shards, _question_count(config, root))
    local = pipeline_arguments(config, root, kfp_state_dir(root), shards, new_run_id(config))
    arguments = cluster_arguments(local, corpus_uri, testsets_uri)
    result = submit(
        arguments, app=config.name, host=host, namespace=namespace, experiment=experiment, timeout_s=timeout_s
    )
    out = (out_dir or default_run_dir(root, config.name)).absolute()
    out.mkdir(parents=True, exist_ok=True)
    record = out / "run.json"
    record.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    return ClusterSubmission(result.run_id, result.state, result.url, record)
