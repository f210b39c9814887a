"""The layer contract: ``cli → app → pipelines/github/gitops/serve → evaluation → rag → data → config → corpus → git →
foundations``, enforced by import-linter (pyproject ``[tool.importlinter]``) and free of import cycles."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

from tests.conftest import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(package_parent: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(REPO_ROOT / "pyproject.toml"), "--no-cache"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_package_keeps_its_layers() -> None:
    done = _lint(REPO_ROOT / "tools")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 1 kept, 0 broken." in done.stdout


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(REPO_ROOT / "tools" / "ragops", tmp_path / "ragops", ignore=shutil.ignore_patterns("__pycache__"))
    models = tmp_path / "ragops" / "config" / "models.py"
    models.write_text(models.read_text(encoding="utf-8") + "\nimport ragops.evaluation.report  # upward\n")
    done = _lint(tmp_path)
    assert done.returncode != 0
    assert "ragops.config.models -> ragops.evaluation.report" in done.stdout


def test_no_module_imports_itself_back() -> None:
    graph = grimp.build_graph("ragops")
    cycles = [
        (module, other)
        for module in sorted(graph.modules)
        for other in graph.find_modules_directly_imported_by(module)
        if graph.chain_exists(importer=other, imported=module)
    ]
    assert cycles == []
