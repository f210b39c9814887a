"""Fixtures for the GitHub transport tests: the emulator on loopback, tokens, an Actions environment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ragops.github.client import RetryPolicy
from tests.support.github_emulator import GitHubEmulator, Identity

OWNER, REPO, PR = "octo-org", "rag-apps", 7
USER_TOKEN = "ghp_USERsecretTOKEN0123456789abcdef"
BOT_TOKEN = "ghs_BOTsecretTOKEN0123456789abcdef"
RO_TOKEN = "ghs_READONLYsecretTOKEN0123456789ab"
OTHER_TOKEN = "ghp_OTHERsecretTOKEN0123456789abcd"
ALL_TOKENS = (USER_TOKEN, BOT_TOKEN, RO_TOKEN, OTHER_TOKEN)
ME = Identity("octocat")
BOT = Identity("github-actions[bot]", bot=True)
MALLORY = Identity("mallory")
MARKER = "<!-- ragops:metric-diff -->"


def fast_policy(timeout_s: float = 2.0) -> RetryPolicy:
    """Real retry logic with waits of about nothing, so the fault tests run in milliseconds."""
    return RetryPolicy(attempts=5, backoff_s=0.001, secondary_wait_s=0.001, max_wait_s=0.005, timeout_s=timeout_s)


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


@dataclass
class Actions:
    """A GitHub Actions environment for one job, as a dict, with the paths it points at."""

    env: dict[str, str]
    summary: Path
    out: Path


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
