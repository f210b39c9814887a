"""How a new release reaches production traffic: the canary's rules (``spec.rollout.canary`` of an app's config).

While a canary release serves part of the traffic beside the stable release, ``ragops canary analyze`` compares
the two on live metrics read from Prometheus (:data:`CANARY_METRICS`) and judges each with a rule in the gates'
vocabulary (:class:`ragops.config.gate.GateRule`): ``min``/``max`` on the canary's value, ``max_regression`` /
``max_relative_regression`` on canary minus stable in the metric's own direction, ``significant: true`` to fail a
regression only when it is statistically significant at ``alpha``. A regression rule's limit is also the smallest
difference the analysis must be able to rule out before it passes the canary: until then the verdict is
inconclusive, with the number of answers still needed to tell at ``power``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ragops.config.gate import GateRule

# The metrics a canary rule may name, and what each one is (computed per release over the analysis window).
CANARY_METRICS: dict[str, str] = {
    "feedback_down_rate": "answers rated down per answered question",
    "error_rate": "share of /v1/query requests answered 5xx",
    "latency_p95_ms": "p95 latency of /v1/query in milliseconds",
    "abstention_rate": "share of answers that are empty or say they do not know",
    "answer_support": "mean share of an answer's tokens found in its retrieved text (abstentions excluded)",
    "top_score": "mean retrieval score of the top hit, on the retrieval mode's scale",
}

DEFAULT_CANARY_RULES: tuple[GateRule, ...] = (
    GateRule(metric="feedback_down_rate", max_regression=0.03, significant=True),
    GateRule(metric="error_rate", max_regression=0.01, significant=True),
    GateRule(metric="latency_p95_ms", max_relative_regression=0.25),
    GateRule(metric="abstention_rate", max_regression=0.05, significant=True),
    GateRule(metric="answer_support", max_regression=0.05, significant=True),
    GateRule(metric="top_score", max_relative_regression=0.1, significant=True),
)


class CanarySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    alpha: float = Field(
        0.05,
        gt=0.0,
        lt=0.5,
        description="Significance level: the chance that a canary as good as the stable release is failed by a "
        "significant rule, and that a canary worse by a rule's limit is passed.",
    )
    power: float = Field(
        0.8,
        gt=0.5,
        lt=1.0,
        description="Chance of detecting a regression as large as a rule's limit: sets how many answers an "
        "inconclusive verdict asks for.",
    )
    min_answers: int = Field(
        100,
        ge=1,
        description="Answers the canary must have given before rules without a confidence interval "
        "(latency_p95_ms, and rules without significant: true) are judged; inconclusive until then.",
    )
    rules: list[GateRule] = Field(
        default_factory=lambda: list(DEFAULT_CANARY_RULES),
        description=f"One rule per metric, on: {', '.join(CANARY_METRICS)}.",
    )

    @model_validator(mode="after")
    def _known_metrics_once(self) -> CanarySpec:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.metric not in CANARY_METRICS:
                raise ValueError(f"{rule.metric!r} is not a canary metric; use one of: {', '.join(CANARY_METRICS)}")
            if rule.metric in seen:
                raise ValueError(f"two rules on {rule.metric!r}: merge them into one (a rule takes several limits)")
            seen.add(rule.metric)
        return self


class RolloutSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    canary: CanarySpec = Field(default_factory=CanarySpec)
