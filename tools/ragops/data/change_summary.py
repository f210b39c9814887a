"""What changed in each corpus and test set between two git refs: documents and questions, for the PR comment.

Both refs are read from git without checking anything out. A corpus or test set at a ref is either in git (its
blobs) or DVC-tracked (the ``.dvc`` file in git names a hash; folder listings and file contents are read through
DVC's public ``dvc.api.DVCFileSystem`` at that ref, from the DVC cache, else the remote). Every file is compared by
its md5 — the fingerprint DVC uses — so the comparison works for git-tracked and DVC-tracked data alike, including
a PR that moves a corpus from git to DVC (no change).

Documents are compared by path inside the corpus folder (reported with the document id tests sets use); questions
by their ``id`` field: added, removed, or edited (any field of the record differs).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

from ragops import git
from ragops.corpus import relpath_doc_id
from ragops.data.dvc import RevisionReader
from ragops.data.fingerprint import listing_fingerprint, md5_bytes
from ragops.data.tracked import DIR_SUFFIX, parse_dvc_out
from ragops.layout import DATASETS_DIR


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"


class Storage(StrEnum):
    GIT = "git"
    DVC = "dvc"


@dataclass(frozen=True)
class DocumentChange:
    relpath: str  # inside the corpus folder, posix
    doc_id: str  # relpath without extension: the id test sets use (ragops.corpus.doc_id)
    kind: ChangeKind
    base_size: int | None  # bytes; None when absent, or DVC content not in the local cache
    head_size: int | None


@dataclass(frozen=True)
class CorpusChange:
    path: str  # repo-relative corpus folder
    base_fingerprint: str | None  # None: the corpus does not exist at that ref
    head_fingerprint: str | None
    base_storage: Storage | None
    head_storage: Storage | None
    documents: list[DocumentChange] = field(default_factory=list)
    base_documents: int = 0
    head_documents: int = 0
    unavailable: str | None = None  # why documents could not be compared (DVC listing not fetched), if so

    @property
    def changed(self) -> bool:
        return self.base_fingerprint != self.head_fingerprint

    def of_kind(self, kind: ChangeKind) -> list[DocumentChange]:
        return [d for d in self.documents if d.kind is kind]


@dataclass(frozen=True)
class QuestionChange:
    id: str
    kind: ChangeKind  # MODIFIED means edited
    question: str  # the head text (the base text for a removed question)


@dataclass(frozen=True)
class TestSetChange:
    path: str  # repo-relative .jsonl
    base_fingerprint: str | None
    head_fingerprint: str | None
    base_storage: Storage | None
    head_storage: Storage | None
    questions: list[QuestionChange] = field(default_factory=list)
    base_questions: int = 0
    head_questions: int = 0
    unavailable: str | None = None

    @property
    def changed(self) -> bool:
        return self.base_fingerprint != self.head_fingerprint

    def of_kind(self, kind: ChangeKind) -> list[QuestionChange]:
        return [q for q in self.questions if q.kind is kind]


@dataclass(frozen=True)
class DataChangeSummary:
    base: str  # the refs as given
    head: str
    base_commit: str
    head_commit: str
    corpora: list[CorpusChange]
    testsets: list[TestSetChange]

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.corpora) or any(t.changed for t in self.testsets)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- reading a ref --------------------------------------------------------------------------------------------


class _Git:
    """Read-only access to the trees and blobs of a repository (through :mod:`ragops.git`), without touching its
    working tree; remembers the md5 of each blob it has read."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._md5_of_blob: dict[str, str] = {}

    def tree(self, commit: str, prefix: str) -> dict[str, tuple[str, int]]:
        return git.tree(self.root, commit, prefix)

    def blob(self, sha: str) -> bytes:
        return git.read_blob(self.root, sha)

    def md5s(self, shas: Collection[str]) -> dict[str, str]:
        """md5 of each blob's content, each blob read once: the same blob appears at both refs for every unchanged
        file."""
        missing = set(shas) - self._md5_of_blob.keys()
        for sha, data in git.read_blobs(self.root, missing).items():
            self._md5_of_blob[sha] = md5_bytes(data)
        return {sha: self._md5_of_blob[sha] for sha in shas}


class _Snapshot:
    """The data of one commit: folders and files, from git blobs or (DVC-tracked ones) through DVC at that commit."""

    def __init__(self, reader: _Git, commit: str, root: Path, remote: str | None) -> None:
        self.git = reader
        self.commit = commit
        self.files = reader.tree(commit, DATASETS_DIR + "/") if commit else {}
        # Opens the DVC repository only when a DVC-tracked item is read: git-only repositories never need DVC.
        self.dvc = RevisionReader(root, commit, remote)

    def close(self) -> None:
        self.dvc.close()

    def add_prefix(self, path: str) -> None:
        """Make paths outside datasets/ (named explicitly) visible too."""
        if not path.startswith(DATASETS_DIR + "/"):
            self.files.update(self.git.tree(self.commit, path))
            self.files.update(self.git.tree(self.commit, path + ".dvc"))

    def _dvc_out(self, path: str) -> str | None:
        """The hash the ``<path>.dvc`` file of this commit records, if there is one."""
        entry = self.files.get(path + ".dvc")
        out = parse_dvc_out(self.git.blob(entry[0])) if entry is not None else None
        return out.md5 if out is not None else None

    def folder(self, path: str) -> tuple[Storage | None, str | None, dict[str, str] | None]:
        """(storage, fingerprint, relpath → md5) of a folder; the listing is None when DVC cannot read it."""
        recorded = self._dvc_out(path)
        if recorded is not None:
            return Storage.DVC, recorded, self.dvc.listing(path)
        prefix = path + "/"
        blobs = {name[len(prefix) :]: sha for name, (sha, _size) in self.files.items() if name.startswith(prefix)}
        if not blobs:
            return None, None, {}
        md5s = self.git.md5s(blobs.values())
        listing = {rel: md5s[sha] for rel, sha in blobs.items()}
        return Storage.GIT, listing_fingerprint(listing), listing

    def size(self, path: str) -> int | None:
        """Size in bytes of a file of this commit; None when DVC cannot tell."""
        if path in self.files:
            return self.files[path][1]
        return self.dvc.size(path)

    def file(self, path: str) -> tuple[Storage | None, str | None, bytes | None]:
        """(storage, md5, content) of a file; content None when DVC content is unavailable."""
        if path in self.files:
            data = self.git.blob(self.files[path][0])
            return Storage.GIT, md5_bytes(data), data
        recorded = self._dvc_out(path)
        if recorded is not None and not recorded.endswith(DIR_SUFFIX):
            return Storage.DVC, recorded, self.dvc.read(path)
        # Inside a DVC-tracked folder (e.g. a whole testsets/ folder tracked as one).
        parts = PurePosixPath(path).parts
        for cut in range(len(parts) - 1, 0, -1):
            folder = "/".join(parts[:cut])
            if self._dvc_out(folder) is not None:
                listing = self.dvc.listing(folder)
                md5 = listing.get("/".join(parts[cut:])) if listing else None
                if md5 is None:
                    return (Storage.DVC, None, None) if listing is None else (None, None, None)
                return Storage.DVC, md5, self.dvc.read(path)
        return None, None, None

    def corpora(self) -> set[str]:
        found: set[str] = set()
        for name in self.files:
            parts = name.split("/")
            if len(parts) >= 4 and parts[2] == "docs":
                found.add("/".join(parts[:3]))
            elif len(parts) == 3 and parts[2] == "docs.dvc":
                found.add("/".join([*parts[:2], "docs"]))
        return found

    def testsets(self) -> set[str]:
        found: set[str] = set()
        for name in self.files:
            parts = name.split("/")
            if len(parts) == 4 and parts[2] == "testsets":
                if name.endswith(".jsonl"):
                    found.add(name)
                elif name.endswith(".jsonl.dvc"):
                    found.add(name.removesuffix(".dvc"))
        return found


# --- comparing ------------------------------------------------------------------------------------------------


def summarize_changes(
    root: Path, base: str, head: str, paths: Sequence[str] = (), remote: str | None = None
) -> DataChangeSummary:
    """Changes of every corpus (``datasets/*/docs``) and test set (``datasets/*/testsets/*.jsonl``) from ``base``
    to ``head``, plus any repo-relative ``paths`` given (a ``.jsonl`` is a test set, anything else a corpus folder).

    DVC content of either ref is read from the local cache, else the remote; when neither has it, the item's
    ``unavailable`` says so and only its fingerprints are compared.
    """
    reader = _Git(root)
    base_commit, head_commit = git.require_commit(root, base), git.require_commit(root, head)
    before, after = _Snapshot(reader, base_commit, root, remote), _Snapshot(reader, head_commit, root, remote)
    try:
        extra = [p.strip("/") for p in paths]
        for snapshot in (before, after):
            for path in extra:
                snapshot.add_prefix(path)
        corpus_paths = before.corpora() | after.corpora() | {p for p in extra if not p.endswith(".jsonl")}
        testset_paths = before.testsets() | after.testsets() | {p for p in extra if p.endswith(".jsonl")}
        corpora = [_corpus_change(p, before, after) for p in sorted(corpus_paths)]
        testsets = [_testset_change(p, before, after) for p in sorted(testset_paths)]
    finally:
        before.close()
        after.close()
    return DataChangeSummary(base, head, base_commit, head_commit, corpora, testsets)


def _corpus_change(path: str, before: _Snapshot, after: _Snapshot) -> CorpusChange:
    base_storage, base_fp, old = before.folder(path)
    head_storage, head_fp, new = after.folder(path)
    n_old, n_new = len(old or {}), len(new or {})
    if old is None or new is None:
        if base_fp == head_fp:
            return CorpusChange(path, base_fp, head_fp, base_storage, head_storage, [], n_old, n_new)
        ref = before.commit if old is None else after.commit
        why = f"the DVC listing at {ref[:12]} is in neither the local DVC cache nor the remote: run `dvc fetch`"
        return CorpusChange(path, base_fp, head_fp, base_storage, head_storage, [], n_old, n_new, why)
    documents: list[DocumentChange] = []
    for rel in sorted(old.keys() | new.keys()):
        a, b = old.get(rel), new.get(rel)
        if a == b:
            continue
        kind = ChangeKind.ADDED if a is None else ChangeKind.REMOVED if b is None else ChangeKind.MODIFIED
        base_size = before.size(f"{path}/{rel}") if a is not None else None
        head_size = after.size(f"{path}/{rel}") if b is not None else None
        documents.append(DocumentChange(rel, relpath_doc_id(rel), kind, base_size, head_size))
    return CorpusChange(path, base_fp, head_fp, base_storage, head_storage, documents, n_old, n_new)


def _records(data: bytes) -> dict[str, dict[str, Any]]:
    """Test-set records by id; lines that are not records with an id are left to ``ragops validate``."""
    records: dict[str, dict[str, Any]] = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            records[record["id"]] = record
    return records


def _testset_change(path: str, before: _Snapshot, after: _Snapshot) -> TestSetChange:
    base_storage, base_fp, old_data = before.file(path)
    head_storage, head_fp, new_data = after.file(path)
    missing = (base_fp is not None and old_data is None) or (head_fp is not None and new_data is None)
    old = _records(old_data or b"")
    new = _records(new_data or b"")
    if missing and base_fp != head_fp:
        why = "DVC content is in neither the local DVC cache nor the remote: run `dvc fetch`"
        return TestSetChange(path, base_fp, head_fp, base_storage, head_storage, [], len(old), len(new), why)
    questions: list[QuestionChange] = []
    for qid in sorted(old.keys() | new.keys()):
        a, b = old.get(qid), new.get(qid)
        if a == b:
            continue
        kind = ChangeKind.ADDED if a is None else ChangeKind.REMOVED if b is None else ChangeKind.MODIFIED
        text = (b or a or {}).get("question", "")
        questions.append(QuestionChange(qid, kind, text if isinstance(text, str) else str(text)))
    return TestSetChange(path, base_fp, head_fp, base_storage, head_storage, questions, len(old), len(new))


# --- text rendering -------------------------------------------------------------------------------------------


def _size(value: int | None) -> str:
    if value is None:
        return "?"
    if value < 1024:
        return f"{value} B"
    if value < 1024 * 1024:
        return f"{value / 1024:.1f} KB"
    return f"{value / (1024 * 1024):.1f} MB"


def _sign(kind: ChangeKind) -> str:
    return {ChangeKind.ADDED: "+", ChangeKind.REMOVED: "-", ChangeKind.MODIFIED: "~"}[kind]


def render_text(summary: DataChangeSummary, show_unchanged: bool = False) -> str:
    """A plain-text summary for ``ragops data diff`` (the PR comment renders the typed result itself)."""
    lines = [f"data changes {summary.base} ({summary.base_commit[:12]}) → {summary.head} ({summary.head_commit[:12]})"]
    for corpus in summary.corpora:
        if not corpus.changed and not show_unchanged:
            continue
        storage = _storage(corpus.base_storage, corpus.head_storage)
        counts = ", ".join(f"{len(corpus.of_kind(k))} {k.value}" for k in ChangeKind)
        lines.append(
            f"corpus {corpus.path} [{storage}]: {corpus.base_documents} → {corpus.head_documents} documents"
            + (f" ({counts})" if corpus.changed else " (unchanged)")
        )
        if corpus.unavailable:
            lines.append(f"  documents not compared: {corpus.unavailable}")
        for doc in corpus.documents:
            sizes = (
                f"{_size(doc.base_size)} → {_size(doc.head_size)}"
                if doc.kind is ChangeKind.MODIFIED
                else _size(doc.head_size if doc.kind is ChangeKind.ADDED else doc.base_size)
            )
            lines.append(f"  {_sign(doc.kind)} {doc.relpath} ({sizes})")
    for testset in summary.testsets:
        if not testset.changed and not show_unchanged:
            continue
        storage = _storage(testset.base_storage, testset.head_storage)
        kinds = {ChangeKind.ADDED: "added", ChangeKind.REMOVED: "removed", ChangeKind.MODIFIED: "edited"}
        counts = ", ".join(f"{len(testset.of_kind(k))} {name}" for k, name in kinds.items())
        lines.append(
            f"test set {testset.path} [{storage}]: {testset.base_questions} → {testset.head_questions} questions"
            + (f" ({counts})" if testset.changed else " (unchanged)")
        )
        if testset.unavailable:
            lines.append(f"  questions not compared: {testset.unavailable}")
        for question in testset.questions:
            lines.append(f"  {_sign(question.kind)} {question.id}: {question.question}")
    if not summary.changed:
        lines.append("no corpus or test set changed")
    return "\n".join(lines)


def _storage(base: Storage | None, head: Storage | None) -> str:
    if base == head or base is None or head is None:
        return str(head or base or "absent")
    return f"{base} → {head}"
