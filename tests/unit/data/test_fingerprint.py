"""Fingerprints equal DVC's own hashes, whether or not the data is in a DVC repository or pulled."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import yaml

from ragops.data.fingerprint import corpus_fingerprint, file_fingerprint, listing_fingerprint
from tests.support.git_repo import dvc, git, write


def _corpus(folder: Path) -> Path:
    write(folder / "a.txt", "alpha\n")
    write(folder / "sub" / "b.md", "# beta\r\nwindows line ends stay as they are\r\n")
    write(folder / "ünïcode name.txt", "gamma")
    write(folder / ".hidden", "dvc hashes dotfiles too")
    return folder


def _recorded(dvc_file: Path) -> str:
    md5: str = yaml.safe_load(dvc_file.read_text())["outs"][0]["md5"]
    return md5


def test_file_fingerprint_is_md5_of_bytes(tmp_path: Path) -> None:
    path = write(tmp_path / "t.jsonl", '{"id": "q1"}\r\n')
    assert file_fingerprint(path) == hashlib.md5(path.read_bytes()).hexdigest()


def test_listing_fingerprint_matches_dvc_serialisation() -> None:
    # json.dumps([{"md5": …, "relpath": …}], sort_keys=True), md5, ".dir" — computed independently here.
    expected = hashlib.md5(b'[{"md5": "m1", "relpath": "a"}, {"md5": "m2", "relpath": "b/c"}]').hexdigest() + ".dir"
    assert listing_fingerprint({"b/c": "m2", "a": "m1"}) == expected


def test_same_fingerprint_as_dvc_add_in_and_out_of_a_dvc_repo(tmp_path: Path) -> None:
    plain = _corpus(tmp_path / "plain" / "docs")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    dvc(repo, "init", "-q")
    shutil.copytree(plain, repo / "docs")
    dvc(repo, "add", "-q", "docs")
    recorded = _recorded(repo / "docs.dvc")

    assert corpus_fingerprint(plain) == recorded  # no DVC anywhere: hashed from scratch
    assert corpus_fingerprint(repo / "docs") == recorded  # inside the repo: per-file md5s from DVC's state
    write(repo / "t.jsonl", "{}\n")
    dvc(repo, "add", "-q", "t.jsonl")
    assert file_fingerprint(repo / "t.jsonl") == _recorded(repo / "t.jsonl.dvc")


def test_not_pulled_data_has_the_recorded_fingerprint(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _corpus(repo / "docs")
    git(repo, "init", "-q")
    dvc(repo, "init", "-q")
    dvc(repo, "add", "-q", "docs")
    recorded = _recorded(repo / "docs.dvc")
    shutil.rmtree(repo / "docs")
    assert corpus_fingerprint(repo / "docs") == recorded


def test_a_changed_file_changes_the_fingerprint_despite_the_state_cache(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    docs = _corpus(repo / "docs")
    git(repo, "init", "-q")
    dvc(repo, "init", "-q")
    dvc(repo, "add", "-q", "docs")
    before = corpus_fingerprint(docs)
    write(docs / "a.txt", "alpha, edited\n")
    after = corpus_fingerprint(docs)
    assert after != before
    dvc(repo, "add", "-q", "docs")
    assert after == _recorded(repo / "docs.dvc")


def test_dvcignored_files_are_left_out_like_dvc_does(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    docs = _corpus(repo / "docs")
    git(repo, "init", "-q")
    dvc(repo, "init", "-q")
    write(repo / ".dvcignore", "*.tmp\n")
    write(docs / "scratch.tmp", "ignored")
    dvc(repo, "add", "-q", "docs")
    assert corpus_fingerprint(docs) == _recorded(repo / "docs.dvc")
