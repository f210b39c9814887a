"""A small GitHub REST client: retries, rate limits as GitHub documents them, pagination, and a token never shown.

GitHub's rules (docs "Rate limits for the REST API" and "Best practices"): a 403 or 429 with ``retry-after`` means
wait that many seconds; with ``x-ratelimit-remaining: 0`` wait until ``x-ratelimit-reset`` (epoch seconds); any
other rate-limit answer is a secondary limit: wait at least a minute, longer on each repeat. 5xx and timeouts are
retried with exponential backoff. Every wait is capped (``max_wait_s``, env ``RAGOPS_GITHUB_MAX_WAIT_S``) so a test
or an impatient CI job never sleeps for an hour.

A request that may have changed state on the server (a POST/PATCH/DELETE whose answer was lost, or a 5xx to it)
is never blindly retried: :class:`AmbiguousWrite` tells the caller to look first.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from ragops import __version__
from ragops.errors import InfrastructureError, RagopsError

DEFAULT_API_URL = "https://api.github.com"
MAX_WAIT_ENV = "RAGOPS_GITHUB_MAX_WAIT_S"
_SAFE_METHODS = frozenset({"GET", "HEAD"})
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class Secret:
    """A token that prints as ``***`` in reprs, f-strings and tracebacks; ``reveal()`` is the only way out."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def redact(self, text: str) -> str:
        """``text`` with every occurrence of the token replaced, for messages built from foreign exceptions."""
        return text.replace(self._value, "***") if self._value else text

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


class GitHubHTTPError(InfrastructureError):
    """GitHub answered with an error status the client does not retry (or stopped retrying)."""

    def __init__(self, message: str, *, status: int, url: str, api_message: str) -> None:
        super().__init__(message)
        self.status = status
        self.url = url
        self.api_message = api_message


class AmbiguousWrite(InfrastructureError):
    """A write may or may not have happened (its answer was lost or was a 5xx): look before writing again."""

    def __init__(self, message: str, *, method: str, url: str) -> None:
        super().__init__(message)
        self.method = method
        self.url = url


@dataclass(frozen=True)
class Wait:
    """One pause the client took: why, how long GitHub asked for, how long it actually slept (after the cap)."""

    reason: str
    requested_s: float
    slept_s: float


@dataclass
class RetryPolicy:
    """How hard to try. The defaults suit a CI job; tests pass tiny waits."""

    attempts: int = 5
    backoff_s: float = 1.0
    secondary_wait_s: float = 60.0
    max_wait_s: float = 300.0
    timeout_s: float = 20.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RetryPolicy:
        env = os.environ if environ is None else environ
        policy = cls()
        raw = env.get(MAX_WAIT_ENV)
        if raw:
            try:
                policy.max_wait_s = max(0.0, float(raw))
            except ValueError as exc:
                raise RagopsError(f"{MAX_WAIT_ENV}={raw!r} is not a number of seconds") from exc
        return policy


def api_message(response: httpx.Response) -> str:
    """GitHub's error text (``message`` plus any ``errors[].message``), or the start of a non-JSON body."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if not isinstance(data, dict):
        return str(data)[:200]
    parts = [str(data.get("message", ""))]
    for error in data.get("errors") or []:
        if isinstance(error, dict) and error.get("message"):
            parts.append(str(error["message"]))
        elif isinstance(error, str):
            parts.append(error)
    return ": ".join(p for p in parts if p)


def is_rate_limited(response: httpx.Response) -> bool:
    """A 429, or a 403 that GitHub marks as a primary or secondary rate limit (not a permission error)."""
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    headers = response.headers
    if "retry-after" in headers or headers.get("x-ratelimit-remaining") == "0":
        return True
    return "rate limit" in api_message(response).lower()


@dataclass
class GitHubClient:
    """Calls ``api_url`` with ``token``; all waits go through ``sleep`` and are recorded in ``waits``."""

    api_url: str
    token: Secret | None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    waits: list[Wait] = field(default_factory=list)
    _http: httpx.Client | None = None

    def __post_init__(self) -> None:
        self.api_url = self.api_url.rstrip("/")
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": f"ragops/{__version__}",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token.reveal()}"
        self._http = httpx.Client(headers=headers, timeout=self.policy.timeout_s, follow_redirects=False)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return urljoin(self.api_url + "/", path_or_url.lstrip("/"))

    def _redact(self, text: str) -> str:
        return self.token.redact(text) if self.token else text

    def wait(self, reason: str, requested_s: float) -> None:
        slept = max(0.0, min(requested_s, self.policy.max_wait_s))
        self.waits.append(Wait(reason, requested_s, slept))
        if slept > 0:
            self.sleep(slept)

    def _rate_limit_wait(self, response: httpx.Response, secondary_round: int) -> tuple[str, float]:
        headers = response.headers
        retry_after = headers.get("retry-after")
        if retry_after is not None:
            try:
                return "retry-after", max(0.0, float(retry_after))
            except ValueError:
                pass  # an HTTP date: GitHub sends seconds, so treat anything else as a secondary limit
        if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset"):
            try:
                return "x-ratelimit-reset", max(0.0, float(headers["x-ratelimit-reset"]) - self.clock()) + 1.0
            except ValueError:
                pass
        return "secondary rate limit", self.policy.secondary_wait_s * (2**secondary_round)

    def request(
        self, method: str, path_or_url: str, *, json: Any = None, params: Mapping[str, Any] | None = None
    ) -> httpx.Response:
        """Send one request, retrying what is safe to retry; returns the final response (any status)."""
        assert self._http is not None
        method = method.upper()
        url = self.url(path_or_url)
        self._check_origin(url)
        safe = method in _SAFE_METHODS
        secondary_round = 0
        for attempt in range(1, self.policy.attempts + 1):
            last = attempt == self.policy.attempts
            try:
                response = self._http.request(method, url, json=json, params=params)
            except httpx.TransportError as exc:
                detail = self._redact(f"{type(exc).__name__}: {exc}".rstrip(": "))
                nothing_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if not safe and not nothing_sent:
                    raise AmbiguousWrite(f"{method} {url}: no answer ({detail})", method=method, url=url) from None
                if last:
                    raise InfrastructureError(
                        f"GitHub API unreachable: {method} {url} failed {attempt} times ({detail}); "
                        "check GITHUB_API_URL / --api-url and the network"
                    ) from None
                self.wait(f"{type(exc).__name__}", self.policy.backoff_s * (2 ** (attempt - 1)))
                continue
            status = response.status_code
            if status >= 500:
                if not safe:
                    raise AmbiguousWrite(f"{method} {url}: HTTP {status}", method=method, url=url)
                if last:
                    raise self.error(response, f"GitHub API kept failing ({attempt} attempts)")
                self.wait(f"HTTP {status}", self.policy.backoff_s * (2 ** (attempt - 1)))
                continue
            if is_rate_limited(response):
                if last:
                    raise self.error(response, f"GitHub API rate limit still exceeded after {attempt} attempts")
                reason, seconds = self._rate_limit_wait(response, secondary_round)
                if reason == "secondary rate limit":
                    secondary_round += 1
                self.wait(reason, seconds)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def error(self, response: httpx.Response, what: str) -> GitHubHTTPError:
        url = str(response.request.url) if response.request is not None else self.api_url
        message = self._redact(api_message(response))
        return GitHubHTTPError(
            f"{what}: {response.request.method} {url} answered HTTP {response.status_code}"
            + (f" ({message})" if message else ""),
            status=response.status_code,
            url=url,
            api_message=message,
        )

    def paginate(self, path: str, *, per_page: int = 100) -> Iterator[httpx.Response]:
        """Every page of a list endpoint, following ``Link: <…>; rel="next"``; stops at the first non-200."""
        url: str | None = self.url(path)
        params: dict[str, Any] | None = {"per_page": per_page}
        while url is not None:
            response = self.request("GET", url, params=params)
            yield response
            if response.status_code != 200:
                return
            match = _LINK_NEXT.search(response.headers.get("link", ""))
            url = match.group(1) if match else None
            params = None  # the next link carries its own query

    def _check_origin(self, url: str) -> None:
        # The token goes only to the API it was meant for, even if a Link header points elsewhere.
        want, got = urlsplit(self.api_url), urlsplit(url)
        if (want.scheme, want.netloc) != (got.scheme, got.netloc):
            raise InfrastructureError(
                f"refusing to send the GitHub token to {got.scheme}://{got.netloc} "
                f"(the API is {want.scheme}://{want.netloc})"
            )
