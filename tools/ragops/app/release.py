"""Use case ``ragops release run``: release the checked-out commit to an environment, one app at a time.

For every app :mod:`ragops.app.release_plan` says needs it: pull its data, evaluate it (serving the packaged
models its endpoints need, with ``start_local_models``), publish its index as a content-addressed artifact, and
promote the run into ``kustomize/overlays/<env>/<app>/`` on top of the deployed overlay (the baseline of
``max_regression``), through ``ragops promote``'s checks. Each app is independent: one whose gate fails, or whose
evaluation cannot reach what it needs, is reported with the reason and never stops the others. Every app that
passed goes into one commit (by the release bot, with the failures in its message); pushing it is the caller's.

The image the overlays pin is kept unless ``image`` (``REF@sha256:…``, built from this commit) is given: the seam
where the build of the service image hands its digest to the release.
"""

from __future__ import annotations

import shutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ragops import git, logs
from ragops.app.artifacts import publish_index
from ragops.app.endpoints import serve_local_models
from ragops.app.evaluate import Evaluator, evaluate
from ragops.app.index import ensure_index
from ragops.app.preflight import load_app
from ragops.app.promote import promote
from ragops.app.release_plan import PlannedApp, ReleasePlan, release_plan
from ragops.artifacts.transfer import Published
from ragops.config.models import AppConfig
from ragops.errors import GateFailed, InfrastructureError, RagopsError, ValidationFailed
from ragops.layout import RUNS_DIR, kfp_state_dir, local_models_dir, overlay_dir
from ragops.pipelines.events import StepCallback
from ragops.progress import StepProgressCallback

Outcome = Literal["released", "unchanged", "up-to-date", "no-overlay", "gate-failed", "infrastructure-error", "failed"]
FAILURES: frozenset[str] = frozenset({"gate-failed", "infrastructure-error", "failed"})
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"

# Publishes an app's index to a store (file://…, s3://…): what a release records as the index it deploys.
Publisher = Callable[[AppConfig, str], Published]
# Hears "app: what is happening" as the release goes.
Progress = Callable[[str, str], None]

_log = logs.get_logger("ragops.app.release")


@dataclass(frozen=True)
class AppRelease:
    app: str
    outcome: Outcome
    reason: str
    release_id: str | None = None
    run_dir: Path | None = None
    fix: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome in FAILURES


@dataclass(frozen=True)
class ReleaseResult:
    plan: ReleasePlan
    apps: list[AppRelease]
    commit: str | None = None  # the commit holding every released app; None when nothing changed
    notes: list[str] = field(default_factory=list)

    @property
    def released(self) -> list[AppRelease]:
        return [a for a in self.apps if a.outcome == "released"]

    @property
    def failures(self) -> list[AppRelease]:
        return [a for a in self.apps if a.failed]

    def raise_for_failures(self) -> None:
        """After reporting and committing what passed: an ``InfrastructureError`` when an app could not reach
        something (a re-run may pass), else a ``ValidationFailed`` when an app failed; nothing when none did."""
        if not self.failures:
            return
        names = ", ".join(f"{a.app} ({a.outcome})" for a in self.failures)
        if any(a.outcome == "infrastructure-error" for a in self.apps):
            raise InfrastructureError(f"not released: {names}; a re-run may pass")
        raise ValidationFailed(f"not released: {names}")


def default_publisher(root: Path, state: Path) -> Publisher:
    """Build (or reuse) the app's index with the evaluation's embedding cache — nothing is embedded twice — and
    publish it."""

    def publish(config: AppConfig, store: str) -> Published:
        report = ensure_index(config, root, cache_folder=state / "embedding-cache")
        return publish_index(Path(report.index_dir), store)

    return publish


def _pull_data(config_path: Path, root: Path) -> None:
    from ragops.data.dvc import data_pull_for_configs, uses_tracked_data  # DVC's import takes seconds

    if uses_tracked_data([config_path], root):
        data_pull_for_configs([config_path], root)


def commit_message(environment: str, head: str, apps: list[AppRelease]) -> str:
    released = [a for a in apps if a.outcome == "released"]
    lines = [f"release: promote {' '.join(a.app for a in released)} to {environment}", "", f"Evaluated commit: {head}"]
    lines += [f"- {a.app}: release {a.release_id}" for a in released]
    failed = [a for a in apps if a.failed]
    if failed:
        lines += ["", "Not released:"] + [f"- {a.app}: {a.outcome}: {a.reason.splitlines()[0]}" for a in failed]
    return "\n".join(lines)


def _failure(app: str, exc: BaseException) -> AppRelease:
    if isinstance(exc, GateFailed):
        return AppRelease(app, "gate-failed", exc.message)
    if isinstance(exc, InfrastructureError):
        return AppRelease(app, "infrastructure-error", exc.message)
    if isinstance(exc, RagopsError):
        return AppRelease(app, "failed", exc.message)
    # A defect, not an input: still only this app's release is lost; the trace goes to the log.
    _log.error("release_defect", message=traceback.format_exc(), app=app)
    return AppRelease(app, "failed", f"unexpected {type(exc).__name__}: {exc}")


def release(
    root: Path,
    environment: str,
    store: str,
    *,
    deployed_ref: str = "HEAD",
    image: str | None = None,
    state_dir: Path | None = None,
    start_local_models: bool = False,
    commit: bool = True,
    evaluator: Evaluator | None = None,
    publisher: Publisher | None = None,
    progress: Progress | None = None,
    on_step: StepCallback | None = None,
    on_progress: StepProgressCallback | None = None,
) -> ReleaseResult:
    """Release every app of the checkout that ``environment`` needs (see :func:`release_plan`); with ``commit``,
    commit the overlays of the apps released. ``evaluator`` (a cluster's) and ``publisher`` default to the KFP
    local runner (``on_step``/``on_progress`` hear of its steps) and :func:`default_publisher`."""
    root = root.resolve()
    plan = release_plan(root, environment, deployed_ref)
    state = (state_dir or kfp_state_dir(root)).resolve()
    tell = progress or (lambda _app, _what: None)
    on_cluster = evaluator is not None

    def local_evaluator(config: Path, tree: Path, out: Path | None, force: bool) -> Path:
        run = evaluate(config, tree, out, state_dir=state, on_step=on_step, on_progress=on_progress, force=force)
        return run.out_dir

    run_app = evaluator or local_evaluator
    publish = publisher or default_publisher(root, state)
    results: dict[str, AppRelease] = {}
    evaluated: list[tuple[PlannedApp, Path, Published]] = []
    # Every app is evaluated before any is promoted: a promotion changes the checkout (its overlay), and a run
    # made from a checkout with changes is not a release of the commit.
    for planned in plan.apps:
        if planned.decision != "release":
            outcome: Outcome = "no-overlay" if planned.decision == "no-overlay" else "up-to-date"
            results[planned.app] = AppRelease(planned.app, outcome, planned.reason, fix=planned.fix)
            continue
        tell(planned.app, planned.reason)
        try:
            run_dir, published = _evaluate_one(
                root,
                planned,
                store,
                run_app=run_app,
                publish=publish,
                serve=start_local_models and not on_cluster,
                state=state,
                tell=tell,
            )
        except Exception as exc:  # one app's failure is reported, never the end of the others' release
            results[planned.app] = _failure(planned.app, exc)
            continue
        evaluated.append((planned, run_dir, published))
    for planned, run_dir, published in evaluated:
        tell(planned.app, "promote")
        results[planned.app] = _promote_one(root, plan, planned, run_dir, published, image)
    ordered = [results[a.app] for a in plan.apps]
    made = None
    if commit:
        paths = [overlay_dir(Path(), environment, a.app).as_posix() for a in ordered if a.outcome == "released"]
        made = git.commit_paths(root, paths, commit_message(environment, plan.head, ordered), BOT_NAME, BOT_EMAIL)
    return ReleaseResult(plan, ordered, made)


def _evaluate_one(
    root: Path,
    planned: PlannedApp,
    store: str,
    *,
    run_app: Evaluator,
    publish: Publisher,
    serve: bool,
    state: Path,
    tell: Progress,
) -> tuple[Path, Published]:
    """Pull the app's data, evaluate it into ``runs/release/<app>`` and publish its index."""
    app = planned.app
    run_dir = root / RUNS_DIR / "release" / app
    config_path = root / planned.config
    config = load_app(config_path, root)
    tell(app, "data")
    _pull_data(config_path, root)
    tell(app, "evaluate")
    shutil.rmtree(run_dir, ignore_errors=True)
    with serve_local_models(config, local_models_dir(state), serve):
        run_app(config_path, root, run_dir, True)
    tell(app, "publish the index")
    return run_dir, publish(config, store)


def _promote_one(
    root: Path, plan: ReleasePlan, planned: PlannedApp, run_dir: Path, published: Published, image: str | None
) -> AppRelease:
    """Promote the app's run on top of what the environment deploys now (``max_regression``'s baseline)."""
    app = planned.app
    overlay = overlay_dir(Path(), plan.environment, app).as_posix()
    try:
        if plan.deployed_ref != "HEAD":
            git.restore(root, plan.deployed_ref, overlay)
        promotion = promote(
            app,
            plan.environment,
            run_dir,
            root,
            index_uri=published.uri,
            index_digest=published.digest,
            image=image,
        )
    except Exception as exc:  # as above: this app only
        git.restore(root, "HEAD", overlay)
        failure = _failure(app, exc)
        return AppRelease(app, failure.outcome, failure.reason, run_dir=run_dir)
    release_id = promotion.release.release_id
    if not promotion.changed:
        git.restore(root, "HEAD", overlay)
        return AppRelease(app, "unchanged", f"the overlay already holds release {release_id}", release_id, run_dir)
    return AppRelease(app, "released", f"{planned.reason}; release {release_id}", release_id, run_dir)
