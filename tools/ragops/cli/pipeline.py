"""``ragops pipeline compile [--check]``: write the compiled KFP pipeline, or check the checked-in one."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ragops.errors import EXIT_OK, ValidationFailed


def register(commands: Any) -> None:
    parser = commands.add_parser("pipeline", help="compile the evaluation pipeline for Kubeflow")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    compile_ = actions.add_parser("compile", help="write the KFP IR YAML (checked in; a cluster runs it)")
    compile_.add_argument("--out", type=Path, help="file to write (default: the checked-in copy)")
    compile_.add_argument("--check", action="store_true", help="fail if the checked-in copy is stale")
    compile_.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ragops.pipelines import compile as pipeline_compile

    target = args.out or pipeline_compile.COMPILED
    if args.check:
        if pipeline_compile.is_stale(target):
            raise ValidationFailed(f"{target} is stale; run: ragops pipeline compile")
        print(f"{target} is up to date")
        return EXIT_OK
    print(f"wrote {pipeline_compile.compile_to(target)}")
    return EXIT_OK
