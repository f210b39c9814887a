"""Property-based API testing of the live service: schemathesis generates requests from the OpenAPI it publishes.

Valid and deliberately invalid requests (schemathesis' positive and negative modes): whatever the body, the
service answers with a 2xx or 4xx, never a 5xx. Examples are bounded so the test runs in about a minute; CI
replays the same ones (tests/conftest.py's "ci" profile). The service runs with its conversation store (a real
redis-server), so ``/v1/chat`` is exercised too rather than answering 501.
"""

# ruff: noqa: F811  (the session fixtures from tests.support.serving are imported by name)
from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode

from tests.support.redis_server import running_redis
from tests.support.serving import Served, TinyApp, start, tiny_app  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def served(tiny_app: TinyApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("fuzz")
    with running_redis(folder / "redis") as redis:
        server = start(
            tiny_app.config,
            tiny_app.index,
            folder / "serve.log",
            "--redis-url",
            redis.url,
            "--feedback-dir",
            str(folder),
        )
        try:
            yield server
        finally:
            server.stop()


# Built by hand rather than with schemathesis' pytest plugin, whose lazy fixtures do not run under pytest 9.
def test_no_generated_request_gets_a_server_error(served: Served) -> None:
    schema = schemathesis.openapi.from_url(f"{served.base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "POST /v1/query",
        "POST /v1/chat",
        "POST /v1/feedback",
    }
    with httpx.Client(base_url=served.base_url, timeout=30) as client:
        for operation, mode in itertools.product(operations, GenerationMode):
            if mode is GenerationMode.NEGATIVE and operation.method.upper() != "POST":
                continue  # nothing to get wrong in a GET without parameters

            @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            @given(case=operation.as_strategy(mode))
            def check(case: schemathesis.Case) -> None:
                response = case.call(base_url=served.base_url, timeout=30)
                assert response.status_code < 500, (
                    f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"
                )

            check()
            # After every operation's examples, the service still answers a real question.
            assert client.post("/v1/query", json={"question": "What is beta?"}).status_code == 200
