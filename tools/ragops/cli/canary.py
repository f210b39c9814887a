"""``ragops canary analyze``: a canary release against the stable release, on live traffic read from Prometheus.

Exit codes: 0 pass, 1 fail, 4 inconclusive (not enough traffic yet: the output says how many more answers would
decide), 2 usage, 3 Prometheus unreachable. The analysis step of an Argo Rollouts canary runs it as a job
(kustomize/components/canary).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ragops.app.canary import AUTO, CanaryRequest, analyze
from ragops.cli import options
from ragops.errors import EXIT_INCONCLUSIVE, EXIT_INVALID, EXIT_OK
from ragops.evaluation.canary import CanaryAnalysis

EXIT_CODES = {"pass": EXIT_OK, "fail": EXIT_INVALID, "inconclusive": EXIT_INCONCLUSIVE}


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "canary",
        help="judge a canary release against the stable one on live traffic",
        description="Canary analysis from the service's metrics in Prometheus (every series names its release).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser(
        "analyze",
        help="pass, fail or inconclusive: feedback down-rate, errors, p95 latency and online quality proxies",
        description="Compares the canary's and the stable release's traffic over a window with the app's canary "
        "rules (spec.rollout.canary; built-in defaults without --config). Exit 0 pass, 1 fail, 4 inconclusive "
        "(it says how many more answers would decide), 2 usage, 3 Prometheus unreachable.",
    )
    run.add_argument(
        "--prometheus", required=True, metavar="URL", help="Prometheus server, e.g. http://prometheus:9090"
    )
    canary = run.add_mutually_exclusive_group(required=True)
    canary.add_argument("--canary", metavar="RELEASE", help="the canary's release id (release.json's release_id)")
    canary.add_argument(
        "--canary-manifest",
        type=Path,
        metavar="RELEASE_JSON",
        help="read the canary's release id from its release.json",
    )
    run.add_argument(
        "--stable",
        default=AUTO,
        metavar="RELEASE",
        help="the stable release's id (default: auto, the other release that answered most in the window)",
    )
    run.add_argument("--window", default="1h", help="Prometheus duration the traffic is counted over (default: 1h)")
    run.add_argument("--config", type=Path, metavar="APP_YAML", help="the app's config, for spec.rollout.canary")
    run.add_argument("--job", help="the app's Prometheus job (its instance name; default: every job)")
    run.add_argument("--namespace", help="the app's namespace (default: every namespace)")
    run.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="look again every --interval until pass or fail, for at most this long (default: 0, one look); the "
        "looks share alpha",
    )
    run.add_argument("--interval", type=float, default=60.0, metavar="SECONDS", help="between looks (default: 60)")
    options.add_format(run)
    run.set_defaults(run=run_analyze)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def render_text(analysis: CanaryAnalysis) -> str:
    lines = [
        f"canary {analysis.canary.release}: {analysis.verdict.upper()} — {analysis.reason}",
        f"  stable {analysis.stable.release}: {analysis.stable.answers} answers, {analysis.stable.feedback_down} "
        f"rated down, {analysis.stable.errors} errors; canary: {analysis.canary.answers} answers, "
        f"{analysis.canary.feedback_down} rated down, {analysis.canary.errors} errors (alpha {analysis.alpha:g})",
    ]
    header = ("RULE", "STATUS", "STABLE", "CANARY", "DELTA", "INTERVAL", "P")
    rows = [header]
    for rule in analysis.rules:
        interval = f"[{rule.interval[0]:.4g}, {rule.interval[1]:.4g}]" if rule.interval else "-"
        rows.append(
            (
                rule.metric,
                rule.status,
                _num(rule.stable),
                _num(rule.canary),
                _num(rule.delta),
                interval,
                _num(rule.p_value),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines += [f"  {rule.metric}: {rule.reason}" for rule in analysis.rules if rule.status != "pass"]
    return "\n".join(lines)


def _progress(look: int, looks: int, analysis: CanaryAnalysis) -> None:
    print(f"look {look}/{looks}: {analysis.verdict} — {analysis.reason}", file=sys.stderr, flush=True)


def run_analyze(args: argparse.Namespace) -> int:
    request = CanaryRequest(
        prometheus=args.prometheus,
        canary=args.canary,
        canary_manifest=args.canary_manifest,
        stable=args.stable,
        window=args.window,
        config=args.config,
        job=args.job,
        namespace=args.namespace,
        wait_s=args.wait,
        interval_s=args.interval,
    )
    analysis = analyze(request, on_look=_progress)
    print(analysis.model_dump_json(indent=2) if args.format == "json" else render_text(analysis))
    return EXIT_CODES[analysis.verdict]
