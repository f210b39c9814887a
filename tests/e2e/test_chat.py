"""``POST /v1/chat`` end to end: real ``ragops serve`` replicas on loopback sharing one real redis-server.

The brief's point — session state outside the process survives scaling — proven literally: turn 1 goes to
replica A, turn 2 to replica B, and B answers from turn 1's context; a replica is killed mid-conversation and
restarted, and nothing is lost.
"""

# ruff: noqa: F811  (the session fixtures from tests.support.serving are imported by name)
from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ragops.serve.feedback import REQUESTS
from tests.support.redis_server import RedisServer, running_redis
from tests.support.serving import Served, TinyApp, served, start, tiny_app  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e

PASSWORD = "chat-e2e-password"
# On the tiny corpus: asked alone, "Where do they come from?" retrieves the delta article ("where ... forms");
# after a turn about gamma rays the rule carries "Gamma" into it, and the gamma article answers.
OPENING = "What are Gamma rays?"
FOLLOW_UP = "Where do they come from?"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis"), PASSWORD) as server:
        yield server


def _chat_options(redis_server: RedisServer, folder: Path) -> list[str]:
    password = folder / "redis-password"
    password.write_text(PASSWORD + "\n")
    return ["--redis-url", redis_server.url, "--redis-password-file", str(password)]


def _chat(server: Served, question: str, conversation: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"question": question}
    if conversation is not None:
        body["conversation_id"] = conversation
    return httpx.post(f"{server.base_url}/v1/chat", json=body, timeout=60)


def _stored_turns(redis_server: RedisServer, conversation: str) -> list[bytes]:
    turns: list[bytes] = redis_server.client().lrange(f"ragops:chat:tiny:{{{conversation}}}:turns", 0, -1)
    return turns


def test_without_redis_chat_is_501_and_query_is_unaffected(served: Served) -> None:
    refused = _chat(served, OPENING)
    assert refused.status_code == 501
    assert "--redis-url" in refused.json()["detail"]
    assert httpx.post(f"{served.base_url}/v1/query", json={"question": OPENING}).status_code == 200


def test_two_replicas_share_a_conversation_and_a_killed_replica_loses_nothing(
    tiny_app: TinyApp, redis_server: RedisServer, tmp_path: Path
) -> None:
    options = _chat_options(redis_server, tmp_path)
    a = start(tiny_app.config, tiny_app.index, tmp_path / "a.log", *options)
    b = start(tiny_app.config, tiny_app.index, tmp_path / "b.log", *options)
    try:
        first = _chat(a, OPENING)
        assert first.status_code == 200, first.text
        opened = first.json()
        conversation = opened["conversation_id"]
        assert opened["turn"] == 1 and opened["carried"] is False and len(conversation) == 32
        assert opened["sources"][0]["doc_id"] == "gamma"

        # Turn 2 on the other replica, which never saw turn 1: it reads it from Redis.
        second = _chat(b, FOLLOW_UP, conversation).json()
        assert second["turn"] == 2 and second["carried"] is True
        assert "Gamma" in second["standalone_question"]
        assert second["sources"][0]["doc_id"] == "gamma" and second["sources"][0]["cited"]
        assert "Gamma rays" in second["answer"]
        alone = httpx.post(f"{b.base_url}/v1/query", json={"question": FOLLOW_UP}).json()
        assert alone["sources"][0]["doc_id"] != "gamma", "the follow-up must need the history to be answered"

        # Replica A dies mid-conversation; B goes on, and A restarted on its port picks the conversation up.
        port = int(a.base_url.rsplit(":", 1)[1])
        a.process.send_signal(signal.SIGKILL)
        a.process.wait(timeout=30)
        third = _chat(b, "What are they produced by?", conversation).json()
        assert third["turn"] == 3 and third["sources"][0]["doc_id"] == "gamma"
        a = start(tiny_app.config, tiny_app.index, tmp_path / "a.log", *options, port=port)
        fourth = _chat(a, FOLLOW_UP, conversation).json()
        assert fourth["turn"] == 4 and fourth["sources"][0]["doc_id"] == "gamma"
        assert len(_stored_turns(redis_server, conversation)) == 4

        # Two turns of the conversation at once, one on each replica: both are kept.
        results: dict[str, httpx.Response] = {}
        threads = [
            threading.Thread(target=lambda s=s, n=n: results.update({n: _chat(s, FOLLOW_UP, conversation)}))
            for n, s in (("a", a), ("b", b))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(r.json()["turn"] for r in results.values()) == [5, 6]
        assert len(_stored_turns(redis_server, conversation)) == 6
    finally:
        a.stop()
        b.stop()


def test_redis_down_is_503_for_chat_while_query_and_readiness_carry_on(tiny_app: TinyApp, tmp_path: Path) -> None:
    with running_redis(tmp_path / "redis", PASSWORD) as own_redis:
        options = [*_chat_options(own_redis, tmp_path), "--feedback-dir", str(tmp_path / "feedback")]
        server = start(tiny_app.config, tiny_app.index, tmp_path / "serve.log", *options)
        try:
            opened = _chat(server, OPENING)
            assert opened.status_code == 200
            # A turn is kept for feedback and rated like a /v1/query answer.
            rated = {"request_id": opened.json()["request_id"], "rating": "down"}
            assert httpx.post(f"{server.base_url}/v1/feedback", json=rated).status_code == 200
            record = json.loads((tmp_path / "feedback" / REQUESTS).read_text().splitlines()[0])
            assert record["request_id"] == rated["request_id"] and record["sources"][0]["doc_id"] == "gamma"
            own_redis.stop()
            down = _chat(server, OPENING)
            assert down.status_code == 503
            assert "conversation store is unreachable" in down.json()["detail"]
            assert httpx.get(f"{server.base_url}/readyz").status_code == 200
            assert httpx.post(f"{server.base_url}/v1/query", json={"question": OPENING}).status_code == 200
            own_redis.start()  # back on the same port: the next turn reconnects
            assert _chat(server, OPENING).status_code == 200
            unknown = _chat(server, FOLLOW_UP, "x" * 32)
            assert unknown.status_code == 404 and "expired or never existed" in unknown.json()["detail"]
            assert _chat(server, FOLLOW_UP, "not-an-id").status_code == 422
            metrics = httpx.get(f"{server.base_url}/metrics").text
            assert 'ragops_requests_total{handler="/v1/chat",release="unreleased",status="503"} 1.0' in metrics
            assert 'ragops_stage_duration_seconds_count{release="unreleased",stage="session"}' in metrics
            # Answered: two chat turns and one query (the 503 turn failed to store its turn, so it is no answer).
            assert 'ragops_answers_total{release="unreleased"} 3.0' in metrics
            assert 'ragops_answer_support_count{release="unreleased"}' in metrics
            assert 'ragops_feedback_total{rating="down",release="unreleased"} 1.0' in metrics
        finally:
            server.stop()


def test_a_missing_password_file_is_refused_before_serving(tiny_app: TinyApp, tmp_path: Path) -> None:
    import subprocess

    from tests.support.serving import serve_command

    command = serve_command(
        tiny_app.config, tiny_app.index, "--redis-url", "redis://127.0.0.1:1/0", "--redis-password-file", "/nope"
    )
    completed = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert completed.returncode == 2 and "cannot read the Redis password file /nope" in completed.stderr
    assert "Traceback" not in completed.stderr
