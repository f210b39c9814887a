"""The alert rules pass ``promtool check rules`` and their unit tests (``promtool test rules``)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.manifests import KUSTOMIZE, find, overlay_id, overlays, render

COMPONENT = KUSTOMIZE / "components" / "monitoring"
OVERLAYS = overlays()


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool not found: run `make tools-debian` (installs Debian's prometheus package)")
    return found


def _write_rules(rule_object: dict[str, Any], directory: Path) -> Path:
    path = directory / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": rule_object["spec"]["groups"]}, sort_keys=False), encoding="utf-8")
    return path


def _run(*args: str, cwd: Path) -> None:
    result = subprocess.run([_promtool(), *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, f"promtool {' '.join(args)}:\n{result.stdout}\n{result.stderr}"


def test_component_rules_pass_check_and_unit_tests(tmp_path: Path) -> None:
    rules = yaml.safe_load((COMPONENT / "prometheusrule.yaml").read_text(encoding="utf-8"))
    _run("check", "rules", str(_write_rules(rules, tmp_path)), cwd=tmp_path)
    tests = sorted((COMPONENT / "tests").glob("*.yaml"))
    assert tests
    for test in tests:
        shutil.copy(test, tmp_path / test.name)
        _run("test", "rules", test.name, cwd=tmp_path)


@pytest.mark.parametrize("overlay", OVERLAYS, ids=[overlay_id(p) for p in OVERLAYS])
def test_rendered_rules_pass_check(overlay: Path, tmp_path: Path) -> None:
    (rule_object,) = find(render(overlay), "PrometheusRule")
    _run("check", "rules", str(_write_rules(rule_object, tmp_path)), cwd=tmp_path)


def test_a_failing_unit_test_fails(tmp_path: Path) -> None:
    rules = yaml.safe_load((COMPONENT / "prometheusrule.yaml").read_text(encoding="utf-8"))
    _write_rules(rules, tmp_path)
    test = (COMPONENT / "tests" / "alerts_test.yaml").read_text(encoding="utf-8")
    (tmp_path / "broken_test.yaml").write_text(test.replace("14.29%", "99%"), encoding="utf-8")
    result = subprocess.run(
        [_promtool(), "test", "rules", "broken_test.yaml"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "14.29%" in result.stdout + result.stderr
