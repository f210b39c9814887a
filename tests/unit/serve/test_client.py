"""The service client against real HTTP servers on loopback: retries, timeouts, malformed replies, the release."""

from __future__ import annotations

import pytest

from ragops.errors import InfrastructureError
from ragops.serve.client import ClientSettings, ask_all, state_from_metrics, wait_until_ready
from ragops.serve.metrics import ServeMetrics
from ragops.serve.models import ReleaseIndex, ReleaseManifest
from tests.conftest import free_loopback_port
from tests.support.scripted_service import DIGEST, RELEASE, SLOW_S, scripted_service

FAST = ClientSettings(concurrency=4, timeout_s=SLOW_S / 4, retries=2, backoff_s=0.01, ready_wait_s=1.0)


def test_every_kind_of_reply_becomes_an_answer_or_a_listed_failure() -> None:
    questions = ["ok 1", "flaky 1", "garbage 1", "wrong 1", "error 1", "slow 1", "ok 2"]
    with scripted_service() as (url, attempts):
        done: list[tuple[int, int]] = []
        outcomes = ask_all(url, questions, FAST, lambda d, t: done.append((d, t)))
    by_question = dict(zip(questions, outcomes, strict=True))
    for answered in ("ok 1", "ok 2", "flaky 1"):
        response = by_question[answered].response
        assert response is not None and response.answer == f"answer to {answered}"
        assert by_question[answered].failure is None
    assert by_question["flaky 1"].attempts == 2 and attempts["flaky 1"] == 2  # the 503 was retried
    assert by_question["garbage 1"].failure is not None and "malformed response" in by_question["garbage 1"].failure
    assert "answer" in (by_question["wrong 1"].failure or "")
    assert (by_question["error 1"].failure or "").startswith("HTTP 500")
    assert attempts["error 1"] == 1  # a 500 is not retried: the service answered
    assert "timed out" in (by_question["slow 1"].failure or "")
    assert all(asked.seconds > 0 for asked in outcomes)
    assert done[-1] == (len(questions), len(questions)) and len(done) == len(questions)


def test_an_unreachable_endpoint_is_an_infrastructure_error_naming_it() -> None:
    url = f"http://127.0.0.1:{free_loopback_port()}"
    with pytest.raises(InfrastructureError, match=f"the service at {url} is unreachable"):
        wait_until_ready(url, FAST)


def test_connection_errors_of_questions_are_retried_then_listed() -> None:
    url = f"http://127.0.0.1:{free_loopback_port()}"
    [asked] = ask_all(url, ["ok"], FAST)
    assert asked.response is None and asked.attempts == FAST.retries + 1
    assert asked.failure is not None and "ConnectError" in asked.failure


def test_the_release_comes_from_what_the_service_exports() -> None:
    release = ReleaseManifest(
        app="tiny", environment="staging", release_id="r-7", index=ReleaseIndex(digest="sha256:" + "cd" * 32)
    )
    metrics = ServeMetrics(release)
    metrics.index_chunks.set(12)
    metrics.index_documents.set(3)
    state = state_from_metrics(metrics.render().decode())
    assert state.release is not None
    assert (state.release.release_id, state.release.index_digest) == ("r-7", "sha256:" + "cd" * 32)
    assert state.release.environment == "staging"
    assert (state.chunks, state.documents) == (12, 3)
    assert state_from_metrics(ServeMetrics().render().decode()).release is None  # no release manifest


def test_the_scripted_service_names_its_release() -> None:
    state = state_from_metrics(
        f'ragops_release_info{{app="a",environment="e",release="{RELEASE}",index_digest="{DIGEST}"}} 1.0\n'
    )
    assert state.release is not None and state.release.release_id == RELEASE


def test_a_metrics_page_that_is_not_prometheus_is_an_infrastructure_error() -> None:
    with pytest.raises(InfrastructureError, match="not a Prometheus exposition"):
        state_from_metrics("{{{ not metrics")
