"""Runs of clean commits kept in the state folder, so a later diff can use one as its base without evaluating it.

Every evaluation of a clean checkout leaves a copy of its run folder under ``<state>/baselines/<app>/``. The state
folder is what CI caches and restores (the main branch's evaluation, a pull request's earlier base), so the next
``ragops diff --base-ref`` finds the base there; whoever reads one still checks its metadata proves it is the
base (``ragops.app.diff.baseline_problems``). A few per app are kept, newest first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ragops.evaluation.run_folder import RunFolder, publish, staging_folder

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
    return sorted(runs, key=lambda p: (p / "report.json").stat().st_mtime, reverse=True)


def _prune(state: Path, app: str) -> None:
    for stale in candidates(state, app)[KEPT_PER_APP:]:
        shutil.rmtree(stale, ignore_errors=True)
