"""ragops new env: one declaration appended, every app's overlay written; idempotent; conflicts refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ragops.app.new_app import new_app
from ragops.app.new_env import new_env
from ragops.cli.main import main
from ragops.config.environments import load_environments
from ragops.errors import UsageError, ValidationFailed
from tests.conftest import FIXTURES, REPO_ROOT
from tests.support.manifests import render, validate


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "rag-configs").mkdir(parents=True)
    shutil.copytree(REPO_ROOT / "kustomize", root / "kustomize")
    for app in ("one", "two"):
        shutil.copytree(FIXTURES / "corpus" / "docs", root / "datasets" / app / "docs")
        new_app(root, app, f"datasets/{app}/docs")
    return root


def test_a_new_environment_gets_every_apps_overlay(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    declaration = repo / "kustomize" / "environments.yaml"
    before = declaration.read_text(encoding="utf-8")
    command = ["new", "env", "qa", "--components", "monitoring,autoscaling", "--promoted-from", "staging"]
    assert main([*command, "--description", "the QA cluster: load tests", "--root", str(repo)]) == 0
    assert "environment qa (declared)" in capsys.readouterr().out
    after = declaration.read_text(encoding="utf-8")
    assert after.startswith(before)  # appended: the comments and the other environments are kept
    declared = load_environments(repo)
    assert declared.names[-1] == "qa" and declared.get("qa").promoted_from == "staging"
    assert declared.get("qa").description == "the QA cluster: load tests"
    for app in ("one", "two"):
        objects = render(repo / "kustomize" / "overlays" / "qa" / app, cached=False)
        for obj in objects:
            validate(obj)
        assert any(o["kind"] == "HorizontalPodAutoscaler" for o in objects)
    # Again: declared already, every overlay there: nothing changes.
    result = new_env(repo, "qa")
    assert not result.declared and result.written == [] and declaration.read_text(encoding="utf-8") == after
    # An app whose overlay went missing gets it back, and only it.
    shutil.rmtree(repo / "kustomize" / "overlays" / "qa" / "two")
    result = new_env(repo, "qa")
    assert {p.parent.name for p in result.written} == {"two"}


def test_a_conflicting_or_broken_declaration_is_refused_and_nothing_is_written(repo: Path) -> None:
    before = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    with pytest.raises(UsageError, match="declared already with other settings"):
        new_env(repo, "staging", components=["autoscaling"])
    with pytest.raises(UsageError, match="no kustomize/components/gpu/"):
        new_env(repo, "qa", components=["gpu"])
    with pytest.raises(UsageError, match="'nowhere' is not a declared environment"):
        new_env(repo, "qa", promoted_from="nowhere")
    with pytest.raises(UsageError, match="environment 'QA!': use lowercase"):
        new_env(repo, "QA!")
    assert sorted(p.relative_to(repo) for p in repo.rglob("*")) == before
    declaration = repo / "kustomize" / "environments.yaml"
    declaration.write_text(declaration.read_text(encoding="utf-8") + "other: 1\n", encoding="utf-8")
    with pytest.raises(ValidationFailed):
        new_env(repo, "qa")
