"""The gate policy: which metric changes fail a pull request."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

# name or name@k, e.g. f1, hit_rate@5, latency_p95_ms
METRIC_NAME_PATTERN = r"^[a-z][a-z0-9_]*(@[1-9][0-9]*)?$"


class GateRule(BaseModel):
    """One rule on one metric. Thresholds are absolute; ``max_regression`` is measured against the base run
    in the metric's own direction (a drop for higher-is-better metrics, a rise for lower-is-better ones)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str = Field(pattern=METRIC_NAME_PATTERN, description="Metric name, e.g. hit_rate@5 or f1.")
    min: float | None = Field(None, description="Fail when the head value is below this.")
    max: float | None = Field(None, description="Fail when the head value is above this.")
    max_regression: float | None = Field(None, ge=0.0, description="Fail when head is worse than base by more.")
    advisory: bool = Field(False, description="Report the verdict but never fail the check.")

    @model_validator(mode="after")
    def _has_a_threshold(self) -> GateRule:
        if self.min is None and self.max is None and self.max_regression is None:
            raise ValueError("a gate rule needs at least one of min, max, max_regression")
        return self


class GatePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, title="GatePolicy")

    rules: list[GateRule] = Field(default_factory=list)
