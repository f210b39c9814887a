"""Checks requests and responses against KFP's published v2beta1 API description (``tests/fixtures/kfp-api/``).

The Swagger 2.0 definitions are JSON Schema (draft 4) with every object closed (``additionalProperties: false``
where the description lists properties and says nothing else), so a field the real API does not have is an error,
not silently accepted.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Any

import jsonschema

from tests.conftest import FIXTURES
from tests.support.kfp_emulator import Exchange

DESCRIPTIONS = ("healthz", "experiment", "run")


@cache
def _documents() -> list[dict[str, Any]]:
    return [
        json.loads((FIXTURES / "kfp-api" / f"{name}.swagger.json").read_text(encoding="utf-8")) for name in DESCRIPTIONS
    ]


def _closed(definitions: dict[str, Any]) -> dict[str, Any]:
    closed = copy.deepcopy(definitions)
    for schema in closed.values():
        if schema.get("type") == "object" and "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
    return closed


def operation(method: str, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(description document, operation) for a request, by matching the path templates."""
    for document in _documents():
        for template, operations in document["paths"].items():
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/:]+", re.escape(template)) + "$"
            if re.match(pattern, path) and method.lower() in operations:
                return document, operations[method.lower()]
    raise AssertionError(f"{method} {path} is not in KFP's v2beta1 API description")


def _validate(document: dict[str, Any], schema: dict[str, Any], instance: Any, what: str) -> None:
    full = {**schema, "definitions": _closed(document["definitions"])}
    errors = sorted(jsonschema.Draft4Validator(full).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{what}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def check(exchange: Exchange) -> None:
    """The request body (if any) and the response body match the operation's schemas."""
    document, op = operation(exchange.method, exchange.path)
    what = f"{exchange.method} {exchange.path} → {exchange.status}"
    body = next((p for p in op.get("parameters", []) if p.get("in") == "body"), None)
    if body is not None and exchange.request is not None:
        _validate(document, body["schema"], exchange.request, f"request of {what}")
    responses = op["responses"]
    response = responses.get(str(exchange.status), responses.get("default"))
    assert response is not None, f"{what}: status not in the description"
    if exchange.status >= 400:
        assert str(exchange.status) not in responses or exchange.status < 400
        response = responses["default"]
    _validate(document, response["schema"], exchange.response, f"response of {what}")
