"""The canary components: Argo Rollouts (a Rollout over the base Deployment, an AnalysisTemplate running `ragops
canary analyze`), validated against the Argo Rollouts CRDs; and KServe's canaryTrafficPercent as the alternative."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from ragops.cli.main import build_parser
from tests.support.manifests import (
    IMAGE,
    KUSTOMIZE,
    Manifest,
    find,
    has_crd_schema,
    overlay_id,
    overlays,
    render,
    validate,
)

CANARY_OVERLAYS = [p for p in overlays() if find(render(p), "Rollout")]
PLACEHOLDER = re.compile(r"\{\{args\.([a-z-]+)\}\}")


def _ids(paths: list[Path]) -> list[str]:
    return [overlay_id(p) for p in paths]


def _job_pod(template: Manifest) -> dict[str, Any]:
    (metric,) = template["spec"]["metrics"]
    pod: dict[str, Any] = metric["provider"]["job"]["spec"]["template"]["spec"]
    return pod


def test_production_rolls_out_gradually() -> None:
    production = sorted(p for p in (KUSTOMIZE / "overlays" / "production").iterdir() if p.is_dir())
    assert production and sorted(_ids(CANARY_OVERLAYS)) == _ids(production)


@pytest.mark.parametrize("overlay", CANARY_OVERLAYS, ids=_ids(CANARY_OVERLAYS))
def test_the_rollout_runs_the_deployments_pods_in_analysed_steps(overlay: Path) -> None:
    objects = render(overlay)
    (rollout,) = find(objects, "Rollout")
    (deployment,) = find(objects, "Deployment")
    (template,) = find(objects, "AnalysisTemplate")
    for obj in (rollout, template):
        assert has_crd_schema(obj)
        validate(obj)
    assert rollout["spec"]["workloadRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert deployment["spec"]["replicas"] == 0
    # The Rollout selects its own app's pods: the Deployment's selector, instance label included.
    assert rollout["spec"]["selector"] == deployment["spec"]["selector"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert rollout["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    steps = rollout["spec"]["strategy"]["canary"]["steps"]
    weights = [s["setWeight"] for s in steps if "setWeight" in s]
    assert weights == sorted(weights) and weights[0] <= 25 and weights[-1] < 100
    kinds = [next(iter(s)) for s in steps]
    # Every weight is held for a pause and then analysed before the next.
    assert kinds == ["setWeight", "pause", "analysis"] * len(weights)
    instance = rollout["metadata"]["labels"]["app.kubernetes.io/instance"]
    for step in (s["analysis"] for s in steps if "analysis" in s):
        assert step["templates"] == [{"templateName": template["metadata"]["name"]}]
        (job_arg,) = step["args"]
        assert job_arg["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.labels['app.kubernetes.io/instance']"
        assert instance == overlay.name


@pytest.mark.parametrize("overlay", CANARY_OVERLAYS, ids=_ids(CANARY_OVERLAYS))
def test_the_analysis_job_runs_ragops_canary_analyze_on_the_release_being_rolled_out(overlay: Path) -> None:
    objects = render(overlay)
    (template,) = find(objects, "AnalysisTemplate")
    (deployment,) = find(objects, "Deployment")
    pod = _job_pod(template)
    (container,) = pod["containers"]
    assert re.fullmatch(rf"{re.escape(IMAGE)}@sha256:[0-9a-f]{{64}}", container["image"])
    assert container["command"] == ["ragops"]
    # Every {{args.x}} the job uses is declared, and the command line parses with the real CLI.
    declared = {arg["name"]: arg.get("value") for arg in template["spec"]["args"]}
    used = {m for a in container["args"] for m in PLACEHOLDER.findall(a)}
    assert used <= set(declared), used - set(declared)
    example = {"job": overlay.name, **{k: v for k, v in declared.items() if v is not None}}
    argv = [PLACEHOLDER.sub(lambda m: str(example[m.group(1)]), a) for a in container["args"]]
    argv = [a.replace("$(POD_NAMESPACE)", "ragops-production") for a in argv]
    parsed = build_parser().parse_args(argv)
    assert (parsed.command, parsed.action) == ("canary", "analyze")
    assert parsed.canary_manifest == Path("/etc/ragops/release.json") and parsed.config == Path("/etc/ragops/app.yaml")
    assert parsed.stable == "auto" and parsed.job == overlay.name and parsed.format == "json"
    # release.json and app.yaml are the release being rolled out: the same ConfigMap as the pods mount.
    volume = {v["name"]: v for v in pod["volumes"]}["config"]
    (served,) = [v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "config"]
    assert volume["configMap"]["name"] == served["configMap"]["name"]
    assert pod["serviceAccountName"] == deployment["spec"]["template"]["spec"]["serviceAccountName"]
    # The restricted Pod Security Standard, as for the service.
    assert pod["automountServiceAccountToken"] is False and pod["securityContext"]["runAsNonRoot"] is True
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True and context["capabilities"] == {"drop": ["ALL"]}
    assert pod["restartPolicy"] == "Never" and template["spec"]["metrics"][0]["failureLimit"] == 0


def test_the_argo_rollouts_schema_refuses_a_broken_rollout() -> None:
    (rollout,) = find(render(CANARY_OVERLAYS[0]), "Rollout")
    rollout["spec"]["strategy"]["canary"]["steps"][0]["setWieght"] = 20
    with pytest.raises(AssertionError, match="setWieght"):
        validate(rollout)
    (template,) = find(render(CANARY_OVERLAYS[0]), "AnalysisTemplate")
    template["spec"]["metrics"][0]["provider"]["job"]["spec"]["template"]["spec"]["containers"][0]["args"] = "x"
    with pytest.raises(AssertionError, match="AnalysisTemplate"):
        validate(template)


def test_kserve_canary_splits_traffic_in_serverless_mode(tmp_path: Path) -> None:
    tree = tmp_path / "kustomize"
    shutil.copytree(KUSTOMIZE, tree)
    overlay = tree / "overlays" / "staging-kserve" / "covid-qa"
    kustomization = overlay / "kustomization.yaml"
    text = kustomization.read_text(encoding="utf-8")
    assert "  - ../../../components/kserve\n" in text
    kustomization.write_text(
        text.replace(
            "  - ../../../components/kserve\n",
            "  - ../../../components/kserve\n  - ../../../components/kserve-canary\n",
        ),
        encoding="utf-8",
    )
    objects = render(overlay, cached=False)
    (isvc,) = find(objects, "InferenceService")
    validate(isvc)
    assert isvc["spec"]["predictor"]["canaryTrafficPercent"] == 20
    assert isvc["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "Serverless"
    for obj in objects:
        validate(obj)
