"""Content fingerprints of corpora and test sets: exactly the hashes DVC computes and records.

A file's fingerprint is the md5 of its bytes (DVC 3's ``hash: md5``). A folder's fingerprint is DVC's ``.dir`` hash:
the md5 of the JSON listing ``[{"md5": …, "relpath": …}, …]`` sorted by relpath (``json.dumps(…, sort_keys=True)``,
as ``dvc_data.hashfile.tree.Tree.as_bytes`` writes it), followed by ``.dir``. Because the definition is DVC's, a
corpus has the same fingerprint whether its files were committed to git or pulled by DVC, and the value equals the
``md5`` in its ``docs.dvc`` file — reports and release manifests can be checked against DVC directly.

Hashing gigabytes on every run would be slow, so this module reuses what DVC already knows:

- inside a DVC repository, per-file md5s come from DVC's state database (keyed by inode, mtime and size, the same
  check ``dvc status`` trusts), and files hashed here are saved back to it;
- when a DVC-tracked folder or file is not in the workspace (not pulled yet), the hash recorded in its ``.dvc`` file
  is the fingerprint — that is the content DVC will check out.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ragops.corpus import allowed_root, checked_file
from ragops.data.tracked import DIR_SUFFIX, read_dvc_file
from ragops.hashing import file_hash

# Folders DVC never includes in a directory hash (its built-in ignore list).
_ALWAYS_IGNORED = frozenset({".git", ".hg", ".dvc"})


def md5_bytes(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def md5_file(path: Path) -> str:
    """md5 of a file's bytes (DVC 3's per-file hash)."""
    return file_hash(path, "md5")


def listing_fingerprint(entries: Mapping[str, str]) -> str:
    """DVC's ``.dir`` hash of a folder whose files are ``{relpath (posix): md5}``.

    Public so a folder's fingerprint can be computed from hashes alone (e.g. git blobs at another ref).
    """
    listing = [{"md5": md5, "relpath": relpath} for relpath, md5 in sorted(entries.items())]
    return md5_bytes(json.dumps(listing, sort_keys=True).encode("utf-8")) + DIR_SUFFIX


def recorded_hash(dvc_file: Path) -> str | None:
    """The md5 a ``.dvc`` file records for its single output, or None when it has none or uses a legacy hash
    (DVC 2's ``md5-dos2unix`` is not the plain md5 used here, so it is not trusted as a fingerprint)."""
    tracked = read_dvc_file(dvc_file)
    return tracked.md5 if tracked is not None and not tracked.legacy_hash else None


def dvc_file_for(path: Path) -> Path:
    """The ``.dvc`` file that tracks ``path`` when it was added with ``dvc add path``."""
    return path.with_name(path.name + ".dvc")


def file_fingerprint(path: Path) -> str:
    """md5 of a file (a test set, a single document), as DVC records it.

    A DVC-tracked file that is not pulled yet gets the hash its ``.dvc`` file records.
    """
    if not path.is_file():
        recorded = recorded_hash(dvc_file_for(path))
        if recorded is not None and not recorded.endswith(DIR_SUFFIX):
            return recorded
        raise FileNotFoundError(f"no such file: {path}")
    with _dvc_state(path) as state:
        return _hash_files([path.resolve()], state)[path.resolve()]


def corpus_fingerprint(corpus_dir: Path) -> str:
    """DVC's ``.dir`` hash of a folder of documents, the same for git-tracked and DVC-tracked corpora.

    A DVC-tracked folder that is not in the workspace gets the hash its ``<folder>.dvc`` file records.
    """
    return folder_hashes(corpus_dir).fingerprint


class FolderHashes:
    """Every file's md5 under a folder (posix relpath → md5) and the folder's ``.dir`` fingerprint."""

    def __init__(self, files: dict[str, str], fingerprint: str) -> None:
        self.files = files
        self.fingerprint = fingerprint


def folder_hashes(corpus_dir: Path) -> FolderHashes:
    """Per-file md5s of a folder in the workspace and its fingerprint; see ``corpus_fingerprint``.

    For a DVC-tracked folder that is not pulled, ``files`` is empty and the fingerprint is the recorded one.
    Symbolic links follow the corpus rules (``ragops.corpus``): a dangling link, a loop or a link leading outside
    the repository is a ``CorpusLinkError``, and nothing outside is ever read.
    """
    if not corpus_dir.is_dir():
        recorded = recorded_hash(dvc_file_for(corpus_dir))
        if recorded is not None and recorded.endswith(DIR_SUFFIX):
            return FolderHashes({}, recorded)
        raise FileNotFoundError(f"no such folder: {corpus_dir}")
    allowed = allowed_root(corpus_dir)
    root = corpus_dir.resolve()
    with _dvc_state(root) as state:
        # Links to folders are not followed (os.walk), like the loader; links to files are checked first.
        files = sorted(p for p in _walk(root, state, allowed) if checked_file(p, allowed).is_file())
        hashes = _hash_files(files, state)
    relative = {path.relative_to(root).as_posix(): md5 for path, md5 in hashes.items()}
    return FolderHashes(relative, listing_fingerprint(relative))


class _State:
    """DVC's state database (path → md5, valid while inode, mtime and size match) and its ignore rules."""

    def __init__(self, repo: Any) -> None:
        self._repo = repo

    def is_ignored(self, path: Path, is_dir: bool) -> bool:
        ignored: bool = self._repo.dvcignore.is_ignored(self._repo.fs, str(path) + (os.sep if is_dir else ""))
        return ignored

    def lookup(self, paths: list[Path]) -> tuple[dict[Path, str], dict[Path, dict[str, Any]]]:
        fs = self._repo.fs
        infos = {str(p): fs.info(str(p)) for p in paths}
        known: dict[Path, str] = {}
        for key, _meta, hash_info in self._repo.state.get_many(list(infos), fs, infos):
            if hash_info is not None and hash_info.name == "md5" and hash_info.value:
                known[Path(key)] = hash_info.value
        return known, {Path(k): v for k, v in infos.items()}

    def save(self, computed: Mapping[Path, str], infos: Mapping[Path, dict[str, Any]]) -> None:
        from dvc_data.hashfile.hash_info import HashInfo

        items = [(str(p), HashInfo("md5", md5), infos[p]) for p, md5 in computed.items()]
        self._repo.state.save_many(items, self._repo.fs)


def _find_dvc_root(path: Path) -> Path | None:
    for candidate in (path, *path.parents):
        if (candidate / ".dvc").is_dir():
            return candidate
    return None


@contextmanager
def _dvc_state(path: Path) -> Iterator[_State | None]:
    """DVC's state for the repository holding ``path``; None outside a DVC repository (then everything is hashed)."""
    root = _find_dvc_root(path.resolve())
    if root is None:
        yield None
        return
    try:
        from dvc.repo import Repo

        repo = Repo(str(root))
    except Exception:
        # A broken or foreign .dvc/ must not stop fingerprinting: hashing everything gives the same answer, slower.
        yield None
        return
    try:
        yield _State(repo)
    finally:
        repo.close()


def _walk(root: Path, state: _State | None, allowed: Path | None = None) -> Iterator[Path]:
    for current, dirs, names in os.walk(root):
        here = Path(current)
        if allowed is not None:
            for name in dirs:
                if (here / name).is_symlink():
                    checked_file(here / name, allowed)  # not followed, but one leading outside is refused
        dirs[:] = [
            d for d in dirs if d not in _ALWAYS_IGNORED and not (state and state.is_ignored(here / d, is_dir=True))
        ]
        for name in names:
            path = here / name
            if state is None or not state.is_ignored(path, is_dir=False):
                yield path


def _hash_files(paths: Iterable[Path], state: _State | None) -> dict[Path, str]:
    wanted = list(paths)
    if state is None:
        return {p: md5_file(p) for p in wanted}
    known, infos = state.lookup(wanted)
    computed = {p: md5_file(p) for p in wanted if p not in known}
    if computed:
        state.save(computed, infos)
    return {p: known.get(p) or computed[p] for p in wanted}
