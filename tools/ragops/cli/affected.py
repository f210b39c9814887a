"""``ragops affected BASE HEAD``: the apps a change affects, as text, as JSON, or as a workflow's job matrix."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from ragops.app.affected import SHARED, AffectedResult, affected
from ragops.cli import options
from ragops.errors import EXIT_OK
from ragops.github.step_outputs import append_outputs, outputs_file
from ragops.github.summary import append_step_summary


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "affected",
        help="list the apps a change affects (a job matrix for CI)",
        description="Apps (rag-configs/*.yaml) whose config, corpus or test sets (including their .dvc files) "
        f"changed between the merge base of BASE and HEAD, or all apps when a shared file changed "
        f"({', '.join(SHARED)}). Unaffected and deleted apps are listed, never to be evaluated. --format github "
        "writes the step outputs a workflow needs (include: the job matrix; apps; any; self_check: whether the "
        "repository's own code, tests or CI changed) to $GITHUB_OUTPUT and a table to the job summary.",
    )
    parser.add_argument("base", help="base ref, e.g. origin/main")
    parser.add_argument("head", nargs="?", default="HEAD", help="head ref (default HEAD)")
    options.add_format(parser, ("text", "json", "github"))
    options.add_github_output(parser, "the outputs of --format github")
    options.add_root(parser)
    parser.set_defaults(run=run)


def step_outputs(result: AffectedResult) -> dict[str, str]:
    """What the pull-request workflow's later jobs read: the matrix, the app names, and two flags."""
    include = [
        {"app": a.app, "config": a.config, "reason": a.reason, "local_models": " ".join(a.local_models)}
        for a in result.include
    ]
    return {
        "include": json.dumps(include, separators=(",", ":")),
        "apps": " ".join(a.app for a in result.include),
        "any": "true" if result.include else "false",
        "self_check": "true" if result.self_check else "false",
    }


def summary(result: AffectedResult) -> str:
    lines = ["### Affected apps", ""]
    if result.include:
        lines += ["| app | config | why | served locally |", "|---|---|---|---|"]
        lines += [
            f"| {a.app} | `{a.config}` | {a.reason} | {', '.join(a.local_models) or '–'} |" for a in result.include
        ]
    else:
        lines.append("No app is affected by this change: nothing to evaluate.")
    if result.self_check:
        lines += ["", "The change touches the repository's own code, tests or CI: the self-check runs."]
    return "\n".join(lines) + "\n"


def render_text(result: AffectedResult) -> str:
    lines = [f"{len(result.include)} affected app(s) between {result.merge_base[:12]} and {result.head[:12]}:"]
    for app in result.include:
        served = f" [serves {', '.join(app.local_models)} locally]" if app.local_models else ""
        lines.append(f"  {app.app} ({app.config}): {app.reason}{served}")
    lines += [f"  unaffected: {app.app} ({app.config})" for app in result.unaffected]
    lines += [f"  deleted: {app.app} ({app.config}): not evaluated" for app in result.deleted]
    if result.self_check:
        lines.append("  self-check: the change touches the repository's own code, tests or CI")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    root = options.root_from(args)
    result = affected(root, args.base, args.head)
    if args.format == "json":
        print(result.model_dump_json(indent=2))
    elif args.format == "github":
        append_outputs(options.github_output_file(args) or outputs_file(None), step_outputs(result))
        if os.environ.get("GITHUB_STEP_SUMMARY"):
            append_step_summary(Path(os.environ["GITHUB_STEP_SUMMARY"]), summary(result), where="the step log")
        print("affected:", " ".join(a.app for a in result.include) or "none")
    else:
        print(render_text(result))
    return EXIT_OK
