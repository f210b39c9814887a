"""ragops.git against a real repository: refs resolve in one place, blobs read as bytes (one at a time and in one
batch), no revision is ever read as an option, and no git at all is the same InfrastructureError everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragops import git
from ragops.app.affected import affected
from ragops.app.promote import promote
from ragops.app.release_status import release_status
from ragops.data.change_summary import summarize_changes
from ragops.errors import InfrastructureError, UsageError, ValidationFailed
from ragops.evaluation.provenance import code_fingerprint_at, git_commit, git_dirty
from tests.support.git_repo import git as run_git
from tests.support.git_repo import write
from tests.support.scratch_repo import APP, DIGEST_A, make_run, publish_fake_artifact, scratch_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    run_git(root, "init", "-q", "-b", "main")
    write(root / "datasets" / "a.txt", "alpha\n")
    (root / "datasets" / "bin.dat").write_bytes(b"\x00\xff\xfe binary\n")
    run_git(root, "add", "-A")
    run_git(root, "commit", "-q", "-m", "one")
    write(root / "datasets" / "a.txt", "alpha, edited\n")
    run_git(root, "mv", "datasets/bin.dat", "datasets/moved.dat")
    run_git(root, "commit", "-q", "-am", "two")
    return root


def test_refs_commits_and_changes(repo: Path) -> None:
    head = git.resolve(repo, "HEAD")
    first = git.resolve(repo, "HEAD~1")
    assert head is not None and first is not None and git.is_commit_id(head)
    assert git.resolve(repo, "no-such-branch") is None
    assert git.require_commit(repo, "main") == head
    with pytest.raises(UsageError, match=r"'nope' is not a commit of .*git fetch origin nope"):
        git.require_commit(repo, "nope")
    assert git.is_ancestor(repo, first, head) is True and git.is_ancestor(repo, head, first) is False
    assert git.commits_between(repo, first, head) == 1
    assert git.merge_base(repo, first, head) == first
    # A rename is both of its paths.
    assert git.changed_between(repo, first, head) == ["datasets/a.txt", "datasets/bin.dat", "datasets/moved.dat"]
    assert git.changed_between(repo, first, head, exclude=["datasets/a.txt"]) == [
        "datasets/bin.dat",
        "datasets/moved.dat",
    ]
    assert git.uncommitted(repo) == [] and git.is_dirty(repo) is False
    write(repo / "datasets" / "a.txt", "dirty\n")
    assert git.uncommitted(repo) == ["datasets/a.txt"] and git.is_dirty(repo) is True
    assert git.commit_time(repo, head).tzinfo is not None


def test_blobs_are_bytes_one_by_one_and_in_one_batch(repo: Path) -> None:
    head = git.require_commit(repo, "HEAD")
    files = git.tree(repo, head, "datasets/")
    assert sorted(files) == ["datasets/a.txt", "datasets/moved.dat"]
    blob, size = files["datasets/moved.dat"]
    content = b"\x00\xff\xfe binary\n"
    assert size == len(content) and blob == git.git_blob_id(content)
    assert git.read_blob(repo, blob) == content
    assert git.file_at(repo, head, "datasets/moved.dat") == content
    assert git.exists_at(repo, head, "datasets/moved.dat") and not git.exists_at(repo, head, "datasets/bin.dat")
    batch = git.read_blobs(repo, [sha for sha, _ in files.values()])
    assert batch == {files["datasets/a.txt"][0]: b"alpha, edited\n", blob: content}
    with pytest.raises(UsageError, match="not in this repository"):
        git.read_blobs(repo, ["f" * 40])
    with pytest.raises(UsageError, match="blob id"):
        git.read_blobs(repo, ["HEAD"])


def test_a_worktree_is_removed_after_use(repo: Path) -> None:
    first = git.require_commit(repo, "HEAD~1")
    with git.detached_worktree(repo, first) as tree:
        assert (tree / "datasets" / "bin.dat").is_file()
    assert not tree.exists()
    assert len(run_git(repo, "worktree", "list").splitlines()) == 1


HOSTILE = ["--output={target}", "-o{target}", "--exec=touch {target}"]


@pytest.mark.parametrize("pattern", HOSTILE)
def test_no_revision_is_read_as_an_option(repo: Path, tmp_path: Path, pattern: str) -> None:
    target = tmp_path / "victim.txt"
    target.write_text("precious\n", encoding="utf-8")
    hostile = pattern.format(target=target)
    head = git.require_commit(repo, "HEAD")
    calls = [
        lambda: git.resolve(repo, hostile),
        lambda: git.commit_time(repo, hostile),
        lambda: git.is_ancestor(repo, hostile, head),
        lambda: git.is_ancestor(repo, head, hostile),
        lambda: git.commits_between(repo, hostile, head),
        lambda: git.merge_base(repo, head, hostile),
        lambda: git.changed_between(repo, hostile, head),
        lambda: git.tree(repo, hostile, "datasets/"),
        lambda: git.file_at(repo, hostile, "datasets/a.txt"),
        lambda: git.exists_at(repo, hostile, "datasets/a.txt"),
        lambda: git.read_blob(repo, hostile),
    ]
    for call in calls:
        with pytest.raises(UsageError, match="is not a git revision"):
            call()
    assert target.read_text(encoding="utf-8") == "precious\n"


def test_a_run_recording_an_option_as_its_commit_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    """Issue 22: a run recording ``git_commit: "--output=PATH"`` made ``ragops promote`` truncate PATH."""
    root = scratch_repo(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    run = make_run(root, root / "runs" / "hostile")
    report = json.loads((run / "report.json").read_text(encoding="utf-8"))
    report["metadata"]["git_commit"] = f"--output={victim}"
    (run / "report.json").write_text(json.dumps(report), encoding="utf-8")
    uri = publish_fake_artifact(tmp_path / "store", DIGEST_A)
    with pytest.raises(ValidationFailed, match="git_commit"):
        promote(APP, "staging", run, root, index_uri=uri, index_digest=DIGEST_A)
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_a_release_recording_an_option_as_its_commit_is_refused(tmp_path: Path) -> None:
    root = scratch_repo(tmp_path)
    uri = publish_fake_artifact(tmp_path / "store", DIGEST_A)
    promote(APP, "staging", make_run(root, root / "runs" / "one"), root, index_uri=uri, index_digest=DIGEST_A)
    path = root / "kustomize" / "overlays" / "staging" / APP / "release.json"
    release = json.loads(path.read_text(encoding="utf-8"))
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    release["commit"] = f"--output={victim}"
    path.write_text(json.dumps(release), encoding="utf-8")
    entry = next(d for d in release_status(root).deployed if (d.environment, d.app) == ("staging", APP))
    assert entry.release is None and entry.problems and "commit: String should match pattern" in entry.problems[0]
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_no_git_is_the_same_infrastructure_error_everywhere(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    for call in (
        lambda: git.resolve(repo, "HEAD"),
        lambda: git.read_blobs(repo, ["a" * 40]),
        lambda: affected(repo, "HEAD~1", "HEAD"),
        lambda: summarize_changes(repo, "HEAD~1", "HEAD"),
    ):
        with pytest.raises(InfrastructureError, match=r"cannot run git .*install git"):
            call()
    # Provenance records "unknown" instead of failing an evaluation.
    assert git_commit(repo) is None and git_dirty(repo) is None and code_fingerprint_at(repo, "HEAD") is None


def test_a_release_restores_a_path_from_a_ref_and_commits_only_its_paths(repo: Path) -> None:
    first = git.require_commit(repo, "HEAD~1")
    assert git.restore(repo, first, "datasets/a.txt") and (repo / "datasets" / "a.txt").read_text() == "alpha\n"
    assert not git.restore(repo, first, "datasets/absent.txt")
    write(repo / "datasets" / "other.txt", "not released\n")
    run_git(repo, "add", "datasets/other.txt")
    made = git.commit_paths(repo, ["datasets/a.txt"], "release: a\n\nbody", "bot", "bot@example.invalid")
    assert made == git.head_commit(repo)
    assert run_git(repo, "show", "--name-only", "--format=%an|%s", "HEAD").splitlines() == [
        "bot|release: a",
        "",
        "datasets/a.txt",
    ]
    assert git.uncommitted(repo) == ["datasets/other.txt"]  # staged elsewhere, left out of the commit
    assert git.commit_paths(repo, ["datasets/a.txt"], "nothing", "bot", "bot@example.invalid") is None
    assert git.commit_paths(repo, [], "nothing", "bot", "bot@example.invalid") is None
