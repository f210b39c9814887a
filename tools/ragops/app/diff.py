"""Use case ``ragops diff``: compare a base and a head evaluation of one app, and check its gates.

Two ways in:

- :func:`diff_runs` — two existing run folders.
- :func:`diff_ref` — an app config and a base git ref. The head is evaluated in the working tree (unless a head
  run is given); the base in a temporary ``git worktree add --detach`` of the ref, removed afterwards, with the
  SAME KFP state folder so the embedding, task and judge caches are shared and nothing is computed twice. When
  the ragops code at the base differs from the code running here, the base is evaluated by its own code
  (``commit_code``). A stored run of the base (``--base-run``, one under ``runs/<app>/``, or one the state folder
  keeps) is reused only when its metadata proves it is that exact commit, clean, with the same normalised config,
  evaluated by the base's code; any other candidate is reported as stale, never silently used. DVC-tracked data
  of the base is pulled into the worktree, sharing the main checkout's DVC cache.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ragops import git
from ragops.app.commit_code import evaluator_of_commit
from ragops.app.config_at import config_at
from ragops.app.endpoints import serve_local_models
from ragops.app.evaluate import Evaluator, evaluate
from ragops.app.preflight import load_app
from ragops.config.app_data import config_hash
from ragops.config.gate import load_defaults
from ragops.config.loader import display_path
from ragops.data.change_summary import DataChangeSummary, summarize_changes
from ragops.errors import RagopsError, UsageError
from ragops.evaluation import baselines
from ragops.evaluation.diff.compare import compare
from ragops.evaluation.diff.model import DiffResult, Links
from ragops.evaluation.provenance import code_fingerprint_at, running_code_fingerprint
from ragops.evaluation.run_folder import RunContents, RunFolder
from ragops.layout import PACKAGE_DIR, kfp_state_dir, local_models_dir, runs_dir
from ragops.pipelines.events import StepCallback
from ragops.progress import StepProgressCallback


@dataclass(frozen=True)
class DiffOutcome:
    result: DiffResult
    base_dir: Path | None  # the base run folder used (None for a new app)
    head_dir: Path
    base_evaluated: bool = False
    head_evaluated: bool = False
    stale: list[str] = field(default_factory=list)


def workflow_run_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The GitHub Actions run this process belongs to, when it runs in one."""
    env = os.environ if environ is None else environ
    server, repo, run = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_RUN_ID")
    return f"{server.rstrip('/')}/{repo}/actions/runs/{run}" if server and repo and run else None


def _data_summary(root: Path, base: str, head: str, notes: list[str]) -> DataChangeSummary | None:
    try:
        return summarize_changes(root, base, head)
    except RagopsError as exc:
        notes.append(f"documents and test sets could not be compared between the refs: {exc.message}")
        return None


def diff_runs(base_dir: Path, head_dir: Path, *, root: Path | None = None, links: Links | None = None) -> DiffOutcome:
    """Compare two run folders of the same app. With ``root`` (the repository), its default gate policy applies and
    documents are compared between the runs' commits when both are known there."""
    base, head = RunFolder(base_dir).read(), RunFolder(head_dir).read()
    if base.report.app != head.report.app:
        raise UsageError(
            f"the runs are of different apps: {base.report.app!r} ({base_dir}) and {head.report.app!r} ({head_dir})"
        )
    notes: list[str] = []
    summary = None
    if root is not None:
        old, new = base.report.metadata.git_commit, head.report.metadata.git_commit
        if old and new and old != new:
            summary = _data_summary(root, old, new, notes)
    result = compare(
        base,
        head,
        defaults=load_defaults(root) if root is not None else None,
        data=summary,
        notes=notes,
        links=links,
    )
    return DiffOutcome(result, base_dir, head_dir)


# --- base by ref -------------------------------------------------------------------------------------------------


def _pull_base_data(tree: Path, config: Path, root: Path) -> None:
    """DVC-tracked data of the base, into the worktree, through the main checkout's DVC cache."""
    from ragops.data.dvc import data_pull_for_configs, uses_tracked_data

    if not uses_tracked_data([config], tree):
        return  # all of this app's data is in git: the worktree has it already
    cache = root / ".dvc" / "cache"
    if cache.is_dir():
        # config.local is per checkout and not in git: point this worktree at the shared cache.
        (tree / ".dvc" / "config.local").write_text(f"[cache]\n    dir = {cache}\n", encoding="utf-8")
    data_pull_for_configs([config], tree)


def diff_ref(
    config_path: Path,
    base_ref: str,
    root: Path,
    *,
    head_run: Path | None = None,
    base_run: Path | None = None,
    state_dir: Path | None = None,
    on_step: StepCallback | None = None,
    on_progress: StepProgressCallback | None = None,
    links: Links | None = None,
    evaluator: Evaluator | None = None,
    start_local_models: bool = False,
) -> DiffOutcome:
    """Diff the app at ``config_path`` (working tree, or ``head_run``) against its evaluation at ``base_ref``.

    ``evaluator`` runs an evaluation and returns its run folder (default: the KFP local runner; a cluster with
    :func:`ragops.app.evaluate.cluster_evaluator`). With ``start_local_models`` (local runner only), each side's
    evaluation is served the packaged models its own config needs."""

    root = root.resolve()
    config_path = config_path.resolve()
    if not config_path.is_relative_to(root):
        raise UsageError(f"{config_path} is outside the repository {root}")
    relative = config_path.relative_to(root).as_posix()
    head_config = load_app(config_path, root)
    app = head_config.name
    commit = git.require_commit(root, base_ref, f"--base-ref {base_ref!r}")
    state = (state_dir or kfp_state_dir(root)).resolve()
    notes: list[str] = []
    # The base's own code when the repository holds ragops (tools/ragops), else the installed code, as here.
    committed_code = code_fingerprint_at(root, commit)
    base_code = committed_code or running_code_fingerprint()
    own_code = committed_code is not None and committed_code != running_code_fingerprint()
    on_cluster = evaluator is not None

    if evaluator is None:

        def evaluator(config: Path, tree: Path, out: Path | None, force: bool) -> Path:
            run = evaluate(config, tree, out, state_dir=state, on_step=on_step, on_progress=on_progress, force=force)
            return run.out_dir

    serve = start_local_models and not on_cluster
    head_evaluated = head_run is None
    if head_run is None:
        with serve_local_models(head_config, local_models_dir(state), serve):
            head_dir = evaluator(config_path, root, None, False)
    else:
        head_dir = head_run
    head = RunFolder(head_dir).read()
    if head.report.app != app:
        raise UsageError(f"--head-run {head_dir} is a run of {head.report.app!r}, not {app!r}")

    exists = git.exists_at(root, commit, relative)
    base: RunContents | None = None
    base_dir: Path | None = None
    base_evaluated = False
    stale: list[str] = []
    if exists:
        # A stored run that is provably the base needs no checkout of it at all.
        base_dir, stale = baselines.find_base(
            root, state, app, commit, config_hash(config_at(root, commit, relative)), base_code, base_run
        )
        if base_dir is None:
            with git.detached_worktree(root, commit) as tree:
                base_config_path = tree / relative
                base_config = load_app(base_config_path, tree)  # the base's own pre-flight checks, in its checkout
                _pull_base_data(tree, base_config_path, root)
                out = runs_dir(root, app) / f"base-{commit[:12]}"
                base_evaluator = evaluator_of_commit(tree, commit, state) if own_code and not on_cluster else evaluator
                with serve_local_models(base_config, local_models_dir(state), serve):
                    base_dir = base_evaluator(base_config_path, tree, out, True)
                base_evaluated = True
            if own_code:
                notes.append(
                    "the ragops code differs between base and head: both sides ran the cluster's image"
                    if on_cluster
                    else f"the ragops code differs between base and head: the base was evaluated by its own code "
                    f"({PACKAGE_DIR} at {commit[:12]})"
                )
        else:
            notes.append(f"base: reused the stored run {display_path(base_dir, root)} (same commit and config)")
        base = RunFolder(base_dir).read()
    notes += stale
    head_commit = head.report.metadata.git_commit
    summary = _data_summary(root, commit, head_commit, notes) if exists and head_commit else None
    if head.report.metadata.git_dirty:
        notes.append("head: evaluated with uncommitted changes; documents are compared with the last commit")
    result = compare(
        base,
        head,
        defaults=load_defaults(root),
        data=summary,
        base_ref=base_ref,
        notes=notes,
        links=links,
    )
    return DiffOutcome(result, base_dir, head_dir, base_evaluated, head_evaluated, stale)
