"""An app config as committed at some commit, read from git without checking anything out.

Only what the config itself says is looked at (its data is not): enough to decide whether a stored run is the
base of a diff, or whether an app's evaluation needs a local model server.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ragops import git
from ragops.config.loader import load_app_config
from ragops.config.models import AppConfig


def config_at(root: Path, commit: str, relative: str) -> AppConfig:
    """The config at ``relative`` (repo-relative) in ``commit``; ValidationFailed when it is not a valid config,
    UsageError when git has no such file."""
    text = git.file_at(root, commit, relative).decode("utf-8")
    with tempfile.TemporaryDirectory(prefix="ragops-config-at-") as scratch:
        path = Path(scratch) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return load_app_config(path, Path(scratch))
