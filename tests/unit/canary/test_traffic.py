"""Selecting one app's and one release's series, and the analysis window."""

from __future__ import annotations

import promql_parser
import pytest

from ragops.canary.traffic import Scope, check_window
from ragops.errors import UsageError


def test_matchers_are_valid_promql_even_for_odd_release_ids() -> None:
    scope = Scope(job="covid-qa", namespace="ragops-production")
    matchers = scope.matchers(release='r-1"\\x')
    assert matchers == 'job="covid-qa", namespace="ragops-production", release="r-1\\"\\\\x"'
    selector = promql_parser.parse(f"ragops_answers_total{{{matchers}}}")
    assert {m.name: m.value for m in selector.matchers.matchers}["release"] == 'r-1"\\x'
    assert Scope().matchers() == ""


@pytest.mark.parametrize("window", ["30m", "1h", "1h30m", "90s", "2d"])
def test_prometheus_durations_are_windows(window: str) -> None:
    assert check_window(window) == window


@pytest.mark.parametrize("window", ["", "30", "m", "1 h", "-5m", "5x"])
def test_anything_else_is_a_usage_error(window: str) -> None:
    with pytest.raises(UsageError, match="Prometheus duration"):
        check_window(window)
