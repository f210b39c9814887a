"""One source for each fact (DESIGN.md, "Style"): checks that fail when a second copy of a fact appears in the
package — a list of metric names outside the metric registry, say."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from ragops.evaluation.metrics import METRICS, TIMINGS
from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "tools" / "ragops"
_METRIC_NAMES = {entry.name for entry in (*METRICS, *TIMINGS)}


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_metric_name(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.sub(r"@\d+$", "", node.value) in _METRIC_NAMES
    )


def metric_name_lists(tree: ast.Module) -> list[int]:
    """Lines of tuple, list and set literals made of two or more metric names."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Tuple | ast.List | ast.Set)
        and len(node.elts) >= 2
        and all(_is_metric_name(element) for element in node.elts)
    ]


def test_metric_names_are_listed_only_in_the_registry() -> None:
    found = [
        f"{path.relative_to(REPO_ROOT)}:{line}"
        for path, tree in _modules()
        if path.name != "metrics.py" or path.parent.name != "evaluation"
        for line in metric_name_lists(tree)
    ]
    assert found == [], "flag the registry entry (headline, role) instead of listing names: " + ", ".join(found)


def test_the_check_sees_a_hard_coded_list() -> None:
    tree = ast.parse('SHOWN = ("hit_rate@5", "f1", "mrr")\nOTHER = ("f1", "not a metric")\n')
    assert metric_name_lists(tree) == [1]
