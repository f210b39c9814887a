"""`ragops eval` reports progress and, with --log-format json, writes nothing but JSON lines on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, REPO_ROOT

pytestmark = pytest.mark.e2e
CONFIG = FIXTURES / "configs" / "eval-tiny.yaml"


def _ragops(*args: str) -> subprocess.CompletedProcess[str]:
    # A real process: logging setup, stderr and the KFP runner's subprocesses behave as for a user.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "tools"), str(REPO_ROOT)])}
    command = [sys.executable, "-m", "ragops.cli.main", *args]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)


def test_json_logs_are_the_only_stderr_output_and_carry_run_step_and_durations(tmp_path: Path) -> None:
    done = _ragops(
        "--log-format",
        "json",
        "eval",
        str(CONFIG),
        "--out",
        str(tmp_path / "run"),
        "--state-dir",
        str(tmp_path / "state"),
    )
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    events = [json.loads(line) for line in lines]  # every line parses
    assert all(isinstance(e, dict) and e["level"] and e["timestamp"] for e in events)
    assert len({e["run_id"] for e in events}) == 1
    assert all(e["command"] == "eval" for e in events)
    progress = [e for e in events if e["event"] == "progress"]
    # The index step runs in a subprocess of the KFP runner; its progress reaches the user all the same.
    embedding = [e for e in progress if e["step"] == "build-index" and e["stage"] == "embed"]
    assert embedding and embedding[-1]["done"] == embedding[-1]["total"] == 2
    finished = {e["step"]: e for e in events if e["event"] == "step_finished"}
    assert {"build-index", "score-run"} <= set(finished)
    assert all(e["duration_s"] >= 0 and e["app"] == "eval-tiny" for e in finished.values())
    (summary,) = [e for e in events if e["event"] == "eval_finished"]
    assert summary["metrics"]["hit_rate@2"] == 1.0 and summary["duration_s"] > 0
    assert "2 questions" in done.stdout  # stdout keeps the human summary


def test_json_logs_report_errors_as_json_too(tmp_path: Path) -> None:
    done = _ragops("--log-format", "json", "eval", str(FIXTURES / "invalid" / "top-k-zero.yaml"))
    assert done.returncode == 1
    events = [json.loads(line) for line in done.stderr.splitlines()]
    errors = [e for e in events if e["level"] == "error"]
    assert errors and errors[-1]["exit_code"] == 1 and "top_k" in errors[-1]["message"]


def test_text_logs_show_the_index_progress_and_the_steps(tmp_path: Path) -> None:
    done = _ragops("eval", str(CONFIG), "--out", str(tmp_path / "run"), "--state-dir", str(tmp_path / "state"))
    assert done.returncode == 0, done.stderr
    err = done.stderr
    assert "  ▸ build-index …" in err and "  ✓ score-run: success" in err
    assert "    embedding chunks 0/2 chunks" in err and "    embedding chunks 2/2 chunks in" in err
    assert not any(line.lstrip().startswith("{") for line in err.splitlines())
