"""``ragops comment FILE…``: post markdown as the one sticky comment of a pull request (or to the job summary)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ragops.app.comment import DEFAULT_MARKER, DEFAULT_OUT, CommentRequest, CommentResult, post_comment
from ragops.errors import EXIT_OK, UsageError
from ragops.github.context import DEFAULT_TOKEN_ENV
from ragops.github.sticky import DEFAULT_BOT_LOGIN


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "comment",
        help="post markdown as the pull request's sticky comment",
        description="Post markdown files (joined, e.g. one per app) as ONE comment on the pull request, marked by a "
        "hidden marker and updated in place on every later run. Repository, pull request, API URL and token come "
        "from the GitHub Actions environment. Without a token, or with a read-only one (fork pull requests), the "
        "markdown goes to the job summary and to --out instead, and the command still succeeds.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="markdown files to post, in order ('-' for stdin)")
    parser.add_argument(
        "--marker",
        default=DEFAULT_MARKER,
        help=f"kind of sticky comment; one comment per kind and pull request (default: {DEFAULT_MARKER})",
    )
    parser.add_argument("--repo", help="OWNER/NAME (default: $GITHUB_REPOSITORY)")
    parser.add_argument("--pr", type=int, help="pull request number (default: from $GITHUB_EVENT_PATH)")
    parser.add_argument("--api-url", help="GitHub API URL (default: $GITHUB_API_URL or https://api.github.com)")
    parser.add_argument(
        "--token-env",
        default=DEFAULT_TOKEN_ENV,
        metavar="NAME",
        help=f"environment variable holding the token (default: {DEFAULT_TOKEN_ENV})",
    )
    parser.add_argument(
        "--bot-login",
        default=DEFAULT_BOT_LOGIN,
        help=f"the account an installation token writes as, when GET /user is refused (default: {DEFAULT_BOT_LOGIN})",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"also write the comment here (default: {DEFAULT_OUT})"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run)


def read_sections(files: list[str]) -> list[str]:
    sections = []
    for name in files:
        if name == "-":
            sections.append(sys.stdin.read())
            continue
        path = Path(name)
        try:
            sections.append(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"{path}: no such markdown file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: cannot read it as UTF-8 text ({exc})") from None
    if not any(s.strip() for s in sections):
        raise UsageError("nothing to post: every FILE is empty")
    return sections


def render(result: CommentResult) -> str:
    if result.action == "summary-only":
        places = [f"`{result.out_path}`"]
        if result.summary_path is not None:
            places.insert(0, f"the job summary ({result.summary_path})")
        return f"ragops comment: not posted ({result.reason}); the markdown is in {' and '.join(places)}"
    line = f"ragops comment: {result.action} {result.url or ''} (comment {result.comment_id}, as {result.identity})"
    if result.deleted_duplicates:
        line += f"; deleted duplicate comments {', '.join(map(str, result.deleted_duplicates))}"
    if result.cut_chars:
        line += f"; cut {result.cut_chars:,} characters to fit GitHub's limit"
    return line + f"; also written to `{result.out_path}`"


def run(args: argparse.Namespace) -> int:
    try:
        request = CommentRequest(
            sections=read_sections(args.files),
            marker=args.marker,
            repo=args.repo,
            pr=args.pr,
            api_url=args.api_url,
            token_env=args.token_env,
            bot_login=args.bot_login,
            out=args.out,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        result = post_comment(request)
    except ValueError as exc:  # a bad --marker
        raise UsageError(str(exc)) from None
    if args.json:
        data = {
            "action": result.action,
            "url": result.url,
            "comment_id": result.comment_id,
            "reason": result.reason,
            "out": str(result.out_path),
            "summary": str(result.summary_path) if result.summary_path else None,
            "cut_chars": result.cut_chars,
            "deleted_duplicates": list(result.deleted_duplicates),
            "identity": result.identity,
        }
        print(json.dumps(data, indent=2))
    else:
        print(render(result))
    return EXIT_OK
