"""What promotion and release status ask git: commit times, ancestry, distance, uncommitted changes.

Read-only; git is run in the repository root. Failures that mean "git is not there" are InfrastructureError;
a ref that does not exist is reported as None so callers can say so in their own words.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ragops.errors import ValidationFailed
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
