"""What promotion and releases ask of git: commit times, ancestry, distance, uncommitted changes; and the two
things a release writes: an overlay restored from the deployed state, and the bot commit.

Git is run in the repository root. Failures that mean "git is not there" are InfrastructureError; a ref that does
not exist is reported as None (or False) so callers can say so in their own words.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ragops.errors import InfrastructureError, ValidationFailed
from ragops.git import run_git

_git = run_git


def resolve(root: Path, ref: str) -> str | None:
    """The commit ``ref`` names, or None when it names none."""
    done = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    return done.stdout.strip() or None if done.returncode == 0 else None


def commit_time(root: Path, commit: str) -> datetime:
    """The committer date of ``commit`` in UTC: a time that is a property of the commit, so it never drifts."""
    done = _git(root, "show", "-s", "--format=%ct", commit)
    if done.returncode != 0 or not done.stdout.strip():
        raise ValidationFailed(f"commit {commit} is not in this repository ({done.stderr.strip()})")
    return datetime.fromtimestamp(int(done.stdout.strip()), UTC)


def is_ancestor(root: Path, commit: str, ref: str) -> bool | None:
    """Whether ``commit`` is ``ref`` or an ancestor of it; None when either is unknown."""
    done = _git(root, "merge-base", "--is-ancestor", commit, ref)
    if done.returncode in (0, 1):
        return done.returncode == 0
    return None


def commits_between(root: Path, commit: str, ref: str) -> int | None:
    """How many commits ``ref`` has that ``commit`` does not (``git rev-list --count commit..ref``)."""
    done = _git(root, "rev-list", "--count", f"{commit}..{ref}")
    return int(done.stdout.strip()) if done.returncode == 0 else None


def uncommitted(root: Path, exclude: list[str]) -> list[str] | None:
    """Tracked files that differ from HEAD, outside the ``exclude`` paths; None outside a git checkout."""
    pathspec = [".", *(f":(exclude){path}" for path in exclude)]
    done = _git(root, "status", "--porcelain", "--untracked-files=no", "--", *pathspec)
    if done.returncode != 0:
        return None
    return sorted(line[3:] for line in done.stdout.splitlines() if line.strip())


def changed_between(root: Path, commit: str, ref: str, exclude: list[str]) -> list[str] | None:
    """Files that differ between ``commit`` and ``ref`` outside the ``exclude`` paths; None when either is unknown."""
    pathspec = [".", *(f":(exclude){path}" for path in exclude)]
    done = _git(root, "diff", "--name-only", commit, ref, "--", *pathspec)
    return sorted(done.stdout.split()) if done.returncode == 0 else None


def restore(root: Path, ref: str, path: str) -> bool:
    """``path`` (a file or folder) as ``ref`` holds it, in the working tree and the index; False when ``ref`` has
    no such path (nothing is changed then)."""
    return _git(root, "checkout", "--quiet", ref, "--", path).returncode == 0


def commit_paths(root: Path, paths: list[str], message: str, name: str, email: str) -> str | None:
    """Commit the changes under ``paths`` (and nothing else) as ``name <email>``; returns the new commit, or None
    when they hold no change."""
    if not paths:
        return None
    added = _git(root, "add", "--", *paths)
    if added.returncode != 0:
        raise InfrastructureError(f"git add {' '.join(paths)}: {added.stderr.strip()}")
    if _git(root, "diff", "--cached", "--quiet", "--", *paths).returncode == 0:
        return None
    identity = ["-c", f"user.name={name}", "-c", f"user.email={email}"]
    done = _git(root, *identity, "commit", "--quiet", "-m", message, "--", *paths)
    if done.returncode != 0:
        raise InfrastructureError(f"git commit: {done.stderr.strip() or done.stdout.strip()}")
    return resolve(root, "HEAD")
