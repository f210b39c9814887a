"""``ragops eval``: evaluate one app by running the evaluation pipeline, locally or on a Kubeflow cluster.

Before the pipeline runs, this module computes the content hashes the pipeline's cache keys on (corpus, test
sets, full config, indexing config), stages the test sets under a content-addressed folder, and gathers the
report's provenance (commit, package versions, models). After it runs, the report files are copied into the
run folder.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ragops import logs
from ragops.config.checks import resolve_repo_path
from ragops.config.loader import load_app_config
from ragops.config.models import AppConfig
from ragops.data.fingerprint import corpus_fingerprint, file_fingerprint
from ragops.errors import UsageError, ValidationFailed
from ragops.evaluation import report as report_file
from ragops.evaluation.report import Report, installed_versions
from ragops.pipelines import steps
from ragops.pipelines.local_run import StepCallback, StepEvent, run_local
from ragops.progress import StepProgressCallback
from ragops.rag.hashing import indexing_config_hash

# Versions that can change a metric; recorded in every report.
_PACKAGES = (
    "ragops",
    "kfp",
    "torch",
    "sentence-transformers",
    "transformers",
    "faiss-cpu",
    "bm25s",
    "numpy",
    "openai",
    "sacrebleu",
)


@dataclass
class EvalRun:
    out_dir: Path
    report: Report
    index: dict[str, Any]
    steps: list[StepEvent] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def index_reused(self) -> bool:
        cached = any(e.step == "build-index" and e.event == "cached" for e in self.steps)
        return cached or bool(self.index.get("reused_index"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def config_hash(config: AppConfig) -> str:
    return _sha256(config.model_dump_json(by_alias=True))


def _git_commit(root: Path) -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _repo_path(value: str, root: Path, what: str) -> Path:
    path = resolve_repo_path(value, root)
    if path is None or not path.exists():
        raise ValidationFailed(f"{what} {value!r} is missing or outside the repository; run 'ragops validate'")
    return path


def _stage_testsets(config: AppConfig, root: Path, state_dir: Path) -> tuple[Path, dict[str, str]]:
    """Copy the app's test sets to ``<state>/testsets/<hash>/<name>.jsonl``: the folder's path changes exactly
    when their content does, which is what the KFP cache needs of an input artifact."""
    files: dict[str, Path] = {}
    for value in config.spec.data.testsets:
        path = _repo_path(value, root, "test set")
        if path.stem in files:
            raise ValidationFailed(f"two test sets are named {path.stem!r}; test-set file names must differ")
        files[path.stem] = path
    hashes = {name: file_fingerprint(path) for name, path in sorted(files.items())}
    folder = state_dir / "testsets" / _sha256(json.dumps(hashes, sort_keys=True))[:16]
    if not folder.is_dir():
        staging = folder.with_name(folder.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name, path in files.items():
            shutil.copyfile(path, staging / f"{name}.jsonl")
        staging.rename(folder)
    return folder, hashes


def pipeline_arguments(config: AppConfig, root: Path, state_dir: Path, shards: int) -> dict[str, Any]:
    """Everything the pipeline is called with; the hashes make its cache follow content."""
    corpus = _repo_path(config.spec.data.corpus, root, "corpus")
    testsets_dir, testset_hashes = _stage_testsets(config, root, state_dir)
    corpus_hash = corpus_fingerprint(corpus)
    full_hash = config_hash(config)
    metadata = {
        "git_commit": _git_commit(root),
        "config_hash": full_hash,
        "corpus_hash": corpus_hash,
        "testset_hashes": testset_hashes,
        "k_values": list(config.spec.evaluation.k_values),
        "package_versions": installed_versions(_PACKAGES),
        "models": _models(config),
    }
    return {
        "config_json": config.model_dump_json(by_alias=True),
        "retrieve_config_json": steps.retrieval_only(config).model_dump_json(by_alias=True),
        "generate_config_json": steps.generation_only(config).model_dump_json(by_alias=True),
        "index_config_json": steps.indexing_only(config).model_dump_json(by_alias=True),
        "corpus_uri": str(corpus),
        "testsets_uri": str(testsets_dir),
        "corpus_hash": corpus_hash,
        "index_config_hash": indexing_config_hash(config),
        "testsets_hash": testsets_dir.name,
        "metadata_json": json.dumps(metadata, sort_keys=True),
        "embedding_cache_dir": str(state_dir / "embedding-cache"),
        "judge_cache_dir": str(state_dir / "judge-cache"),
        "shards": list(range(shards)),
        "num_shards": shards,
    }


def _llm_identity(config: AppConfig) -> str:
    llm = config.spec.llm
    return "extractive" if llm.provider == "extractive" else f"{llm.provider}:{llm.model}@{llm.base_url or 'default'}"


def _models(config: AppConfig) -> dict[str, str]:
    models = {"embedding": config.spec.embedding.model, "llm": _llm_identity(config)}
    judge = config.spec.evaluation.judge
    if judge is not None:
        models["judge"] = f"openai:{judge.model}@{judge.base_url or 'default'} prompt {judge.prompt_version}"
    return models


def default_out_dir(root: Path, app: str) -> Path:
    return root / "runs" / app / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def evaluate(
    config_path: Path,
    root: Path,
    out_dir: Path | None = None,
    *,
    shards: int = 1,
    state_dir: Path | None = None,
    on_step: StepCallback | None = None,
    on_progress: StepProgressCallback | None = None,
) -> EvalRun:
    """Run the evaluation pipeline on the KFP local runner and write the run folder; ``on_step`` hears of each
    step starting, reused or finished, ``on_progress`` of the work inside a step (chunks embedded, …)."""
    if shards < 1:
        raise UsageError("--shards must be at least 1")
    started = time.perf_counter()
    config = load_app_config(config_path, root)
    logs.bind(app=config.name)
    state = (state_dir or root / ".ragops" / "kfp").resolve()
    out = (out_dir or default_out_dir(root, config.name)).resolve()
    out.mkdir(parents=True, exist_ok=True)
    events: list[StepEvent] = []

    def record(event: StepEvent) -> None:
        events.append(event)
        if on_step is not None:
            on_step(event)

    arguments = pipeline_arguments(config, root, state, shards)
    outputs = run_local(arguments, state, out / "kfp.log", record, on_progress)
    report_dir = Path(outputs["report"].path)
    for name in steps.RUN_FILES:
        shutil.copyfile(report_dir / name, out / name)
    report = report_file.read(out / "report.json")
    index = json.loads(outputs["index_summary"])
    return EvalRun(out, report, index, events, time.perf_counter() - started)
