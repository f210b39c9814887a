"""Running git: the one place ragops starts a git process, so every caller fails the same way when git is absent
or a command fails."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ragops.errors import InfrastructureError, UsageError


def run_git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``git ARGS`` in ``root``; the caller reads the return code. No git at all is an InfrastructureError."""
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise InfrastructureError(f"cannot run git ({exc.strerror or exc}): install git") from None


def git_output(root: Path, *args: str) -> str:
    """The standard output of ``git ARGS`` in ``root``; a failing command is a UsageError with git's message."""
    done = run_git(root, *args)
    if done.returncode != 0:
        raise UsageError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout
