"""Who is who in the GitHub transport tests: repository, tokens and identities of the emulator, and a fast retry
policy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ragops.github.client import RetryPolicy
from tests.support.github_emulator import Identity

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


@dataclass
class Actions:
    """A GitHub Actions environment for one job, as a dict, with the paths it points at."""

    env: dict[str, str]
    summary: Path
    out: Path
