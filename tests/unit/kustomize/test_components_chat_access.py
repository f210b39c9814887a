"""The optional components for conversations (a Redis of the app's own) and for an Istio mesh, in an overlay built
with the real kubectl kustomize and validated offline: core kinds against Kubernetes' schemas, Istio's against its
CRDs (tests/fixtures/crds/istio)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support.manifests import KUSTOMIZE, Manifest, find, has_crd_schema, render, validate

OVERLAY = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ragops-staging
nameSuffix: -chat
resources:
  - ../../../base
components:
  - ../../../components/conversations
  - ../../../components/istio
labels:
  - pairs:
      app.kubernetes.io/instance: chat
    includeSelectors: true
    fields:
      - path: spec/selector/matchLabels
        kind: PeerAuthentication
        create: true
      - path: spec/selector/matchLabels
        kind: AuthorizationPolicy
        create: true
"""


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> list[Manifest]:
    tree = tmp_path_factory.mktemp("kustomize") / "kustomize"
    shutil.copytree(KUSTOMIZE, tree)
    overlay = tree / "overlays" / "staging" / "chat"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(OVERLAY, encoding="utf-8")
    return render(overlay, cached=False)


def _named(objects: list[Manifest], kind: str, name: str) -> Manifest:
    (found,) = [o for o in find(objects, kind) if o["metadata"]["name"] == name]
    return found


def test_every_object_validates_istio_ones_against_their_crds(objects: list[Manifest]) -> None:
    for obj in objects:
        validate(obj)
    istio = [o for o in objects if o["apiVersion"].startswith("security.istio.io/")]
    assert {o["kind"] for o in istio} == {"PeerAuthentication", "AuthorizationPolicy"}
    assert all(has_crd_schema(o) for o in istio)


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        ("PeerAuthentication", lambda o: o["spec"]["mtls"].update(mode="STRICTLY"), "mode"),
        ("AuthorizationPolicy", lambda o: o["spec"].update(actions="ALLOW"), "actions"),
    ],
)
def test_the_istio_schemas_refuse_a_broken_object(objects: list[Manifest], kind: str, change: Any, field: str) -> None:
    (obj,) = copy.deepcopy(find(objects, kind))
    change(obj)
    with pytest.raises(AssertionError, match=field):
        validate(obj)


def test_the_server_reaches_its_own_redis_with_the_password_from_the_secret(objects: list[Manifest]) -> None:
    server = _named(objects, "Deployment", "ragops-chat")["spec"]["template"]["spec"]
    (container,) = server["containers"]
    assert container["args"][-4:] == [
        "--redis-url",
        "$(RAGOPS_REDIS_URL)",
        "--redis-password-file",
        "/etc/ragops/redis/password",
    ]
    env = {e["name"]: e.get("value") for e in container["env"]}
    redis_service = _named(objects, "Service", "ragops-redis-chat")
    assert env["RAGOPS_REDIS_HOST"] == redis_service["metadata"]["name"]  # follows the overlay's suffix
    assert env["RAGOPS_REDIS_URL"] == "redis://$(RAGOPS_REDIS_HOST):6379/0"
    names = [e["name"] for e in container["env"]]
    assert names.index("RAGOPS_REDIS_HOST") < names.index("RAGOPS_REDIS_URL")  # $(VAR) expands only earlier ones
    assert {"name": "redis-password", "mountPath": "/etc/ragops/redis", "readOnly": True} in container["volumeMounts"]
    (volume,) = [v for v in server["volumes"] if v["name"] == "redis-password"]
    assert volume["secret"] == {"secretName": "ragops-redis", "items": [{"key": "password", "path": "password"}]}
    redis = _named(objects, "Deployment", "ragops-redis-chat")["spec"]["template"]
    assert redis_service["spec"]["selector"].items() <= redis["metadata"]["labels"].items()
    (store,) = redis["spec"]["containers"]
    assert store["env"][0]["valueFrom"]["secretKeyRef"] == {"name": "ragops-redis", "key": "password"}
    assert store["args"][:2] == ["--requirepass", "$(REDIS_PASSWORD)"]


def test_the_redis_pod_meets_the_restricted_security_standard(objects: list[Manifest]) -> None:
    spec = _named(objects, "Deployment", "ragops-redis-chat")["spec"]["template"]["spec"]
    assert spec["automountServiceAccountToken"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = spec["containers"]
    context = container["securityContext"]
    assert context["allowPrivilegeEscalation"] is False and context["readOnlyRootFilesystem"] is True
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert container["resources"]["limits"]["memory"] == "256Mi"


def test_network_policies_admit_only_the_apps_server_to_its_redis(objects: list[Manifest]) -> None:
    redis_policy = _named(objects, "NetworkPolicy", "ragops-redis-chat")["spec"]
    (rule,) = redis_policy["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 6379}]
    assert rule["from"] == [
        {
            "podSelector": {
                "matchLabels": {"app.kubernetes.io/component": "server", "app.kubernetes.io/instance": "chat"}
            }
        }
    ]
    assert redis_policy["egress"] == []
    server_policy = _named(objects, "NetworkPolicy", "ragops-chat")["spec"]
    to_redis = [r for r in server_policy["egress"] if {"protocol": "TCP", "port": 6379} in r["ports"]]
    assert to_redis[0]["to"][0]["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/component": "conversation-store",
        "app.kubernetes.io/instance": "chat",
    }
    istiod = [r for r in server_policy["egress"] if {"protocol": "TCP", "port": 15012} in r["ports"]]
    assert istiod, "the sidecar reaches istiod for its configuration and certificates"


def test_istio_requires_mutual_tls_and_lets_only_the_gateway_call_v1(objects: list[Manifest]) -> None:
    server_labels = _named(objects, "Deployment", "ragops-chat")["spec"]["template"]["metadata"]["labels"]
    (peer,) = find(objects, "PeerAuthentication")
    assert peer["spec"]["mtls"] == {"mode": "STRICT"}
    (policy,) = find(objects, "AuthorizationPolicy")
    for selector in (peer["spec"]["selector"]["matchLabels"], policy["spec"]["selector"]["matchLabels"]):
        assert selector.items() <= server_labels.items() and selector["app.kubernetes.io/instance"] == "chat"
    assert policy["spec"]["action"] == "ALLOW"
    api, operations = policy["spec"]["rules"]
    assert api["to"][0]["operation"]["paths"] == ["/v1/*"]
    principals = api["from"][0]["source"]["principals"]
    assert all(p.startswith("cluster.local/ns/") and "/sa/" in p for p in principals)
    assert "from" not in operations and operations["to"][0]["operation"]["paths"] == ["/healthz", "/readyz", "/metrics"]


def test_the_components_leave_the_base_unchanged(objects: list[Manifest]) -> None:
    # Optional: the base and every checked-in overlay render without them (test_render covers those trees).
    base_kinds = {o["kind"] for o in render(KUSTOMIZE / "base")}
    assert "PeerAuthentication" not in base_kinds and len(find(render(KUSTOMIZE / "base"), "Deployment")) == 1
    assert Path(KUSTOMIZE / "components" / "conversations" / "kustomization.yaml").is_file()


# The overlay docs/conversations-and-access.md shows for a Redis run elsewhere: the server's wiring kept, the URL
# replaced, the component's Redis objects deleted.
EXTERNAL = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ragops-staging
nameSuffix: -ext
resources: [../../../base]
components: [../../../components/conversations]
patches:
  - target: {kind: Deployment, name: ragops}
    patch: |-
      - op: replace
        path: /spec/template/spec/containers/0/env/3/value
        value: rediss://my-redis.example.internal:6380/0
  - target: {kind: Deployment, name: ragops-redis}
    patch: '{"$patch": "delete", "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ragops-redis"}}'
  - target: {kind: Service, name: ragops-redis}
    patch: '{"$patch": "delete", "apiVersion": "v1", "kind": "Service", "metadata": {"name": "ragops-redis"}}'
  - target: {kind: NetworkPolicy, name: ragops-redis}
    patch: |-
      {"$patch": "delete", "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
       "metadata": {"name": "ragops-redis"}}
"""


def test_an_external_redis_keeps_the_wiring_and_drops_the_in_cluster_one(tmp_path: Path) -> None:
    tree = tmp_path / "kustomize"
    shutil.copytree(KUSTOMIZE, tree)
    overlay = tree / "overlays" / "staging" / "ext"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(EXTERNAL, encoding="utf-8")
    objects = render(overlay, cached=False)
    assert [o["metadata"]["name"] for o in find(objects, "Deployment")] == ["ragops-ext"]
    (server,) = find(objects, "Deployment")[0]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in server["env"]}
    assert env["RAGOPS_REDIS_URL"] == "rediss://my-redis.example.internal:6380/0"
    assert "--redis-password-file" in server["args"]
    for obj in objects:
        validate(obj)
