"""Provenance of an evaluation: the commit, the installed versions and the models that produced a report.

Recorded in every report's metadata so that a reader can tell whether a stored run is a valid baseline for a
given commit and config (see :meth:`ragops.evaluation.run_folder.RunFolder.baseline_problems`).
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata as importlib_metadata
from pathlib import Path

from ragops.config.models import AppConfig
from ragops.errors import InfrastructureError
from ragops.git import run_git

# Versions that can change a metric; recorded in every report.
PACKAGES = (
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


def installed_versions(distributions: Sequence[str] = PACKAGES) -> dict[str, str]:
    """Installed version of each distribution; absent ones are skipped."""
    out: dict[str, str] = {}
    for name in distributions:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return out


def _git(root: Path, *args: str) -> str | None:
    try:
        done = run_git(root, *args)
    except InfrastructureError:
        return None  # no git: provenance says "unknown" rather than failing the evaluation
    return done.stdout if done.returncode == 0 else None


def git_commit(root: Path) -> str | None:
    """The checked-out commit, or None outside a git checkout."""
    out = _git(root, "rev-parse", "HEAD")
    return out.strip() or None if out is not None else None


def git_dirty(root: Path) -> bool | None:
    """Whether tracked files differ from the commit (untracked files do not count); None outside git."""
    out = _git(root, "status", "--porcelain", "--untracked-files=no")
    return bool(out.strip()) if out is not None else None


def llm_identity(config: AppConfig) -> str:
    llm = config.spec.llm
    return "extractive" if llm.provider == "extractive" else f"{llm.provider}:{llm.model}@{llm.base_url or 'default'}"


def model_identities(config: AppConfig) -> dict[str, str]:
    """Role → model identity for every model that shapes an answer or a score."""
    spec = config.spec
    models = {"embedding": f"{spec.embedding.provider}:{spec.embedding.model}", "llm": llm_identity(config)}
    if spec.retrieval.reranker is not None:
        models["reranker"] = spec.retrieval.reranker.model
    judge = spec.evaluation.judge
    if judge is not None:
        models["judge"] = f"openai:{judge.model}@{judge.base_url or 'default'} prompt {judge.prompt_version}"
    return models
