"""Use case: what each overlay deploys, and how that compares to main.

For every ``kustomize/overlays/<env>/<app>/`` it reads the release manifest and the pinned image (what Argo CD or
Flux applies from this checkout), then asks git whether the release's commit is on the main branch and how many
commits main has gained since, and compares the hashes the release records with the app's config, corpus and test
sets in the checkout: "changed" means a promotion of main would release something different.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ragops import git
from ragops.app.promote import checkout_hashes
from ragops.errors import RagopsError, UsageError
from ragops.gitops.overlay_files import read_overlay
from ragops.gitops.release import Release
from ragops.layout import KUSTOMIZATION, config_file, overlays_dir


@dataclass(frozen=True)
class Deployed:
    environment: str
    app: str
    overlay: str  # relative to the repository root
    release: Release | None  # None: never promoted (placeholder)
    image: str | None
    on_main: bool | None = None  # the release's commit is main or an ancestor of it
    behind: int | None = None  # commits main has that the release's commit has not
    changed: list[str] = field(default_factory=list)  # "config", "corpus", "test set NAME" differing from the checkout
    problems: list[str] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool | None:
        if self.release is None or self.problems:
            return None
        return not self.changed


@dataclass(frozen=True)
class ReleaseStatus:
    main_ref: str
    main_commit: str | None
    deployed: list[Deployed]


def _compare(root: Path, entry: Deployed, main_commit: str | None) -> Deployed:
    release = entry.release
    if release is None:
        return entry
    on_main = behind = None
    if main_commit is not None:
        on_main = git.is_ancestor(root, release.commit, main_commit)
        behind = git.commits_between(root, release.commit, main_commit) if on_main else None
    changed: list[str] = []
    problems = list(entry.problems)
    if not config_file(root, entry.app).is_file():
        problems.append(f"no {config_file(root, entry.app).relative_to(root)} in this checkout")
    else:
        try:
            now = checkout_hashes(root, entry.app)
        except RagopsError as exc:
            problems.append(f"cannot hash the app's inputs: {exc.message.splitlines()[0]}")
        else:
            if now.config_hash != release.config_hash:
                changed.append("config")
            if now.corpus_hash != release.corpus_hash:
                changed.append("corpus")
            for name in sorted(set(now.testset_hashes) | set(release.testset_hashes)):
                if now.testset_hashes.get(name) != release.testset_hashes.get(name):
                    changed.append(f"test set {name}")
    return Deployed(
        entry.environment, entry.app, entry.overlay, release, entry.image, on_main, behind, changed, problems
    )


def release_status(root: Path, main_ref: str = "main") -> ReleaseStatus:
    root = root.resolve()
    folder = overlays_dir(root)
    if not folder.is_dir():
        raise UsageError(f"{folder}: no overlays here; run from the repository root or pass --root")
    main_commit = git.resolve(root, main_ref)
    deployed: list[Deployed] = []
    for kustomization in sorted(folder.glob(f"*/*/{KUSTOMIZATION}")):
        overlay = kustomization.parent
        environment, app = overlay.parent.name, overlay.name
        relative = overlay.relative_to(root).as_posix()
        try:
            state = read_overlay(overlay)
        except RagopsError as exc:
            deployed.append(Deployed(environment, app, relative, None, None, problems=[exc.message]))
            continue
        entry = Deployed(environment, app, relative, state.release, state.image)
        deployed.append(_compare(root, entry, main_commit))
    return ReleaseStatus(main_ref, main_commit, deployed)
