"""Choosing the base of ``ragops diff --base-ref`` among stored runs: only one provably of the base is used."""

from __future__ import annotations

from pathlib import Path

from ragops.app.diff import _stored_base
from ragops.evaluation import baselines
from tests.unit.evaluation.conftest import make_run, write_run_folder


def test_diff_finds_the_base_in_the_state_and_reports_a_stale_one(tmp_path: Path) -> None:
    state, root = tmp_path / "state", tmp_path / "repo"
    kept = baselines.remember(write_run_folder(make_run(), tmp_path / "run"), state)
    found, stale = _stored_base(root, state, "sample", "abc123", "cfg", "code0123", None)
    assert (found, stale) == (kept, [])
    found, stale = _stored_base(root, state, "sample", "abc123", "another config", "code0123", None)
    assert found is None
    assert len(stale) == 1 and "its config differs from the base's" in stale[0]


def test_a_run_of_the_base_by_other_ragops_code_is_stale(tmp_path: Path) -> None:
    state, root = tmp_path / "state", tmp_path / "repo"
    baselines.remember(write_run_folder(make_run(), tmp_path / "run"), state)
    found, stale = _stored_base(root, state, "sample", "abc123", "cfg", "feedbeef", None)
    assert found is None
    assert len(stale) == 1 and "evaluated by other ragops code (code0123, the base's is feedbeef)" in stale[0]


def test_a_run_that_does_not_say_which_code_made_it_is_stale(tmp_path: Path) -> None:
    folder = write_run_folder(make_run(), tmp_path / "run")
    report = folder.read_report()
    unknown = report.model_copy(update={"metadata": report.metadata.model_copy(update={"code_fingerprint": None})})
    (folder.path / "report.json").write_text(unknown.model_dump_json(), encoding="utf-8")
    found, stale = _stored_base(tmp_path, tmp_path / "state", "sample", "abc123", "cfg", "code0123", folder.path)
    assert found is None
    assert "the ragops code that evaluated it is unknown" in stale[0]
