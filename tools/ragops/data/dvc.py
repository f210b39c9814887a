"""DVC operations ragops needs: track a corpus, see what is missing locally, push, and pull just what apps use.

This is a thin layer over DVC's Python API (``dvc.repo.Repo``) that adds three things DVC does not give directly:

- targets from app configs: ``pull`` fetches only the corpora and test sets that the given ``rag-configs/*.yaml``
  use, so a PR workflow downloads what its affected apps are evaluated on and nothing else;
- data that lives in git needs no pulling: paths not tracked by a ``.dvc`` file are reported as git-tracked and
  skipped, so the same call works for git-tracked and DVC-tracked data;
- errors a user can act on: a pull that fails because objects are missing from a reachable remote names the files
  and the remote and says to run ``dvc push`` (``ValidationFailed``); an unreachable remote is an
  ``InfrastructureError``.

Data as it was at another git revision (for ``ragops data diff``) is read with ``RevisionReader``, through DVC's
public ``dvc.api.DVCFileSystem``. DVC internals are used in one marked section only, where no public API exists.

Only ``dvc add`` outputs (``<path>.dvc`` files) are handled; outputs of ``dvc.yaml`` stages are out of scope.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from ragops.config.app_data import data_paths, inside
from ragops.config.loader import display_path, read_config
from ragops.data.fingerprint import corpus_fingerprint, file_fingerprint
from ragops.data.tracked import TrackedData, read_dvc_file, tracking
from ragops.errors import InfrastructureError, RagopsError, UsageError, ValidationFailed

# Folders never searched for .dvc files: they hold no user data and can be huge.
_SKIP_DIRS = frozenset({".git", ".dvc", ".venv", "venv", "node_modules", "__pycache__"})
_MAX_LISTED = 10  # files named in an error message before "and N more"

T = TypeVar("T")


class LocalState(StrEnum):
    OK = "ok"  # the workspace holds exactly the recorded content
    MISSING = "missing"  # not in the workspace: run `ragops data pull`
    MODIFIED = "modified"  # the workspace differs from the .dvc file: run `ragops data add` (or `dvc add`)


@dataclass(frozen=True)
class DataStatus:
    tracked: TrackedData
    local: LocalState
    # Files (relative to the tracked folder, or the file's name) whose objects the remote lacks; None = not checked.
    missing_in_remote: tuple[str, ...] | None = None


@dataclass(frozen=True)
class AddResult:
    tracked: list[TrackedData]
    to_commit: list[Path]  # the .dvc files and .gitignore files DVC wrote, for `git add`


@dataclass(frozen=True)
class TransferResult:
    """What a push or pull did."""

    remote: str
    targets: list[TrackedData]
    transferred: int  # objects uploaded or downloaded
    in_git: list[Path] = field(default_factory=list)  # requested paths that are not DVC-tracked: nothing to do


# --- finding tracked data -------------------------------------------------------------------------------------


def find_tracked(root: Path) -> list[TrackedData]:
    """Every ``dvc add`` output in the repository, sorted by path."""
    found: list[TrackedData] = []
    for current, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")]
        for name in names:
            if name.endswith(".dvc"):
                tracked = read_dvc_file(Path(current) / name)
                if tracked is not None:
                    found.append(tracked)
    return sorted(found, key=lambda t: t.path)


def data_paths_for_configs(configs: Sequence[Path], root: Path) -> list[Path]:
    """The corpus and test-set paths the given app configs use (absolute, deduplicated, in order)."""
    paths: list[Path] = []
    for config_path in configs:
        if not config_path.is_file():
            raise UsageError(f"{config_path}: no such app config")
        loaded = read_config(config_path, root)
        if loaded.config is None:
            errors = "; ".join(d.message for d in loaded.diagnostics if d.is_error)
            raise ValidationFailed(f"{display_path(config_path.resolve(), root)} is not a valid app config: {errors}")
        for resolved in inside(data_paths(loaded.config, root), loaded.config):
            if resolved not in paths:
                paths.append(resolved)
    return paths


def uses_tracked_data(configs: Sequence[Path], root: Path) -> bool:
    """Whether the given app configs use any DVC-tracked data in the repository at ``root`` (False in a repository
    without DVC, or when git holds all of their data): whether a pull has anything to fetch for them."""
    if not (root / ".dvc").is_dir():
        return False
    return bool(resolve_targets(data_paths_for_configs(configs, root), root)[0])


def resolve_targets(paths: Sequence[Path], root: Path) -> tuple[list[TrackedData], list[Path]]:
    """Split data paths into the DVC-tracked outputs that hold them and the paths git holds.

    A path that is neither in the workspace nor DVC-tracked is an error: nothing could ever fetch it.
    """
    tracked: list[TrackedData] = []
    in_git: list[Path] = []
    for path in paths:
        absolute = (root / path).resolve() if not path.is_absolute() else path
        holder = tracking(absolute)
        if holder is not None:
            if holder not in tracked:
                tracked.append(holder)
        elif absolute.exists():
            in_git.append(absolute)
        else:
            raise ValidationFailed(
                f"{display_path(absolute, root)} does not exist and is not tracked by DVC "
                f"(no {absolute.name}.dvc beside it or beside a folder above it)"
            )
    return tracked, in_git


# --- local state ----------------------------------------------------------------------------------------------


def local_state(tracked: TrackedData) -> LocalState:
    if not tracked.path.exists():
        return LocalState.MISSING
    # The fingerprint reuses DVC's state database, so an unchanged workspace is checked without re-hashing it.
    actual = corpus_fingerprint(tracked.path) if tracked.path.is_dir() else file_fingerprint(tracked.path)
    return LocalState.OK if actual == tracked.md5 else LocalState.MODIFIED


# --- DVC operations -------------------------------------------------------------------------------------------


def add(paths: Sequence[Path], root: Path) -> AddResult:
    """Track files or folders with DVC (``dvc add``): their content goes to the DVC cache, a ``.dvc`` file to git."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"{missing[0]}: no such file or folder")
    with _repo(root) as repo, _dvc_errors(repo, None):
        repo.add([str(p.resolve()) for p in paths])
    tracked = [t for t in (tracking(p) for p in paths) if t is not None]
    to_commit = [t.dvc_file for t in tracked]
    to_commit += sorted({t.path.parent / ".gitignore" for t in tracked if (t.path.parent / ".gitignore").is_file()})
    return AddResult(tracked, to_commit)


def status(
    root: Path, paths: Sequence[Path] = (), remote: str | None = None, check_remote: bool = False
) -> list[DataStatus]:
    """Each DVC-tracked output (all of them, or those holding ``paths``): is it in the workspace, unchanged?

    With ``check_remote``, also which of its files the remote lacks (someone forgot ``dvc push``).
    """
    targets = resolve_targets(paths, root)[0] if paths else find_tracked(root)
    if not check_remote:
        return [DataStatus(t, local_state(t)) for t in targets]
    with _repo(root) as repo, _dvc_errors(repo, remote):
        name = _remote_name(repo, remote)
        odb = _remote_odb(repo, name)
        return [DataStatus(t, local_state(t), tuple(_missing_in(repo, odb, t, check_cache=False))) for t in targets]


def push(root: Path, paths: Sequence[Path] = (), remote: str | None = None, jobs: int | None = None) -> TransferResult:
    """Upload the cached content of the tracked outputs (all, or those holding ``paths``) to the remote."""
    targets, in_git = resolve_targets(paths, root) if paths else (find_tracked(root), [])
    with _repo(root) as repo, _dvc_errors(repo, remote):
        name = _remote_name(repo, remote)
        if paths and not targets:
            return TransferResult(name, [], 0, in_git)
        pushed = repo.push(targets=[str(t.path) for t in targets] if paths else None, remote=name, jobs=jobs)
    return TransferResult(name, targets, int(pushed or 0), in_git)


def pull(root: Path, paths: Sequence[Path] = (), remote: str | None = None, jobs: int | None = None) -> TransferResult:
    """Download and check out the tracked outputs (all, or those holding ``paths``; git-held paths are skipped).

    Raises ``ValidationFailed`` naming the files when the remote is reachable but lacks objects (run ``dvc push``),
    ``InfrastructureError`` when the remote cannot be reached.
    """
    targets, in_git = resolve_targets(paths, root) if paths else (find_tracked(root), [])
    if not targets:
        return TransferResult(remote or "", [], 0, in_git)
    with _repo(root) as repo, _dvc_errors(repo, remote, targets):
        name = _remote_name(repo, remote)
        stats = repo.pull(targets=[str(t.path) for t in targets], remote=name, jobs=jobs)
    counts = stats.get("stats", {}) if isinstance(stats, dict) else {}
    return TransferResult(name, targets, int(counts.get("fetched", 0)), in_git)


def data_pull_for_configs(
    configs: Sequence[Path], root: Path, remote: str | None = None, jobs: int | None = None
) -> TransferResult:
    """``pull`` of exactly the corpora and test sets the given app configs use."""
    return pull(root, data_paths_for_configs(configs, root), remote=remote, jobs=jobs)


# --- DVC plumbing ---------------------------------------------------------------------------------------------


@contextmanager
def _repo(root: Path) -> Iterator[Any]:
    from dvc.exceptions import NotDvcRepoError
    from dvc.repo import Repo

    try:
        repo = Repo(str(root))
    except NotDvcRepoError as exc:
        raise UsageError(f"{root} is not a DVC repository: run `dvc init` there first") from exc
    try:
        yield repo
    finally:
        repo.close()


@contextmanager
def _quiet_dvc() -> Iterator[None]:
    # DVC logs its own ERROR lines; ragops reports a better message for the same failure, so keep DVC's out of it.
    loggers = [logging.getLogger(name) for name in ("dvc", "dvc_data", "dvc_objects")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@contextmanager
def _dvc_errors(repo: Any, remote: str | None, targets: Sequence[TrackedData] = ()) -> Iterator[None]:
    """Turn DVC's exceptions into ragops errors with a fix; pull failures are diagnosed file by file."""
    from dvc.config import NoRemoteError, RemoteConfigError
    from dvc.exceptions import CheckoutError, DownloadError, DvcException, UploadError
    from dvc.lock import LockError
    from dvc.output import OutputAlreadyTrackedError

    try:
        with _quiet_dvc():
            yield
    except RagopsError:
        raise
    except NoRemoteError as exc:
        raise ValidationFailed(
            "no DVC remote is configured: add one with `dvc remote add -d NAME URL` (S3, GCS, SSH or a folder)"
        ) from exc
    except RemoteConfigError as exc:
        raise ValidationFailed(f"DVC remote configuration: {exc}") from exc
    except OutputAlreadyTrackedError as exc:
        raise UsageError(str(exc)) from exc
    except LockError as exc:
        raise InfrastructureError(f"DVC repository is busy (another dvc command holds its lock): {exc}") from exc
    except DownloadError as exc:
        _diagnose_pull(repo, remote, targets)
        raise InfrastructureError(f"could not download from the DVC remote: {exc}") from exc
    except CheckoutError as exc:
        # DVC reports objects it could not fetch as a failed checkout once part of a folder is cached already.
        _diagnose_pull(repo, remote, targets)
        raise ValidationFailed(f"dvc: {exc}") from exc
    except UploadError as exc:
        raise InfrastructureError(f"could not upload to the DVC remote: {exc}") from exc
    except (OSError, ConnectionError) as exc:
        raise InfrastructureError(f"DVC remote unreachable: {exc}") from exc
    except DvcException as exc:
        raise ValidationFailed(f"dvc: {exc}") from exc


def _remote_name(repo: Any, remote: str | None) -> str:
    from dvc.config import NoRemoteError

    name = remote or repo.config["core"].get("remote")
    if not name:
        raise NoRemoteError("no remote")
    if name not in repo.config["remote"]:
        raise ValidationFailed(f"DVC remote {name!r} is not configured (see `dvc remote list`)")
    return str(name)


def _remote_url(repo: Any, name: str) -> str:
    return str(repo.config["remote"].get(name, {}).get("url", "?"))


# --- DVC internals, kept on purpose ----------------------------------------------------------------------------
# DVC's public API has no way to ask a remote which objects it lacks: `dvc.api.DVCFileSystem` only says a file is
# unavailable, and `dvc status --cloud` prints a summary. Naming the exact files whose objects are missing (for the
# `ragops data pull` error and `ragops data status --remote`) needs the object databases themselves
# (`repo.cloud.get_remote_odb`, `repo.cache.local`, `oid_to_path`, `oids_exist`). Everything that uses them is in
# this section; the rest of ragops reads DVC data through `dvc.api.DVCFileSystem` (see RevisionReader below).


def _remote_odb(repo: Any, name: str) -> Any:
    """The remote's object store, after checking it can be reached at all."""
    url = _remote_url(repo, name)
    try:
        odb = repo.cloud.get_remote_odb(name)
        reachable = odb.fs.exists(odb.path)
    except Exception as exc:
        raise InfrastructureError(f"DVC remote {name!r} ({url}) is unreachable: {exc}") from exc
    if not reachable:
        raise InfrastructureError(
            f"DVC remote {name!r} ({url}) does not exist or cannot be listed: check its URL and credentials"
        )
    return odb


def _diagnose_pull(repo: Any, remote: str | None, targets: Sequence[TrackedData]) -> None:
    """After a failed download: raise the error that names what is missing, if objects are missing."""
    name = _remote_name(repo, remote)
    odb = _remote_odb(repo, name)  # raises InfrastructureError when unreachable
    root = Path(repo.root_dir)
    missing = [
        f"{display_path(t.path, root)}/{rel}" if t.is_dir else display_path(t.path, root)
        for t in targets
        for rel in _missing_in(repo, odb, t, check_cache=True)
    ]
    if missing:
        shown = ", ".join(missing[:_MAX_LISTED])
        more = f" and {len(missing) - _MAX_LISTED} more" if len(missing) > _MAX_LISTED else ""
        raise ValidationFailed(
            f"DVC remote {name!r} ({_remote_url(repo, name)}) lacks the content of {len(missing)} file(s): "
            f"{shown}{more}. Whoever changed them must run `dvc push` (or `ragops data push`) and push the commit again"
        )


def _missing_in(repo: Any, odb: Any, tracked: TrackedData, check_cache: bool) -> Iterator[str]:
    """Files of ``tracked`` whose objects are in neither the local cache (if checked) nor the remote."""
    cache = repo.cache.local

    def absent(oids: Iterable[str]) -> set[str]:
        wanted = {o for o in oids if not (check_cache and cache.exists(o))}
        return wanted - set(odb.oids_exist(list(wanted))) if wanted else set()

    if not tracked.is_dir:
        if absent([tracked.md5]):
            yield tracked.path.name
        return
    listing = _read_listing(cache, odb, tracked.md5)
    if listing is None:
        yield "(the folder listing itself)"
        return
    gone = absent(listing.values())
    yield from sorted(rel for rel, md5 in listing.items() if md5 in gone)


def _read_listing(cache: Any, odb: Any, oid: str) -> dict[str, str] | None:
    """A ``.dir`` object's listing (relpath → md5), from the local cache or else the remote."""
    for store in (cache, odb):
        try:
            raw = store.fs.cat_file(store.oid_to_path(oid))
        except (OSError, FileNotFoundError):
            continue
        return {entry["relpath"]: entry["md5"] for entry in json.loads(raw)}
    return None


# --- data at a git revision, through DVC's public API ---------------------------------------------------------


class RevisionReader:
    """DVC-tracked data as it was at one git revision, read through ``dvc.api.DVCFileSystem``.

    Paths are repo-relative and posix. Folder listings and file contents come from the local DVC cache, else the
    remote (``remote``, or the default one configured at that revision). Every read returns None when the content
    is unavailable — in neither the cache nor a remote that can be reached and holds it, or no DVC repository at
    all — so the caller falls back to the fingerprints its ``.dvc`` files record. The repository is opened on first
    read; use as a context manager.
    """

    def __init__(self, root: Path, rev: str, remote: str | None = None) -> None:
        self._root = root
        self._rev = rev
        self._remote = remote
        self._fs: Any = None
        self._sizes_failed = False

    def __enter__(self) -> RevisionReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._fs is not None:
            self._fs.close()
            self._fs = None

    def _read(self, what: Callable[[Any], T]) -> T | None:
        from dvc.api import DVCFileSystem

        try:
            with _quiet_dvc():
                if self._fs is None:
                    self._fs = DVCFileSystem(str(self._root), rev=self._rev, remote=self._remote)
                return what(self._fs)
        except Exception:
            # "Unavailable" has many faces in DVC: DataIndexDirError for a folder listing it cannot load,
            # FileNotFoundError for an object no storage holds, the remote's own connection and credential errors,
            # NotDvcRepoError. For a change summary they all mean the same thing: compare fingerprints only.
            return None

    def listing(self, path: str) -> dict[str, str] | None:
        """The files of the tracked folder ``path``: relpath inside it → md5 (DVC's per-file hash)."""
        found = self._read(lambda fs: fs.find(path, detail=True))
        if found is None:
            return None
        prefix = path.strip("/") + "/"
        files: dict[str, str] = {}
        for name, info in found.items():
            md5 = _md5_of(info)
            if md5 is None or not name.lstrip("/").startswith(prefix):
                return None  # not a DVC-tracked folder at this revision after all
            files[name.lstrip("/")[len(prefix) :]] = md5
        return files

    def read(self, path: str) -> bytes | None:
        """The content of a tracked file, or of a file inside a tracked folder."""
        data = self._read(lambda fs: fs.cat_file(path))
        return data if isinstance(data, bytes) else None

    def size(self, path: str) -> int | None:
        """Size in bytes of a tracked file or of a file inside a tracked folder (for display only).

        DVC records no per-file size in folder listings, so it is measured on the object, which can mean a round
        trip to the remote. After the first failure no more are tried: an unreachable remote must not cost a
        timeout for every document of a large change.
        """
        if self._sizes_failed:
            return None
        size = self._read(lambda fs: _object_size(fs, path))
        if size is None:
            self._sizes_failed = True
        return size


def _md5_of(info: dict[str, Any]) -> str | None:
    """The DVC hash of a ``DVCFileSystem`` entry (``md5-dos2unix`` for files written by DVC 2)."""
    dvc_info = info.get("dvc_info") or {}
    md5 = dvc_info.get("md5") or dvc_info.get("md5-dos2unix")
    return md5 if isinstance(md5, str) else None


def _object_size(fs: Any, path: str) -> int:
    recorded = (fs.info(path).get("dvc_info") or {}).get("size")
    if isinstance(recorded, int):
        return recorded
    with fs.open(path, "rb") as handle:
        return int(handle.seek(0, os.SEEK_END))
