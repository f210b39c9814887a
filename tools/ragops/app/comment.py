"""Use case ``ragops comment``: post markdown as the one sticky comment of a pull request, or say where it went.

With a token that may comment, the sticky comment is created or updated (see ``ragops.github.sticky``). Without a
token (a local run, ``act``), outside a pull request, or with a read-only token (fork pull requests), the
markdown goes to the job summary and to a file instead — that is not a failure. The file is written in every
case, so a workflow can upload it as an artifact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ragops.github.body import compose, marker_comment
from ragops.github.client import GitHubClient, RetryPolicy
from ragops.github.context import DEFAULT_TOKEN_ENV, read_context
from ragops.github.sticky import DEFAULT_BOT_LOGIN, ReadOnlyToken, StickyComment
from ragops.github.summary import append_step_summary, write_file
from ragops.layout import STATE_DIR

DEFAULT_OUT = Path(STATE_DIR) / "comment.md"
DEFAULT_MARKER = "metric-diff"


@dataclass(frozen=True)
class CommentRequest:
    sections: Sequence[str]
    marker: str = DEFAULT_MARKER
    repo: str | None = None
    pr: int | None = None
    api_url: str | None = None
    token_env: str = DEFAULT_TOKEN_ENV
    bot_login: str = DEFAULT_BOT_LOGIN
    out: Path = DEFAULT_OUT


@dataclass(frozen=True)
class CommentResult:
    """What happened: the comment's URL and id when one was written, else why not and where the text went."""

    action: Literal["created", "updated", "unchanged", "summary-only"]
    url: str | None
    comment_id: int | None
    reason: str | None
    out_path: Path
    summary_path: Path | None
    cut_chars: int = 0
    deleted_duplicates: tuple[int, ...] = ()
    identity: str | None = None


def post_comment(
    request: CommentRequest,
    environ: Mapping[str, str] | None = None,
    *,
    policy: RetryPolicy | None = None,
) -> CommentResult:
    """Post ``request.sections`` as the sticky comment (or fall back to summary + file); never prints."""
    context = read_context(
        environ, repo=request.repo, pr=request.pr, api_url=request.api_url, token_env=request.token_env
    )
    marker = marker_comment(request.marker)
    body = compose(list(request.sections), marker)
    out_path = write_file(request.out, body)
    where = (
        f"the job summary and artifacts of the workflow run {context.run_url}"
        if context.run_url
        else f"`{request.out}` of the run that posted it"
    )

    def fallback(reason: str) -> CommentResult:
        summary = context.step_summary
        if summary is not None:
            append_step_summary(summary, body, where=f"`{request.out}`")
        return CommentResult("summary-only", None, None, reason, out_path, summary)

    target = context.owner_repo
    if context.token is None:
        return fallback(f"no token: ${context.token_env} is not set")
    if target is None:
        return fallback("no repository: set --repo or GITHUB_REPOSITORY")
    if context.pr_number is None:
        return fallback("not a pull request: GITHUB_EVENT_PATH has no pull request number (pass --pr N)")

    retry = policy or RetryPolicy.from_env(environ)
    with GitHubClient(context.api_url, context.token, policy=retry) as client:
        sticky = StickyComment(client, target[0], target[1], context.pr_number, marker, bot_login=request.bot_login)
        try:
            outcome = sticky.upsert(body, where=where)
        except ReadOnlyToken as exc:
            return fallback(f"the token may not comment ({exc.message}); fork pull requests get a read-only token")
    summary_path = None
    if outcome.cut_chars and context.step_summary is not None:
        # The note in the cut comment points at the job summary: make that true.
        append_step_summary(context.step_summary, body, where=f"`{request.out}`")
        summary_path = context.step_summary
    return CommentResult(
        outcome.action,
        outcome.url,
        outcome.comment_id,
        None,
        out_path,
        summary_path,
        cut_chars=outcome.cut_chars,
        deleted_duplicates=outcome.deleted_duplicates,
        identity=outcome.identity.login,
    )
