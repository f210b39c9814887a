"""The suite's split holds: every module under tests/e2e/ marks its tests ``e2e`` at module level, so
``make test-unit`` (``-m "not e2e"``) never starts real tools and ``make test-e2e`` runs all of them."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO_ROOT

E2E = REPO_ROOT / "tests" / "e2e"


def _marks_e2e(module: Path) -> bool:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
        ):
            return "pytest.mark.e2e" in ast.unparse(node.value)
    return False


def test_every_e2e_module_is_marked_e2e() -> None:
    modules = sorted(E2E.glob("test_*.py"))
    assert modules
    unmarked = [m.name for m in modules if not _marks_e2e(m)]
    assert unmarked == [], f"add `pytestmark = pytest.mark.e2e` to {unmarked}"


def test_no_unit_test_is_marked_e2e() -> None:
    marked = [m.relative_to(REPO_ROOT).as_posix() for m in (REPO_ROOT / "tests" / "unit").rglob("test_*.py")]
    assert not [m for m in marked if _marks_e2e(REPO_ROOT / m)]
