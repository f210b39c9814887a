"""The emulator answers in the shapes GitHub's own OpenAPI description documents.

The description (an extract kept in tests/fixtures/github-openapi/, see its README) is OpenAPI 3.0: schemas use
``nullable: true`` and ``$ref`` into ``#/components``. They are turned into JSON Schema (draft 2020-12) by
rewriting ``nullable`` into a ``null`` type, and every response the emulator gave during a busy session — success,
rate limits, read-only refusals, 401, 404, 422 — is validated against the schema of its operation and status.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from ragops.app.comment import CommentRequest, post_comment
from tests.conftest import FIXTURES
from tests.support.github_emulator import GitHubEmulator, secondary_limit_body, too_long_body
from tests.support.github_env import (
    BOT_TOKEN,
    MALLORY,
    ME,
    OTHER_TOKEN,
    OWNER,
    PR,
    REPO,
    RO_TOKEN,
    USER_TOKEN,
    Actions,
    fast_policy,
)

SPEC_FILE = FIXTURES / "github-openapi" / "api.github.com.issue-comments.yaml"
_DROP = {"example", "discriminator", "readOnly", "deprecated", "description", "title", "x-github-breaking-changes"}


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema → JSON Schema: ``nullable`` becomes a ``null`` alternative; examples are dropped."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k not in _DROP and k != "nullable"}
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))


def operation_for(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    for template, item in spec["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in item:
            return item[method.lower()]
    raise AssertionError(f"no operation in the extract for {method} {path}")


def response_schema(spec: dict[str, Any], method: str, path: str, status: int, body: Any) -> tuple[Any, dict]:
    """The JSON Schema of the answer (``None`` when the operation documents no body) and the response object."""
    responses = operation_for(spec, method, path)["responses"]
    if str(status) not in responses:
        # The description lists only some error statuses per operation (no 401/429 for comments, no 403 for a
        # PATCH); GitHub answers every error with its basic-error body, so that is what an unlisted error must be.
        assert status >= 400, f"{method} {path}: success status {status} is not documented ({sorted(responses)})"
        return {"$ref": "#/components/schemas/basic-error"}, {}
    response = responses[str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    content = response.get("content", {}).get("application/json")
    if content is None:
        return None, response
    schema = content["schema"]
    if "discriminator" in schema:  # GET /user: follow the mapping on user_view_type, as GitHub's clients do
        schema = {"$ref": schema["discriminator"]["mapping"][body["user_view_type"]]}
    return schema, response


def validate(spec: dict[str, Any], method: str, path: str, status: int, headers: dict[str, str], body: Any) -> None:
    schema, response = response_schema(spec, method, path, status, body)
    if schema is None:
        assert body is None, f"{method} {path} {status}: documented without a body, answered {body!r}"
        return
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **to_json_schema(schema),
        "components": {"schemas": to_json_schema(spec["components"]["schemas"])},
    }
    jsonschema.Draft202012Validator(root).validate(body)
    lowered = {k.lower() for k in headers}
    for name in response.get("headers", {}):
        if name.lower() == "link" and status == 200:
            continue  # documented, but GitHub (and the emulator) send it only when there is another page
        assert name.lower() in lowered, f"{method} {path} {status}: header {name} missing"


def test_every_emulator_answer_in_a_busy_session_matches_the_description(
    spec: dict[str, Any], emulator: GitHubEmulator, actions: Actions
) -> None:
    for i in range(130):
        emulator.seed_comment(OWNER, REPO, PR, f"remark {i}", MALLORY)
    emulator.fault(method="POST", status=403, body=secondary_limit_body())
    emulator.fault(method="POST", status=422, body=too_long_body())
    emulator.seed_comment(OWNER, REPO, PR, "<!-- ragops:metric-diff -->\nold\n", ME)
    emulator.seed_comment(OWNER, REPO, PR, "<!-- ragops:metric-diff -->\nduplicate\n", ME)
    env = dict(actions.env)
    for run, token in enumerate((USER_TOKEN, USER_TOKEN, BOT_TOKEN, BOT_TOKEN, RO_TOKEN)):
        env["GITHUB_TOKEN"] = token
        post_comment(CommentRequest(sections=[f"numbers, run {run}"], out=actions.out), env, policy=fast_policy())
    comments_url = f"{emulator.url}/repos/{OWNER}/{REPO}/issues/{PR}/comments"
    some_id = emulator.comments(OWNER, REPO, PR)[0]["id"]
    with httpx.Client() as http:
        http.get(f"{emulator.url}/user")  # 401
        http.get(f"{emulator.url}/user", headers={"Authorization": f"token {OTHER_TOKEN}"})
        http.post(comments_url, json={"body": "x" * 70_000}, headers={"Authorization": f"Bearer {OTHER_TOKEN}"})
        http.patch(
            f"{emulator.url}/repos/{OWNER}/{REPO}/issues/comments/1",
            json={"body": "x"},
            headers={"Authorization": f"Bearer {OTHER_TOKEN}"},
        )  # 404
        http.get(
            f"{emulator.url}/repos/{OWNER}/{REPO}/issues/comments/{some_id}",
            headers={"Authorization": f"Bearer {OTHER_TOKEN}"},
        )
        http.get(comments_url, params={"per_page": 50, "page": 2}, headers={"Authorization": f"Bearer {OTHER_TOKEN}"})

    statuses = {(r.method, r.status) for r in emulator.requests}
    assert {
        ("GET", 200),
        ("GET", 401),
        ("GET", 403),
        ("POST", 201),
        ("POST", 403),
        ("POST", 422),
        ("PATCH", 200),
        ("PATCH", 404),
        ("DELETE", 204),
    } <= statuses
    for record in emulator.requests:
        validate(spec, record.method, record.path, record.status, record.response_headers, record.response)
    listing = [r for r in emulator.requests if r.method == "GET" and r.path.endswith("/comments")]
    assert any('rel="next"' in r.response_headers.get("Link", "") for r in listing)
    for record in listing:
        ids = [c["id"] for c in record.response]
        assert ids == sorted(ids)  # ascending id, as GitHub documents


def test_the_converter_rejects_what_the_description_forbids(spec: dict[str, Any]) -> None:
    comment_schema = {
        "$ref": "#/components/schemas/issue-comment",
        "components": {"schemas": to_json_schema(spec["components"]["schemas"])},
    }
    validator = jsonschema.Draft202012Validator(comment_schema)
    assert list(validator.iter_errors({"id": 1}))  # required fields missing
    good = {
        "id": 1,
        "node_id": "x",
        "html_url": "https://x",
        "issue_url": "https://x",
        "user": None,
        "url": "https://x",
        "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2020-01-01T00:00:00Z",
    }
    assert not list(validator.iter_errors(good))  # user is nullable
    assert list(validator.iter_errors({**good, "author_association": "STRANGER"}))
