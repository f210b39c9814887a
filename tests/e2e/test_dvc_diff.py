"""``ragops data diff`` on DVC-tracked data in a fresh clone: content comes from the remote, or is "unavailable".

A clone has no DVC cache, so every listing and file of both refs is read through DVC from the remote. When the
remote cannot serve them (it lacks the objects, or nothing answers at its address) the summary still compares the
fingerprints the ``.dvc`` files record and says why documents and questions were not compared — no traceback.
Real git, real DVC, a folder remote in tmp_path; the unreachable remote is an HTTP address nothing listens on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ragops.cli.main import main
from ragops.data.change_summary import ChangeKind, Storage, render_text, summarize_changes
from ragops.data.fingerprint import corpus_fingerprint, file_fingerprint
from tests.conftest import free_loopback_port

pytestmark = pytest.mark.e2e

DVC = str(Path(sys.executable).parent / "dvc")
CORPUS = "datasets/c/docs"
TESTSET = "datasets/c/testsets/t.jsonl"


def run(repo: Path, *cmd: str) -> str:
    return subprocess.run(list(cmd), cwd=repo, capture_output=True, text=True, check=True).stdout


def git(repo: Path, *args: str) -> str:
    return run(repo, "git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def question(qid: str, text: str) -> str:
    return json.dumps({"id": qid, "question": text, "answers": ["x"], "gold_doc_ids": ["doc-0"]})


def add_and_push(repo: Path) -> None:
    assert main(["data", "--root", str(repo), "add", str(repo / CORPUS), str(repo / TESTSET)]) == 0
    assert main(["data", "--root", str(repo), "push"]) == 0


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two commits whose corpus and test set are both DVC-tracked and pushed: doc-1 edited, doc-5 added, q1 edited.

    Shared by the tests, which only clone it (each clone gets its own remote setting, in ``.dvc/config.local``).
    """
    tmp_path = tmp_path_factory.mktemp("dvc-diff")
    repo = tmp_path / "origin"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    run(repo, DVC, "init", "-q")
    run(repo, DVC, "remote", "add", "-d", "store", str(tmp_path / "remote"))
    for i in range(5):
        write(repo / f"{CORPUS}/doc-{i}.txt", f"Document {i}.\n")
    write(repo / TESTSET, question("q1", "one?") + "\n" + question("q2", "two?") + "\n")
    add_and_push(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    write(repo / f"{CORPUS}/doc-1.txt", "Document 1, now longer.\n")
    write(repo / f"{CORPUS}/doc-5.txt", "Document 5.\n")
    write(repo / TESTSET, question("q1", "one, edited?") + "\n" + question("q2", "two?") + "\n")
    add_and_push(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")
    return repo


def clone(origin: Path, tmp_path: Path) -> Path:
    target = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(target))
    assert not (target / ".dvc/cache").exists()
    return target


def test_a_fresh_clone_reads_both_refs_from_the_remote(origin: Path, tmp_path: Path) -> None:
    summary = summarize_changes(clone(origin, tmp_path), "HEAD~1", "HEAD")

    (corpus,) = summary.corpora
    assert corpus.base_storage is corpus.head_storage is Storage.DVC
    assert corpus.unavailable is None
    assert corpus.head_fingerprint == corpus_fingerprint(origin / CORPUS)
    assert [(d.relpath, d.doc_id, d.kind, d.base_size, d.head_size) for d in corpus.documents] == [
        ("doc-1.txt", "doc-1", ChangeKind.MODIFIED, len("Document 1.\n"), len("Document 1, now longer.\n")),
        ("doc-5.txt", "doc-5", ChangeKind.ADDED, None, len("Document 5.\n")),
    ]
    assert (corpus.base_documents, corpus.head_documents) == (5, 6)
    (testset,) = summary.testsets
    assert testset.head_storage is Storage.DVC and testset.unavailable is None
    assert testset.head_fingerprint == file_fingerprint(origin / TESTSET)
    assert [(q.id, q.kind, q.question) for q in testset.questions] == [("q1", ChangeKind.MODIFIED, "one, edited?")]


@pytest.mark.parametrize("remote", ["lacks the objects", "unreachable"])
def test_content_no_storage_holds_is_reported_unavailable_and_fingerprints_still_compared(
    origin: Path, tmp_path: Path, remote: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = clone(origin, tmp_path)
    if remote == "unreachable":
        url = f"http://127.0.0.1:{free_loopback_port()}/dvc"
    else:
        url = str(tmp_path / "empty-remote")
        (tmp_path / "empty-remote").mkdir()
    run(repo, DVC, "remote", "modify", "--local", "store", "url", url)

    summary = summarize_changes(repo, "HEAD~1", "HEAD")

    (corpus,) = summary.corpora
    assert corpus.changed and corpus.documents == []
    assert corpus.head_fingerprint == corpus_fingerprint(origin / CORPUS)  # recorded in the .dvc file
    assert corpus.unavailable is not None and "dvc fetch" in corpus.unavailable
    (testset,) = summary.testsets
    assert testset.changed and testset.questions == []
    assert testset.unavailable is not None and "dvc fetch" in testset.unavailable
    assert "documents not compared" in render_text(summary)

    capsys.readouterr()
    assert main(["data", "--root", str(repo), "diff", "HEAD~1", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert "questions not compared" in out and "Traceback" not in out


def test_unchanged_dvc_data_needs_no_content(origin: Path, tmp_path: Path) -> None:
    repo = clone(origin, tmp_path)
    run(repo, DVC, "remote", "modify", "--local", "store", "url", str(tmp_path / "no-such-remote"))
    summary = summarize_changes(repo, "HEAD", "HEAD")
    assert not summary.changed
    assert summary.corpora[0].unavailable is None and summary.testsets[0].unavailable is None
