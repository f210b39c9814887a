"""Fixtures for the GitHub transport tests: the emulator on loopback, tokens, an Actions environment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.github_emulator import GitHubEmulator, Identity
from tests.support.github_env import (
    BOT,
    BOT_TOKEN,
    MALLORY,
    ME,
    OTHER_TOKEN,
    OWNER,
    PR,
    REPO,
    RO_TOKEN,
    USER_TOKEN,
    Actions,
)


@pytest.fixture
def emulator() -> Iterator[GitHubEmulator]:
    tokens = {
        USER_TOKEN: ME,
        BOT_TOKEN: BOT,
        RO_TOKEN: Identity("github-actions[bot]", bot=True, read_only=True),
        OTHER_TOKEN: MALLORY,
    }
    with GitHubEmulator(tokens) as server:
        yield server


@pytest.fixture
def actions(tmp_path: Path, emulator: GitHubEmulator) -> Actions:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "number": PR, "pull_request": {"number": PR}}))
    summary = tmp_path / "step_summary.md"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": f"{OWNER}/{REPO}",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_API_URL": emulator.url,
        "GITHUB_TOKEN": USER_TOKEN,
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_RUN_ID": "4242",
    }
    return Actions(env, summary, tmp_path / "out" / "comment.md")
