"""Change summaries between two git refs, for git-tracked corpora and test sets (DVC ones: tests/e2e)."""

from __future__ import annotations

import json
from pathlib import Path

from ragops.data.change_summary import ChangeKind, Storage, render_text, summarize_changes
from ragops.data.fingerprint import corpus_fingerprint, file_fingerprint
from tests.support.git_repo import git, write


def _q(qid: str, question: str) -> str:
    return json.dumps({"id": qid, "question": question, "answers": ["x"], "gold_doc_ids": ["a"]})


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    write(repo / "datasets/c/docs/a.txt", "alpha\n")
    write(repo / "datasets/c/docs/b.txt", "beta\n")
    write(repo / "datasets/c/docs/c.txt", "gamma\n")
    write(repo / "datasets/c/testsets/t.jsonl", "\n".join([_q("q1", "one?"), _q("q2", "two?"), _q("q3", "3?")]) + "\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    return repo


def test_documents_and_questions_added_removed_modified(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    write(repo / "datasets/c/docs/a.txt", "alpha, longer now\n")
    (repo / "datasets/c/docs/b.txt").unlink()
    write(repo / "datasets/c/docs/new/d.md", "delta\n")
    write(repo / "datasets/c/testsets/t.jsonl", "\n".join([_q("q1", "one, edited?"), _q("q3", "3?"), _q("q4", "4?")]))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")

    summary = summarize_changes(repo, "HEAD~1", "HEAD")

    (corpus,) = summary.corpora
    assert corpus.path == "datasets/c/docs"
    assert corpus.base_storage is corpus.head_storage is Storage.GIT
    assert corpus.head_fingerprint == corpus_fingerprint(repo / "datasets/c/docs")
    assert [(d.relpath, d.doc_id, d.kind, d.base_size, d.head_size) for d in corpus.documents] == [
        ("a.txt", "a", ChangeKind.MODIFIED, 6, 18),
        ("b.txt", "b", ChangeKind.REMOVED, 5, None),
        ("new/d.md", "new/d", ChangeKind.ADDED, None, 6),
    ]
    (testset,) = summary.testsets
    assert testset.head_fingerprint == file_fingerprint(repo / "datasets/c/testsets/t.jsonl")
    assert [(q.id, q.kind) for q in testset.questions] == [
        ("q1", ChangeKind.MODIFIED),
        ("q2", ChangeKind.REMOVED),
        ("q4", ChangeKind.ADDED),
    ]
    text = render_text(summary)
    assert "~ a.txt (6 B → 18 B)" in text
    assert "- q2: two?" in text
    assert "1 added, 1 removed, 1 edited" in text


def test_unchanged_refs_report_no_change(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    summary = summarize_changes(repo, "HEAD", "HEAD")
    assert not summary.changed
    assert "no corpus or test set changed" in render_text(summary)
    assert summary.to_dict()["corpora"][0]["path"] == "datasets/c/docs"
