"""Use case: what each overlay deploys, and how that compares to main.

For every ``kustomize/overlays/<env>/<app>/`` it reads the release manifest and the pinned image (what Argo CD or
Flux applies from this checkout), then asks git whether the release's commit is on the main branch and how many
commits main has gained since, and whether the release is up to date with main — the same answer the release
workflow acts on (:func:`ragops.app.release_plan.freshness`): "changed" lists what main changed since the release
that changes what the app scores (its config, its data, the shared code), so a release of main would differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ragops import git
from ragops.app.release_plan import freshness
from ragops.config.environments import load_environments
from ragops.errors import RagopsError, UsageError
from ragops.gitops.overlay_files import read_overlay
from ragops.gitops.release import Release
from ragops.layout import (
    CONFIG_DIR,
    ENVIRONMENTS_FILE,
    KUSTOMIZATION,
    is_config_file,
    overlay_dir,
    overlays_dir,
)


@dataclass(frozen=True)
class Deployed:
    environment: str
    app: str
    overlay: str  # relative to the repository root
    release: Release | None  # None: never promoted (placeholder)
    image: str | None
    on_main: bool | None = None  # the release's commit is main or an ancestor of it
    behind: int | None = None  # commits main has that the release's commit has not
    changed: list[str] = field(default_factory=list)  # what main changed since the release (ragops affected's words)
    problems: list[str] = field(default_factory=list)
    fresh: bool | None = None  # up to date with main; None when unknown

    @property
    def up_to_date(self) -> bool | None:
        if self.release is None or self.problems:
            return None
        return self.fresh


@dataclass(frozen=True)
class ReleaseStatus:
    main_ref: str
    main_commit: str | None
    deployed: list[Deployed]
    environments: list[str] = field(default_factory=list)  # declared, in promotion order


def _compare(root: Path, entry: Deployed, main_commit: str | None) -> Deployed:
    release = entry.release
    if release is None:
        return entry
    on_main = behind = fresh = None
    changed: list[str] = []
    problems = list(entry.problems)
    if main_commit is not None:
        on_main = git.is_ancestor(root, release.commit, main_commit)
        behind = git.commits_between(root, release.commit, main_commit) if on_main else None
        try:
            state = freshness(root, entry.app, release.commit, main_commit)
        except RagopsError as exc:
            problems.append(f"cannot compare with main: {exc.message.splitlines()[0]}")
        else:
            fresh, changed = state.up_to_date, state.changes
    return Deployed(
        entry.environment, entry.app, entry.overlay, release, entry.image, on_main, behind, changed, problems, fresh
    )


def release_status(root: Path, main_ref: str = "main") -> ReleaseStatus:
    root = root.resolve()
    folder = overlays_dir(root)
    if not folder.is_dir():
        raise UsageError(f"{folder}: no overlays here; run from the repository root or pass --root")
    declared = load_environments(root).names
    main_commit = git.resolve(root, main_ref)
    found = {(k.parent.parent.name, k.parent.name) for k in folder.glob(f"*/*/{KUSTOMIZATION}")}
    apps = {path.stem for path in (root / CONFIG_DIR).glob("*") if is_config_file(path)}
    order = {name: i for i, name in enumerate(declared)}
    wanted = found | {(environment, app) for environment in declared for app in apps}
    deployed: list[Deployed] = []
    for environment, app in sorted(wanted, key=lambda pair: (order.get(pair[0], len(order)), pair)):
        overlay = overlay_dir(root, environment, app)
        relative = overlay.relative_to(root).as_posix()
        if environment not in order:
            why = f"{environment!r} is not a declared environment ({ENVIRONMENTS_FILE}): add it with 'ragops new env'"
            deployed.append(Deployed(environment, app, relative, None, None, problems=[why]))
            continue
        if (environment, app) not in found:
            why = f"no overlay: 'ragops new env {environment}' writes the missing ones"
            deployed.append(Deployed(environment, app, relative, None, None, problems=[why]))
            continue
        try:
            state = read_overlay(overlay)
        except RagopsError as exc:
            deployed.append(Deployed(environment, app, relative, None, None, problems=[exc.message]))
            continue
        entry = Deployed(environment, app, relative, state.release, state.image)
        deployed.append(_compare(root, entry, main_commit))
    return ReleaseStatus(main_ref, main_commit, deployed, declared)
