"""The repository as a user gets it: a copy of this checkout's files — every file git tracks, or would track
(untracked and not ignored), as the working tree holds them — committed as ``main`` of a new repository.

So the tests of the loop run the apps, data, workflows and code that are on disk, uncommitted edits included,
and nothing that is ignored (no ``.venv``, no ``.ragops`` caches, no ``runs``): a clean clone's starting point.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.act_repo import git


def clone_checkout(source: Path, target: Path) -> Path:
    listed = git(source, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    target.mkdir(parents=True)
    for relative in sorted({name for name in listed.split("\0") if name}):
        path = source / relative
        if not path.is_file():  # deleted in the working tree, not yet in the index
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination, follow_symlinks=False)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "ragops as shipped")
    return target
