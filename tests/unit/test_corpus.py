"""Symbolic links in corpora: followed only inside the repository; loops and dangling links are clean errors.

A property test builds corpora with random links — to files inside the corpus, inside the repository, outside
it, to folders outside, loops and dangling links — and runs every reader of corpora (the file listing, the
loader, the id index ``validate`` uses, the fingerprint, ``validate`` itself) on them: each either succeeds
without reading a byte from outside the repository, or fails with a ``CorpusLinkError`` naming a bad link.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ragops.app.validate import validate
from ragops.cli.main import main
from ragops.config.models import LoaderSpec
from ragops.corpus import CorpusLinkError, list_documents
from ragops.data.fingerprint import folder_hashes
from ragops.rag.documents import document_ids, load_corpus

SECRET = "SECRET-MARKER-outside-the-repository"
BAD = {"outside-file", "outside-dir", "loop-self", "loop-pair", "dangling"}
KINDS = ["inside-file", "repo-file", "inside-dir", *sorted(BAD)]


def _layout(base: Path, links: list[tuple[str, bool]]) -> tuple[Path, Path, set[Path]]:
    """(repository root, corpus folder, the links that must be refused) for ``links`` = [(kind, in a subfolder)]."""
    repo, outside = base / "repo", base / "outside"
    corpus = repo / "datasets" / "x" / "docs"
    (corpus / "sub").mkdir(parents=True)
    (outside / "dir").mkdir(parents=True)
    (repo / "pyproject.toml").write_text("", encoding="utf-8")
    (repo / "notes.txt").write_text("a note kept in the repository", encoding="utf-8")
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    (outside / "dir" / "more.txt").write_text(SECRET, encoding="utf-8")
    (corpus / "a.txt").write_text("alpha document", encoding="utf-8")
    (corpus / "sub" / "b.md").write_text("beta document", encoding="utf-8")
    testsets = corpus.parent / "testsets"
    testsets.mkdir()
    record = {"id": "q1", "question": "alpha?", "answers": ["alpha"], "gold_doc_ids": ["a"]}
    (testsets / "t.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    bad: set[Path] = set()
    for number, (kind, nested) in enumerate(links):
        folder = corpus / "sub" if nested else corpus
        link = folder / (f"link{number}" if kind in {"outside-dir", "inside-dir"} else f"link{number}.txt")
        target = {
            "inside-file": corpus / "a.txt",
            "repo-file": repo / "notes.txt",
            "outside-file": outside / "secret.txt",
            "outside-dir": outside / "dir",
            "inside-dir": corpus / "sub",
            "dangling": folder / "no-such-file.txt",
            "loop-self": link,
            "loop-pair": folder / f"pair{number}.txt",
        }[kind]
        # Relative targets half the time: both forms must be resolved the same way.
        link.symlink_to(os.path.relpath(target, folder) if number % 2 else target)
        if kind == "loop-pair":
            target.symlink_to(link)
            bad.add(target)
        if kind in BAD:
            bad.add(link)
    return repo, corpus, bad


def _readers(repo: Path, corpus: Path) -> list[tuple[str, object]]:
    """Run every reader of corpora; returns what each produced, or raises CorpusLinkError."""
    loaded = load_corpus(corpus, LoaderSpec())
    return [
        ("listing", list_documents(corpus)),
        ("texts", [d.text for d in loaded.documents] + [p.reason for p in loaded.problems]),
        ("ids", document_ids(corpus, LoaderSpec())),
        ("hashes", folder_hashes(corpus).files),
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(KINDS), st.booleans()), max_size=5))
def test_random_links_give_clean_outcomes_and_never_read_outside(links: list[tuple[str, bool]]) -> None:
    secret_md5 = hashlib.md5(SECRET.encode(), usedforsecurity=False).hexdigest()
    with tempfile.TemporaryDirectory() as scratch:
        repo, corpus, bad = _layout(Path(scratch), links)
        if bad:
            for reader in (list_documents, lambda c: load_corpus(c, LoaderSpec()), folder_hashes):
                with pytest.raises(CorpusLinkError) as caught:
                    reader(corpus)
                assert caught.value.path in bad and str(caught.value.path) in caught.value.message
        else:
            produced = _readers(repo, corpus)
            assert SECRET not in repr(produced) and secret_md5 not in repr(produced)
            texts = dict(produced)["texts"]
            assert isinstance(texts, list) and "alpha document" in texts
        result = validate([corpus.parent / "testsets" / "t.jsonl"], repo)
        link_errors = [d for d in result.diagnostics if d.code == "corpus-link"]
        assert bool(link_errors) == bool(bad)
        assert all((repo / d.file) in bad for d in link_errors)


def _repo_with_link(tmp_path: Path, target: str) -> Path:
    _, corpus, _ = _layout(tmp_path, [])
    (corpus / "passwd.txt").symlink_to(target)
    return tmp_path / "repo"


@pytest.mark.parametrize("target", ["/etc/passwd", "missing.txt", "passwd.txt"])
def test_commands_refuse_a_bad_link_with_exit_1_and_no_traceback(
    tmp_path: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo_with_link(tmp_path, target)
    corpus = repo / "datasets" / "x" / "docs"
    assert main(["data", "fingerprint", str(corpus)]) == 1
    assert "passwd.txt: " in capsys.readouterr().err
    assert main(["validate", "--root", str(repo), str(corpus.parent / "testsets")]) == 1
    assert "error[corpus-link]" in capsys.readouterr().out


def test_a_json_record_id_is_the_same_for_validate_and_the_loader(tmp_path: Path) -> None:
    """Defect 5: `x/y` (file x, record y) is the id the index makes, so validate must accept it and not `x`."""
    corpus = tmp_path / "datasets" / "r" / "docs"
    corpus.mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (corpus / "x.json").write_text(json.dumps([{"id": "y", "text": "the record's text"}]), encoding="utf-8")
    loaded_ids = {d.id for d in load_corpus(corpus, LoaderSpec()).documents}
    assert loaded_ids == set(document_ids(corpus, LoaderSpec())) == {"x/y"}
    testsets = corpus.parent / "testsets"
    testsets.mkdir()
    for gold, errors in (("x/y", []), ("x", ["unknown-doc-id"])):
        record = {"id": "q", "question": "what?", "answers": ["text"], "gold_doc_ids": [gold]}
        (testsets / "t.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
        result = validate([testsets / "t.jsonl"], tmp_path)
        assert [d.code for d in result.diagnostics if d.is_error] == errors
