"""Where things live in a ragops repository: the one owner of the repository layout.

Configs, data, run folders and local state (caches, indexes, the KFP runner's folders) have fixed places under
the repository root; every module asks this one for them rather than spelling the paths again.
"""

from __future__ import annotations

from pathlib import Path

CONFIG_DIR = "rag-configs"
# The ragops package itself, kept in the repository it evaluates.
PACKAGE_DIR = "tools/ragops"
DATASETS_DIR = "datasets"
RUNS_DIR = "runs"
# Local state; gitignored.
STATE_DIR = ".ragops"
CONFIG_SUFFIXES = frozenset({".yaml", ".yml"})
TESTSET_SUFFIX = ".jsonl"
TESTSETS_FOLDER = "testsets"
# What Argo CD or Flux deploys: kustomize/overlays/<environment>/<app>/, written by promotion.
KUSTOMIZE_DIR = "kustomize"
OVERLAYS_FOLDER = "overlays"
# The deployment environments and their order: declared in this file (ragops.config.environments reads it).
ENVIRONMENTS_FILE = f"{KUSTOMIZE_DIR}/environments.yaml"
COMPONENTS_FOLDER = "components"
# The files promotion writes into an overlay (and nothing else, except the image digest in kustomization.yaml).
OVERLAY_CONFIG = "app.yaml"
OVERLAY_RELEASE = "release.json"
OVERLAY_RELEASE_ENV = "release.env"
KUSTOMIZATION = "kustomization.yaml"


def state_dir(root: Path) -> Path:
    return root / STATE_DIR


def kfp_state_dir(root: Path) -> Path:
    """The KFP local runner's pipeline root, task cache and the caches its steps share."""
    return state_dir(root) / "kfp"


def local_models_dir(state: Path) -> Path:
    """Logs of the model servers an evaluation started (``--start-local-models``), under its state folder."""
    return state / "local-models"


def index_dir(root: Path, app: str) -> Path:
    return state_dir(root) / "index" / app


def embedding_cache_dir(root: Path) -> Path:
    return state_dir(root) / "cache"


def runs_dir(root: Path, app: str) -> Path:
    return root / RUNS_DIR / app


def default_run_dir(root: Path, app: str, run_id: str) -> Path:
    """``runs/<app>/<run id>``: the run id starts with the UTC time (folders sort by it) and ends with a hash, so
    two evaluations started in the same second (cached ones take less) never pick the same folder."""
    return runs_dir(root, app) / run_id


def is_config_file(path: Path) -> bool:
    return path.suffix in CONFIG_SUFFIXES


def is_testset_file(path: Path) -> bool:
    return path.suffix == TESTSET_SUFFIX and path.parent.name == TESTSETS_FOLDER


def resolve_repo_path(value: str, root: Path) -> Path | None:
    """The path inside the repository that ``value`` names, or None when it is absolute or escapes it."""
    candidate = Path(value)
    if candidate.is_absolute() or value.startswith("~"):
        return None
    resolved = (root / candidate).resolve()
    return resolved if resolved.is_relative_to(root.resolve()) else None


def config_file(root: Path, app: str) -> Path:
    """``rag-configs/<app>.yaml`` (or ``.yml`` when only that exists)."""
    yaml_path = root / CONFIG_DIR / f"{app}.yaml"
    yml_path = root / CONFIG_DIR / f"{app}.yml"
    return yml_path if not yaml_path.exists() and yml_path.exists() else yaml_path


def overlays_dir(root: Path) -> Path:
    return root / KUSTOMIZE_DIR / OVERLAYS_FOLDER


def overlay_dir(root: Path, environment: str, app: str) -> Path:
    return overlays_dir(root) / environment / app
