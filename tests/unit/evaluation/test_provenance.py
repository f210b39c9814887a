"""The code fingerprint: the same number from the running files and from a commit, and it moves only when code that
an evaluation runs changes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ragops.evaluation import provenance
from ragops.evaluation.provenance import code_fingerprint_at, running_code_fingerprint
from ragops.git import git_blob_id
from ragops.layout import PACKAGE_DIR

PACKAGE = Path(provenance.__file__).resolve().parents[1]


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _repo(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "repo"
    package = root / PACKAGE_DIR
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    _git(tmp_path, "init", "-q", "-b", "main", str(root))
    _git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "add", "-A")
    _git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "code")
    return root, package


def _commit(root: Path, message: str) -> str:
    _git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", message)
    return _git(root, "rev-parse", "HEAD")


def test_blob_ids_are_gits() -> None:
    assert git_blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"  # git hash-object


def test_the_files_and_the_commit_give_the_same_fingerprint(tmp_path: Path) -> None:
    root, package = _repo(tmp_path)
    assert running_code_fingerprint.__wrapped__(package) == code_fingerprint_at(root, "HEAD")
    assert running_code_fingerprint() == running_code_fingerprint.__wrapped__(PACKAGE)


def test_only_code_an_evaluation_runs_moves_it(tmp_path: Path) -> None:
    root, package = _repo(tmp_path)
    first = code_fingerprint_at(root, "HEAD")
    # The CLI and the service cannot change what an evaluation computes.
    with (package / "cli" / "diff.py").open("a", encoding="utf-8") as handle:
        handle.write("# a comment\n")
    assert code_fingerprint_at(root, _commit(root, "cli")) == first
    # The engine can.
    with (package / "rag" / "extractive.py").open("a", encoding="utf-8") as handle:
        handle.write("# a comment\n")
    second = code_fingerprint_at(root, _commit(root, "engine"))
    assert second != first
    assert running_code_fingerprint.__wrapped__(package) == second
    assert code_fingerprint_at(root, "HEAD~2") == first


def test_a_repository_without_ragops_code_has_no_fingerprint(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "rag-configs").mkdir(parents=True)
    (root / "rag-configs" / "app.yaml").write_text("x: 1\n", encoding="utf-8")
    _git(tmp_path, "init", "-q", "-b", "main", str(root))
    _git(root, "add", "-A")
    _git(root, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "app")
    assert code_fingerprint_at(root, "HEAD") is None
