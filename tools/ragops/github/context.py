"""Where a comment goes, read from the GitHub Actions environment (and overridden by flags).

Actions sets ``GITHUB_REPOSITORY`` (owner/name), ``GITHUB_EVENT_PATH`` (the webhook payload: a pull_request
event has ``pull_request.number``, an issue_comment event ``issue.number``, others a top-level ``number``),
``GITHUB_API_URL`` (differs on GitHub Enterprise Server), ``GITHUB_TOKEN`` only when a workflow passes it in,
``GITHUB_STEP_SUMMARY`` (the job summary file) and ``GITHUB_SERVER_URL`` + ``GITHUB_RUN_ID`` (the run's page).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ragops.errors import UsageError
from ragops.github.client import DEFAULT_API_URL, Secret

DEFAULT_TOKEN_ENV = "GITHUB_TOKEN"
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class ActionsContext:
    """Everything the comment needs from the environment; ``None`` where it is unknown."""

    repository: str | None
    pr_number: int | None
    api_url: str
    token: Secret | None
    token_env: str
    step_summary: Path | None
    run_url: str | None

    @property
    def owner_repo(self) -> tuple[str, str] | None:
        if self.repository is None:
            return None
        owner, _, name = self.repository.partition("/")
        return owner, name


def pr_number_from_event(event_path: Path) -> int | None:
    """The pull request number in an Actions event payload, or ``None`` when the event is not about one."""
    try:
        payload = json.loads(event_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{event_path}: GITHUB_EVENT_PATH names a file that does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"{event_path}: cannot read the event payload ({exc})") from None
    if not isinstance(payload, dict):
        return None
    for candidate in (payload.get("pull_request"), payload.get("issue"), payload):
        if isinstance(candidate, dict):
            number = candidate.get("number")
            if isinstance(number, int) and not isinstance(number, bool) and number > 0:
                return number
    return None


def read_context(
    environ: Mapping[str, str] | None = None,
    *,
    repo: str | None = None,
    pr: int | None = None,
    api_url: str | None = None,
    token_env: str = DEFAULT_TOKEN_ENV,
) -> ActionsContext:
    """The context from ``environ`` (default: the process environment), flags taking precedence."""
    env = os.environ if environ is None else environ
    repository = repo or env.get("GITHUB_REPOSITORY") or None
    if repository is not None and not _REPO.match(repository):
        raise UsageError(f"repository {repository!r} is not OWNER/NAME (set --repo or GITHUB_REPOSITORY)")
    if pr is not None and pr <= 0:
        raise UsageError(f"--pr {pr}: a pull request number is a positive integer")
    number = pr
    if number is None and env.get("GITHUB_EVENT_PATH"):
        number = pr_number_from_event(Path(env["GITHUB_EVENT_PATH"]))
    api = (api_url or env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
    if not api.startswith(("http://", "https://")):
        raise UsageError(f"API URL {api!r} must start with http:// or https:// (--api-url or GITHUB_API_URL)")
    raw_token = env.get(token_env, "").strip()
    summary = env.get("GITHUB_STEP_SUMMARY") or None
    server, run_id = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_RUN_ID")
    run_url = f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}" if server and run_id and repository else None
    return ActionsContext(
        repository=repository,
        pr_number=number,
        api_url=api,
        token=Secret(raw_token) if raw_token else None,
        token_env=token_env,
        step_summary=Path(summary) if summary else None,
        run_url=run_url,
    )
