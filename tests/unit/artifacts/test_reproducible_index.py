"""The same index built by two processes packs into the same artifact digest (no hash-seed dependent files)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT


def test_two_builds_in_processes_with_other_hash_seeds_have_one_digest(tmp_path: Path) -> None:
    digests = []
    for seed in ("1", "2"):
        command = [
            sys.executable,
            "-m",
            "ragops.cli.main",
            "index",
            "tests/fixtures/configs/fixture.yaml",
            "--index-dir",
            str(tmp_path / f"index-{seed}"),
            "--cache-dir",
            str(tmp_path / f"cache-{seed}"),
            "--publish",
            (tmp_path / "store").as_uri(),
        ]
        done = subprocess.run(
            command,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        digests.append(done.stdout.strip().splitlines()[-2])
    assert digests[0] == digests[1] and digests[0].startswith("sha256:")
    assert len(list((tmp_path / "store").iterdir())) == 1
