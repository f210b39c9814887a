"""``ragops overlay run OVERLAY``: run an overlay's pod as local processes and ask it a question."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ragops.app.overlay_run import READY_TIMEOUT_SECONDS, OverlayRun, run_overlay
from ragops.cli import options
from ragops.errors import EXIT_OK, UsageError


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "overlay",
        help="run a Kustomize overlay's pod locally (no cluster) to check manifests, CLI and artifact agree",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser(
        "run",
        help="render OVERLAY, run its init and server containers as local processes, wait for readiness, ask",
        description="Renders the overlay with kubectl kustomize, writes its ConfigMaps as files, runs the init "
        "container's command (ragops artifact fetch …) and then the server's (ragops serve …) with the same "
        "arguments and environment, paths mapped into a temporary folder and the server bound to 127.0.0.1. Waits "
        "for the readiness probe's path, answers --question, then stops the server (SIGTERM).",
    )
    run.add_argument("overlay", type=Path, help="e.g. kustomize/overlays/staging/covid-qa")
    run.add_argument("--port", type=int, default=0, help="local port for the server (default: a free one)")
    run.add_argument("--question", help="ask this through POST /v1/query and print the answer and cited sources")
    run.add_argument("--workdir", type=Path, help="lay the pod out here and keep it (default: a temporary folder)")
    run.add_argument("--keep-running", action="store_true", help="keep serving until interrupted (Ctrl-C)")
    run.add_argument(
        "--timeout",
        type=float,
        default=READY_TIMEOUT_SECONDS,
        help=f"seconds to wait for readiness (default: {READY_TIMEOUT_SECONDS:.0f}, as the startup probe allows)",
    )
    options.add_format(run)
    run.set_defaults(run=run_command)


def render_text(result: OverlayRun) -> str:
    lines = [f"{result.overlay}: Deployment {result.deployment} ran locally and was ready at {result.url}"]
    lines += [f"  init {line.splitlines()[0] if line else ''}" for line in result.init]
    answer = result.answer
    if answer is not None:
        lines += [f"Q: {answer.question}", f"A: {answer.answer}"]
        shown = answer.cited or answer.sources
        lines.append("cited sources:" if answer.cited else "retrieved sources (none cited):")
        lines += [f"  {s.doc_id}  {s.chunk_id}  score {s.score:.3f}" for s in shown]
    return "\n".join(lines)


def to_json(result: OverlayRun) -> dict[str, Any]:
    answer = result.answer
    return {
        "overlay": str(result.overlay),
        "deployment": result.deployment,
        "url": result.url,
        "init": result.init,
        "answer": None
        if answer is None
        else {
            "question": answer.question,
            "answer": answer.answer,
            "request_id": answer.request_id,
            "latency_ms": answer.latency_ms,
            "sources": [vars(source) for source in answer.sources],
        },
    }


def run_command(args: argparse.Namespace) -> int:
    if args.port < 0 or args.port > 65535:
        raise UsageError(f"--port {args.port}: not a TCP port")

    def ready(result: OverlayRun) -> None:
        print(render_text(result), flush=True)
        print(f"serving at {result.url} until interrupted (Ctrl-C)", flush=True)

    result = run_overlay(
        args.overlay,
        port=args.port or None,
        question=args.question,
        workdir=args.workdir,
        keep_running=args.keep_running,
        on_ready=ready,
        ready_timeout_s=args.timeout,
    )
    if not args.keep_running:
        print(json.dumps(to_json(result), indent=2) if args.format == "json" else render_text(result))
    return EXIT_OK
