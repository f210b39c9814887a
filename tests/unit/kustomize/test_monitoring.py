"""The monitoring component: alerts scoped to one app, and every query naming only metrics the service exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from tests.support.manifests import KUSTOMIZE, find, overlay_id, overlays, render
from tests.support.metrics_contract import exported_series

COMPONENT = KUSTOMIZE / "components" / "monitoring"
OVERLAYS = overlays()
# Grafana's variables, replaced by values of the right kind so the query parses as PromQL.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}
LABEL_VALUES = re.compile(r"^label_values\((?P<query>.+),\s*[a-zA-Z_]\w*\)$")


def _selectors(expr: str) -> list[Any]:
    selectors: list[Any] = []

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            selectors.append(node)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return selectors


def _metric_names(expr: str) -> set[str]:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    match = LABEL_VALUES.match(expr.strip())
    if match:
        expr = match.group("query")
    names = {s.name for s in _selectors(expr)}
    assert None not in names, f"select metrics by name, not by matchers only: {expr}"
    return {str(n) for n in names}


def _rule_exprs(rule_object: dict[str, Any]) -> list[str]:
    return [rule["expr"] for group in rule_object["spec"]["groups"] for rule in group["rules"]]


def _dashboard() -> dict[str, Any]:
    dashboard: dict[str, Any] = json.loads((COMPONENT / "dashboard.json").read_text(encoding="utf-8"))
    return dashboard


def _dashboard_exprs(dashboard: dict[str, Any]) -> list[str]:
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    exprs += [a["expr"] for a in dashboard["annotations"]["list"]]
    exprs += [v["query"]["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
    return exprs


def test_every_query_names_only_exported_metrics() -> None:
    rules = yaml.safe_load((COMPONENT / "prometheusrule.yaml").read_text(encoding="utf-8"))
    exprs = _rule_exprs(rules) + _dashboard_exprs(_dashboard())
    assert len(exprs) > 10
    used: set[str] = set()
    for expr in exprs:
        names = _metric_names(expr)
        assert names, f"queries no metric: {expr}"
        unknown = {n for n in names if not exported_series(n)}
        assert not unknown, f"{sorted(unknown)} not exported by the service, in: {expr}"
        used |= names
    # What the issue asks the dashboard and alerts to show.
    for needed in (
        "ragops_requests_total",
        "ragops_request_duration_seconds_bucket",
        "ragops_stage_duration_seconds_bucket",
        "ragops_inflight_requests",
        "ragops_ready",
        "ragops_release_metric",
        "ragops_release_timestamp_seconds",
        "ragops_answers_total",
        "ragops_feedback_total",
        "ragops_answers_abstained_total",
        "ragops_answer_support_sum",
        "ragops_answer_top_score_count",
    ):
        assert needed in used


def test_releases_are_annotated_on_the_quality_and_feedback_panels_which_plot_per_release() -> None:
    dashboard = _dashboard()
    (releases,) = dashboard["annotations"]["list"]
    assert "ragops_release_timestamp_seconds" in releases["expr"] and releases["useValueForTime"]
    annotated = {p["id"]: p for p in dashboard["panels"] if p["id"] in releases["filter"]["ids"]}
    assert releases["filter"]["exclude"] is False
    titles = sorted(p["title"] for p in annotated.values())
    assert titles == [
        "Feedback per answered question, by release",
        "Online quality proxies, by release",
        "Release evaluation metrics, by release",
    ]
    for panel in annotated.values():
        assert all("by (release" in target["expr"] for target in panel["targets"]), panel["title"]


def test_an_unexported_metric_is_caught() -> None:
    assert _metric_names("sum(rate(ragops_request_total[5m]))") == {"ragops_request_total"}
    assert not exported_series("ragops_request_total")
    assert not exported_series("ragops_ready_bucket")
    assert exported_series("ragops_stage_duration_seconds_count")


def test_dashboard_plots_the_release_metrics_per_release_and_latency_per_stage() -> None:
    by_title = {p["title"]: [t["expr"] for t in p["targets"]] for p in _dashboard()["panels"]}
    (release,) = [e for title, es in by_title.items() if "evaluation" in title.lower() for e in es]
    assert "by (release, metric)" in release
    stage = [e for title, es in by_title.items() if "stage" in title.lower() for e in es]
    assert any("histogram_quantile(0.5," in e for e in stage) and any("histogram_quantile(0.95," in e for e in stage)
    assert all("by (stage, le)" in e for e in stage)


@pytest.mark.parametrize("overlay", OVERLAYS, ids=[overlay_id(p) for p in OVERLAYS])
def test_alerts_and_scrapes_are_scoped_to_the_overlays_app(overlay: Path) -> None:
    objects = render(overlay)
    (monitor,) = find(objects, "ServiceMonitor")
    instance = monitor["metadata"]["labels"]["app.kubernetes.io/instance"]
    assert monitor["spec"]["jobLabel"] == "app.kubernetes.io/instance"
    (rule_object,) = find(objects, "PrometheusRule")
    for expr in _rule_exprs(rule_object):
        selectors = _selectors(expr)
        assert selectors
        for selector in selectors:
            matchers = {(m.name, str(m.op), m.value) for m in selector.matchers.matchers}
            jobs = {m for m in matchers if m[0] == "job"}
            assert len(jobs) == 1 and next(iter(jobs))[2] == instance, f"{selector.name} in {expr!r}: {jobs}"


@pytest.mark.parametrize("overlay", OVERLAYS, ids=[overlay_id(p) for p in OVERLAYS])
def test_every_overlay_ships_the_dashboard(overlay: Path) -> None:
    objects = render(overlay)
    (dashboard,) = [c for c in find(objects, "ConfigMap") if c["metadata"]["name"].startswith("ragops-dashboard-")]
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(dashboard["data"]["ragops.json"]) == _dashboard()
    (policy,) = find(objects, "NetworkPolicy")
    assert any(
        peer.get("namespaceSelector", {}).get("matchExpressions", [{}])[0].get("values") == ["monitoring"]
        for rule in policy["spec"]["ingress"]
        for peer in rule["from"]
    ), "Prometheus may scrape"
