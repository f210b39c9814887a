"""kustomize/environments.yaml: the environments, declared once and checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.config.environments import load_environments
from ragops.errors import UsageError, ValidationFailed
from tests.conftest import REPO_ROOT


def _declare(root: Path, text: str) -> None:
    (root / "kustomize").mkdir(parents=True, exist_ok=True)
    (root / "kustomize" / "environments.yaml").write_text(text, encoding="utf-8")


def test_the_repository_declares_its_environments_in_promotion_order() -> None:
    declared = load_environments(REPO_ROOT)
    assert declared.names[:2] == ["staging", "production"]
    assert declared.get("production").promoted_from == "staging"
    for environment in declared.environments:
        for component in environment.components:
            assert (REPO_ROOT / "kustomize" / "components" / component / "kustomization.yaml").is_file()
        assert (REPO_ROOT / "kustomize" / "overlays" / environment.name).is_dir()


def test_an_unknown_environment_names_the_declared_ones(tmp_path: Path) -> None:
    _declare(tmp_path, "environments:\n  - name: staging\n")
    with pytest.raises(UsageError, match=r"'qa' is not a declared environment \(staging; .*ragops new env qa"):
        load_environments(tmp_path).get("qa")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("environments: []\n", "at least 1 item"),
        ("environments:\n  - name: a\n  - name: a\n", "declared twice"),
        ("environments:\n  - name: b\n    promoted_from: a\n  - name: a\n", "not declared before it"),
        ("environments:\n  - name: Prod_1\n", "should match pattern"),
        ("environments:\n  - name: a\n    colour: red\n", "Extra inputs"),
        ("environments: [\n", "cannot read"),
    ],
)
def test_a_bad_declaration_is_refused_with_the_reason(tmp_path: Path, text: str, message: str) -> None:
    _declare(tmp_path, text)
    with pytest.raises(ValidationFailed, match=message):
        load_environments(tmp_path)


def test_no_declaration_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="ragops new env NAME"):
        load_environments(tmp_path)
