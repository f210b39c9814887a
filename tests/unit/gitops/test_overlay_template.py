"""Every overlay in the repository is the one template's output, and the template builds for any environment."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from ragops.config.environments import Environment, load_environments
from ragops.config.loader import load_app_config
from ragops.gitops.overlay_template import PLACEHOLDER_LLM_URL, kustomization_text, overlay_files
from ragops.gitops.release import PLACEHOLDER_DIGEST, read_release
from ragops.layout import KUSTOMIZATION, OVERLAY_RELEASE, OVERLAY_RELEASE_ENV
from tests.conftest import REPO_ROOT
from tests.support.manifests import render, validate

ENVIRONMENTS = load_environments(REPO_ROOT).environments
OVERLAYS = [
    (env, path) for env in ENVIRONMENTS for path in sorted((REPO_ROOT / "kustomize/overlays" / env.name).iterdir())
]
_DIGEST = re.compile(r"(\n    digest: )sha256:[0-9a-f]+")


@pytest.mark.parametrize(("environment", "overlay"), OVERLAYS, ids=[f"{e.name}/{p.name}" for e, p in OVERLAYS])
def test_every_overlay_is_the_templates_output(environment: Environment, overlay: Path) -> None:
    llm_base_url_env = load_app_config(
        REPO_ROOT / "rag-configs" / f"{overlay.name}.yaml", REPO_ROOT
    ).spec.llm.base_url_env
    expected = overlay_files(environment, overlay.name, "", llm_base_url_env)
    # Promotion pins the image, an operator points the LLM variable at the environment's server: compare with the
    # placeholders put back.
    found = _DIGEST.sub(rf"\g<1>{PLACEHOLDER_DIGEST}", (overlay / KUSTOMIZATION).read_text(encoding="utf-8"))
    if llm_base_url_env is not None:
        found = re.sub(rf"(name: {llm_base_url_env}\n\s+value: )\S+", rf"\g<1>{PLACEHOLDER_LLM_URL}", found)
    assert found == expected[KUSTOMIZATION], f"{overlay}: edit gitops/templates/kustomization.yaml.j2, not the copy"
    if read_release(overlay / OVERLAY_RELEASE) is None:  # never promoted: the placeholders as written
        for name in (OVERLAY_RELEASE, OVERLAY_RELEASE_ENV):
            assert (overlay / name).read_text(encoding="utf-8") == expected[name], overlay / name


def test_no_overlay_lies_outside_the_declared_environments() -> None:
    declared = {env.name for env in ENVIRONMENTS}
    assert {p.name for p in (REPO_ROOT / "kustomize/overlays").iterdir()} == declared


@pytest.mark.parametrize(
    "components",
    [[], ["monitoring"], ["monitoring", "autoscaling"], ["kserve"], ["monitoring", "conversations", "istio"]],
)
def test_the_template_builds_and_validates_for_any_components(tmp_path: Path, components: list[str]) -> None:
    for folder in ("base", "components"):
        shutil.copytree(REPO_ROOT / "kustomize" / folder, tmp_path / "kustomize" / folder)
    environment = Environment(name="qa", components=components)
    overlay = tmp_path / "kustomize" / "overlays" / "qa" / "demo"
    overlay.mkdir(parents=True)
    config = (REPO_ROOT / "rag-configs" / "covid-qa.yaml").read_text(encoding="utf-8")
    for name, text in overlay_files(environment, "demo", config).items():
        (overlay / name).write_text(text, encoding="utf-8")
    objects = render(overlay, cached=False)
    for obj in objects:
        validate(obj)
        assert "-demo" in obj["metadata"]["name"]  # the app's suffix (generated ConfigMaps add a hash after it)
        assert obj["metadata"]["namespace"] == "ragops-qa"
    kinds = {obj["kind"] for obj in objects}
    assert ("HorizontalPodAutoscaler" in kinds) == ("autoscaling" in components)
    assert ("InferenceService" in kinds) == ("kserve" in components)
    assert ("PrometheusRule" in kinds) == ("monitoring" in components)
    assert ("AuthorizationPolicy" in kinds) == ("istio" in components)
    assert (sum(k == "Deployment" for k in [o["kind"] for o in objects]) == 2) == ("conversations" in components)
    assert "replacements:" in kustomization_text(environment, "demo") or "monitoring" not in components
