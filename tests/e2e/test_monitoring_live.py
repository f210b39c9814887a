"""The monitoring component against a real Prometheus and Alertmanager scraping a real ``ragops serve``.

Prometheus scrapes the service with the scrape config the rendered ServiceMonitor implies and evaluates the
rendered PrometheusRule, every duration divided by :data:`FACTOR` in a copy (so 15 minutes are 15 seconds); its
alerts go through Alertmanager to a webhook on loopback. The faults are real: the service's upstream LLM (an
OpenAI-compatible endpoint on loopback, scripted by the test) holds the warm-up, then answers slowly, fails every
fourth call and answers off its sources while the load generator rates every answer down; the service's process
is then stopped (SIGSTOP) so Prometheus cannot scrape it. Every alert must fire, reach the webhook, and resolve
once its cause is gone; and every query of the dashboard and of the rules must return data for the live service.
"""

# ruff: noqa: F811  (the session fixtures from tests.support.serving are imported by name)
from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import promql_parser
import pytest

from tests.support.chat_stub import chat_stub
from tests.support.load import MANY_USERS_ONE_ADDRESS, Arm, run_load
from tests.support.manifests import KUSTOMIZE, OVERLAYS, find, render
from tests.support.prometheus import Target, monitoring_stack, service_monitor_scrape, shortened_rules
from tests.support.serving import TinyApp, release_manifest, start, tiny_app, write_app  # noqa: F401

pytestmark = pytest.mark.e2e

FACTOR = 60
OVERLAY = OVERLAYS / "staging" / "covid-qa"
DASHBOARD = KUSTOMIZE / "components" / "monitoring" / "dashboard.json"
QUESTIONS = [
    "How many steps does the alpha handshake have?",
    "What is the worst case of beta sorting?",
    "What produces gamma rays?",
    "Where does a river delta form?",
    "What does epsilon denote in analysis?",
]
FAULT_ALERTS = {
    "RagopsHighErrorRate",
    "RagopsHighLatencyP95",
    "RagopsFeedbackDownRateHigh",
    "RagopsAnswerSupportBelowRelease",
}
WAIT_S = 120


def _measures(expr: str) -> list[str]:
    """What an alert compares: both sides of its top-level comparison (a literal threshold excepted)."""
    node = promql_parser.parse(expr)
    if not isinstance(node, promql_parser.BinaryExpr) or str(node.op) not in {">", "<", ">=", "<=", "==", "!="}:
        return [expr]
    sides = [node.lhs] + ([] if isinstance(node.rhs, promql_parser.NumberLiteral) else [node.rhs])
    return [side.prettify() for side in sides]


def _dashboard_queries(variables: dict[str, str]) -> list[tuple[str, str, str]]:
    """(panel title, refId, query) of every panel target and annotation, Grafana's variables filled in."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    queries = [(p["title"], t["refId"], t["expr"]) for p in dashboard["panels"] for t in p["targets"]]
    queries += [(f"annotation {a['name']}", "-", a["expr"]) for a in dashboard["annotations"]["list"]]
    filled = []
    for title, ref, expr in queries:
        for name, value in variables.items():
            expr = expr.replace(name, value)
        filled.append((title, ref, expr))
    return filled


def _shown(result: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{ {k: v for k, v in r['metric'].items() if k not in {'__name__'}} } = {r['value'][1]}" for r in result[:4]
    )


def test_every_alert_fires_for_real_reaches_alertmanager_and_resolves(tiny_app: TinyApp, tmp_path: Path) -> None:
    objects = render(OVERLAY)
    (monitor,) = find(objects, "ServiceMonitor")
    (rule_object,) = find(objects, "PrometheusRule")
    (service,) = find(objects, "Service")
    rules = shortened_rules(rule_object, FACTOR)
    alerts = {rule["alert"]: rule["expr"] for group in rules["groups"] for rule in group["rules"]}
    assert set(alerts) == FAULT_ALERTS | {"RagopsNotReady", "RagopsMetricsAbsent"}
    job, namespace = monitor["metadata"]["labels"]["app.kubernetes.io/instance"], monitor["metadata"]["namespace"]

    with chat_stub() as llm:
        llm.behaviour.held.clear()  # the engine's warm-up waits for the LLM: the pod is up but not ready
        config = write_app(tiny_app.root, llm=llm.llm_section(), name="tiny-monitored.yaml")
        release = tmp_path / "release.json"
        manifest = release_manifest(tiny_app)
        manifest["release_id"] = "r-monitored"
        manifest["evaluation"] = {"run_id": "run-1", "metrics": {"answer_support": 0.95, "f1": 0.5}, "gate": "pass"}
        release.write_text(json.dumps(manifest), encoding="utf-8")
        served = start(
            *(config, tiny_app.index, tmp_path / "serve.log"),
            *("--release", str(release), "--feedback-dir", str(tmp_path / "feedback")),
            # One question per batch, many at once: an injected LLM failure fails its own request only.
            *("--max-batch", "1", "--threads", "8", "--compute-threads", "1"),
            *MANY_USERS_ONE_ADDRESS,
            wait_ready=False,
        )
        try:
            deadline = time.monotonic() + 180
            while True:
                assert served.process.poll() is None, served.log.read_text()
                try:
                    if httpx.get(f"{served.base_url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, served.log.read_text()
                time.sleep(0.25)
            scrape = service_monitor_scrape(monitor, service["metadata"]["name"], [Target(served.base_url, "pod-0")])
            with monitoring_stack(tmp_path / "monitoring", [scrape], rules) as stack:
                prometheus, webhook = stack.prometheus, stack.webhook
                arm = Arm(served.base_url, 1.0)

                # Not ready: the index is loaded but the warm-up waits on the LLM.
                webhook.wait_for("RagopsNotReady", "firing", WAIT_S)
                llm.behaviour.held.set()
                webhook.wait_for("RagopsNotReady", "resolved", WAIT_S)

                # Healthy traffic, every answer rated up: nothing fires.
                run_load([arm], QUESTIONS, duration_s=8)
                assert prometheus.firing() == set()

                # Faults: slow, failing and ungrounded LLM answers, every answer rated down.
                llm.behaviour.delay_s, llm.behaviour.fail_every, llm.behaviour.grounded = 1.2, 4, False
                stop = threading.Event()
                faulty = threading.Thread(
                    target=run_load,
                    args=([Arm(served.base_url, 1.0, down_rate=1.0)], QUESTIONS),
                    kwargs={"duration_s": 240, "concurrency": 8, "stop": stop},
                )
                faulty.start()
                try:
                    fired = {name: webhook.wait_for(name, "firing", WAIT_S) for name in sorted(FAULT_ALERTS)}
                    # While every fault holds, every query of the rules and of the dashboard returns data.
                    for name, expr in alerts.items():
                        if name in {"RagopsNotReady", "RagopsMetricsAbsent"}:
                            continue  # their conditions hold only when not ready / not scraped: checked by firing
                        for measure in _measures(expr):
                            assert prometheus.query(measure), f"{name}: no data for {measure}"
                    variables = {"$namespace": namespace, "$job": job, "$__rate_interval": "15s"}
                    shown = []
                    for title, ref, expr in _dashboard_queries(variables):
                        result = prometheus.query(expr)
                        assert result, f"dashboard panel {title!r} ({ref}) returned no data: {expr}"
                        shown.append(f"{title} [{ref}]: {expr}\n    -> {_shown(result)}")
                    print("\nDashboard queries and what Prometheus returned:\n" + "\n".join(shown))
                finally:
                    stop.set()
                    faulty.join(120)
                assert fired["RagopsFeedbackDownRateHigh"]["labels"]["release"] == "r-monitored"
                assert fired["RagopsHighErrorRate"]["labels"]["job"] == job

                # Recovery: the LLM is healthy again and users are content; every alert resolves.
                llm.behaviour.delay_s, llm.behaviour.fail_every, llm.behaviour.grounded = 0.0, 0, True
                stop = threading.Event()
                healthy = threading.Thread(
                    target=run_load, args=([arm], QUESTIONS), kwargs={"duration_s": 240, "stop": stop}
                )
                healthy.start()
                try:
                    for name in sorted(FAULT_ALERTS):
                        webhook.wait_for(name, "resolved", WAIT_S)
                finally:
                    stop.set()
                    healthy.join(120)

                # The process hangs: Prometheus cannot scrape it and the app's series vanish.
                os.kill(served.process.pid, signal.SIGSTOP)
                try:
                    webhook.wait_for("RagopsMetricsAbsent", "firing", WAIT_S)
                finally:
                    os.kill(served.process.pid, signal.SIGCONT)
                webhook.wait_for("RagopsMetricsAbsent", "resolved", WAIT_S)
                for name in alerts:
                    assert webhook.notified(name, "firing") and webhook.notified(name, "resolved"), name
        finally:
            served.stop()
