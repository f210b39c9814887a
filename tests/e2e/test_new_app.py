"""ragops new app, then evaluate the new app for real (KFP local runner, the packaged embedding model)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO_ROOT
from tests.support.git_repo import git

pytestmark = pytest.mark.e2e


def _ragops(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "tools"), str(REPO_ROOT)])}
    command = [sys.executable, "-m", "ragops.cli.main", *args]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)


def test_a_new_app_evaluates_at_once(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "rag-configs").mkdir(parents=True)
    shutil.copytree(REPO_ROOT / "kustomize", root / "kustomize")
    shutil.copytree(FIXTURES / "corpus" / "docs", root / "datasets" / "demo" / "docs")
    git(root, "init", "-q", "-b", "main")

    created = _ragops(root, "new", "app", "demo", "--corpus", "datasets/demo/docs", "--format", "json")
    assert created.returncode == 0, created.stderr
    assert "rag-configs/demo.yaml" in json.loads(created.stdout)["written"]
    validated = _ragops(root, "validate")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "ragops new app demo")

    run = tmp_path / "run"
    evaluated = _ragops(
        root, "eval", "rag-configs/demo.yaml", "--out", str(run), "--state-dir", str(tmp_path / "state")
    )
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads((run / "report.json").read_text(encoding="utf-8"))
    assert report["app"] == "demo" and report["counts"]["questions"] == 2
    assert report["metadata"]["git_dirty"] is False and len(report["metadata"]["git_commit"]) == 40
    # The skeleton asks for each document's first sentence: retrieval finds its document.
    assert report["metrics"]["hit_rate@5"] == 1.0
    assert "hit_rate@5" in evaluated.stdout and "f1" in evaluated.stdout  # the run summary's headline metrics
