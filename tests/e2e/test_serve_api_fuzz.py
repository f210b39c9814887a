"""Property-based API testing of the live service: schemathesis generates requests from the OpenAPI it publishes.

Whatever the body, header or path parameter, the service answers with a 2xx or 4xx, never a 5xx. Examples are
bounded so the test runs in well under a minute; CI replays the same ones (tests/conftest.py's "ci" profile).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.e2e.serving import Served, served, tiny_app  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def api_schema(served: Served) -> schemathesis.schemas.BaseSchema:  # noqa: F811
    return schemathesis.openapi.from_url(f"{served.base_url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error(case: schemathesis.Case, served: Served) -> None:  # noqa: F811
    response = case.call(base_url=served.base_url, timeout=30)
    assert response.status_code < 500, f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"
