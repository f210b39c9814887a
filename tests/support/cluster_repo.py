"""A scratch ragops repository for the cluster tests: the tiny fixture app, its corpus DVC-tracked and pushed to an
S3 DVC remote (moto on loopback), its test set held in git."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES
from tests.support.s3_server import S3Server

DVC = str(Path(sys.executable).parent / "dvc")
CONFIG = "rag-configs/eval-tiny.yaml"


def run(repo: Path, *cmd: str) -> str:
    done = subprocess.run(list(cmd), cwd=repo, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(cmd)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def git(repo: Path, *args: str) -> str:
    return run(repo, "git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args)


def make_repo(repo: Path, s3: S3Server) -> Path:
    """The repository, committed; its corpus's objects are in ``s3://<bucket>/dvc/files/md5``."""
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    run(repo, DVC, "init", "-q")
    run(repo, DVC, "remote", "add", "-d", "store", s3.uri("dvc"))
    run(repo, DVC, "remote", "modify", "store", "endpointurl", s3.endpoint)
    shutil.copytree(FIXTURES / "corpus" / "docs", repo / "datasets/c/docs")
    (repo / "datasets/c/testsets").mkdir(parents=True)
    shutil.copyfile(FIXTURES / "corpus/testsets/small.jsonl", repo / "datasets/c/testsets/small.jsonl")
    config = (FIXTURES / "configs" / "eval-tiny.yaml").read_text(encoding="utf-8")
    config = config.replace("tests/fixtures/corpus/docs", "datasets/c/docs")
    config = config.replace("tests/fixtures/corpus/testsets", "datasets/c/testsets")
    (repo / "rag-configs").mkdir()
    (repo / CONFIG).write_text(config, encoding="utf-8")
    (repo / ".gitignore").write_text(".ragops/\nruns/\n", encoding="utf-8")
    run(repo, DVC, "add", "-q", "datasets/c/docs")
    run(repo, DVC, "push", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "tiny app, corpus in DVC")
    return repo


def edit_prompt(repo: Path) -> None:
    """A head commit that only changes the prompt."""
    path = repo / CONFIG
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "  llm:\n", "  prompt:\n    template: 'Context: {context}\\nQ: {question}'\n  llm:\n"
        ),
        encoding="utf-8",
    )
    git(repo, "commit", "-qam", "prompt only")
