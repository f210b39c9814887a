"""An app config as committed at some commit, read from git without checking anything out.

Only what the config itself says is looked at (its data is not): enough to decide whether a stored run is the
base of a diff, or whether an app's evaluation needs a local model server. The text goes through the config
loader like any config (``config_from_text``), so a config read from git is checked exactly as one on disk.
"""

from __future__ import annotations

from pathlib import Path

from ragops import git
from ragops.config.diagnostics import render
from ragops.config.loader import config_from_text
from ragops.config.models import AppConfig
from ragops.errors import ValidationFailed


def config_at(root: Path, commit: str, relative: str) -> AppConfig:
    """The config at ``relative`` (repo-relative) in ``commit``; ValidationFailed when it is not a valid config,
    UsageError when git has no such file."""
    text = git.file_at(root, commit, relative).decode("utf-8", errors="replace")
    loaded = config_from_text(text, relative, root)
    if loaded.config is None:
        errors = [d for d in loaded.diagnostics if d.is_error]
        raise ValidationFailed(f"{relative} at {commit[:12]} is not a valid RAG config:\n{render(errors, 'text')}")
    return loaded.config
