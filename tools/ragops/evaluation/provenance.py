"""Provenance of an evaluation: the commit, the code, the installed versions and the models behind a report.

Recorded in every report's metadata so that a reader can tell whether a stored run is a valid baseline for a
given commit and config (``ragops.evaluation.baselines.baseline_problems``).

**The code.** What an evaluation computes depends on the ragops code that runs it, and a repository keeps that code
in ``tools/ragops``: a pull request may change it. The code fingerprint is a hash over the git blob ids of every
module an evaluation can run — the package less the layers above the pipeline (``cli``, ``app``, ``github``,
``gitops``, ``serve``), which the layer contract keeps the pipeline's steps from importing. Because it is made
of git blob ids, the fingerprint of the running code (read from its files) and of the code at any commit (read
from ``git ls-tree``, nothing checked out) are the same number when the code is the same.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from importlib import metadata as importlib_metadata
from pathlib import Path

from ragops import git
from ragops.config.models import AppConfig
from ragops.errors import InfrastructureError, RagopsError
from ragops.evaluation.factscore.method import method as factscore_method
from ragops.hashing import canonical_sha256
from ragops.layout import PACKAGE_DIR

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


# Subpackages that cannot change what an evaluation computes: nothing the pipeline runs imports them.
NOT_EVALUATED = frozenset({"cli", "app", "github", "gitops", "serve"})
_PACKAGE = Path(__file__).resolve().parents[1]


def _evaluated(relpath: str) -> bool:
    return relpath.endswith(".py") and relpath.split("/", 1)[0] not in NOT_EVALUATED


def _fingerprint(blobs: Mapping[str, str]) -> str:
    return canonical_sha256(dict(sorted(blobs.items())))[:16]


@functools.cache
def running_code_fingerprint(package: Path = _PACKAGE) -> str:
    """The fingerprint of the ragops code this process runs."""
    blobs = {}
    for path in package.rglob("*.py"):
        relpath = path.relative_to(package).as_posix()
        if _evaluated(relpath):
            blobs[relpath] = git.git_blob_id(path.read_bytes())
    return _fingerprint(blobs)


def code_fingerprint_at(root: Path, commit: str) -> str | None:
    """The fingerprint of the ragops code committed at ``commit`` in ``tools/ragops``; None when the repository
    holds no ragops code there (it runs an installed one)."""
    try:
        files = git.tree(root, commit, PACKAGE_DIR + "/")
    except RagopsError:
        return None  # no git, or not a commit here: the code at that commit is unknown
    blobs = {
        relpath: blob
        for path, (blob, _size) in files.items()
        if _evaluated(relpath := path.removeprefix(PACKAGE_DIR + "/"))
    }
    return _fingerprint(blobs) if blobs else None


def code_cache_key(versions: Mapping[str, str]) -> str:
    """What the pipeline's cache keys on besides its inputs: the running code and the installed versions."""
    return canonical_sha256({"code": running_code_fingerprint(), "packages": dict(versions)})[:16]


def installed_versions(distributions: Sequence[str] = PACKAGES) -> dict[str, str]:
    """Installed version of each distribution; absent ones are skipped."""
    out: dict[str, str] = {}
    for name in distributions:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return out


def git_commit(root: Path) -> str | None:
    """The checked-out commit; None outside a git checkout, or with no git (provenance says "unknown" rather than
    failing the evaluation)."""
    try:
        return git.head_commit(root)
    except InfrastructureError:
        return None


def git_dirty(root: Path) -> bool | None:
    """Whether tracked files differ from the commit (untracked files do not count); None outside git."""
    try:
        return git.is_dirty(root)
    except InfrastructureError:
        return None


# How an evaluation times its answers. Changed whenever the measure changes, so a diff never compares a latency
# measured one way with one measured another (a base evaluated by older code, a stored run).
TIMING_METHOD = "question vectors at hand, start-up excluded (v1)"


def _cpu_model() -> str:
    try:
        with Path("/proc/cpuinfo").open(encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return " ".join(line.partition(":")[2].split())
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine() or "unknown CPU"


def timing_conditions(machine: str | None = None) -> str:
    """What latencies and throughput measured here depend on besides the change under review: the timing method
    and the machine (CPU model and the CPUs this process may use; or ``machine``, e.g. a cluster's pods, when the
    steps run elsewhere). Two runs' timings compare only when equal."""
    if machine is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0
        machine = f"{_cpu_model()} × {cpus} CPU(s)"
    return f"{TIMING_METHOD}; {machine}"


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
    models["factscore"] = factscore_method(config)
    return models
