"""A small GitHub REST emulator: the issue-comment endpoints ragops uses, on a real HTTP server on 127.0.0.1.

Endpoints (shapes follow GitHub's OpenAPI description; ``tests/fixtures/github-openapi/`` keeps the relevant part
and a test validates every response against it):

- ``GET /user`` — the token's user; an installation (bot) token gets 403 "Resource not accessible by integration"
- ``GET /repos/{owner}/{repo}/issues/{n}/comments`` — ``per_page`` (≤ 100, default 30), ``page``, ``Link`` header,
  ascending id
- ``POST`` there — 201 with ``Location``; 422 "Body is too long" above 65,536 characters
- ``PATCH`` / ``DELETE /repos/{owner}/{repo}/issues/comments/{id}`` — 200 / 204

Tokens: 401 without a known token; each token is a user or a bot, optionally read-only (writes answer 403
"Resource not accessible by integration", as a fork pull request's ``GITHUB_TOKEN`` does). Faults are injected
with :meth:`GitHubEmulator.fault`: N× any status with any headers (500, 403/429 with or without ``Retry-After``,
``x-ratelimit-remaining: 0`` + ``x-ratelimit-reset``, 422), and delays — before the request is handled, or after
(a create that succeeds on the server but answers too late for the client). Every request is recorded.

Standalone, for workflows under ``act``::

    python -m tests.support.github_emulator --port 8765 --token T=octocat --token B=github-actions[bot]:bot:ro

prints its URL; ``GET /_emulator/state`` returns all comments and requests as JSON, ``POST /_emulator/faults``
adds a fault (the JSON fields of :class:`Fault`), ``POST /_emulator/reset`` forgets comments and faults.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import re
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BODY_LIMIT = 65_536
DOCS = "https://docs.github.com/rest"
_LIST = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/(\d+)/comments$")
_ONE = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/comments/(\d+)$")


@dataclass(frozen=True)
class Identity:
    """Who a token is: a user (``GET /user`` works) or a bot (an installation token), and whether it may write."""

    login: str
    bot: bool = False
    read_only: bool = False
    id: int = 0


@dataclass
class Fault:
    """Answer the next ``times`` matching requests differently.

    ``method``/``path`` select requests (``None``: any; ``path`` is a substring of the URL path). ``status``
    replaces the answer (with ``headers`` and the JSON ``body``); without it the request is handled normally.
    ``delay_s`` sleeps before handling it, or — with ``after=True`` — after handling it, before answering."""

    method: str | None = None
    path: str | None = None
    times: int = 1
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay_s: float = 0.0
    after: bool = False

    def matches(self, method: str, path: str) -> bool:
        return (
            self.times > 0
            and (self.method is None or self.method.upper() == method)
            and (self.path is None or self.path in path)
        )


@dataclass
class Recorded:
    """One request and the answer it got."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response: Any = None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def error_body(
    message: str, status: int, docs: str = DOCS, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "documentation_url": docs, "status": str(status)}
    if errors is not None:
        body["errors"] = errors
    return body


# (status, extra headers, JSON body) of an answer.
Response = tuple[int, dict[str, str], Any]


def _read_only(operation: str) -> Response:
    """What GitHub answers a write with a read-only token (a fork pull request's GITHUB_TOKEN)."""
    problem = "Resource not accessible by integration"
    return 403, {}, error_body(problem, 403, f"{DOCS}/issues/comments#{operation}")


def too_long_body() -> dict[str, Any]:
    """GitHub's 422 for a comment over the limit."""
    return error_body(
        "Validation Failed",
        422,
        f"{DOCS}/issues/comments#create-an-issue-comment",
        [
            {
                "resource": "IssueComment",
                "code": "custom",
                "field": "body",
                "message": f"Body is too long (maximum is {BODY_LIMIT} characters)",
            }
        ],
    )


def secondary_limit_body() -> dict[str, Any]:
    return error_body(
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        403,
        "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits",
    )


def primary_limit_body(status: int = 403) -> dict[str, Any]:
    return error_body(
        "API rate limit exceeded for installation ID 1.",
        status,
        "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api",
    )


class GitHubEmulator:
    """The emulator: ``with GitHubEmulator({"tok": Identity("octocat")}) as gh: … gh.url …``."""

    def __init__(
        self,
        tokens: dict[str, Identity] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        html_url: str = "https://github.com",
        count_bytes: bool = False,
    ) -> None:
        self.tokens: dict[str, Identity] = {}
        self._ids = itertools.count(1_000_001)
        self._user_ids = itertools.count(101)
        for token, identity in (tokens or {}).items():
            self.add_token(token, identity)
        self.html_url = html_url.rstrip("/")
        self.count_bytes = count_bytes  # measure the body limit in UTF-8 bytes (stricter than GitHub's characters)
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self._comments: dict[int, dict[str, Any]] = {}  # id -> comment JSON (plus private "_key")
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def start(self) -> GitHubEmulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="github-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> GitHubEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- set-up and inspection ------------------------------------------------------------------------------
    def add_token(self, token: str, identity: Identity) -> Identity:
        if not identity.id:
            # github-actions[bot] is user 41898282 on github.com; users get small distinct ids.
            number = 41898282 if identity.bot else next(self._user_ids)
            identity = Identity(identity.login, identity.bot, identity.read_only, number)
        self.tokens[token] = identity
        return identity

    def fault(self, **kwargs: Any) -> Fault:
        """Add a :class:`Fault` (keyword arguments are its fields); faults apply in the order added."""
        fault = Fault(**kwargs)
        with self._lock:
            self.faults.append(fault)
        return fault

    def seed_comment(self, owner: str, repo: str, number: int, body: str, author: Identity) -> dict[str, Any]:
        """A comment that was already there (written by ``author``, who needs no token)."""
        with self._lock:
            if not author.id:
                author = Identity(author.login, author.bot, author.read_only, next(self._user_ids))
            return self._public(self._create(owner, repo, number, body, author))

    def comments(self, owner: str, repo: str, number: int) -> list[dict[str, Any]]:
        key = (owner.lower(), repo.lower(), number)
        with self._lock:
            found = [c for c in self._comments.values() if c["_key"] == key]
        return [self._public(c) for c in sorted(found, key=lambda c: c["id"])]

    def state(self) -> dict[str, Any]:
        with self._lock:
            comments = []
            for comment in sorted(self._comments.values(), key=lambda c: c["id"]):
                owner, repo, number = comment["_key"]
                comments.append({"owner": owner, "repo": repo, "issue_number": number, **self._public(comment)})
            return {"comments": comments, "requests": [asdict(r) for r in self.requests]}

    def reset(self) -> None:
        with self._lock:
            self._comments.clear()
            self.faults.clear()
            self.requests.clear()

    # --- the API --------------------------------------------------------------------------------------------
    @staticmethod
    def _public(comment: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in comment.items() if not k.startswith("_")}

    def _user_json(self, who: Identity, api: str) -> dict[str, Any]:
        login = who.login
        user_url = f"{api}/users/{login}"
        html = f"{self.html_url}/apps/{login.removesuffix('[bot]')}" if who.bot else f"{self.html_url}/{login}"
        return {
            "login": login,
            "id": who.id,
            "node_id": base64.b64encode(f"04:User{who.id}".encode()).decode(),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{who.id}?v=4",
            "gravatar_id": "",
            "url": user_url,
            "html_url": html,
            "followers_url": f"{user_url}/followers",
            "following_url": f"{user_url}/following{{/other_user}}",
            "gists_url": f"{user_url}/gists{{/gist_id}}",
            "starred_url": f"{user_url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{user_url}/subscriptions",
            "organizations_url": f"{user_url}/orgs",
            "repos_url": f"{user_url}/repos",
            "events_url": f"{user_url}/events{{/privacy}}",
            "received_events_url": f"{user_url}/received_events",
            "type": "Bot" if who.bot else "User",
            "user_view_type": "public",
            "site_admin": False,
        }

    def _create(self, owner: str, repo: str, number: int, body: str, who: Identity, api: str = "") -> dict[str, Any]:
        api = api or self.url
        comment_id = next(self._ids)
        stamp = _now()
        comment = {
            "id": comment_id,
            "node_id": base64.b64encode(f"IC_{comment_id}".encode()).decode(),
            "url": f"{api}/repos/{owner}/{repo}/issues/comments/{comment_id}",
            "html_url": f"{self.html_url}/{owner}/{repo}/pull/{number}#issuecomment-{comment_id}",
            "body": body,
            "user": self._user_json(who, api),
            "created_at": stamp,
            "updated_at": stamp,
            "issue_url": f"{api}/repos/{owner}/{repo}/issues/{number}",
            "author_association": "OWNER" if who.login.lower() == owner.lower() else "NONE",
            "performed_via_github_app": None,
            "reactions": {
                "url": f"{api}/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
                "total_count": 0,
                "+1": 0,
                "-1": 0,
                "laugh": 0,
                "hooray": 0,
                "confused": 0,
                "heart": 0,
                "rocket": 0,
                "eyes": 0,
            },
            "pin": None,
            "_key": (owner.lower(), repo.lower(), number),
        }
        self._comments[comment_id] = comment
        return comment

    def _too_long(self, body: str) -> bool:
        size = len(body.encode("utf-8")) if self.count_bytes else len(body)
        return size > BODY_LIMIT

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], payload: Any, base: str
    ) -> Response:
        """The API proper, after faults: (status, headers, JSON body or None)."""
        token = ""
        auth = headers.get("authorization", "")
        if auth.lower().startswith(("bearer ", "token ")):
            token = auth.split(None, 1)[1].strip()
        who = self.tokens.get(token)
        if who is None:
            message = "Bad credentials" if token else "Requires authentication"
            return 401, {}, error_body(message, 401)
        write = method in ("POST", "PATCH", "DELETE")
        if path == "/user" and method == "GET":
            if who.bot:
                return (
                    403,
                    {},
                    error_body(
                        "Resource not accessible by integration", 403, f"{DOCS}/users/users#get-the-authenticated-user"
                    ),
                )
            return 200, {}, self._public_user(who, base)
        if (match := _LIST.match(path)) is not None:
            owner, repo, number = match.group(1), match.group(2), int(match.group(3))
            if method == "GET":
                return self._list(owner, repo, number, query, base)
            if method == "POST":
                if who.read_only:
                    return _read_only("create-an-issue-comment")
                body = self._checked_body(payload, "create-an-issue-comment")
                if not isinstance(body, str):
                    return body
                with self._lock:
                    created = self._create(owner, repo, number, body, who, base)
                return 201, {"Location": created["url"]}, self._public(created)
        if (match := _ONE.match(path)) is not None and method in ("GET", "PATCH", "DELETE"):
            comment_id = int(match.group(3))
            with self._lock:
                comment = self._comments.get(comment_id)
                key = (match.group(1).lower(), match.group(2).lower())
                if comment is None or comment["_key"][:2] != key:
                    return 404, {}, error_body("Not Found", 404, f"{DOCS}/issues/comments")
                if write and who.read_only:
                    return _read_only("update-an-issue-comment")
                if write and comment["user"]["login"] != who.login:
                    return (
                        403,
                        {},
                        error_body(
                            "Must have admin rights to Repository.",
                            403,
                            f"{DOCS}/issues/comments#update-an-issue-comment",
                        ),
                    )
                if method == "GET":
                    return 200, {}, self._public(comment)
                if method == "DELETE":
                    del self._comments[comment_id]
                    return 204, {}, None
                body = self._checked_body(payload, "update-an-issue-comment")
                if not isinstance(body, str):
                    return body
                comment["body"] = body
                comment["updated_at"] = _now()
                return 200, {}, self._public(comment)
        return 404, {}, error_body("Not Found", 404)

    def _checked_body(self, payload: Any, operation: str) -> str | Response:
        """The comment body of a create or update request, or the 422 GitHub answers instead."""
        body = payload.get("body") if isinstance(payload, dict) else None
        if not isinstance(body, str):
            problem = 'Invalid request.\n\n"body" wasn\'t supplied.'
            return 422, {}, error_body(problem, 422, f"{DOCS}/issues/comments#{operation}", [])
        if self._too_long(body):
            return 422, {}, too_long_body()
        return body

    def _public_user(self, who: Identity, api: str) -> dict[str, Any]:
        user = self._user_json(who, api)
        user.update(
            {
                "name": who.login,
                "company": None,
                "blog": "",
                "location": None,
                "email": None,
                "hireable": None,
                "bio": None,
                "twitter_username": None,
                "public_repos": 1,
                "public_gists": 0,
                "followers": 0,
                "following": 0,
                "created_at": "2020-01-01T00:00:00Z",
                "updated_at": _now(),
            }
        )
        return user

    def _list(self, owner: str, repo: str, number: int, query: dict[str, list[str]], base: str) -> Response:
        try:
            per_page = min(100, max(1, int(query.get("per_page", ["30"])[0])))
            page = max(1, int(query.get("page", ["1"])[0]))
        except ValueError:
            return 422, {}, error_body("Invalid per_page or page", 422, f"{DOCS}/issues/comments", [])
        items = self.comments(owner, repo, number)
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        link_base = f"{base}/repos/{owner}/{repo}/issues/{number}/comments"
        links = []
        if page > 1:
            links.append(f'<{link_base}?per_page={per_page}&page={page - 1}>; rel="prev"')
        if page < last:
            links.append(f'<{link_base}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{link_base}?per_page={per_page}&page={last}>; rel="last"')
        if page > 1:
            links.append(f'<{link_base}?per_page={per_page}&page=1>; rel="first"')
        return 200, ({"Link": ", ".join(links)} if links else {}), chunk

    def next_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "GitHub.com-emulator"

            def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read emulator.requests
                pass

            def _serve(self, method: str) -> None:
                split = urlsplit(self.path)
                query = parse_qs(split.query)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    payload = json.loads(raw) if raw else None
                except ValueError:
                    payload = None
                headers = {k.lower(): v for k, v in self.headers.items()}
                record = Recorded(method, split.path, query, headers, payload)
                base = f"http://{self.headers.get('Host') or emulator.url.removeprefix('http://')}"
                if split.path.startswith("/_emulator/"):
                    status, extra, body = emulator._control(method, split.path, payload)
                    self._answer(status, extra, body)
                    return
                with emulator._lock:
                    emulator.requests.append(record)
                fault = emulator.next_fault(method, split.path)
                if fault is not None and not fault.after and fault.delay_s:
                    time.sleep(fault.delay_s)
                if fault is not None and fault.status is not None:
                    status, extra, body = fault.status, dict(fault.headers), fault.body
                else:
                    status, extra, body = emulator.handle(method, split.path, query, headers, payload, base)
                    if fault is not None:
                        extra.update(fault.headers)
                record.status, record.response_headers, record.response = status, extra, body
                if fault is not None and fault.after and fault.delay_s:
                    time.sleep(fault.delay_s)
                self._answer(status, extra, body)

            def _answer(self, status: int, extra: dict[str, str], body: Any) -> None:
                data = b"" if body is None else json.dumps(body).encode("utf-8")
                try:
                    self.send_response(status)
                    if body is not None:
                        self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    reset = int(time.time()) + 3600
                    defaults = {
                        "x-ratelimit-limit": "5000",
                        "x-ratelimit-remaining": "4999",
                        "x-ratelimit-reset": str(reset),
                        "x-ratelimit-used": "1",
                        "x-ratelimit-resource": "core",
                        "X-GitHub-Api-Version-Selected": "2022-11-28",
                    }
                    lowered = {k.lower() for k in extra}
                    for name, value in defaults.items():
                        if name.lower() not in lowered:
                            self.send_header(name, value)
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test): nothing to answer to

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PATCH(self) -> None:
                self._serve("PATCH")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

        return Handler

    def _control(self, method: str, path: str, payload: Any) -> Response:
        if path == "/_emulator/state" and method == "GET":
            return 200, {}, self.state()
        if path == "/_emulator/faults" and method == "POST" and isinstance(payload, dict):
            try:
                fault = self.fault(**payload)
            except TypeError as exc:
                return 422, {}, error_body(f"bad fault: {exc}", 422)
            return 201, {}, asdict(fault)
        if path == "/_emulator/reset" and method == "POST":
            self.reset()
            return 204, {}, None
        return 404, {}, error_body("Not Found", 404)


def parse_token(spec: str) -> tuple[str, Identity]:
    """``T=login[:bot][:ro]`` → (token, identity)."""
    token, sep, rest = spec.partition("=")
    if not sep or not token or not rest:
        raise argparse.ArgumentTypeError(f"--token {spec!r}: expected TOKEN=LOGIN[:bot][:ro]")
    login, *flags = rest.split(":")
    unknown = set(flags) - {"bot", "ro"}
    if unknown:
        raise argparse.ArgumentTypeError(f"--token {spec!r}: unknown flag(s) {', '.join(sorted(unknown))}")
    return token, Identity(login, bot="bot" in flags, read_only="ro" in flags)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a GitHub REST emulator (issue comments) on 127.0.0.1.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    parser.add_argument("--token", action="append", type=parse_token, default=[], metavar="T=LOGIN[:bot][:ro]")
    parser.add_argument("--count-bytes", action="store_true", help="measure the 65,536 limit in UTF-8 bytes")
    args = parser.parse_args(argv)
    emulator = GitHubEmulator(dict(args.token), host=args.host, port=args.port, count_bytes=args.count_bytes)
    print(emulator.url, flush=True)
    try:
        emulator._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emulator._server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
