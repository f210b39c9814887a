"""Use case: promote an evaluated run to an environment's overlay, or a verified release from one environment to
another.

``promote`` refuses, naming every reason:

- a stale run — one whose report does not describe the current checkout: another app, another commit than HEAD,
  made from (or promoted into) a checkout with uncommitted changes, or a config / corpus / test set whose hash
  differs from what the run recorded. A release must be exactly what was evaluated.
- a run whose gates fail: the app's gate rules over the run's metrics, and ``max_regression`` against the release
  the environment deploys now.
- an index reference that cannot be the artifact (a malformed digest, a URI naming another digest, a missing
  file:// artifact).

Otherwise it writes the overlay (see :mod:`ragops.gitops.overlay_files`); promoting the same state again writes
the same bytes. ``promote_between`` copies the release one overlay deploys to another, unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from ragops import git
from ragops.artifacts.archive import artifact_name, digest_in_name
from ragops.config.app_data import config_hash, data_paths
from ragops.config.environments import load_environments
from ragops.config.gate import load_defaults
from ragops.config.loader import load_app_config
from ragops.data.fingerprint import corpus_fingerprint, file_fingerprint
from ragops.errors import GateFailed, UsageError, ValidationFailed
from ragops.evaluation.report import Report
from ragops.evaluation.run_folder import RunFolder
from ragops.gitops.overlay_files import (
    Promotion,
    copy_release,
    pinned_image,
    promote_release,
    read_overlay,
    require_overlay,
)
from ragops.gitops.release import IMAGE_PATTERN, PLACEHOLDER_DIGEST, config_yaml, release_from_run
from ragops.gitops.release_gate import check_gates
from ragops.hashing import is_digest, parse_digest
from ragops.layout import ENVIRONMENTS_FILE, KUSTOMIZE_DIR, OVERLAYS_FOLDER, config_file, overlay_dir

_PROMOTION_OUTPUT = [f"{KUSTOMIZE_DIR}/{OVERLAYS_FOLDER}"]


def _listing(paths: list[str]) -> str:
    return ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")


@dataclass(frozen=True)
class CheckoutHashes:
    """The hashes an evaluation of ``app`` at the current checkout would record."""

    config_hash: str
    corpus: str
    corpus_hash: str | None  # None: the corpus is missing
    testset_hashes: dict[str, str]


def checkout_hashes(root: Path, app: str) -> CheckoutHashes:
    """Hash ``rag-configs/<app>.yaml``, its corpus and test sets as the evaluation pipeline does."""
    config = load_app_config(config_file(root, app), root)
    corpus, *entries = data_paths(config, root)
    testsets = {
        e.name: file_fingerprint(e.path) if e.path is not None and e.path.is_file() else "missing" for e in entries
    }
    return CheckoutHashes(
        config_hash=config_hash(config),
        corpus=corpus.value,
        corpus_hash=corpus_fingerprint(corpus.path) if corpus.path is not None and corpus.path.exists() else None,
        testset_hashes=testsets,
    )


def stale_reasons(report: Report, app: str, root: Path) -> list[str]:
    """Why ``report`` does not describe the current checkout of ``app`` (empty when it does)."""
    meta = report.metadata
    reasons: list[str] = []
    if report.app != app:
        return [f"the run evaluated app {report.app!r}, not {app!r}"]
    head = git.resolve(root, "HEAD")
    if meta.git_commit is None:
        reasons.append("the run records no commit: it was not made in a git checkout")
    elif head is None:
        reasons.append(f"{root} is not a git checkout with a commit")
    elif meta.git_commit != head:
        # Commits that only touch overlays (earlier promotions, the release bot's) do not change what was evaluated.
        since = git.changed_between(root, meta.git_commit, head, exclude=_PROMOTION_OUTPUT)
        if since is None or not git.is_ancestor(root, meta.git_commit, head):
            reasons.append(
                f"commit: the run evaluated {meta.git_commit[:12]}, which is not an ancestor of the checkout "
                f"({head[:12]})"
            )
        elif since:
            reasons.append(
                f"commit: the run evaluated {meta.git_commit[:12]}, the checkout is at {head[:12]}, which changed "
                f"{_listing(since)}"
            )
    if meta.git_dirty:
        reasons.append("the run was made from a checkout with uncommitted changes")
    # Overlays are what promotion writes: promoting several apps in a row must not make the next one look stale.
    changed = git.uncommitted(root, exclude=_PROMOTION_OUTPUT)
    if changed:
        reasons.append(
            f"the checkout has uncommitted changes ({_listing(changed)}): commit them, evaluate, then promote"
        )

    source = config_file(root, app)
    if not source.is_file():
        return [*reasons, f"{source.relative_to(root)}: no such config in this checkout"]
    current = checkout_hashes(root, app)
    if current.config_hash != meta.config_hash:
        reasons.append(
            f"config: {source.relative_to(root)} hashes to {current.config_hash[:12]}, "
            f"the run evaluated {meta.config_hash[:12]}"
        )
    if current.corpus_hash is None:
        reasons.append(f"corpus: {current.corpus} is missing (pull it with 'ragops data pull')")
    elif current.corpus_hash != meta.corpus_hash:
        reasons.append(f"corpus: {current.corpus} is {current.corpus_hash}, the run evaluated {meta.corpus_hash}")
    for name in sorted(set(current.testset_hashes) | set(meta.testset_hashes)):
        now, then = current.testset_hashes.get(name, "absent"), meta.testset_hashes.get(name, "absent")
        if now != then:
            reasons.append(f"test set {name}: {now} now, {then} in the run")
    return reasons


def _check_index(uri: str, digest: str) -> None:
    if not is_digest(digest) or digest == PLACEHOLDER_DIGEST:
        raise UsageError(
            f"--index-digest {digest!r}: expected sha256:<64 hex digits> as 'ragops index --publish' prints"
        )
    named = digest_in_name(uri)
    if named is not None and named != digest:
        raise UsageError(f"--index-uri {uri} names the artifact {named}, not --index-digest {digest}")
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        local = Path(unquote(parsed.path))
        target = local if named is not None else local / artifact_name(parse_digest(digest))
        if not target.is_file():
            raise ValidationFailed(f"{target}: no such artifact; publish the index first ('ragops index --publish')")
    elif not parsed.scheme:
        raise UsageError(f"--index-uri {uri}: expected a URI the init container can fetch (file://…, s3://…)")


def promote(
    app: str,
    environment: str,
    run_dir: Path,
    root: Path,
    *,
    index_uri: str,
    index_digest: str,
    image: str | None = None,
) -> Promotion:
    """Write the release of the run in ``run_dir`` into ``kustomize/overlays/<environment>/<app>/``."""
    root = root.resolve()
    load_environments(root).get(environment)
    overlay = overlay_dir(root, environment, app)
    require_overlay(overlay)
    if image is not None and not re.match(IMAGE_PATTERN, image):
        raise UsageError(f"--image {image!r}: pin the image by digest, e.g. ghcr.io/ragops/ragops@sha256:<64 hex>")
    _check_index(index_uri, index_digest)
    run = RunFolder(run_dir)
    report = run.read_report()
    config = run.read_config()
    reasons = stale_reasons(report, app, root)
    if reasons:
        raise ValidationFailed(
            f"{run_dir} is stale: it does not match this checkout of {app}:\n  - " + "\n  - ".join(reasons)
        )
    deployed = read_overlay(overlay).release
    baseline = deployed.evaluation.metrics if deployed is not None and deployed.app == app else None
    verdict = check_gates(report, config.spec.evaluation.gate, load_defaults(root), baseline)
    if not verdict.passed:
        lines = [f"{o.metric}: {o.detail}" for o in verdict.failures]
        raise GateFailed(f"{run_dir}: the gates of {app} fail; not promoted:\n  - " + "\n  - ".join(lines))
    assert report.metadata.git_commit is not None  # stale_reasons refused a run without one
    release = release_from_run(
        report=report,
        config=config,
        environment=environment,
        index_uri=index_uri,
        index_digest=index_digest,
        image=image or pinned_image(overlay),
        created_at=git.commit_time(root, report.metadata.git_commit),
        verdict=verdict,
    )
    text = config_yaml(config, commit=release.commit, run_id=release.evaluation.run_id)
    return promote_release(overlay, text, release)


def source_environment(target: str, root: Path) -> str:
    """The environment whose release ``target`` receives (its ``promoted_from`` in the environments file)."""
    source = load_environments(root).get(target).promoted_from
    if source is None:
        raise UsageError(
            f"--to {target}: releases reach it from no other environment ({ENVIRONMENTS_FILE} gives it no "
            "promoted_from); it takes evaluated runs (--env)"
        )
    return source


def promote_between(app: str, source: str, target: str, root: Path) -> Promotion:
    """Deploy the release ``source``'s overlay of ``app`` holds to ``target``'s overlay, unchanged."""
    if source == target:
        raise UsageError(f"--from and --to are both {source!r}")
    root = root.resolve()
    declared = load_environments(root)
    declared.get(source)
    receives = declared.get(target).promoted_from
    if receives != source:
        origin = f"from {receives!r}" if receives else "from evaluated runs only (--env), from no other environment"
        raise UsageError(f"{target!r} receives its releases {origin} ({ENVIRONMENTS_FILE}: promoted_from)")
    state = read_overlay(overlay_dir(root, source, app))
    target_overlay = overlay_dir(root, target, app)
    require_overlay(target_overlay)
    if state.release is not None and state.release.app != app:
        raise ValidationFailed(f"{state.path}: its release is of app {state.release.app!r}, not {app!r}")
    return copy_release(state, target_overlay, target)
