"""The service under hostile input, on a real uvicorn server on loopback: no input gives a 500 (nor a traceback),
request ids are the service's own, and a flood of feedback is refused by client before it reaches the disk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ragops.serve.access_settings import AccessSettings
from ragops.serve.app import Loaded, create_app
from ragops.serve.feedback import FEEDBACK
from ragops.serve.metrics import ServeMetrics
from ragops.serve.settings import ServeSettings
from tests.support.serving import Echo, in_process


def _loader(metrics: ServeMetrics) -> Loaded:
    return Loaded(Echo(), chunks=1, documents=1)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service")


@pytest.fixture(scope="module")
def base(folder: Path) -> Iterator[str]:
    access = AccessSettings(feedback_rate_limit=0.01, feedback_burst=3)
    settings = ServeSettings(
        config=folder / "app.yaml", index=folder / "index", feedback_dir=folder / "feedback", access=access
    )
    with in_process(create_app(settings, _loader, None)) as url:
        yield url


def _post(base: str, path: str, raw: bytes, **headers: str) -> httpx.Response:
    return httpx.post(f"{base}{path}", content=raw, headers={"content-type": "application/json", **headers})


@pytest.mark.parametrize("path", ["/v1/query", "/v1/chat", "/v1/feedback"])
def test_a_lone_surrogate_is_a_422_not_a_500(base: str, path: str) -> None:
    bodies = {
        "/v1/query": b'{"question": "why \\ud800?"}',
        "/v1/chat": b'{"question": "\\udfff"}',
        "/v1/feedback": b'{"request_id": "a", "rating": "up", "comment": "\\ud800"}',
    }
    reply = _post(base, path, bodies[path], **{"x-forwarded-for": "203.0.113.9"})
    assert reply.status_code == 422, reply.text
    assert "unicode" in reply.text and "Traceback" not in reply.text


_json = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
_fields = st.fixed_dictionaries(
    {},
    optional={
        "question": _json | st.text(),
        "request_id": _json | st.text(),
        "rating": st.sampled_from(["up", "down", "meh"]) | _json,
        "comment": _json | st.text(),
        "conversation_id": _json,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["/v1/query", "/v1/chat", "/v1/feedback"]),
    body=_fields | _json,
    raw=st.binary(max_size=64),
    use_raw=st.booleans(),
    client=st.integers(0, 65535),
)
def test_no_body_gives_a_server_error(base: str, path: str, body: Any, raw: bytes, use_raw: bool, client: int) -> None:
    # Python's json writes lone surrogates as \\udxxx escapes, so text() strategies reach the decoder with them too.
    content = raw if use_raw else json.dumps(body).encode()
    # Each example its own client, so the feedback rate limit does not stop the bodies before validation.
    reply = _post(base, path, content, **{"x-forwarded-for": f"10.9.{client >> 8}.{client & 255}"})
    assert reply.status_code < 500 or (reply.status_code == 503 and path == "/v1/chat"), (reply.status_code, reply.text)
    assert "Traceback" not in reply.text


def test_the_request_id_is_the_services_own_whatever_the_client_sends(base: str, folder: Path) -> None:
    first = httpx.post(f"{base}/v1/query", json={"question": "mine"}, headers={"x-request-id": "chosen-id"})
    second = httpx.post(f"{base}/v1/query", json={"question": "theirs"}, headers={"x-request-id": "chosen-id"})
    ids = {first.json()["request_id"], second.json()["request_id"]}
    assert "chosen-id" not in ids and len(ids) == 2
    assert {first.headers["x-request-id"], second.headers["x-request-id"]} == ids


def test_one_clients_feedback_flood_is_refused_and_others_are_served(base: str, folder: Path) -> None:
    answered = httpx.post(f"{base}/v1/query", json={"question": "rate me"}).json()["request_id"]
    flooder = {"x-forwarded-for": "198.51.100.7"}
    rating = {"request_id": answered, "rating": "down", "comment": "x" * 100}
    statuses = [httpx.post(f"{base}/v1/feedback", json=rating, headers=flooder).status_code for _ in range(20)]
    assert statuses[:3] == [200, 200, 200] and set(statuses[3:]) == {429}
    other = httpx.post(f"{base}/v1/feedback", json=rating, headers={"x-forwarded-for": "198.51.100.8"})
    assert other.status_code == 200
    assert (folder / "feedback" / FEEDBACK).read_bytes().count(b"\n") <= 4
