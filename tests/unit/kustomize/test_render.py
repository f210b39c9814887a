"""Every overlay builds with kubectl kustomize, validates offline, and runs the service the way its image expects."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from ragops.config.environments import load_environments
from ragops.config.loader import load_app_config
from tests.conftest import REPO_ROOT
from tests.support.manifests import (
    BASE,
    IMAGE,
    KUSTOMIZE,
    Manifest,
    find,
    has_crd_schema,
    overlay_id,
    overlays,
    pod_specs,
    render,
    validate,
)

OVERLAYS = overlays()
EVERY_TREE = [BASE, *OVERLAYS]
DIGEST_PINNED = re.compile(rf"^{re.escape(IMAGE)}@sha256:[0-9a-f]{{64}}$")
SERVE_ARGS = [
    "serve",
    "--config",
    "/etc/ragops/app.yaml",
    "--index",
    "/var/lib/ragops/index",
    "--release",
    "/etc/ragops/release.json",
    "--host",
    "0.0.0.0",
    "--port",
    "8080",
    "--feedback-dir",
    "/var/lib/ragops/feedback",
]
FETCH_ARGS = ["artifact", "fetch", "$(INDEX_URI)", "--digest", "$(INDEX_DIGEST)", "--into", "/var/lib/ragops/index"]


def _ids(paths: list[Path]) -> list[str]:
    return [overlay_id(p) for p in paths]


def _instance(objects: list[Manifest]) -> str:
    instances = {o["metadata"].get("labels", {}).get("app.kubernetes.io/instance") for o in objects}
    assert len(instances) == 1, f"one app per overlay, found instances {instances}"
    (instance,) = instances
    assert instance, "the overlay sets app.kubernetes.io/instance"
    return str(instance)


def test_every_environment_has_every_app() -> None:
    """Every app of the repository can be released to every environment (ragops release plan skips an app
    without an overlay)."""
    found = {overlay_id(p) for p in OVERLAYS}
    apps = {load_app_config(path, REPO_ROOT).name for path in sorted((REPO_ROOT / "rag-configs").glob("*.yaml"))}
    expected = {f"overlays/{env}/{app}" for env in load_environments(REPO_ROOT).names for app in apps}
    assert found == expected, "ragops new env ENV writes the missing overlays"
    assert any(f.startswith("overlays/staging-kserve/") for f in found), "one overlay builds the KServe variant"


@pytest.mark.parametrize("tree", EVERY_TREE, ids=_ids(EVERY_TREE))
def test_every_rendered_object_validates(tree: Path) -> None:
    objects = render(tree)
    assert objects
    for obj in objects:
        validate(obj)


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("Deployment", lambda o: o["spec"]["template"]["spec"]["containers"][0].update(imagePullPolicyy="Always")),
        ("Deployment", lambda o: o["spec"]["template"]["spec"]["containers"][0].update(ports="8080")),
        ("ServiceMonitor", lambda o: o["spec"]["endpoints"][0].update(prot="http")),
        ("PrometheusRule", lambda o: o["spec"]["groups"][0]["rules"][0].pop("expr")),
    ],
    ids=["core-unknown-field", "core-wrong-type", "crd-unknown-field", "crd-missing-required"],
)
def test_validation_refuses_a_broken_object(kind: str, change: Any) -> None:
    (obj,) = find(render(OVERLAYS[0]), kind)
    validate(obj)
    change(obj)
    with pytest.raises(AssertionError, match=kind):
        validate(obj)


def test_the_kserve_schema_refuses_an_unknown_predictor_field() -> None:
    isvc = next(o for p in OVERLAYS for o in find(render(p), "InferenceService"))
    assert has_crd_schema(isvc)
    validate(isvc)
    isvc["spec"]["predictor"]["containerz"] = []
    with pytest.raises(AssertionError, match="containerz"):
        validate(isvc)


@pytest.mark.parametrize("tree", EVERY_TREE, ids=_ids(EVERY_TREE))
def test_images_are_pinned_by_digest(tree: Path) -> None:
    specs = pod_specs(render(tree))
    assert specs, "every tree runs the service"
    for where, spec in specs:
        for container in spec.get("initContainers", []) + spec["containers"]:
            assert DIGEST_PINNED.match(container["image"]), f"{where}/{container['name']}: {container['image']}"


@pytest.mark.parametrize("tree", EVERY_TREE, ids=_ids(EVERY_TREE))
def test_pods_meet_the_restricted_security_standard(tree: Path) -> None:
    for where, spec in pod_specs(render(tree)):
        assert spec["automountServiceAccountToken"] is False, where
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] == 10001, where
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, where
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in spec.get("initContainers", []) + spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, container["name"]
            assert context["readOnlyRootFilesystem"] is True, container["name"]
            assert context["capabilities"] == {"drop": ["ALL"]}, container["name"]
            assert "privileged" not in context
            assert container["resources"]["requests"] and container["resources"]["limits"], container["name"]
            # With a read-only root, everything the container writes is an emptyDir (or a read-only ConfigMap).
            for mount in container["volumeMounts"]:
                volume = volumes[mount["name"]]
                assert "emptyDir" in volume or mount.get("readOnly") is True, f"{container['name']}: {mount}"
            writable = {m["mountPath"] for m in container["volumeMounts"] if not m.get("readOnly")}
            assert {"/tmp", "/var/lib/ragops"} <= writable, container["name"]


@pytest.mark.parametrize("tree", EVERY_TREE, ids=_ids(EVERY_TREE))
def test_containers_run_the_image_contract(tree: Path) -> None:
    objects = render(tree)
    config_maps = {c["metadata"]["name"]: c for c in find(objects, "ConfigMap")}
    for where, spec in pod_specs(objects):
        (init,) = spec["initContainers"]
        (server,) = spec["containers"]
        assert init["command"] == ["ragops"] and init["args"] == FETCH_ARGS, where
        assert server["command"] == ["ragops"] and server["args"] == SERVE_ARGS, where
        assert server["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
        assert server["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert server["startupProbe"]["httpGet"]["path"] == "/readyz"
        assert server["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        # INDEX_URI / INDEX_DIGEST come from a ConfigMap this tree renders, holding both keys.
        env = {e["name"]: e for e in init["env"]}
        for key in ("INDEX_URI", "INDEX_DIGEST"):
            ref = env[key]["valueFrom"]["configMapKeyRef"]
            assert ref["key"] == key and key in config_maps[ref["name"]]["data"], f"{where}: {ref}"
        # The mounted config holds exactly the files the arguments name.
        (config,) = [v for v in spec["volumes"] if v["name"] == "config"]
        assert set(config_maps[config["configMap"]["name"]]["data"]) == {"app.yaml", "release.json"}
        assert {"name": "config", "mountPath": "/etc/ragops", "readOnly": True} in server["volumeMounts"]


@pytest.mark.parametrize("overlay", OVERLAYS, ids=_ids(OVERLAYS))
def test_overlay_selects_only_its_own_app(overlay: Path) -> None:
    objects = render(overlay)
    instance = _instance(objects)
    selector_label = {"app.kubernetes.io/instance": instance}
    for obj in objects:
        assert obj["metadata"]["namespace"].startswith("ragops-"), obj["metadata"]
        assert obj["metadata"]["name"].endswith(f"-{instance}") or re.search(
            rf"-{instance}-[a-z0-9]{{10}}$", obj["metadata"]["name"]
        ), obj["metadata"]["name"]
    for kind, path in [
        ("Service", ("spec", "selector")),
        ("PodDisruptionBudget", ("spec", "selector", "matchLabels")),
        ("NetworkPolicy", ("spec", "podSelector", "matchLabels")),
        ("ServiceMonitor", ("spec", "selector", "matchLabels")),
        ("Deployment", ("spec", "selector", "matchLabels")),
        ("InferenceService", ("spec", "predictor", "labels")),
        ("Rollout", ("spec", "selector", "matchLabels")),
    ]:
        for obj in find(objects, kind):
            node: Any = obj
            for key in path:
                node = node[key]
            assert selector_label.items() <= node.items(), f"{kind} {path}: {node}"
    for deployment in find(objects, "Deployment"):
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        for service in find(objects, "Service"):
            assert service["spec"]["selector"].items() <= pod_labels.items()


def test_apps_in_one_namespace_do_not_collide() -> None:
    seen: dict[tuple[str, str, str], str] = {}
    for overlay in OVERLAYS:
        for obj in render(overlay):
            key = (obj["metadata"]["namespace"], obj["kind"], obj["metadata"]["name"])
            assert key not in seen, f"{key} rendered by both {seen[key]} and {overlay_id(overlay)}"
            seen[key] = overlay_id(overlay)


@pytest.mark.parametrize("tree", EVERY_TREE, ids=_ids(EVERY_TREE))
def test_network_policy_admits_only_the_http_port_and_needed_egress(tree: Path) -> None:
    (policy,) = find(render(tree), "NetworkPolicy")
    spec = policy["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    for rule in spec["ingress"]:
        assert rule["ports"] == [{"protocol": "TCP", "port": 8080}]
        assert rule["from"], "every ingress rule names its peers"
        for peer in rule["from"]:
            # An app label added to a peer selector by kustomize would silently admit nothing.
            assert "matchLabels" not in peer.get("podSelector", {}) and "matchLabels" not in peer.get(
                "namespaceSelector", {}
            ), peer
    egress_ports = sorted((p["protocol"], p["port"]) for rule in spec["egress"] for p in rule["ports"])
    assert egress_ports == [("TCP", 53), ("TCP", 443), ("UDP", 53)]


def test_a_config_change_renames_the_configmap_and_rolls_the_pods(tmp_path: Path) -> None:
    tree = tmp_path / "kustomize"
    shutil.copytree(KUSTOMIZE, tree)
    overlay = tree / "overlays" / "staging" / "covid-qa"

    def mounted_config(directory: Path) -> str:
        (deployment,) = find(render(directory, cached=False), "Deployment")
        (volume,) = [v for v in deployment["spec"]["template"]["spec"]["volumes"] if v["name"] == "config"]
        return str(volume["configMap"]["name"])

    before = mounted_config(overlay)
    app = overlay / "app.yaml"
    app.write_text(app.read_text(encoding="utf-8").replace("top_k: 5", "top_k: 6"), encoding="utf-8")
    after = mounted_config(overlay)
    assert before.startswith("ragops-config-covid-qa-") and after.startswith("ragops-config-covid-qa-")
    assert before != after


def _unhashed(value: Any) -> Any:
    return yaml.safe_load(
        re.sub(r"(ragops-(?:config|release)-[a-z0-9-]+?)-[a-z0-9]{10}\b", r"\1", yaml.safe_dump(value))
    )


def test_kserve_predictor_runs_the_same_pod_as_the_deployment() -> None:
    kserve = [p for p in OVERLAYS if overlay_id(p).startswith("overlays/staging-kserve/")]
    assert kserve
    for overlay in kserve:
        plain = OVERLAYS[[overlay_id(p) for p in OVERLAYS].index(overlay_id(overlay).replace("-kserve", ""))]
        (deployment,) = find(render(plain), "Deployment")
        (isvc,) = find(render(overlay), "InferenceService")
        assert not find(render(overlay), "Deployment") and not find(render(overlay), "Service")
        pod, predictor = deployment["spec"]["template"]["spec"], isvc["spec"]["predictor"]
        for key in ("initContainers", "containers", "volumes", "securityContext", "serviceAccountName"):
            # The generated ConfigMaps' names end in a hash of their content, which names the environment.
            assert _unhashed(predictor[key]) == _unhashed(pod[key]), key


def test_production_scales_with_an_hpa_that_owns_the_replica_count() -> None:
    production = [p for p in OVERLAYS if overlay_id(p).startswith("overlays/production/")]
    assert production
    for overlay in production:
        objects = render(overlay)
        (deployment,) = find(objects, "Deployment")
        (hpa,) = find(objects, "HorizontalPodAutoscaler")
        rollouts = find(objects, "Rollout")
        if rollouts:
            # The canary component: the Rollout runs the pods from the Deployment's template, and is what scales.
            (rollout,) = rollouts
            assert deployment["spec"]["replicas"] == 0 and "replicas" not in rollout["spec"]
            assert rollout["spec"]["workloadRef"]["name"] == deployment["metadata"]["name"]
            target = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": rollout["metadata"]["name"]}
        else:
            assert "replicas" not in deployment["spec"]
            target = {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment["metadata"]["name"]}
        assert hpa["spec"]["scaleTargetRef"] == target
        assert hpa["spec"]["minReplicas"] >= 2


@pytest.mark.parametrize("overlay", OVERLAYS, ids=_ids(OVERLAYS))
def test_overlay_config_is_a_valid_config_of_its_app(overlay: Path) -> None:
    config = load_app_config(overlay / "app.yaml", root=KUSTOMIZE.parent)
    assert config.metadata.name == overlay.name
    (deployment_or_isvc,) = [o for o in render(overlay) if o["kind"] in {"Deployment", "InferenceService"}]
    assert deployment_or_isvc["metadata"]["labels"]["app.kubernetes.io/instance"] == overlay.name
