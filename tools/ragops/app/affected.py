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
commits however the checkout looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ragops import git
from ragops.config.gate import DEFAULTS_FILE
from ragops.errors import UsageError
from ragops.layout import CONFIG_DIR, CONFIG_SUFFIXES

SHARED: tuple[str, ...] = ("tools/", "pyproject.toml", "requirements.lock", DEFAULTS_FILE)


class AffectedApp(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    app: str
    config: str = Field(description="Repo-relative path of the app's config at HEAD (at BASE for a deleted app).")
    reason: str = ""


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


@dataclass(frozen=True)
class _App:
    name: str
    config: str
    data: tuple[str, ...]


def _configs(root: Path, commit: str) -> list[str]:
    listing = git.tree(root, commit, f"{CONFIG_DIR}/", recursive=False)
    return sorted(path for path in listing if PurePosixPath(path).suffix in CONFIG_SUFFIXES)


def _app(root: Path, commit: str, path: str) -> _App:
    """The app's name and data paths from its YAML at ``commit``; an unreadable config still counts as an app
    (named after its file), so a broken change is evaluated and fails loudly rather than being skipped."""
    stem = PurePosixPath(path).stem
    try:
        data: Any = yaml.safe_load(git.file_at(root, commit, path))
    except yaml.YAMLError:
        return _App(stem, path, ())
    if not isinstance(data, dict):
        return _App(stem, path, ())
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else data  # full form, else the short form
    meta = data.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else data.get("name")
    block = spec.get("data") if isinstance(spec, dict) else None
    paths: list[str] = []
    if isinstance(block, dict):
        values = [block.get("corpus"), *(block.get("testsets") or [])]
        paths = [str(v).strip("/").removeprefix("./") for v in values if isinstance(v, str) and v]
    return _App(name if isinstance(name, str) and name else stem, path, tuple(paths))


def _touches(changed: str, data: str) -> bool:
    if changed == data or changed.startswith(data + "/") or changed == data + ".dvc":
        return True
    # A .dvc file of a folder holding the data (e.g. a whole testsets/ folder tracked as one).
    return any(changed == f"{parent.as_posix()}.dvc" for parent in PurePosixPath(data).parents if parent.parts)


def _shared(changed: str) -> bool:
    return any(changed.startswith(s) if s.endswith("/") else changed == s for s in SHARED)


def affected(root: Path, base: str, head: str) -> AffectedResult:
    base_commit, head_commit = git.require_commit(root, base), git.require_commit(root, head)
    # Unrelated histories have no merge base: compare the two commits directly.
    merge_base = git.merge_base(root, base_commit, head_commit) or base_commit
    # A rename counts as both of its paths, so both apps' data are seen.
    changed = git.changed_between(root, merge_base, head_commit)
    if changed is None:
        raise UsageError(f"git cannot compare {merge_base[:12]} with {head_commit[:12]} in {root}")
    shared = [c for c in changed if _shared(c)]
    head_configs = _configs(root, head_commit)
    base_configs = set(_configs(root, merge_base))
    include: list[AffectedApp] = []
    unaffected: list[AffectedApp] = []
    for path in head_configs:
        app = _app(root, head_commit, path)
        reasons: list[str] = []
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
        entry = AffectedApp(app=app.name, config=path, reason="; ".join(reasons))
        (include if reasons else unaffected).append(entry)
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
    )
