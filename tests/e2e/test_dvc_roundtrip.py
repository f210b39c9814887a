"""DVC end to end with the real tool and a local-folder remote: track, push, clone, pull, change, diff, break.

Nothing here mocks DVC: the "remote" is a folder in tmp_path, exactly as a user would configure one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ragops.app.validate import validate
from ragops.cli.main import main
from ragops.corpus import document_ids
from ragops.data import dvc as data_dvc
from ragops.data.change_summary import ChangeKind, Storage, summarize_changes
from ragops.data.fingerprint import corpus_fingerprint
from ragops.errors import InfrastructureError, ValidationFailed

pytestmark = pytest.mark.e2e

DVC = str(Path(sys.executable).parent / "dvc")

CONFIG = """\
apiVersion: ragops.dev/v1
kind: RAGApp
metadata:
  name: app
spec:
  data:
    corpus: datasets/c/docs
    testsets:
      - datasets/c/testsets/t.jsonl
"""


def run(repo: Path, *cmd: str) -> str:
    done = subprocess.run(list(cmd), cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout


def git(repo: Path, *args: str) -> str:
    return run(repo, "git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A repository whose corpus is DVC-tracked and pushed to a folder remote; its test set stays in git."""
    repo = tmp_path / "origin"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    run(repo, DVC, "init", "-q")
    run(repo, DVC, "remote", "add", "-d", "store", str(tmp_path / "remote"))
    for i in range(5):
        write(repo / f"datasets/c/docs/doc-{i}.txt", f"Document {i} says the answer is {i}.\n")
    record = {"id": "q1", "question": "What does document 1 say?", "answers": ["1"], "gold_doc_ids": ["doc-1"]}
    write(repo / "datasets/c/testsets/t.jsonl", json.dumps(record) + "\n")
    write(repo / "rag-configs/app.yaml", CONFIG)
    assert main(["data", "--root", str(repo), "add", str(repo / "datasets/c/docs")]) == 0
    assert main(["data", "--root", str(repo), "push"]) == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "track corpus with dvc")
    return repo


def test_clone_pull_use_change_diff_and_missing_object(
    origin: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = origin / "datasets/c/docs"
    assert (origin / "datasets/c/docs.dvc").is_file()
    assert "/docs" in (origin / "datasets/c/.gitignore").read_text()
    assert "datasets/c/docs/doc-0.txt" not in git(origin, "ls-files")

    # A fresh clone has the .dvc file but no documents: validate warns (with the fix) instead of failing.
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    assert not (clone / "datasets/c/docs").exists()
    result = validate([clone / "rag-configs/app.yaml"], clone)
    assert result.errors == 0
    (warning,) = [d for d in result.diagnostics if d.code == "data-not-pulled"]
    assert "ragops data pull rag-configs/app.yaml" in warning.fix
    assert [s.local for s in data_dvc.status(clone)] == [data_dvc.LocalState.MISSING]
    assert corpus_fingerprint(clone / "datasets/c/docs") == corpus_fingerprint(docs)  # known before pulling

    # Pull exactly what the app uses; the documents are then usable.
    monkeypatch.chdir(clone)
    capsys.readouterr()
    assert main(["data", "pull", "rag-configs/app.yaml"]) == 0
    out = capsys.readouterr().out
    assert "pulled   datasets/c/docs" in out and "in git   datasets/c/testsets/t.jsonl" in out
    assert sorted(document_ids(clone / "datasets/c/docs")) == [f"doc-{i}" for i in range(5)]
    assert [s.local for s in data_dvc.status(clone)] == [data_dvc.LocalState.OK]

    # Change one document, record and push it: the change summary lists exactly that document.
    write(docs / "doc-3.txt", "Document 3 now says something much longer than before.\n")
    assert data_dvc.status(origin)[0].local is data_dvc.LocalState.MODIFIED
    assert main(["data", "--root", str(origin), "add", str(docs)]) == 0
    assert main(["data", "--root", str(origin), "push"]) == 0
    git(origin, "commit", "-qam", "edit doc-3")
    summary = summarize_changes(origin, "HEAD~1", "HEAD")
    (corpus,) = summary.corpora
    assert corpus.base_storage is corpus.head_storage is Storage.DVC
    assert [(d.relpath, d.kind) for d in corpus.documents] == [("doc-3.txt", ChangeKind.MODIFIED)]
    assert corpus.documents[0].head_size == len(b"Document 3 now says something much longer than before.\n")
    assert corpus.head_fingerprint == corpus_fingerprint(docs)
    assert not summary.testsets[0].changed
    capsys.readouterr()
    assert main(["data", "--root", str(origin), "diff", "HEAD~1"]) == 0
    assert "~ doc-3.txt" in capsys.readouterr().out

    # Someone "forgot to push": the new object is not in the remote. The clone's pull names file and remote.
    with data_dvc.RevisionReader(origin, "HEAD") as reader:
        listing = reader.listing("datasets/c/docs")
    assert listing is not None
    oid = listing["doc-3.txt"]
    (tmp_path / "remote/files/md5" / oid[:2] / oid[2:]).unlink()
    git(clone, "pull", "-q", "origin", "main")
    with pytest.raises(ValidationFailed) as failed:
        data_dvc.pull(clone, [clone / "datasets/c/docs"])
    message = failed.value.message
    assert "datasets/c/docs/doc-3.txt" in message and "'store'" in message and "dvc push" in message
    assert "doc-0" not in message
    assert main(["data", "pull"]) == 1
    assert [s.missing_in_remote for s in data_dvc.status(clone, check_remote=True)] == [("doc-3.txt",)]

    # An unreachable remote is an infrastructure error (exit 3), not the author's fault.
    shutil.rmtree(tmp_path / "remote")
    with pytest.raises(InfrastructureError):
        data_dvc.pull(clone)
    assert main(["data", "pull", "rag-configs/app.yaml"]) == 3
