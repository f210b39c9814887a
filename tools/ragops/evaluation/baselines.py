"""Runs of clean commits kept in the state folder, so a later diff can use one as its base without evaluating it.

Every evaluation of a clean checkout leaves a copy of its run folder under ``<state>/baselines/<app>/``. The state
folder is what CI caches and restores (the main branch's evaluation, a pull request's earlier base), so the next
``ragops diff --base-ref`` finds the base there (:func:`find_base`), and only a run whose metadata proves it is the
base is used (:func:`baseline_problems`). A few per app are kept, newest first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ragops.config.loader import display_path
from ragops.errors import RagopsError
from ragops.evaluation.run_folder import RunFolder, publish, staging_folder
from ragops.layout import runs_dir

KEPT_PER_APP = 8


def baselines_dir(state: Path, app: str) -> Path:
    return state / "baselines" / app


def remember(run: RunFolder, state: Path) -> Path | None:
    """Keep a copy of ``run`` if it is of a clean commit; returns where (None: not a baseline)."""
    report = run.read_report()
    meta = report.metadata
    if meta.git_dirty is not False or not meta.git_commit:
        return None
    folder = baselines_dir(state, report.app) / f"{meta.git_commit[:12]}-{meta.config_hash[:12]}"
    staging = staging_folder(folder)
    shutil.rmtree(staging, ignore_errors=True)
    run.copy_into(staging)
    publish(staging, folder)
    _prune(state, report.app)
    return folder


def candidates(state: Path, app: str) -> list[Path]:
    """The kept runs of ``app``, newest first."""
    folder = baselines_dir(state, app)
    runs = [p for p in folder.glob("*") if not p.name.startswith(".") and RunFolder(p).is_complete()]
    return sorted(runs, key=lambda p: RunFolder(p).report_json.stat().st_mtime, reverse=True)


def _prune(state: Path, app: str) -> None:
    for stale in candidates(state, app)[KEPT_PER_APP:]:
        shutil.rmtree(stale, ignore_errors=True)


def baseline_problems(run: RunFolder, commit: str, config_hash: str, app: str, code: str) -> list[str]:
    """Why a stored run is not a valid base for ``commit`` with this config, evaluated by the ragops code with
    fingerprint ``code`` (empty: it is)."""
    try:
        report = run.read_report()
    except RagopsError as exc:
        return [f"unreadable ({exc.message})"]
    meta = report.metadata
    problems = []
    if report.app != app:
        problems.append(f"it is a run of app {report.app!r}")
    if meta.git_commit != commit:
        problems.append(f"it was made at commit {(meta.git_commit or 'unknown')[:12]}, not {commit[:12]}")
    if meta.git_dirty is not False:
        problems.append("its checkout had uncommitted changes" if meta.git_dirty else "its checkout state is unknown")
    if meta.config_hash != config_hash:
        problems.append("its config differs from the base's")
    if meta.code_fingerprint != code:
        problems.append(
            f"it was evaluated by other ragops code ({meta.code_fingerprint[:8]}, the base's is {code[:8]})"
            if meta.code_fingerprint
            else "the ragops code that evaluated it is unknown (made before ragops recorded it)"
        )
    return problems


def find_base(
    root: Path, state: Path, app: str, commit: str, config_hash: str, code: str, explicit: Path | None
) -> tuple[Path | None, list[str]]:
    """A stored run that is provably the base, and the candidates rejected (with why): ``explicit``, else the
    app's run folders (newest first), then the runs of clean commits the state folder keeps."""
    stale: list[str] = []
    considered = (
        [explicit]
        if explicit is not None
        else [
            *sorted((p for p in runs_dir(root, app).glob("*") if RunFolder(p).report_json.is_file()), reverse=True),
            *candidates(state, app),
        ]
    )
    for candidate in considered:
        problems = baseline_problems(RunFolder(candidate), commit, config_hash, app, code)
        if not problems:
            return candidate, stale
        # When searching, runs of other commits are simply other runs; one at this commit that differs is stale.
        other_commit = any(p.startswith("it was made at commit") for p in problems)
        if explicit is not None or not other_commit:
            stale.append(f"stored base run {display_path(candidate, root)} not used: {'; '.join(problems)}")
    return None, stale
