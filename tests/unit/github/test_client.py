"""The REST client's waiting rules, measured through its injected sleep (what it asked for, what it slept)."""

from __future__ import annotations

import time

import pytest

from ragops.errors import InfrastructureError
from ragops.github.client import AmbiguousWrite, GitHubClient, RetryPolicy, Secret
from tests.support.github_emulator import GitHubEmulator, primary_limit_body, secondary_limit_body
from tests.support.github_env import USER_TOKEN


def client(emulator: GitHubEmulator, **policy: float) -> tuple[GitHubClient, list[float]]:
    slept: list[float] = []
    settings = {"attempts": 5, "backoff_s": 1.0, "secondary_wait_s": 60.0, "max_wait_s": 0.0, "timeout_s": 2.0}
    settings.update(policy)
    retry = RetryPolicy(**settings)  # type: ignore[arg-type]
    return GitHubClient(emulator.url, Secret(USER_TOKEN), policy=retry, sleep=slept.append), slept


def test_retry_after_is_honoured(emulator: GitHubEmulator) -> None:
    emulator.fault(path="/user", status=429, headers={"Retry-After": "7"}, body=primary_limit_body(429))
    gh, _ = client(emulator, max_wait_s=100)
    gh.sleep = lambda s: None
    assert gh.request("GET", "/user").status_code == 200
    assert [(w.reason, w.requested_s, w.slept_s) for w in gh.waits] == [("retry-after", 7.0, 7.0)]


def test_an_exhausted_rate_limit_waits_until_its_reset(emulator: GitHubEmulator) -> None:
    reset = int(time.time()) + 120
    emulator.fault(
        path="/user",
        status=403,
        body=primary_limit_body(),
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
    )
    gh, slept = client(emulator, max_wait_s=30)
    assert gh.request("GET", "/user").status_code == 200
    [wait] = gh.waits
    assert wait.reason == "x-ratelimit-reset" and 110 <= wait.requested_s <= 122
    assert slept == [30]  # capped


def test_a_secondary_limit_waits_at_least_a_minute_and_backs_off(emulator: GitHubEmulator) -> None:
    emulator.fault(path="/user", status=403, times=3, body=secondary_limit_body())
    gh, slept = client(emulator, max_wait_s=0.0)
    assert gh.request("GET", "/user").status_code == 200
    assert [w.requested_s for w in gh.waits] == [60.0, 120.0, 240.0]
    assert all(w.reason == "secondary rate limit" for w in gh.waits) and slept == []


def test_a_403_that_is_no_rate_limit_is_returned_not_retried(emulator: GitHubEmulator) -> None:
    emulator.fault(method="POST", status=403, body={"message": "Resource not accessible by integration"})
    gh, _ = client(emulator)
    assert gh.request("POST", "/repos/o/r/issues/1/comments", json={"body": "x"}).status_code == 403
    assert gh.waits == [] and len(emulator.requests) == 1


def test_server_errors_on_reads_are_retried_with_exponential_backoff(emulator: GitHubEmulator) -> None:
    emulator.fault(path="/user", status=502, times=3)
    gh, _ = client(emulator)
    assert gh.request("GET", "/user").status_code == 200
    assert [w.requested_s for w in gh.waits] == [1.0, 2.0, 4.0]


def test_a_server_error_on_a_write_is_ambiguous(emulator: GitHubEmulator) -> None:
    emulator.fault(method="POST", status=500)
    gh, _ = client(emulator)
    with pytest.raises(AmbiguousWrite):
        gh.request("POST", "/repos/o/r/issues/1/comments", json={"body": "x"})
    assert len(emulator.requests) == 1


def test_the_token_is_never_sent_to_another_host(emulator: GitHubEmulator) -> None:
    gh, _ = client(emulator)
    with pytest.raises(InfrastructureError, match="refusing to send the GitHub token"):
        gh.request("GET", "http://example.invalid/repos/o/r/issues/1/comments")


def test_the_secret_does_not_show_in_reprs() -> None:
    secret = Secret(USER_TOKEN)
    assert USER_TOKEN not in repr(secret) and USER_TOKEN not in str(secret) and USER_TOKEN not in f"{secret}"
    assert secret.redact(f"bad header Bearer {USER_TOKEN}") == "bad header Bearer ***"


def test_max_wait_comes_from_the_environment() -> None:
    assert RetryPolicy.from_env({"RAGOPS_GITHUB_MAX_WAIT_S": "0.5"}).max_wait_s == 0.5
    assert RetryPolicy.from_env({}).max_wait_s == RetryPolicy().max_wait_s
