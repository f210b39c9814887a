"""Gate policy: rule limits, one rule per metric, repository defaults merged under the app's rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ragops.app.validate import validate
from ragops.config.gate import DEFAULTS_FILE, GatePolicy, GateRule, effective_policy, load_defaults
from ragops.errors import ValidationFailed


def test_old_rules_still_validate_and_new_limits_are_accepted() -> None:
    GateRule(metric="f1", max_regression=0.02, advisory=False)
    rule = GateRule(metric="hit_rate@5", max_relative_regression=0.05, significant=True)
    assert rule.advisory is None


@pytest.mark.parametrize(
    "data",
    [
        {"metric": "f1"},
        {"metric": "f1", "min": 0.5, "significant": True},
        {"metric": "f1", "min": 0.9, "max": 0.1},
        {"metric": "f1", "max_relative_regression": -0.1},
    ],
)
def test_rules_without_a_usable_limit_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        GateRule.model_validate(data)


def test_two_rules_on_one_metric_are_refused() -> None:
    with pytest.raises(ValidationError, match="two rules"):
        GatePolicy.model_validate({"rules": [{"metric": "f1", "min": 0.1}, {"metric": "f1", "max": 0.9}]})


def test_app_rules_replace_defaults_per_metric() -> None:
    app = GatePolicy(rules=[GateRule(metric="f1", min=0.5)])
    defaults = GatePolicy(rules=[GateRule(metric="f1", min=0.1), GateRule(metric="mrr@5", max_regression=0.1)])
    policy, origin = effective_policy(app, defaults)
    assert [(r.metric, r.min) for r in policy.rules] == [("f1", 0.5), ("mrr@5", None)]
    assert origin == {"f1": "app", "mrr@5": "default"}


def test_defaults_file_is_loaded_and_validated(tmp_path: Path) -> None:
    assert load_defaults(tmp_path) is None
    (tmp_path / DEFAULTS_FILE).write_text("rules:\n  - metric: f1\n    max_regression: 0.05\n", encoding="utf-8")
    policy = load_defaults(tmp_path)
    assert policy is not None and policy.rules[0].max_regression == 0.05
    (tmp_path / DEFAULTS_FILE).write_text("rules:\n  - metric: f1\n", encoding="utf-8")
    with pytest.raises(ValidationFailed, match=r"gate-policy\.yaml"):
        load_defaults(tmp_path)


def test_validate_checks_the_defaults_file(tmp_path: Path) -> None:
    (tmp_path / DEFAULTS_FILE).write_text("rules:\n  - metric: F1\n    min: 2\n", encoding="utf-8")
    result = validate([], tmp_path, allow_empty=True)
    assert [d.code for d in result.diagnostics] == ["gate-policy"]
    assert result.diagnostics[0].file == DEFAULTS_FILE
