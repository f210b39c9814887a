"""A scratch ragops repository in a temporary folder, for promotion tests: real git, a copy of kustomize/, a tiny
app with overlays of its own, and run folders whose provenance matches (or not) the checkout.

The run folders are written with the real RunFolder and scoring code from hand-made predictions, so a test needs
no model and no pipeline; their metadata is computed from the checkout exactly as the evaluation pipeline does.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from ragops.config.app_data import config_hash
from ragops.config.environments import load_environments
from ragops.config.loader import load_app_config
from ragops.config.testset import load_testset
from ragops.data.fingerprint import corpus_fingerprint, file_fingerprint
from ragops.evaluation.predictions import ChunkHit, Latency, Prediction
from ragops.evaluation.provenance import git_commit, git_dirty
from ragops.evaluation.report import Metadata
from ragops.evaluation.run_folder import IndexSummary, RunContents, RunFolder
from ragops.evaluation.scoring import build_report, score
from ragops.gitops.overlay_template import overlay_files
from tests.conftest import FIXTURES, REPO_ROOT

APP = "tiny"
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
IMAGE = "ghcr.io/ragops/ragops@sha256:" + "c" * 64


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def tiny_config(rules: list[dict[str, object]] | None = None, app: str = APP) -> dict[str, object]:
    config = yaml.safe_load((FIXTURES / "configs" / "eval-tiny.yaml").read_text(encoding="utf-8"))
    config["metadata"]["name"] = app
    config["spec"]["data"] = {"corpus": "datasets/tiny/docs", "testsets": ["datasets/tiny/testsets/small.jsonl"]}
    config["spec"]["evaluation"]["gate"] = {
        "rules": rules if rules is not None else [{"metric": "hit_rate@1", "min": 0.5, "max_regression": 0.1}]
    }
    return config


def add_overlays(root: Path, app: str) -> None:
    """Overlays for a new app in every declared environment, as ``ragops new app`` writes them."""
    config = (root / "rag-configs" / f"{app}.yaml").read_text(encoding="utf-8")
    for environment in load_environments(root).environments:
        target = root / "kustomize" / "overlays" / environment.name / app
        target.mkdir(parents=True)
        llm_base_url_env = load_app_config(root / "rag-configs" / f"{app}.yaml", root).spec.llm.base_url_env
        for name, text in overlay_files(environment, app, config, llm_base_url_env).items():
            (target / name).write_text(text, encoding="utf-8")


def scratch_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(REPO_ROOT / "kustomize", root / "kustomize")
    shutil.copytree(FIXTURES / "corpus", root / "datasets" / "tiny")
    (root / "rag-configs").mkdir()
    write_config(root, tiny_config())
    add_overlays(root, APP)
    (root / ".gitignore").write_text("/runs/\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "test@example.invalid")
    git(root, "config", "user.name", "test")
    commit_all(root, "initial")
    return root


def write_config(root: Path, config: dict[str, object]) -> None:
    name = config["metadata"]["name"]  # type: ignore[index]
    (root / "rag-configs" / f"{name}.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


def make_run(
    root: Path, out: Path, *, correct: bool = True, run_id: str = "20260101T000000Z-00000001", app: str = APP
) -> Path:
    """A run folder of a tiny app (default: the tiny app) at the checkout as it is now; ``correct``: retrieval
    finds the gold document."""
    source = root / "rag-configs" / f"{app}.yaml"
    config = load_app_config(source, root)
    testset_path = root / "datasets" / "tiny" / "testsets" / "small.jsonl"
    records = load_testset(testset_path, "small.jsonl").records
    predictions = []
    for record in records:
        gold = record.gold_doc_ids[0]
        doc = gold if correct else ("beta" if gold == "alpha" else "alpha")
        predictions.append(
            Prediction(
                id=record.id,
                testset="small",
                question=record.question,
                answer=record.answers[0] if correct else "no idea",
                retrieved_doc_ids=[doc],
                chunks=[ChunkHit(chunk_id=f"{doc}#0", doc_id=doc, start=0, end=80, score=1.0)],
                citations=[doc],
                context="",
                latency_ms=Latency(retrieve=1.0, generate=1.0),
            )
        )
    k_values = list(config.spec.evaluation.k_values)
    scoring = score(predictions, {"small": records}, k_values, wall_seconds=1.0)
    index_id = f"{corpus_fingerprint(root / 'datasets' / 'tiny' / 'docs')}:0123456789abcdef"
    metadata = Metadata(
        git_commit=git_commit(root),
        git_dirty=git_dirty(root),
        run_id=run_id,
        config_hash=config_hash(config),
        corpus_hash=corpus_fingerprint(root / "datasets" / "tiny" / "docs"),
        testset_hashes={"small": file_fingerprint(testset_path)},
        index_id=index_id,
        k_values=k_values,
        package_versions={},
        models={"embedding": "test", "llm": "extractive"},
    )
    index = IndexSummary(
        index_id=index_id, index_dir="/tmp/index", reused_index=False, documents=2, chunks=2, embedded=2, reused=0
    )
    contents = RunContents(
        report=build_report(scoring, app=app, metadata=metadata),
        predictions=scoring.predictions,
        config=config,
        index=index,
        testsets={"small": list(records)},
    )
    RunFolder(out).write(contents)
    return out


def publish_fake_artifact(store: Path, digest: str) -> str:
    """A file in a file:// store under the artifact's name (promotion checks it exists, never reads it)."""
    store.mkdir(parents=True, exist_ok=True)
    path = store / f"sha256-{digest.removeprefix('sha256:')}.tar"
    path.write_bytes(b"not a real archive")
    return path.as_uri()
