"""Which apps an environment's release must evaluate and promote: the one answer to "is this release up to date?".

A release is up to date with a commit when it was built from that commit or a newer one, or when ``ragops
affected`` finds nothing between the release's commit and that commit that changes what the app scores (its config,
its data, the shared code and gate policy). Deciding from what the environment deploys — the ``commit`` in each
overlay's ``release.json``, read at the ref that holds the deployed state — rather than from the push's own diff
means a cancelled or failed release run loses nothing (the next one catches up), a re-run changes nothing, and an
older run never overwrites a newer release. ``ragops release status`` shows the same answer.

Only apps with an overlay for the environment are released; the others are listed with the step that creates one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ragops import git
from ragops.app.affected import affected
from ragops.app.endpoints import local_models
from ragops.config.environments import load_environments
from ragops.config.loader import load_app_config
from ragops.errors import RagopsError, UsageError
from ragops.layout import (
    CONFIG_DIR,
    CONFIG_SUFFIXES,
    KUSTOMIZATION,
    OVERLAY_RELEASE,
    overlay_dir,
    overlays_dir,
)

Decision = Literal["release", "up-to-date", "no-overlay"]


@dataclass(frozen=True)
class Freshness:
    up_to_date: bool
    reason: str
    changes: list[str] = field(default_factory=list)  # what changed since the release, in ragops affected's words


@dataclass(frozen=True)
class PlannedApp:
    app: str
    config: str  # repo-relative
    decision: Decision
    reason: str
    released_commit: str | None = None
    fix: str | None = None  # for no-overlay: what creates the overlay
    local_models: list[str] = field(default_factory=list)  # packaged models its evaluation serves here


@dataclass(frozen=True)
class ReleasePlan:
    environment: str
    head: str
    deployed_ref: str
    apps: list[PlannedApp]

    @property
    def to_release(self) -> list[PlannedApp]:
        return [a for a in self.apps if a.decision == "release"]

    @property
    def local_models(self) -> list[str]:
        """The packaged models the apps to release serve locally (the release job installs the llm extra)."""
        return sorted({model for a in self.to_release for model in a.local_models})


def overlay_fix(root: Path, environment: str, app: str) -> str:
    """What creates the missing overlay of ``app`` in ``environment``: the one overlay template."""
    return f"ragops new env {environment} (writes every missing overlay, {app}'s among them), and commit it"


def check_environment(root: Path, environment: str) -> None:
    load_environments(root).get(environment)  # UsageError naming the declared ones
    if not (overlays_dir(root) / environment).is_dir():
        raise UsageError(
            f"--env {environment}: no kustomize/overlays/{environment}/ in {root}; 'ragops new env {environment}' "
            "writes every app's overlay"
        )


def deployed_commit(root: Path, ref: str, environment: str, app: str) -> str | None:
    """The commit the release of ``app`` in ``environment`` was built from, as ``ref`` holds it; None when there
    is no release there (no overlay, a placeholder, an unreadable manifest)."""
    path = f"{overlay_dir(Path(), environment, app).as_posix()}/{OVERLAY_RELEASE}"
    if not git.exists_at(root, ref, path):
        return None
    try:
        document = json.loads(git.file_at(root, ref, path))
    except ValueError:
        return None
    commit = document.get("commit") if isinstance(document, dict) else None
    return commit if isinstance(commit, str) and commit else None


def freshness(root: Path, app: str, released: str | None, target: str) -> Freshness:
    """Whether the release of ``app`` built from ``released`` is up to date with the commit ``target``."""
    if released is None:
        return Freshness(False, "has no release yet")
    short = released[:12]
    if git.resolve(root, released) is None:
        return Freshness(False, f"serves {short}, a commit not in this repository's history")
    if released == target or git.is_ancestor(root, target, released):
        return Freshness(True, f"serves {short}: this commit or a newer one")
    entry = next((a for a in affected(root, released, target).include if a.app == app), None)
    if entry is not None:
        return Freshness(False, f"serves {short}, changed since: {entry.reason}", entry.reason.split("; "))
    return Freshness(True, f"serves {short}, unchanged since")


def _apps(root: Path) -> list[tuple[str, str]]:
    """(app, repo-relative config) for every config in rag-configs/, by file name (the overlay folder's name)."""
    folder = root / CONFIG_DIR
    configs = sorted(p for p in folder.iterdir() if p.suffix in CONFIG_SUFFIXES) if folder.is_dir() else []
    return [(p.stem, p.relative_to(root).as_posix()) for p in configs]


def _local_models(root: Path, config: str) -> list[str]:
    try:
        loaded = load_app_config(root / config, root)
    except RagopsError:
        return []  # its release fails with the config's own errors
    return [model for model, _ in local_models(loaded, os.environ)]


def release_plan(root: Path, environment: str, deployed_ref: str = "HEAD") -> ReleasePlan:
    """Decide, for every app of the checkout, whether ``environment`` needs a release of it; the deployed state
    is read at ``deployed_ref`` (CI: origin/main, which may have moved past the pushed commit)."""
    root = root.resolve()
    check_environment(root, environment)
    head = git.resolve(root, "HEAD")
    if head is None:
        raise UsageError(f"{root} is not a git checkout with a commit: a release names the commit it was built from")
    if git.resolve(root, deployed_ref) is None:
        raise UsageError(f"--deployed {deployed_ref}: not a commit here (fetch it first: git fetch origin main)")
    planned: list[PlannedApp] = []
    for app, config in _apps(root):
        if not (overlay_dir(root, environment, app) / KUSTOMIZATION).is_file():
            where = f"{overlay_dir(root, environment, app).relative_to(root).as_posix()}/"
            fix = overlay_fix(root, environment, app)
            planned.append(PlannedApp(app, config, "no-overlay", f"no overlay {where}: not released", fix=fix))
            continue
        released = deployed_commit(root, deployed_ref, environment, app)
        state = freshness(root, app, released, head)
        decision: Decision = "up-to-date" if state.up_to_date else "release"
        models = _local_models(root, config) if decision == "release" else []
        planned.append(PlannedApp(app, config, decision, f"{environment} {state.reason}", released, None, models))
    return ReleasePlan(environment, head, deployed_ref, planned)
