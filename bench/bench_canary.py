"""Benchmark: the canary analysis's error rates and the traffic it needs, by simulation with the real analysis code,
and the time a live canary on loopback takes to reach a decision.

Simulation (no Prometheus): releases are binomial draws of answers rated down, 80 % of the traffic to the stable
release and 20 % to the canary, judged by ``ragops.evaluation.canary.analyze_canary`` with one rule on
``feedback_down_rate`` (``significant: true``) at alpha 5 %:

- false alarms: both releases rated down 5 % of the time; the share of canaries failed. Target: at most alpha.
  Measured for the default rule (max_regression 0.03), for the strictest one (max_regression 0: any significant
  rise fails), and for ``--wait`` looking 10 times as traffic accumulates (the looks share alpha);
- power: the canary answers (and all answers, at 80/20) needed to fail a canary whose down-rate rose from 5 % to
  10 % in 80 % of trials, found by bisection; beside it the normal-approximation estimate.

Live: a stable release and canaries of the tiny app served by ``ragops serve`` on loopback, a real Prometheus
scraping them every second, the load generator sending questions 80/20 and rating answers (5 % down on the
stable release; 10 % on one canary, 5 % on the other), and ``ragops canary analyze --wait`` looking every 10 s:
the time from the first question to its verdict.

Run: ``.venv/bin/python bench/bench_canary.py [--trials N] [--no-live]``. Prints a table.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support: the services, Prometheus and the load generator on loopback

from measures import print_measures  # noqa: E402
from tests.conftest import wait_until_answering  # noqa: E402
from tests.support.canary_live import QUESTIONS, TEXT_MODE, app_config, start_instance  # noqa: E402
from tests.support.load import Arm, run_load  # noqa: E402
from tests.support.manifests import OVERLAYS, find, render  # noqa: E402
from tests.support.prometheus import Target, monitoring_stack, service_monitor_scrape  # noqa: E402
from tests.support.serving import build_tiny_app  # noqa: E402

from ragops.app.canary import spec_per_look  # noqa: E402
from ragops.config.gate import GateRule  # noqa: E402
from ragops.config.rollout import DEFAULT_CANARY_RULES, CanarySpec  # noqa: E402
from ragops.evaluation.canary import ReleaseTraffic, analyze_canary  # noqa: E402
from ragops.evaluation.two_sample import z  # noqa: E402

CANARY_SHARE = 0.2
BASE_RATE, RAISED_RATE = 0.05, 0.10
POWER = 0.8
ALPHA = 0.05
DEFAULT_RULE = next(r for r in DEFAULT_CANARY_RULES if r.metric == "feedback_down_rate")
STRICT_RULE = GateRule(metric="feedback_down_rate", max_regression=0.0, significant=True)
# The live run's rules: the down-rate alone, with a limit a 5-point rise exceeds.
LIVE_RULES = """  rollout:
    canary:
      rules:
        - metric: feedback_down_rate
          max_regression: 0.02
          significant: true
"""


def _traffic(release: str, answers: int, down: int) -> ReleaseTraffic:
    return ReleaseTraffic(release, answers=answers, requests=answers, down=down, up=answers - down)


def _failed_share(
    rule: GateRule, canary_rate: float, canary_answers: int, trials: int, rng: np.random.Generator, looks: int = 1
) -> float:
    """Share of simulated canaries failed; with ``looks`` the answers arrive in that many equal parts and the
    analysis looks after each (alpha split between the looks), stopping at the first pass or fail."""
    spec = spec_per_look(CanarySpec(alpha=ALPHA, rules=[rule]), looks)
    stable_answers = round(canary_answers * (1 - CANARY_SHARE) / CANARY_SHARE)
    failed = 0
    for _ in range(trials):
        stable_down = canary_down = stable_seen = canary_seen = 0
        for look in range(1, looks + 1):
            s_n = stable_answers * look // looks - stable_seen
            c_n = canary_answers * look // looks - canary_seen
            stable_down += int(rng.binomial(s_n, BASE_RATE))
            canary_down += int(rng.binomial(c_n, canary_rate))
            stable_seen, canary_seen = stable_seen + s_n, canary_seen + c_n
            verdict = analyze_canary(
                _traffic("stable", stable_seen, stable_down), _traffic("canary", canary_seen, canary_down), spec
            ).verdict
            if verdict != "inconclusive":
                break
        failed += verdict == "fail"
    return failed / trials


def _answers_for_power(rule: GateRule, trials: int, rng: np.random.Generator) -> int:
    """Fewest canary answers (to 2 %) with which a 5 % → 10 % rise fails in at least POWER of the trials."""
    low, high = 20, 40
    while _failed_share(rule, RAISED_RATE, high, trials, rng) < POWER:
        low, high = high, high * 2
    while high - low > max(5, high // 50):
        middle = (low + high) // 2
        if _failed_share(rule, RAISED_RATE, middle, trials, rng) >= POWER:
            high = middle
        else:
            low = middle
    return high


def _normal_estimate() -> int:
    ratio = (1 - CANARY_SHARE) / CANARY_SHARE
    variance = RAISED_RATE * (1 - RAISED_RATE) + BASE_RATE * (1 - BASE_RATE) / ratio
    return math.ceil((z(1 - ALPHA) + z(POWER)) ** 2 * variance / (RAISED_RATE - BASE_RATE) ** 2)


def simulate(trials: int) -> list[tuple[str, str]]:
    rng = np.random.default_rng(20260101)
    rows: list[tuple[str, str]] = []
    for answers in (200, 1000, 5000):
        for name, rule in (("default rule (max_regression 0.03)", DEFAULT_RULE), ("any significant rise", STRICT_RULE)):
            share = _failed_share(rule, BASE_RATE, answers, trials, rng)
            rows.append((f"false alarms, equal 5% releases, {answers} canary answers, {name}", f"{share:.2%}"))
    share = _failed_share(STRICT_RULE, BASE_RATE, 1000, trials, rng, looks=10)
    rows.append(("false alarms, 10 looks up to 1000 canary answers, any significant rise", f"{share:.2%}"))
    rows.append(("target for false alarms (alpha)", f"{ALPHA:.0%}"))
    for name, rule in (("default rule (max_regression 0.03)", DEFAULT_RULE), ("any significant rise", STRICT_RULE)):
        needed = _answers_for_power(rule, trials, rng)
        total = round(needed / CANARY_SHARE)
        rows.append((f"answers to detect 5% -> 10% with 80% power, {name}", f"{needed} canary, {total} in all"))
    estimate = _normal_estimate()
    rows.append(
        ("normal approximation (one-sided z-test)", f"{estimate} canary, {round(estimate / CANARY_SHARE)} in all")
    )
    return rows


def _decide(prometheus: str, config: Path, canary: str) -> dict[str, Any]:
    done = subprocess.run(
        [
            *(sys.executable, "-m", "ragops.cli.main", "canary", "analyze", "--prometheus", prometheus),
            *("--canary", canary, "--stable", "r-stable", "--window", "30m", "--config", str(config)),
            *("--wait", "600", "--interval", "10", "--format", "json"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if done.returncode not in (0, 1, 4):
        raise SystemExit(f"ragops canary analyze failed: {done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def live() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-canary-") as scratch:
        folder = Path(scratch)
        (folder / "repo").mkdir()
        app = build_tiny_app(folder / "repo")
        config = app_config(app, "tiny-live-rules.yaml", TEXT_MODE, LIVE_RULES)
        instances = {
            release: start_instance(app, folder / release, release, TEXT_MODE, LIVE_RULES)
            for release in ("r-stable", "r-worse", "r-same")
        }
        try:
            for served in instances.values():
                wait_until_answering(served.process, f"{served.base_url}/readyz", served.log, "ragops serve", 180)
            objects = render(OVERLAYS / "production" / "covid-qa")
            (monitor,) = find(objects, "ServiceMonitor")
            targets = [Target(s.base_url, release) for release, s in instances.items()]
            scrape = service_monitor_scrape(monitor, "ragops-covid-qa", targets)
            with monitoring_stack(folder / "monitoring", [scrape]) as stack:
                for canary, rate in (("r-worse", RAISED_RATE), ("r-same", BASE_RATE)):
                    stop = threading.Event()
                    arms = [
                        Arm(instances["r-stable"].base_url, 1 - CANARY_SHARE, down_rate=BASE_RATE),
                        Arm(instances[canary].base_url, CANARY_SHARE, down_rate=rate),
                    ]
                    load = threading.Thread(
                        target=run_load, args=(arms, QUESTIONS), kwargs={"duration_s": 900, "stop": stop}
                    )
                    started = time.monotonic()
                    load.start()
                    try:
                        analysis = _decide(stack.prometheus.url, config, canary)
                    finally:
                        stop.set()
                        load.join()
                    seconds = time.monotonic() - started
                    what = f"live 80/20, down-rate 5% vs {rate:.0%}"
                    rows.append((f"{what}: verdict", analysis["verdict"]))
                    rows.append((f"{what}: time from first question to verdict", f"{seconds:.0f} s"))
                    rows.append((f"{what}: canary answers at the verdict", str(analysis["canary"]["answers"])))
        finally:
            for served in instances.values():
                served.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=2000, help="simulated canaries per measure (default 2000)")
    parser.add_argument("--no-live", action="store_true", help="skip the live run on loopback")
    args = parser.parse_args()
    rows = simulate(args.trials)
    if not args.no_live:
        rows += live()
    print_measures(rows)


if __name__ == "__main__":
    main()
