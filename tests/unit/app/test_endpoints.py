"""Where an app's endpoints are reached, and which apps CI cannot evaluate (``ragops validate --ci``)."""

from __future__ import annotations

from typing import Any

import pytest

from ragops.app.endpoints import ci_findings, endpoints, local_models, reachability
from ragops.config.models import AppConfig

PACKAGED = "SmolLM2-135M-Instruct"


def _config(llm: dict[str, Any] | None = None, **spec: Any) -> AppConfig:
    body: dict[str, Any] = {"data": {"corpus": "docs", "testsets": ["t.jsonl"]}, **spec}
    if llm is not None:
        body["llm"] = {"provider": "openai", **llm}
    return AppConfig.model_validate(
        {"apiVersion": "ragops.dev/v1", "kind": "RAGApp", "metadata": {"name": "a"}, "spec": body}
    )


def _llm(config: AppConfig) -> Any:
    return next(e for e in endpoints(config) if e.role == "llm")


def test_an_extractive_app_calls_no_endpoint() -> None:
    assert endpoints(_config()) == [] and ci_findings(_config(), {}) == []


def test_the_packaged_model_on_loopback_is_served_locally_when_a_variable_can_point_at_it() -> None:
    llm = {"model": PACKAGED, "base_url": "http://127.0.0.1:8080/v1", "base_url_env": "RAGOPS_LLM_BASE_URL"}
    config = _config(llm)
    assert reachability(_llm(config), {}).reach == "local"
    assert local_models(config, {}) == [(PACKAGED, "RAGOPS_LLM_BASE_URL")]
    assert ci_findings(config, {}) == []
    # A repository variable pointing at the team's own endpoint wins: nothing is started.
    environ = {"RAGOPS_LLM_BASE_URL": "https://llm.example.com/v1", "OPENAI_API_KEY": "k"}
    assert reachability(_llm(config), environ).reach == "override"
    assert local_models(config, environ) == []


def test_the_packaged_model_without_a_variable_is_an_error_naming_the_key_to_add() -> None:
    config = _config({"model": PACKAGED, "base_url": "http://127.0.0.1:8080/v1"})
    (finding,) = ci_findings(config, {})
    assert finding.code == "ci-unreachable" and finding.path == ("spec", "llm", "base_url")
    assert finding.fix == "add `base_url_env: RAGOPS_LLM_BASE_URL` to spec.llm"


def test_another_model_on_loopback_cannot_be_evaluated_in_ci_unless_a_variable_points_elsewhere() -> None:
    llm = {"model": "llama3:8b", "base_url": "http://localhost:11434/v1", "base_url_env": "TEAM_LLM_URL"}
    config = _config(llm)
    (finding,) = ci_findings(config, {})
    assert "nothing serves http://localhost:11434/v1 in CI" in finding.message
    assert "repository variable TEAM_LLM_URL" in finding.fix and "vars.TEAM_LLM_URL" in finding.fix
    assert ci_findings(config, {"TEAM_LLM_URL": "http://10.0.0.5:11434/v1", "OPENAI_API_KEY": "k"}) == []


@pytest.mark.parametrize("key_env", [None, "TEAM_KEY"])
def test_a_remote_endpoint_needs_its_key_variable(key_env: str | None) -> None:
    config = _config({"model": "gpt-4o-mini", "api_key_env": key_env} if key_env else {"model": "gpt-4o-mini"})
    variable = key_env or "OPENAI_API_KEY"
    (finding,) = ci_findings(config, {})
    assert f"read from {variable}, which is not set here" in finding.message
    assert f"secrets.{variable}" in finding.fix and "forks get no secrets" in finding.fix
    assert ci_findings(config, {variable: "sk-test"}) == []


def test_the_judge_and_an_embedding_service_are_checked_too() -> None:
    judge = {"model": "judge-1", "prompt_version": "v1", "base_url": "http://127.0.0.1:9/v1"}
    embedding = {"provider": "openai", "model": "text-embedding-3-small"}
    config = _config(evaluation={"judge": judge}, embedding=embedding)
    roles = [f.path[:-1] for f in ci_findings(config, {})]
    assert roles == [("spec", "evaluation", "judge"), ("spec", "embedding")]
