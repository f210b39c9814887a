"""Runs of clean commits kept in the state folder, found again by ``ragops diff`` as a provable base."""

from __future__ import annotations

import os
from pathlib import Path

from ragops.evaluation import baselines
from ragops.evaluation.run_folder import RunFolder
from tests.unit.evaluation.conftest import Run, write_run_folder


def test_a_clean_run_is_kept_and_reads_back_equal(run: Run, tmp_path: Path) -> None:
    original = write_run_folder(run, tmp_path / "run")
    kept = baselines.remember(original, tmp_path / "state")
    assert kept is not None
    assert baselines.candidates(tmp_path / "state", "sample") == [kept]
    assert RunFolder(kept).read() == original.read()


def test_runs_of_uncommitted_or_unknown_checkouts_are_not_kept(run: Run, tmp_path: Path) -> None:
    assert baselines.remember(write_run_folder(run, tmp_path / "dirty", dirty=True), tmp_path / "state") is None
    assert baselines.remember(write_run_folder(run, tmp_path / "unknown", dirty=None), tmp_path / "state") is None
    assert baselines.remember(write_run_folder(run, tmp_path / "nogit", commit=None), tmp_path / "state") is None
    assert baselines.candidates(tmp_path / "state", "sample") == []


def test_only_the_newest_are_kept(run: Run, tmp_path: Path) -> None:
    state = tmp_path / "state"
    past = 1_700_000_000
    for number in range(baselines.KEPT_PER_APP + 2):
        kept = baselines.remember(
            write_run_folder(run, tmp_path / f"run{number}", commit=f"{number:02d}".ljust(40, "0")), state
        )
        assert kept is not None
        os.utime(kept / "report.json", (past + number, past + number))
    names = [p.name[:12] for p in baselines.candidates(state, "sample")]
    newest_first = [f"{n:02d}".ljust(12, "0") for n in range(baselines.KEPT_PER_APP + 1, 1, -1)]
    assert names == newest_first
