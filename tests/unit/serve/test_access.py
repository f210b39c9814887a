"""Bearer tokens and the rate limit on a real uvicorn server on loopback: /v1/* guarded, operations open."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
import uvicorn

from ragops.app.serve import uvicorn_options
from ragops.rag.engine import Answer
from ragops.serve.access_settings import AccessSettings
from ragops.serve.app import Loaded, create_app
from ragops.serve.metrics import ServeMetrics
from ragops.serve.settings import ServeSettings
from tests.conftest import free_loopback_port


class _Echo:
    def answer_many(self, questions: Sequence[str]) -> list[Answer]:
        return [Answer(q, q, [], [], {"retrieve": 0.0, "generate": 0.0}) for q in questions]


def _loader(metrics: ServeMetrics) -> Loaded:
    return Loaded(_Echo(), chunks=1, documents=1)


@pytest.fixture
def serve_with(tmp_path: Path) -> Iterator[object]:
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def run(access: AccessSettings) -> str:
        port = free_loopback_port()
        settings = ServeSettings(config=tmp_path / "app.yaml", index=tmp_path / "index", port=port, access=access)
        app = create_app(settings, loader=_loader, on_failure=None)
        server = uvicorn.Server(uvicorn.Config(app, **uvicorn_options(settings)))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    return base
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server not ready"
            time.sleep(0.05)

    yield run
    for server, thread in servers:
        server.should_exit = True
        thread.join(30)


def _ask(base: str, token: str | None = None, **headers: str) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{base}/v1/query", json={"question": "hi"}, headers=headers)


def test_v1_needs_one_of_the_tokens_and_operations_stay_open(serve_with, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tokens = tmp_path / "tokens"
    tokens.write_text("current-token\nprevious-token\n")
    base = serve_with(AccessSettings(tokens_file=tokens))
    missing = _ask(base)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == 'Bearer realm="ragops"'
    wrong = _ask(base, "guess")
    assert wrong.status_code == 401 and 'error="invalid_token"' in wrong.headers["www-authenticate"]
    assert _ask(base, "current-token").status_code == 200
    assert _ask(base, "previous-token").status_code == 200
    assert _ask(base, Authorization="Basic current-token").status_code == 401
    assert httpx.post(f"{base}/v1/feedback", json={"request_id": "x", "rating": "up"}).status_code == 401
    assert httpx.post(f"{base}/v1/chat", json={"question": "hi"}).status_code == 401
    for open_path in ("/healthz", "/readyz", "/metrics"):
        assert httpx.get(f"{base}{open_path}").status_code == 200, open_path
    text = httpx.get(f"{base}/metrics").text
    assert 'ragops_requests_total{handler="/v1/query",release="unreleased",status="401"} 3.0' in text


def test_each_client_is_limited_with_429_and_retry_after(serve_with, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tokens = tmp_path / "tokens"
    tokens.write_text("alice-token\nbob-token\n")
    # One request per 20 s refills nothing measurable while the test runs, however slow the machine.
    base = serve_with(AccessSettings(tokens_file=tokens, rate_limit=0.05, rate_burst=3))
    statuses = [_ask(base, "alice-token").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = _ask(base, "alice-token")
    wait = int(limited.headers["retry-after"])
    assert limited.status_code == 429 and 1 <= wait <= 20
    assert f"retry in {wait} s" in limited.json()["detail"]
    assert _ask(base, "bob-token").status_code == 200  # another token, another bucket
    assert httpx.get(f"{base}/healthz").status_code == 200  # never limited


def test_without_tokens_clients_are_told_apart_by_address(serve_with) -> None:  # type: ignore[no-untyped-def]
    # The default trusts a proxy on loopback (a sidecar) to name the client; the test client is on loopback.
    trusting = serve_with(AccessSettings(rate_limit=0.1, rate_burst=1))
    assert _ask(trusting, **{"X-Forwarded-For": "203.0.113.7"}).status_code == 200
    assert _ask(trusting, **{"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    assert _ask(trusting, **{"X-Forwarded-For": "198.51.100.2"}).status_code == 200
    untrusting = serve_with(AccessSettings(rate_limit=0.1, rate_burst=1, forwarded_allow_ips="192.0.2.1"))
    assert _ask(untrusting, **{"X-Forwarded-For": "203.0.113.8"}).status_code == 200
    # From a peer that is not a trusted proxy, a forged header buys no new bucket: the peer address counts.
    assert _ask(untrusting, **{"X-Forwarded-For": "198.51.100.3"}).status_code == 429
