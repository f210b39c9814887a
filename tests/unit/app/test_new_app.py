"""ragops new app: config, test-set skeleton and overlays that validate and build; nothing half-written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ragops.app.new_app import new_app
from ragops.cli.main import main
from ragops.config.loader import load_app_config
from ragops.config.testset import load_testset
from ragops.errors import UsageError, ValidationFailed
from tests.conftest import FIXTURES, REPO_ROOT
from tests.support.manifests import render, validate


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "rag-configs").mkdir(parents=True)
    shutil.copytree(REPO_ROOT / "kustomize", root / "kustomize")
    shutil.copytree(FIXTURES / "corpus" / "docs", root / "datasets" / "tiny" / "docs")
    return root


def test_a_new_app_validates_and_its_overlays_build(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "app", "tiny", "--corpus", "./datasets/tiny/docs/", "--root", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "wrote rag-configs/tiny.yaml" in out and "wrote datasets/tiny/testsets/tiny.jsonl" in out
    config = load_app_config(repo / "rag-configs" / "tiny.yaml", repo)
    assert config.name == "tiny" and config.spec.llm.provider == "extractive"
    assert json.loads(json.dumps(config.spec.data.model_dump())) == {
        "corpus": "datasets/tiny/docs",
        "testsets": ["datasets/tiny/testsets/tiny.jsonl"],
    }
    testset = load_testset(repo / "datasets/tiny/testsets/tiny.jsonl", "tiny.jsonl")
    assert not [d for d in testset.diagnostics if d.is_error]
    assert [r.gold_doc_ids for r in testset.records] == [["alpha"], ["beta"]]
    assert all(r.tags == ["skeleton"] and r.question.startswith("REPLACE ME") for r in testset.records)
    assert "Replace them with real" in (repo / "datasets/tiny/testsets/README.md").read_text(encoding="utf-8")
    # ragops validate checks the config, its data (the spans against the documents) and the test set.
    assert main(["validate", "--root", str(repo)]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    for environment in ("staging", "production", "staging-kserve"):
        overlay = repo / "kustomize" / "overlays" / environment / "tiny"
        assert load_app_config(overlay / "app.yaml", repo).name == "tiny"
        objects = render(overlay, cached=False)
        for obj in objects:
            validate(obj)
        assert {o["metadata"]["namespace"] for o in objects} == {f"ragops-{environment}"}
    assert main(["release", "status", "--root", str(repo), "--format", "json"]) == 0
    tiny = [d for d in json.loads(capsys.readouterr().out)["deployed"] if d["app"] == "tiny"]
    assert len(tiny) == 3 and all(d["problems"] == [] or "not a git" in str(d["problems"]) for d in tiny)


def test_an_existing_test_set_is_used_as_it_is(repo: Path) -> None:
    testsets = repo / "datasets" / "tiny" / "testsets"
    shutil.copytree(FIXTURES / "corpus" / "testsets", testsets)
    (testsets / "small.jsonl").rename(testsets / "tiny.jsonl")
    before = (testsets / "tiny.jsonl").read_bytes()
    result = new_app(repo, "tiny", "datasets/tiny/docs")
    assert not result.testset_written and (testsets / "tiny.jsonl").read_bytes() == before
    assert not (testsets / "README.md").exists()


@pytest.mark.parametrize(
    ("name", "corpus", "error", "message"),
    [
        ("Tiny_App", "datasets/tiny/docs", UsageError, "lowercase letters"),
        ("tiny", "../elsewhere", UsageError, "inside the repository"),
        ("tiny", "datasets/none", UsageError, "no such folder"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    repo: Path, name: str, corpus: str, error: type[Exception], message: str
) -> None:
    before = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    with pytest.raises(error, match=message):
        new_app(repo, name, corpus)
    assert sorted(p.relative_to(repo) for p in repo.rglob("*")) == before


def test_an_existing_app_or_overlay_is_never_overwritten(repo: Path) -> None:
    (repo / "datasets" / "empty").mkdir()
    with pytest.raises(ValidationFailed, match="no documents"):
        new_app(repo, "tiny", "datasets/empty")
    (repo / "kustomize" / "overlays" / "production" / "tiny").mkdir()
    before = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    with pytest.raises(UsageError, match="overlays/production/tiny exists already"):
        new_app(repo, "tiny", "datasets/tiny/docs")
    assert sorted(p.relative_to(repo) for p in repo.rglob("*")) == before  # not even the config or the test set
    (repo / "kustomize" / "overlays" / "production" / "tiny").rmdir()
    new_app(repo, "tiny", "datasets/tiny/docs")
    with pytest.raises(UsageError, match=r"rag-configs/tiny\.yaml exists already"):
        new_app(repo, "tiny", "datasets/tiny/docs")
