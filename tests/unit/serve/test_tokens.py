"""Bearer tokens from a file: several at once, rotation without a restart, ids that never show the token."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.errors import UsageError
from ragops.serve.tokens import TokenFile


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_every_listed_token_is_valid_and_ids_hide_the_token(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text("# rotated 2026-01\nold-token-123\n\n  new-token-456  \n")
    tokens = TokenFile(path)
    old, new = tokens.identify("old-token-123"), tokens.identify("new-token-456")
    assert old and new and old != new and old.startswith("token-")
    assert "old-token" not in old
    assert tokens.identify("old-token-12") is None
    assert tokens.identify("old-token-1234") is None
    assert tokens.identify("# rotated 2026-01") is None
    assert tokens.identify("") is None


def test_a_rotated_secret_is_picked_up_without_a_restart(tmp_path: Path) -> None:
    clock = _Clock()
    path = tmp_path / "tokens"
    path.write_text("first\n")
    tokens = TokenFile(path, clock=clock)
    # Kubernetes swaps a Secret volume's files by renaming a new version into place.
    replacement = tmp_path / "tokens.new"
    replacement.write_text("second\n")
    replacement.replace(path)
    assert tokens.identify("first") is not None  # checked at most once a second
    clock.now += 1.5
    assert tokens.identify("second") is not None
    assert tokens.identify("first") is None
    path.unlink()  # a moment without the file keeps the tokens read before
    clock.now += 1.5
    assert tokens.identify("second") is not None


def test_a_missing_or_empty_tokens_file_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read the bearer tokens file"):
        TokenFile(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.write_text("# nothing yet\n")
    with pytest.raises(UsageError, match="holds no token"):
        TokenFile(empty)
