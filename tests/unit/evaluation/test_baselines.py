"""Runs of clean commits kept in the state folder, found again by ``ragops diff`` as a provable base."""

from __future__ import annotations

import os
from pathlib import Path

from ragops.evaluation import baselines
from ragops.evaluation.run_folder import RunFolder
from tests.support.runs import RUN_COMMIT, Run, make_run, write_run_folder


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


def test_diff_finds_the_base_in_the_state_and_reports_a_stale_one(tmp_path: Path) -> None:
    state, root = tmp_path / "state", tmp_path / "repo"
    kept = baselines.remember(write_run_folder(make_run(), tmp_path / "run"), state)
    found, stale = baselines.find_base(root, state, "sample", RUN_COMMIT, "cfg", "code0123", None)
    assert (found, stale) == (kept, [])
    found, stale = baselines.find_base(root, state, "sample", RUN_COMMIT, "another config", "code0123", None)
    assert found is None
    assert len(stale) == 1 and "its config differs from the base's" in stale[0]


def test_a_run_of_the_base_by_other_ragops_code_is_stale(tmp_path: Path) -> None:
    state, root = tmp_path / "state", tmp_path / "repo"
    baselines.remember(write_run_folder(make_run(), tmp_path / "run"), state)
    found, stale = baselines.find_base(root, state, "sample", RUN_COMMIT, "cfg", "feedbeef", None)
    assert found is None
    assert len(stale) == 1 and "evaluated by other ragops code (code0123, the base's is feedbeef)" in stale[0]


def test_a_run_that_does_not_say_which_code_made_it_is_stale(tmp_path: Path) -> None:
    folder = write_run_folder(make_run(), tmp_path / "run")
    report = folder.read_report()
    unknown = report.model_copy(update={"metadata": report.metadata.model_copy(update={"code_fingerprint": None})})
    (folder.path / "report.json").write_text(unknown.model_dump_json(), encoding="utf-8")
    found, stale = baselines.find_base(
        tmp_path, tmp_path / "state", "sample", RUN_COMMIT, "cfg", "code0123", folder.path
    )
    assert found is None
    assert "the ragops code that evaluated it is unknown" in stale[0]
