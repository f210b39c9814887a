"""Running git: the one module that starts a git process (``tests/unit/test_one_source.py`` fails on a git call
anywhere else), and the one ref resolver.

Every caller fails the same way: no git at all is an :class:`InfrastructureError`; a command git refuses is a
:class:`UsageError` with git's own message, unless the function says it answers None instead. No revision that a
file or a user supplies is ever read as an option — a run recording ``git_commit: "--output=PATH"`` once made
``git show`` truncate PATH: every command here ends its options (``--end-of-options``) before revisions and ``--``
before paths, and refuses a revision that starts with ``-`` before git sees it. Output is bytes where it is file
content (blobs) and text where it is git's own (names, ids, counts).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ragops.errors import InfrastructureError, UsageError, ValidationFailed

# A full commit id as git prints it (sha1): what run metadata and release manifests record.
COMMIT_PATTERN = r"^[0-9a-f]{40}$"
_COMMIT = re.compile(COMMIT_PATTERN)
_END = "--end-of-options"


def is_commit_id(value: str) -> bool:
    return bool(_COMMIT.match(value))


def git_blob_id(data: bytes) -> str:
    """The id git gives a file with this content (``git hash-object``), computed without running git."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _revision(value: str) -> str:
    # --end-of-options already stops git reading it as an option; this also names the bad value in our words.
    if not value or value.startswith("-") or any(ord(c) < 32 for c in value):
        raise UsageError(f"{value!r} is not a git revision")
    return value


def _run(root: Path, args: Sequence[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, check=False)
    except OSError as exc:
        raise InfrastructureError(f"cannot run git ({exc.strerror or exc}): install git") from None


def _output(root: Path, args: Sequence[str], stdin: bytes | None = None) -> bytes:
    done = _run(root, args, stdin)
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", errors="replace").strip()
        raise UsageError(f"git {' '.join(args[:3])}: {message}")
    return done.stdout


def _text(root: Path, args: Sequence[str]) -> str | None:
    """git's output as text, or None when the command fails (an unknown ref, not a checkout)."""
    done = _run(root, args)
    return done.stdout.decode("utf-8", errors="replace") if done.returncode == 0 else None


# --- refs and commits ------------------------------------------------------------------------------------------


def resolve(root: Path, ref: str) -> str | None:
    """The commit ``ref`` names, or None when it names none (or ``root`` is not a checkout)."""
    out = _text(root, ["rev-parse", "--verify", "--quiet", _END, f"{_revision(ref)}^{{commit}}"])
    return out.strip() or None if out is not None else None


def require_commit(root: Path, ref: str, what: str | None = None) -> str:
    """The commit ``ref`` names; a UsageError that says how to get it when there is none."""
    commit = resolve(root, ref)
    if commit is None:
        raise UsageError(f"{what or repr(ref)} is not a commit of {root}: fetch it first (git fetch origin {ref})")
    return commit


def head_commit(root: Path) -> str | None:
    """The checked-out commit, or None outside a git checkout."""
    return resolve(root, "HEAD")


def is_dirty(root: Path) -> bool | None:
    """Whether tracked files differ from the commit (untracked files do not count); None outside a checkout."""
    out = _text(root, ["status", "--porcelain", "--untracked-files=no"])
    return bool(out.strip()) if out is not None else None


def commit_time(root: Path, commit: str) -> datetime:
    """The committer date of ``commit`` in UTC: a time that is a property of the commit, so it never drifts."""
    done = _run(root, ["show", "-s", "--format=%ct", _END, _revision(commit)])
    out = done.stdout.decode().strip()
    if done.returncode != 0 or not out:
        raise ValidationFailed(f"commit {commit} is not in this repository ({done.stderr.decode().strip()})")
    return datetime.fromtimestamp(int(out), UTC)


def is_ancestor(root: Path, commit: str, ref: str) -> bool | None:
    """Whether ``commit`` is ``ref`` or an ancestor of it; None when either is unknown."""
    done = _run(root, ["merge-base", "--is-ancestor", _END, _revision(commit), _revision(ref)])
    return done.returncode == 0 if done.returncode in (0, 1) else None


def merge_base(root: Path, first: str, second: str) -> str | None:
    """The best common ancestor of two commits; None for unrelated histories."""
    out = _text(root, ["merge-base", _END, _revision(first), _revision(second)])
    return out.strip() or None if out is not None else None


def commits_between(root: Path, commit: str, ref: str) -> int | None:
    """How many commits ``ref`` has that ``commit`` does not (``git rev-list --count commit..ref``)."""
    out = _text(root, ["rev-list", "--count", _END, f"{_revision(commit)}..{_revision(ref)}"])
    return int(out.strip()) if out is not None else None


# --- what changed ----------------------------------------------------------------------------------------------


def _pathspec(exclude: Sequence[str]) -> list[str]:
    return [".", *(f":(exclude){path}" for path in exclude)]


def uncommitted(root: Path, exclude: Sequence[str] = ()) -> list[str] | None:
    """Tracked files that differ from HEAD, outside the ``exclude`` paths; None outside a git checkout."""
    out = _text(root, ["status", "--porcelain", "--untracked-files=no", "--", *_pathspec(exclude)])
    return sorted(line[3:] for line in out.splitlines() if line.strip()) if out is not None else None


def changed_between(root: Path, commit: str, ref: str, exclude: Sequence[str] = ()) -> list[str] | None:
    """Files that differ between ``commit`` and ``ref`` outside the ``exclude`` paths, a rename counting as both
    of its paths; None when either is unknown."""
    args = ["diff", "--name-only", "--no-renames", "-z", _END, _revision(commit), _revision(ref)]
    out = _text(root, [*args, "--", *_pathspec(exclude)])
    return sorted({name for name in out.split("\0") if name}) if out is not None else None


# --- trees and blobs -------------------------------------------------------------------------------------------


def tree(root: Path, commit: str, prefix: str, *, recursive: bool = True) -> dict[str, tuple[str, int]]:
    """Files under ``prefix`` at ``commit`` (paths from the repository's top): path → (blob id, size). Submodules
    (commits) hold no content here and are left out; with ``recursive=False``, so are sub-folders."""
    args = ["ls-tree", "-l", "-z", "--full-tree", *(["-r"] if recursive else []), _END, _revision(commit)]
    out = _output(root, [*args, "--", prefix])
    files: dict[str, tuple[str, int]] = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        _mode, kind, sha, size = meta.split()
        if kind == b"blob":
            files[name.decode("utf-8", errors="surrogateescape")] = (sha.decode(), int(size))
    return files


def exists_at(root: Path, commit: str, path: str) -> bool:
    """Whether ``path`` exists at ``commit``."""
    return _run(root, ["cat-file", "-e", _END, f"{_revision(commit)}:{path}"]).returncode == 0


def file_at(root: Path, commit: str, path: str) -> bytes:
    """The content of ``path`` at ``commit``; a UsageError when it is not there."""
    return _output(root, ["cat-file", "blob", _END, f"{_revision(commit)}:{path}"])


def read_blob(root: Path, blob_id: str) -> bytes:
    return _output(root, ["cat-file", "blob", _END, _revision(blob_id)])


def read_blobs(root: Path, blob_ids: Collection[str]) -> dict[str, bytes]:
    """The content of every blob, read by one ``git cat-file --batch`` (a corpus has thousands of files: one git
    process each took seconds). A blob the repository lacks is a UsageError."""
    wanted = sorted(set(blob_ids))
    if not wanted:
        return {}
    if any(not re.fullmatch(r"[0-9a-f]{40,64}", sha) for sha in wanted):
        raise UsageError("git cat-file --batch: every name must be a blob id")
    out = _output(root, ["cat-file", "--batch"], "".join(f"{sha}\n" for sha in wanted).encode())
    blobs: dict[str, bytes] = {}
    position = 0
    for sha in wanted:
        header_end = out.index(b"\n", position)
        header = out[position:header_end].split()
        if len(header) != 3:  # "<sha> missing"
            raise UsageError(f"git cat-file --batch: {sha} is not in this repository")
        size = int(header[2])
        start = header_end + 1
        blobs[sha] = out[start : start + size]
        position = start + size + 1  # the content is followed by a newline
    return blobs


# --- worktrees -------------------------------------------------------------------------------------------------


@contextmanager
def detached_worktree(root: Path, commit: str) -> Iterator[Path]:
    """A detached worktree of ``commit`` in a temporary folder, removed afterwards (also on failure or
    interruption)."""
    parent = Path(tempfile.mkdtemp(prefix="ragops-base-"))
    worktree = parent / "tree"
    try:
        _output(root, ["worktree", "add", "--detach", "--quiet", _END, str(worktree), _revision(commit)])
        yield worktree
    finally:
        _run(root, ["worktree", "remove", "--force", "--", str(worktree)])
        shutil.rmtree(parent, ignore_errors=True)
        _run(root, ["worktree", "prune"])


# --- what a release writes ---------------------------------------------------------------------------------------


def restore(root: Path, ref: str, path: str) -> bool:
    """``path`` (a file or folder) as ``ref`` holds it, in the working tree and the index; False when ``ref`` has
    no such path (nothing is changed then)."""
    return _run(root, ["restore", f"--source={_revision(ref)}", "--staged", "--worktree", "--", path]).returncode == 0


def commit_paths(root: Path, paths: Sequence[str], message: str, name: str, email: str) -> str | None:
    """Commit the changes under ``paths`` (and nothing else) as ``name <email>``; returns the new commit, or None
    when they hold no change."""
    if not paths:
        return None
    _output(root, ["add", "--", *paths])
    if _run(root, ["diff", "--cached", "--quiet", "--", *paths]).returncode == 0:
        return None
    identity = ["-c", f"user.name={name}", "-c", f"user.email={email}"]
    _output(root, [*identity, "commit", "--quiet", "--file=-", "--", *paths], message.encode("utf-8"))
    return head_commit(root)
