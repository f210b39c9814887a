"""``ragops pipeline compile [--check] [--pipeline NAME] [--out FILE]``: write the compiled KFP pipelines, or check
the checked-in ones."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ragops.errors import EXIT_OK, UsageError, ValidationFailed

PIPELINE_NAMES = ("eval", "sweep")


def register(commands: Any) -> None:
    parser = commands.add_parser("pipeline", help="compile the evaluation and sweep pipelines for Kubeflow")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    compile_ = actions.add_parser("compile", help="write the KFP IR YAML (checked in; a cluster runs it)")
    compile_.add_argument(
        "--pipeline",
        choices=PIPELINE_NAMES,
        help="only this pipeline: eval (ragops eval, diff) or sweep (ragops sweep) (default: both)",
    )
    compile_.add_argument("--out", type=Path, help="file to write (needs --pipeline; default: the checked-in copy)")
    compile_.add_argument("--check", action="store_true", help="fail if a checked-in copy is stale")
    compile_.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ragops.pipelines import compile as pipeline_compile

    if args.out is not None and args.pipeline is None:
        raise UsageError("--out writes one pipeline: name it with --pipeline eval or --pipeline sweep")
    names = [args.pipeline] if args.pipeline else list(PIPELINE_NAMES)
    for name in names:
        target = args.out or pipeline_compile.PIPELINES[name][1]
        if args.check:
            if pipeline_compile.is_stale(target, name):
                raise ValidationFailed(f"{target} is stale; run: ragops pipeline compile")
            print(f"{target} is up to date")
        else:
            print(f"wrote {pipeline_compile.compile_to(target, name)}")
    return EXIT_OK
