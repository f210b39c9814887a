"""``ragops canary analyze`` against a real Prometheus scraping real ``ragops serve`` instances on loopback.

A stable release and canaries of the same app run side by side as the pods of one job (the scrape config the
monitoring component's ServiceMonitor implies); the load generator splits questions 80/20 between the stable
release and one canary and rates every answer, down at a scripted rate per instance. Then the real CLI decides:

- a canary with a broken retrieval config (a score threshold no hit reaches: every answer is empty) that users
  rate down six times as often fails;
- a canary identical to the stable release, rated down as often, passes;
- a canary that has answered a handful of questions is inconclusive, and says how many more answers it needs.

The apps and helpers are tests/support/canary_live.py's, shared with bench/bench_canary.py.
"""

# ruff: noqa: F811  (the session fixtures from tests.support.serving are imported by name)
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import wait_until_answering
from tests.support.canary_live import BROKEN, QUESTIONS, TEXT_MODE, app_config, start_instance, wait_scraped
from tests.support.load import Arm, ArmStats, run_load
from tests.support.manifests import OVERLAYS, find, render
from tests.support.prometheus import Prometheus, Target, monitoring_stack, service_monitor_scrape
from tests.support.serving import TinyApp, tiny_app  # noqa: F401

pytestmark = pytest.mark.e2e

OVERLAY = OVERLAYS / "production" / "covid-qa"


def _analyze(prometheus: Prometheus, config: Path, canary: str, *stable: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [
            *(sys.executable, "-m", "ragops.cli.main", "canary", "analyze"),
            *("--prometheus", prometheus.url, "--canary", canary, *stable),
            *("--window", "15m", "--config", str(config), "--job", "covid-qa", "--namespace", "ragops-production"),
            *("--format", "json"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode in (0, 1, 4), done.stderr
    analysis: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, analysis


def _statuses(analysis: dict[str, Any]) -> dict[str, str]:
    return {rule["metric"]: rule["status"] for rule in analysis["rules"]}


def _close(counted: int, sent: int) -> bool:
    """Prometheus's increase() extrapolates from the first and last samples towards the window's edges (by up to
    half a scrape interval at each end): a load that lasts a few dozen scrapes reads up to ~10% off (63 for 60 was
    seen on a quiet machine), never more."""
    return abs(counted - sent) <= max(1, 0.1 * sent)


def test_canary_analysis_fails_passes_and_waits_on_live_traffic(tiny_app: TinyApp, tmp_path: Path) -> None:
    objects = render(OVERLAY)
    (monitor,) = find(objects, "ServiceMonitor")
    (service,) = find(objects, "Service")
    config = app_config(tiny_app, "tiny-rules.yaml", TEXT_MODE)
    instances = {
        "r-stable": start_instance(tiny_app, tmp_path / "stable", "r-stable", TEXT_MODE),
        "r-broken": start_instance(tiny_app, tmp_path / "broken", "r-broken", BROKEN),
        "r-same": start_instance(tiny_app, tmp_path / "same", "r-same", TEXT_MODE),
        "r-new": start_instance(tiny_app, tmp_path / "new", "r-new", TEXT_MODE),
    }
    try:
        for served in instances.values():
            wait_until_answering(served.process, f"{served.base_url}/readyz", served.log, "ragops serve", 180)
        targets = [Target(s.base_url, f"ragops-covid-qa-{release}") for release, s in instances.items()]
        scrape = service_monitor_scrape(monitor, service["metadata"]["name"], targets)
        with monitoring_stack(tmp_path / "monitoring", [scrape]) as stack:
            prometheus = stack.prometheus
            # Per-release series: every instance's series carry its release id.
            deadline = time.monotonic() + 60
            while len(ready := prometheus.query('ragops_ready{job="covid-qa"} == 1')) < len(instances):
                assert time.monotonic() < deadline, ready
                time.sleep(0.5)
            assert sorted(r["metric"]["release"] for r in ready) == sorted(instances)

            stable = instances["r-stable"].base_url
            # A clear difference: the broken canary abstains on everything and is rated down 30% of the time.
            started = time.monotonic()
            sent = run_load(
                [Arm(stable, 0.8, down_rate=0.05), Arm(instances["r-broken"].base_url, 0.2, down_rate=0.3)],
                QUESTIONS,
                requests=300,
            )
            wait_scraped(prometheus, "r-stable", sent[0].answered)
            wait_scraped(prometheus, "r-broken", sent[1].answered)
            code, analysis = _analyze(prometheus, config, "r-broken", "--stable", "r-stable")
            print(f"\nclear difference: {analysis['verdict']} after {time.monotonic() - started:.0f} s")
            assert (code, analysis["verdict"]) == (1, "fail"), analysis["reason"]
            statuses = _statuses(analysis)
            assert statuses["feedback_down_rate"] == "fail" and statuses["abstention_rate"] == "fail"
            assert _close(analysis["canary"]["answers"], sent[1].answered)
            assert _close(analysis["canary"]["feedback_down"], sent[1].down)

            # No difference: the same config, rated down as often; 80/20 over enough questions to tell.
            started = time.monotonic()
            more: list[ArmStats] = run_load(
                [Arm(stable, 0.8, down_rate=0.05), Arm(instances["r-same"].base_url, 0.2, down_rate=0.05)],
                QUESTIONS,
                requests=1000,
            )
            stable_answers = sent[0].answered + more[0].answered
            wait_scraped(prometheus, "r-stable", stable_answers)
            wait_scraped(prometheus, "r-same", more[1].answered)
            code, analysis = _analyze(prometheus, config, "r-same", "--stable", "auto")
            print(f"no difference: {analysis['verdict']} after {time.monotonic() - started:.0f} s")
            assert (code, analysis["verdict"]) == (0, "pass"), analysis["reason"]
            assert analysis["stable"]["release"] == "r-stable"  # found by --stable auto: most answers
            assert set(_statuses(analysis).values()) == {"pass"}
            assert _close(analysis["stable"]["answers"], stable_answers)

            # Too little traffic: a new canary that has answered a handful of questions.
            few = run_load([Arm(instances["r-new"].base_url, 1.0, down_rate=0.05)], QUESTIONS, requests=8)
            wait_scraped(prometheus, "r-new", few[0].answered)
            code, analysis = _analyze(prometheus, config, "r-new", "--stable", "r-stable")
            assert (code, analysis["verdict"]) == (4, "inconclusive"), analysis["reason"]
            assert analysis["more_answers"] > 0 and analysis["more_answers_in_all"] > analysis["more_answers"]
            assert f"about {analysis['more_answers']} more canary answers" in analysis["reason"]
    finally:
        for served in instances.values():
            served.stop()
