"""The repository's own sample: datasets/hotpotqa/docs is DVC-tracked with a remote committed in the repo.

A fresh clone must be able to pull it with no network; this rebuilds such a clone from the files that matter
(the .dvc/ config, the in-repo remote, the .dvc file) and pulls with the real DVC.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ragops.corpus import document_ids
from ragops.data import dvc as data_dvc
from ragops.data.fingerprint import corpus_fingerprint
from ragops.data.tracked import read_dvc_file

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "datasets/hotpotqa/docs"


def test_sample_corpus_pulls_offline_from_the_in_repo_remote(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    clone.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=clone, check=True)
    for rel in (".dvc/config", ".dvc/.gitignore", ".dvcignore", f"{SAMPLE}.dvc", "datasets/hotpotqa/.gitignore"):
        (clone / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / rel, clone / rel)
    shutil.copytree(REPO_ROOT / ".dvc-storage", clone / ".dvc-storage")

    result = data_dvc.pull(clone, [clone / SAMPLE])

    assert result.remote == "sample"
    tracked = read_dvc_file(clone / f"{SAMPLE}.dvc")
    assert tracked is not None
    assert corpus_fingerprint(clone / SAMPLE) == tracked.md5
    assert document_ids(clone / SAMPLE).keys() == document_ids(REPO_ROOT / SAMPLE).keys()
