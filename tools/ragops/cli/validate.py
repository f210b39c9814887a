"""``ragops validate [PATHS…]``: schema and semantic checks of configs and test sets."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ragops.app.validate import validate
from ragops.cli import options
from ragops.config.diagnostics import render
from ragops.errors import EXIT_INVALID, EXIT_OK


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "validate",
        help="check RAG configs and test sets",
        description="Check RAG configs (rag-configs/*.yaml) and test sets (datasets/*/testsets/*.jsonl). "
        "With no paths, the whole repository.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="config or test-set files, or folders to search")
    parser.add_argument(
        "--format",
        choices=("text", "github", "json"),
        default="text",
        help="text for people, github for workflow annotations, json for tools",
    )
    options.add_root(parser)
    parser.add_argument("--strict", action="store_true", help="warnings fail too")
    parser.add_argument("--allow-empty", action="store_true", help="finding nothing to check is not an error")
    parser.add_argument(
        "--ci",
        action="store_true",
        help="CI mode: also fail an app whose LLM, judge or embedding endpoint an evaluation in this environment "
        "could not reach (a loopback address nothing serves, an API key variable that is not set)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root = options.root_from(args)
    result = validate(args.paths, root, allow_empty=args.allow_empty, ci_environ=os.environ if args.ci else None)
    output = render(result.diagnostics, args.format)
    if output or args.format == "json":
        print(output)
    summary = (
        f"checked {result.configs} config(s) and {result.testsets} test set(s): "
        f"{result.errors} error(s), {result.warnings} warning(s)"
    )
    print(summary, file=sys.stderr if args.format == "json" else sys.stdout)
    failed = result.errors or (args.strict and result.warnings)
    return EXIT_INVALID if failed else EXIT_OK
