"""``ragops affected BASE HEAD``: the apps a change affects, as text or as a JSON job matrix."""

from __future__ import annotations

import argparse
from typing import Any

from ragops.app.affected import SHARED, affected
from ragops.cli import options
from ragops.errors import EXIT_OK


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "affected",
        help="list the apps a change affects (a job matrix for CI)",
        description="Apps (rag-configs/*.yaml) whose config, corpus or test sets (including their .dvc files) "
        f"changed between the merge base of BASE and HEAD, or all apps when a shared file changed "
        f"({', '.join(SHARED)}). Unaffected and deleted apps are listed, never to be evaluated.",
    )
    parser.add_argument("base", help="base ref, e.g. origin/main")
    parser.add_argument("head", nargs="?", default="HEAD", help="head ref (default HEAD)")
    options.add_format(parser)
    options.add_root(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root = options.root_from(args)
    result = affected(root, args.base, args.head)
    if args.format == "json":
        print(result.model_dump_json(indent=2))
        return EXIT_OK
    print(f"{len(result.include)} affected app(s) between {result.merge_base[:12]} and {result.head[:12]}:")
    for app in result.include:
        print(f"  {app.app} ({app.config}): {app.reason}")
    for app in result.unaffected:
        print(f"  unaffected: {app.app} ({app.config})")
    for app in result.deleted:
        print(f"  deleted: {app.app} ({app.config}): not evaluated")
    return EXIT_OK
