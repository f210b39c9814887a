"""The KFP API emulator speaks KFP's published v2beta1 API: the real ``kfp.Client`` drives it, and every request
and response is validated against the API description kept in ``tests/fixtures/kfp-api/``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragops.errors import InfrastructureError
from ragops.pipelines.cluster import submit
from tests.support.kfp_api_contract import check, operation
from tests.support.kfp_emulator import Exchange, KfpEmulator


def test_the_description_fixtures_are_kfps_v2beta1_swagger() -> None:
    _, healthz = operation("GET", "/apis/v2beta1/healthz")
    assert healthz["operationId"] == "HealthzService_GetHealthz"
    assert operation("POST", "/apis/v2beta1/runs")[1]["operationId"] == "RunService_CreateRun"
    assert operation("GET", "/apis/v2beta1/runs/abc-1")[1]["operationId"] == "RunService_GetRun"
    assert operation("GET", "/apis/v2beta1/experiments")[1]["operationId"] == "ExperimentService_ListExperiments"
    with pytest.raises(AssertionError, match="not in KFP"):
        operation("GET", "/apis/v1beta1/runs")


def test_the_closed_schemas_catch_a_field_kfp_does_not_have() -> None:
    bad = Exchange("GET", "/apis/v2beta1/healthz", 200, None, {"multi_user": False, "healthy": True})
    with pytest.raises(AssertionError, match="healthy"):
        check(bad)


def test_a_rejected_run_through_the_real_client_is_an_infrastructure_error_with_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # the SDK writes its context file under ~/.config/kfp
    monkeypatch.setenv("KF_PIPELINES_TOKEN", "secret-token")
    reason = "admission webhook denied the run: namespace quota exceeded"
    with KfpEmulator(tmp_path / "cluster", token="secret-token", reject_runs=reason) as emulator:
        with pytest.raises(InfrastructureError, match=f"refused the run: 400 .*{reason}"):
            submit({"shards": [0]}, app="a", host=emulator.url, namespace=None, experiment="e", timeout_s=5)
        # The experiment was looked up, created, then the run refused — every exchange as KFP describes it.
        calls = [(e.method, e.path, e.status) for e in emulator.exchanges]
        assert ("GET", "/apis/v2beta1/experiments", 200) in calls
        assert ("POST", "/apis/v2beta1/experiments", 200) in calls
        assert ("POST", "/apis/v2beta1/runs", 400) in calls
        for exchange in emulator.exchanges:
            check(exchange)
        created = next(e for e in emulator.exchanges if e.path.endswith("/runs")).request
        assert created["pipeline_spec"]["pipeline_spec"]["pipelineInfo"]["name"] == "ragops-eval"
        assert created["runtime_config"]["parameters"] == {"shards": [0]}
        assert json.dumps(created["pipeline_spec"]["platform_spec"]).count("object_store_secret") >= 3


def test_a_wrong_token_is_an_infrastructure_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KF_PIPELINES_TOKEN", "wrong")
    with KfpEmulator(tmp_path / "cluster", token="right") as emulator:
        with pytest.raises(InfrastructureError, match=r"refused the credentials \(401\): set KF_PIPELINES_TOKEN"):
            submit({}, app="a", host=emulator.url, namespace=None, experiment="e", timeout_s=5)
        for exchange in emulator.exchanges:
            check(exchange)
