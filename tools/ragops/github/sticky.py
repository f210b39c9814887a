"""One sticky comment per pull request: find it by its marker and author, update it in place, never make two.

Only a comment that carries the marker AND was written by the token's own account is ever edited or deleted —
a marker pasted by someone else is left alone. The account is ``GET /user`` for a personal token; the Actions
``GITHUB_TOKEN`` is an installation token, for which ``GET /user`` answers 403, and whose comments are written by
the bot ``github-actions[bot]`` (another GitHub App's token: pass its ``<slug>[bot]`` as ``bot_login``).

Never two comments: a create whose answer was lost is followed by a fresh listing before any retry, and after
every create the list is read again — if concurrent runs left several own marked comments, the oldest is kept
(and updated) and the others are deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from ragops.errors import InfrastructureError, RagopsError, UsageError
from ragops.github.body import COMMENT_LIMIT_CHARS, cut
from ragops.github.client import AmbiguousWrite, GitHubClient, GitHubHTTPError, api_message

DEFAULT_BOT_LOGIN = "github-actions[bot]"


class ReadOnlyToken(RagopsError):
    """The token may read the pull request but not comment on it (fork pull requests get such a token)."""


@dataclass(frozen=True)
class Identity:
    """The account the token writes as, and how that was found out."""

    login: str
    source: Literal["GET /user", "bot login"]


@dataclass(frozen=True)
class Comment:
    id: int
    author: str
    body: str
    html_url: str

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Comment:
        user = data.get("user") or {}
        return cls(
            id=int(data["id"]),
            author=str(user.get("login", "")),
            body=str(data.get("body") or ""),
            html_url=str(data.get("html_url") or ""),
        )


@dataclass(frozen=True)
class StickyOutcome:
    action: Literal["created", "updated", "unchanged"]
    comment_id: int
    url: str
    identity: Identity
    deleted_duplicates: tuple[int, ...] = ()
    cut_chars: int = 0


@dataclass
class StickyComment:
    """The sticky comment of kind ``marker`` on pull request ``number`` of ``owner/repo``."""

    client: GitHubClient
    owner: str
    repo: str
    number: int
    marker: str
    bot_login: str = DEFAULT_BOT_LOGIN
    identity: Identity | None = None
    _cut_chars: int = field(default=0, init=False)

    @property
    def comments_path(self) -> str:
        return f"/repos/{self.owner}/{self.repo}/issues/{self.number}/comments"

    def comment_path(self, comment_id: int) -> str:
        return f"/repos/{self.owner}/{self.repo}/issues/comments/{comment_id}"

    def identify(self) -> Identity:
        if self.identity is None:
            response = self.client.request("GET", "/user")
            if response.status_code == 200:
                self.identity = Identity(str(response.json()["login"]), "GET /user")
            elif response.status_code in (401, 403, 404):
                # An installation token (the Actions GITHUB_TOKEN) cannot read /user; it writes as the app's bot.
                self.identity = Identity(self.bot_login, "bot login")
            else:
                raise self.client.error(response, "cannot identify the token's account")
        return self.identity

    def own_comments(self) -> list[Comment]:
        """The comments with this marker written by the token's account, oldest first."""
        me = self.identify().login.lower()
        own: list[Comment] = []
        for page in self.client.paginate(self.comments_path):
            if page.status_code != 200:
                self._raise_for_list(page)
            for item in page.json():
                comment = Comment.from_api(item)
                if comment.author.lower() == me and self.marker in comment.body:
                    own.append(comment)
        return sorted(own, key=lambda c: c.id)

    def upsert(self, body: str, *, where: str) -> StickyOutcome:
        """Create or update the sticky comment so that it reads ``body`` (cut to fit if GitHub insists)."""
        self._cut_chars = 0
        identity = self.identify()
        created: Comment | None = None
        unanswered_create = False
        for _ in range(self.client.policy.attempts):
            own = self.own_comments()
            if created is None and own:
                outcome = self._settle(own, body, identity, where)
                if unanswered_create and outcome.action == "unchanged":
                    # Our own create went through; only its answer was lost.
                    return StickyOutcome(
                        "created",
                        outcome.comment_id,
                        outcome.url,
                        identity,
                        outcome.deleted_duplicates,
                        outcome.cut_chars,
                    )
                return outcome
            if created is not None:
                # Concurrent runs may each have created one: keep the oldest own comment, drop the rest.
                if len(own) > 1 or (own and own[0].id != created.id):
                    return self._settle(own, body, identity, where)
                return StickyOutcome("created", created.id, created.html_url, identity, (), self._cut_chars)
            try:
                created, body = self._write("POST", self.comments_path, body, where)
            except AmbiguousWrite:
                # The comment may exist now: the next round lists before anything is written again.
                unanswered_create = True
                self.client.wait("create without an answer", self.client.policy.backoff_s)
                continue
        raise InfrastructureError(
            f"could not post the comment on {self.owner}/{self.repo}#{self.number}: "
            f"{self.client.policy.attempts} attempts without a definite answer from {self.client.api_url}"
        )

    def _settle(self, own: list[Comment], body: str, identity: Identity, where: str) -> StickyOutcome:
        keep, extra = own[0], own[1:]
        result: Literal["created", "updated", "unchanged"] = "unchanged"
        url = keep.html_url
        if keep.body != body:
            try:
                updated, body = self._write("PATCH", self.comment_path(keep.id), body, where)
            except AmbiguousWrite:
                # A PATCH is idempotent: sending the same body again is harmless.
                updated, body = self._write("PATCH", self.comment_path(keep.id), body, where)
            url = updated.html_url or url
            result = "updated"
        deleted = []
        for duplicate in extra:
            try:
                response = self.client.request("DELETE", self.comment_path(duplicate.id))
            except AmbiguousWrite:
                response = self.client.request("DELETE", self.comment_path(duplicate.id))
            if response.status_code in (204, 404):  # 404: a concurrent run deleted it first
                deleted.append(duplicate.id)
            elif response.status_code in (401, 403):
                raise ReadOnlyToken(api_message(response) or f"HTTP {response.status_code}")
            else:
                raise self.client.error(response, "cannot delete a duplicate comment")
        return StickyOutcome(result, keep.id, url, identity, tuple(deleted), self._cut_chars)

    def _write(self, method: str, path: str, body: str, where: str) -> tuple[Comment, str]:
        """POST or PATCH ``body``; on 422 "Body is too long" cut it (in UTF-8 bytes, the strictest reading of
        GitHub's limit) and try once more. Returns the comment and the body that was sent."""
        text, left = cut(body, limit=COMMENT_LIMIT_CHARS, where=where)
        self._cut_chars = max(self._cut_chars, left)
        response = self.client.request(method, path, json={"body": text})
        if response.status_code == 422 and "too long" in api_message(response).lower():
            text, left = cut(body, limit=COMMENT_LIMIT_CHARS, where=where, measure="bytes")
            if len(text) == len(body) or left == 0:
                text, left = cut(body, limit=COMMENT_LIMIT_CHARS // 2, where=where)
            self._cut_chars = max(self._cut_chars, left)
            response = self.client.request(method, path, json={"body": text})
        if response.status_code in (200, 201):
            return Comment.from_api(response.json()), text
        if response.status_code == 403:
            raise ReadOnlyToken(api_message(response) or "HTTP 403")
        if response.status_code == 404 and method == "PATCH":
            raise InfrastructureError(f"the comment vanished while it was being updated: {self.client.url(path)}")
        if response.status_code == 422:
            raise self.client.error(response, "GitHub refused the comment body")
        raise self.client.error(response, "cannot write the comment")

    def _raise_for_list(self, response: httpx.Response) -> None:
        if response.status_code == 403:
            raise ReadOnlyToken(api_message(response) or "HTTP 403")
        if response.status_code == 404:
            raise UsageError(
                f"pull request {self.owner}/{self.repo}#{self.number} not found at {self.client.api_url} "
                "(or the token cannot see it): check --repo/--pr or GITHUB_REPOSITORY/GITHUB_EVENT_PATH"
            )
        raise self.client.error(response, "cannot list the pull request's comments")


__all__ = [
    "DEFAULT_BOT_LOGIN",
    "Comment",
    "GitHubHTTPError",
    "Identity",
    "ReadOnlyToken",
    "StickyComment",
    "StickyOutcome",
]
