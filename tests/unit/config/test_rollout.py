"""The canary's rules (spec.rollout.canary): the gates' vocabulary on the canary metrics, checked when loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ragops.config.loader import read_config
from ragops.config.rollout import CANARY_METRICS, DEFAULT_CANARY_RULES, CanarySpec
from tests.conftest import FIXTURES


def test_the_defaults_cover_every_canary_metric_once() -> None:
    spec = CanarySpec()
    assert [rule.metric for rule in spec.rules] == list(CANARY_METRICS)
    assert tuple(spec.rules) == DEFAULT_CANARY_RULES
    assert (spec.alpha, spec.power) == (0.05, 0.8)


def test_a_rule_on_an_unknown_metric_names_the_known_ones() -> None:
    with pytest.raises(ValidationError, match="'f1' is not a canary metric; use one of: feedback_down_rate"):
        CanarySpec.model_validate({"rules": [{"metric": "f1", "max_regression": 0.1}]})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rules": [{"metric": "error_rate", "max": 0.1}, {"metric": "error_rate", "max": 0.2}]}, "two rules"),
        ({"rules": [{"metric": "error_rate", "max": 0.1, "significant": True}]}, "significant: true applies"),
        ({"alpha": 0.7}, "less than 0.5"),
        ({"power": 0.3}, "greater than 0.5"),
        ({"rules": [{"metric": "error_rate", "max": 0.1, "window": "5m"}]}, "Extra inputs"),
    ],
)
def test_invalid_canary_specs_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CanarySpec.model_validate(data)


def test_an_apps_config_carries_its_canary_rules(tmp_path: Path) -> None:
    text = (FIXTURES / "configs" / "fixture.yaml").read_text(encoding="utf-8")
    assert "rollout:" not in text
    text += (
        "  rollout:\n    canary:\n      alpha: 0.01\n      rules:\n"
        "        - metric: feedback_down_rate\n          max_regression: 0.05\n          significant: true\n"
    )
    config = tmp_path / "fixture.yaml"
    config.write_text(text, encoding="utf-8")
    loaded = read_config(config, FIXTURES.parent.parent)
    assert loaded.config is not None, [d.message for d in loaded.diagnostics]
    canary = loaded.config.spec.rollout.canary
    assert canary.alpha == 0.01 and [r.metric for r in canary.rules] == ["feedback_down_rate"]
