"""Choosing the base of ``ragops diff --base-ref`` among stored runs: only one provably of the base is used."""

from __future__ import annotations

from pathlib import Path

from ragops.app.diff import _stored_base
from ragops.evaluation import baselines
from tests.unit.evaluation.conftest import make_run, write_run_folder


def test_diff_finds_the_base_in_the_state_and_reports_a_stale_one(tmp_path: Path) -> None:
    state, root = tmp_path / "state", tmp_path / "repo"
    kept = baselines.remember(write_run_folder(make_run(), tmp_path / "run"), state)
    found, stale = _stored_base(root, state, "sample", "abc123", "cfg", None)
    assert (found, stale) == (kept, [])
    found, stale = _stored_base(root, state, "sample", "abc123", "another config", None)
    assert found is None
    assert len(stale) == 1 and "its config differs from the base's" in stale[0]
