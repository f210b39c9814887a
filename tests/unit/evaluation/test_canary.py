"""The canary's verdict from two releases' traffic: the gates' rules, plus "inconclusive" with the answers needed."""

from __future__ import annotations

import math

import pytest

from ragops.config.gate import GateRule
from ragops.config.rollout import CanarySpec
from ragops.evaluation.canary import CanaryAnalysis, ReleaseTraffic, analyze_canary
from ragops.evaluation.two_sample import BinnedSample

SUPPORT_BOUNDS = (0.5, 0.9, 1.0)


def _support(count: int, mean: float) -> BinnedSample:
    """``count`` answers, all in the bucket holding ``mean``."""
    cumulative = [(bound, float(count) if mean <= bound else 0.0) for bound in SUPPORT_BOUNDS]
    return BinnedSample(count, count * mean, [*cumulative, (math.inf, float(count))])


def _traffic(
    release: str,
    answers: int,
    down: int,
    *,
    errors: int = 0,
    abstained: int = 0,
    support: float = 0.95,
    p95: float = 80,
) -> ReleaseTraffic:
    return ReleaseTraffic(
        release=release,
        answers=answers,
        requests=answers + errors,
        errors=errors,
        down=down,
        up=answers - down,
        abstained=abstained,
        support=_support(answers - abstained, support),
        top_score=_support(answers, 0.7),
        latency_p95_ms=p95,
    )


def _rules(analysis: CanaryAnalysis) -> dict[str, str]:
    return {rule.metric: rule.status for rule in analysis.rules}


def test_equal_releases_with_enough_traffic_pass() -> None:
    analysis = analyze_canary(_traffic("r1", 4000, 200), _traffic("r2", 1000, 50), CanarySpec())
    assert analysis.verdict == "pass", analysis.reason
    assert set(_rules(analysis).values()) == {"pass"}
    assert analysis.more_answers is None
    assert analysis.canary.release == "r2" and analysis.stable.feedback_down == 200


def test_a_clear_rise_of_the_down_rate_fails_with_its_interval_and_p_value() -> None:
    analysis = analyze_canary(_traffic("r1", 4000, 200), _traffic("r2", 1000, 150), CanarySpec())
    assert analysis.verdict == "fail"
    (down,) = [r for r in analysis.rules if r.metric == "feedback_down_rate"]
    assert down.status == "fail" and down.delta == pytest.approx(0.1)
    assert down.interval is not None and down.interval[0] > 0
    assert down.p_value is not None and down.p_value < 1e-6
    assert "feedback_down_rate: regression 0.1 beyond max 0.03, significant" in analysis.reason


def test_little_traffic_is_inconclusive_and_says_how_many_answers_would_decide() -> None:
    analysis = analyze_canary(_traffic("r1", 200, 10), _traffic("r2", 40, 2), CanarySpec())
    assert analysis.verdict == "inconclusive"
    assert analysis.more_answers is not None and analysis.more_answers > 100
    assert analysis.more_answers_in_all == math.ceil(analysis.more_answers * (1 + 200 / 40))
    assert f"about {analysis.more_answers} more canary answers" in analysis.reason
    # Given that many more answers at the same rates, the rule that needed the most is decided.
    more = analysis.more_answers
    later = analyze_canary(
        _traffic("r1", 200 + 5 * more, (200 + 5 * more) // 20),
        _traffic("r2", 40 + more, (40 + more) // 20),
        CanarySpec(),
    )
    assert later.verdict == "pass", later.reason


def test_no_canary_traffic_at_all_is_inconclusive() -> None:
    analysis = analyze_canary(_traffic("r1", 500, 20), ReleaseTraffic("r2"), CanarySpec())
    assert analysis.verdict == "inconclusive"
    assert all(r.status == "inconclusive" and r.canary is None for r in analysis.rules)


def test_a_significant_rule_does_not_fail_on_noise() -> None:
    # 3 of 30 down against 5%: a regression beyond the limit, but not significant: inconclusive, not fail.
    analysis = analyze_canary(_traffic("r1", 2000, 100), _traffic("r2", 30, 3), CanarySpec())
    (down,) = [r for r in analysis.rules if r.metric == "feedback_down_rate"]
    assert down.status == "inconclusive" and down.more_answers
    assert analysis.verdict == "inconclusive"


def test_rules_without_an_interval_wait_for_min_answers_then_judge() -> None:
    spec = CanarySpec(rules=[GateRule(metric="latency_p95_ms", max=500), GateRule(metric="error_rate", max=0.05)])
    slow_early = analyze_canary(_traffic("r1", 1000, 0), _traffic("r2", 50, 0, p95=900), spec)
    assert slow_early.verdict == "inconclusive" and slow_early.more_answers == 50
    slow = analyze_canary(_traffic("r1", 1000, 0), _traffic("r2", 150, 0, p95=900, errors=20), spec)
    assert _rules(slow) == {"latency_p95_ms": "fail", "error_rate": "fail"}
    assert "900 > max 500" in slow.reason


def test_worse_online_proxies_fail_the_canary() -> None:
    stable = _traffic("r1", 3000, 150, abstained=60, support=0.95)
    canary = _traffic("r2", 750, 37, abstained=150, support=0.7)
    analysis = analyze_canary(stable, canary, CanarySpec())
    assert analysis.verdict == "fail"
    assert _rules(analysis)["abstention_rate"] == "fail" and _rules(analysis)["answer_support"] == "fail"


def test_an_advisory_rule_warns_without_failing_the_canary() -> None:
    spec = CanarySpec(
        rules=[GateRule(metric="feedback_down_rate", max_regression=0.03, significant=True, advisory=True)]
    )
    analysis = analyze_canary(_traffic("r1", 4000, 200), _traffic("r2", 1000, 150), spec)
    assert _rules(analysis) == {"feedback_down_rate": "warn"}
    assert analysis.verdict == "pass"


def test_the_analysis_is_json() -> None:
    analysis = analyze_canary(_traffic("r1", 200, 10), _traffic("r2", 40, 2), CanarySpec())
    assert CanaryAnalysis.model_validate_json(analysis.model_dump_json()) == analysis
