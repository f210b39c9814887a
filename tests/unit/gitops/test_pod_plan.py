"""Planning a local run of an overlay: the real staging overlay, rendered with a real kubectl."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ragops.errors import UsageError, ValidationFailed
from ragops.gitops.pod_plan import _expand, local_environment, plan_overlay_run
from tests.conftest import REPO_ROOT

OVERLAY = REPO_ROOT / "kustomize" / "overlays" / "staging" / "covid-qa"


def _release_env(overlay: Path) -> dict[str, str]:
    lines = overlay.joinpath("release.env").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_plan_maps_the_pod_into_a_local_folder(tmp_path: Path) -> None:
    root = tmp_path / "pod"
    plan = plan_overlay_run(OVERLAY, root, port=18080)
    volumes = root / "volumes"
    assert plan.deployment == "ragops-covid-qa"
    assert plan.volumes == {name: volumes / name for name in ("config", "data", "feedback", "tmp")}

    # The mounted ConfigMap is the overlay's own files, read-only as in a pod.
    for name in ("app.yaml", "release.json"):
        local = volumes / "config" / name
        assert local.read_text(encoding="utf-8") == (OVERLAY / name).read_text(encoding="utf-8")
        assert not local.stat().st_mode & 0o222

    (fetch,) = plan.init
    release = _release_env(OVERLAY)
    index = str(volumes / "data" / "index")
    assert fetch.name == "fetch-index"
    assert fetch.argv == [
        "ragops", "artifact", "fetch", release["INDEX_URI"], "--digest", release["INDEX_DIGEST"], "--into", index,
    ]  # fmt: skip
    assert fetch.env["INDEX_URI"] == release["INDEX_URI"]
    assert fetch.env["HOME"] == str(volumes / "tmp")

    # The server reads the index where the init container put it, and listens on loopback only.
    assert plan.main.argv == [
        "ragops", "serve",
        "--config", str(volumes / "config" / "app.yaml"),
        "--index", index,
        "--release", str(volumes / "config" / "release.json"),
        "--host", "127.0.0.1",
        "--port", "18080",
        "--feedback-dir", str(volumes / "feedback"),
    ]  # fmt: skip
    assert plan.main.env == {"HOME": str(volumes / "tmp"), "HF_HUB_OFFLINE": "1"}
    assert plan.readiness.url == "http://127.0.0.1:18080/readyz"
    assert plan.liveness is not None and plan.liveness.path == "/healthz"
    env = local_environment(plan.main)
    assert env["HF_HUB_OFFLINE"] == "1" and "PATH" in env


def test_a_used_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "left-over").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="not empty"):
        plan_overlay_run(OVERLAY, tmp_path, port=18080)


def test_a_folder_that_is_not_an_overlay_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no kustomization\.yaml"):
        plan_overlay_run(tmp_path, tmp_path / "pod", port=18080)


def test_the_kserve_variant_has_no_deployment_to_run(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="0 Deployments"):
        plan_overlay_run(OVERLAY.parents[1] / "staging-kserve" / "covid-qa", tmp_path / "pod", port=18080)


def _edited_overlay(tmp_path: Path, old: str, new: str) -> Path:
    tree = tmp_path / "kustomize"
    shutil.copytree(REPO_ROOT / "kustomize", tree)
    deployment = tree / "base" / "deployment.yaml"
    text = deployment.read_text(encoding="utf-8")
    assert old in text
    deployment.write_text(text.replace(old, new), encoding="utf-8")
    return tree / "overlays" / "staging" / "covid-qa"


def test_a_server_port_the_pod_does_not_expose_is_caught(tmp_path: Path) -> None:
    overlay = _edited_overlay(tmp_path, '- --port\n            - "8080"', '- --port\n            - "8081"')
    with pytest.raises(ValidationFailed, match="--port 8081, which is not a containerPort"):
        plan_overlay_run(overlay, tmp_path / "pod", port=18080)


def test_a_misspelled_configmap_key_is_caught(tmp_path: Path) -> None:
    overlay = _edited_overlay(tmp_path, "key: INDEX_DIGEST", "key: INDEX_DIGESTS")
    with pytest.raises(ValidationFailed, match="has no key INDEX_DIGESTS"):
        plan_overlay_run(overlay, tmp_path / "pod", port=18080)


def test_variables_expand_as_kubernetes_expands_them() -> None:
    env = {"A": "x"}
    assert _expand("$(A)/$(B)/$$(A)", env) == "x/$(B)/$(A)"
