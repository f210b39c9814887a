"""The gate policy: which metric changes fail a pull request.

A policy is a list of rules, at most one per metric. Each app has one (``spec.evaluation.gate`` of its config),
and the repository may have a default one (:data:`DEFAULTS_FILE` at its root, same format) that every app
inherits: an app's rule on a metric replaces the default rule on that metric (:func:`effective_policy`).

Whether a failing rule fails the check: deterministic metrics (role ``gate`` in the metric registry) do; LLM-judge
and timing metrics (role ``advisory``) only report, unless the rule says ``advisory: false``. A rule with
``advisory: true`` never fails the check.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ragops.errors import ValidationFailed

# name or name@k, e.g. f1, hit_rate@5, latency_p95_ms
METRIC_NAME_PATTERN = r"^[a-z][a-z0-9_]*(@[1-9][0-9]*)?$"
# The repository-wide default policy, at the repository root (beside pyproject.toml), not in rag-configs/: that
# folder holds one file per app, and everything in it is an app.
DEFAULTS_FILE = "gate-policy.yaml"


class GateRule(BaseModel):
    """One rule on one metric. Thresholds are absolute; regressions are measured against the base run in the
    metric's own direction (a drop for higher-is-better metrics, a rise for lower-is-better ones)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str = Field(pattern=METRIC_NAME_PATTERN, description="Metric name, e.g. hit_rate@5 or f1.")
    min: float | None = Field(None, description="Fail when the head value is below this.")
    max: float | None = Field(None, description="Fail when the head value is above this.")
    max_regression: float | None = Field(
        None, ge=0.0, description="Fail when head is worse than base by more than this (absolute, metric units)."
    )
    max_relative_regression: float | None = Field(
        None,
        ge=0.0,
        description="Fail when head is worse than base by more than this fraction of the base value (0.05 = 5%).",
    )
    significant: bool = Field(
        False,
        description="Fail a regression rule only when the regression is significant: the 95% confidence interval "
        "of the paired delta excludes zero. Thresholds (min/max) are not affected.",
    )
    advisory: bool | None = Field(
        None,
        description="true: report the verdict but never fail the check; false: fail it even on an advisory metric "
        "(LLM judge, latency); unset: the metric's role decides (deterministic metrics gate).",
    )

    @model_validator(mode="after")
    def _has_a_threshold(self) -> GateRule:
        regression = self.max_regression is not None or self.max_relative_regression is not None
        if self.min is None and self.max is None and not regression:
            raise ValueError("a gate rule needs at least one of min, max, max_regression, max_relative_regression")
        if self.significant and not regression:
            raise ValueError("significant: true applies to max_regression or max_relative_regression; add one")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}: no value could pass")
        return self


class GatePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, title="GatePolicy")

    rules: list[GateRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_rule_per_metric(self) -> GatePolicy:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.metric in seen:
                raise ValueError(f"two rules on {rule.metric!r}: merge them into one (a rule takes several limits)")
            seen.add(rule.metric)
        return self


def effective_policy(app: GatePolicy, defaults: GatePolicy | None) -> tuple[GatePolicy, dict[str, str]]:
    """The app's rules plus the default rules on metrics the app does not name; and where each rule came from
    (metric → ``"app"`` or ``"default"``)."""
    origin = {rule.metric: "app" for rule in app.rules}
    rules = list(app.rules)
    for rule in defaults.rules if defaults is not None else []:
        if rule.metric not in origin:
            rules.append(rule)
            origin[rule.metric] = "default"
    return GatePolicy(rules=rules), origin


def parse_defaults(text: str, source: str) -> GatePolicy:
    """The default policy from YAML text (``source`` names it in errors)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationFailed(f"{source}: not valid YAML: {exc}") from exc
    if data is None:
        return GatePolicy()
    try:
        return GatePolicy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or '(top level)'}: {error['msg']}" for error in exc.errors()
        )
        raise ValidationFailed(
            f"{source}: not a valid gate policy ({problems}); see schemas/gate-policy.v1.json"
        ) from exc


def load_defaults(root: Path) -> GatePolicy | None:
    """The repository's default policy (:data:`DEFAULTS_FILE`), or None when the repository has none."""
    path = root / DEFAULTS_FILE
    if not path.is_file():
        return None
    return parse_defaults(path.read_text(encoding="utf-8"), str(path))
