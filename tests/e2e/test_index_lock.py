"""Two concurrent ``ragops index`` runs of one app: the second waits for the first, then reuses its index.

The test holds the index folder's lock while it starts both real processes, so both must wait; when it lets go,
one builds and embeds, and the other finds the index up to date and embeds nothing.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ragops.rag.index import lock_file
from ragops.rag.locking import exclusive
from tests.conftest import FIXTURES, REPO_ROOT

pytestmark = pytest.mark.e2e

WAIT_S = 120


def _repo(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")  # marks the repository root
    docs = tmp_path / "datasets" / "tiny" / "docs"
    docs.mkdir(parents=True)
    for path in (FIXTURES / "corpus" / "docs").iterdir():
        (docs / path.name).write_bytes(path.read_bytes())
    testsets = tmp_path / "datasets" / "tiny" / "testsets"
    testsets.mkdir()
    (testsets / "small.jsonl").write_bytes((FIXTURES / "corpus" / "testsets" / "small.jsonl").read_bytes())
    config = tmp_path / "rag-configs" / "tiny.yaml"
    config.parent.mkdir()
    config.write_text(
        "apiVersion: ragops.dev/v1\nkind: RAGApp\nmetadata:\n  name: tiny\nspec:\n  data:\n"
        "    corpus: datasets/tiny/docs\n    testsets:\n      - datasets/tiny/testsets/small.jsonl\n",
        encoding="utf-8",
    )
    return config


def test_a_second_concurrent_index_run_waits_then_reuses(tmp_path: Path) -> None:
    config = _repo(tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "tools"), str(REPO_ROOT)])}
    command = [sys.executable, "-m", "ragops.cli.main", "index", str(config), "--json"]
    with exclusive(lock_file(tmp_path / ".ragops" / "index" / "tiny")):
        runs = [
            subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(2)
        ]
        # Let go only once both say they are waiting for the lock (each prints that before blocking); a process
        # that never says so fails the test after a bounded wait instead of hanging it.
        deadline = time.monotonic() + WAIT_S
        for run in runs:
            assert run.stderr is not None
            seen = ""
            while "waiting for another ragops" not in seen:
                left = deadline - time.monotonic()
                ready, _, _ = select.select([run.stderr], [], [], max(left, 0))
                if not ready:
                    for other in runs:
                        other.kill()
                    raise AssertionError(f"no 'waiting for another ragops' within {WAIT_S} s: {seen!r}")
                line = run.stderr.readline().decode()
                assert line, f"ended without waiting for the lock: {seen}"  # EOF: it exited
                seen += line
        assert all(run.poll() is None for run in runs)
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err.decode() for _, err in outputs]
    reports = [json.loads(out) for out, _ in outputs]
    built = [r for r in reports if not r["reused_index"]]
    reused = [r for r in reports if r["reused_index"]]
    assert len(built) == 1 and len(reused) == 1, reports
    assert built[0]["embedded"] == built[0]["chunks"] > 0 and reused[0]["embedded"] == 0
    assert built[0]["index_id"] == reused[0]["index_id"]
