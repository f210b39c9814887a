"""Analysing a canary: read the canary's and the stable release's traffic from Prometheus and judge it with the
app's canary rules (``spec.rollout.canary``; the defaults without a config).

With ``wait_s``, the analysis looks again every ``interval_s`` until it passes or fails or the time is up (then it
is inconclusive). Every look is a test, and looking often at a canary as good as stable would fail it more often
than ``alpha`` says; so the looks share ``alpha`` (Bonferroni: each is made at ``alpha / looks``), which keeps the
chance of any false verdict over the whole wait within ``alpha``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ragops.canary.prometheus import PrometheusClient
from ragops.canary.traffic import Scope, answers_by_release, check_window, release_traffic
from ragops.config.rollout import CanarySpec
from ragops.errors import UsageError
from ragops.evaluation.canary import CanaryAnalysis, analyze_canary
from ragops.serve.loading import load_serving_config, read_release

AUTO = "auto"


@dataclass(frozen=True)
class CanaryRequest:
    prometheus: str
    canary: str | None = None  # release id; or read from canary_manifest
    canary_manifest: Path | None = None
    stable: str = AUTO  # release id, or the other release that answered most in the window
    window: str = "1h"
    config: Path | None = None
    job: str | None = None
    namespace: str | None = None
    wait_s: float = 0.0
    interval_s: float = 60.0


def spec_per_look(spec: CanarySpec, looks: int) -> CanarySpec:
    """The rules as each of ``looks`` looks applies them: alpha split evenly (Bonferroni)."""
    return spec.model_copy(update={"alpha": spec.alpha / looks})


def canary_spec(config: Path | None) -> CanarySpec:
    if config is None:
        return CanarySpec()
    app, _ = load_serving_config(config)
    return app.spec.rollout.canary


def _canary_release(request: CanaryRequest) -> str:
    if (request.canary is None) == (request.canary_manifest is None):
        raise UsageError("name the canary release: --canary RELEASE_ID or --canary-manifest release.json")
    if request.canary_manifest is not None:
        return read_release(request.canary_manifest).release_id
    assert request.canary is not None
    return request.canary


def _stable_release(client: PrometheusClient, request: CanaryRequest, scope: Scope, canary: str) -> str:
    if request.stable != AUTO:
        return request.stable
    others = {r: n for r, n in answers_by_release(client, scope, request.window).items() if r != canary and n > 0}
    if not others:
        where = f" of job {scope.job}" if scope.job else ""
        raise UsageError(
            f"no release{where} other than the canary {canary} answered in the last {request.window}: "
            "name the stable release with --stable"
        )
    return next(iter(others))


def analyze(
    request: CanaryRequest,
    on_look: Callable[[int, int, CanaryAnalysis], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> CanaryAnalysis:
    """The verdict; ``on_look(look, looks, analysis)`` after each look when waiting."""
    check_window(request.window)
    if request.wait_s < 0 or request.interval_s <= 0:
        raise UsageError("--wait must be 0 or more seconds and --interval more than 0")
    spec = canary_spec(request.config)
    canary = _canary_release(request)
    looks = 1 + math.floor(request.wait_s / request.interval_s)
    per_look = spec_per_look(spec, looks)
    scope = Scope(request.job, request.namespace)
    client = PrometheusClient(request.prometheus)
    try:
        stable = _stable_release(client, request, scope, canary)
        if stable == canary:
            raise UsageError(f"the stable and the canary release are the same: {canary}")
        for look in range(1, looks + 1):
            analysis = analyze_canary(
                release_traffic(client, scope, stable, request.window),
                release_traffic(client, scope, canary, request.window),
                per_look,
            )
            if on_look is not None and looks > 1:
                on_look(look, looks, analysis)
            if analysis.verdict != "inconclusive" or look == looks:
                return analysis
            sleep(request.interval_s)
        raise AssertionError("unreachable: the last look returns")  # pragma: no cover
    finally:
        client.close()
