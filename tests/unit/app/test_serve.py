"""``ragops serve`` configures the process before torch loads: a passive OpenMP wait policy unless one is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ragops.app.serve import serve
from ragops.errors import RagopsError
from ragops.serve.settings import ServeSettings


def _refused(tmp_path: Path) -> None:
    """Run serve on settings it refuses before binding a port (no config there)."""
    with pytest.raises(RagopsError):
        serve(ServeSettings(config=tmp_path / "missing.yaml", index=tmp_path / "index"))


def test_serve_sets_a_passive_openmp_wait_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_WAIT_POLICY", "")  # recorded, so the test leaves the environment as it found it
    monkeypatch.delenv("OMP_WAIT_POLICY")
    _refused(tmp_path)

    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"


def test_an_operators_openmp_wait_policy_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    _refused(tmp_path)

    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
