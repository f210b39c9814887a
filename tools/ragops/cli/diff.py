"""``ragops diff``: compare a base and a head evaluation of an app, check its gates, render the comparison.

``ragops diff BASE_RUN HEAD_RUN`` compares two run folders; ``ragops diff CONFIG --base-ref REF`` evaluates what
is needed (the head in the working tree, the base in a temporary worktree of REF) and compares. Exit code 1 when
a blocking gate fails, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ragops.app.diff import DiffOutcome, diff_ref, diff_runs, workflow_run_url
from ragops.cli import options
from ragops.cli.evaluate import step_printer
from ragops.errors import EXIT_INVALID, EXIT_OK, UsageError
from ragops.evaluation.diff import diff_json, diff_text, pr_comment
from ragops.evaluation.diff.model import Links
from ragops.files import write_atomic
from ragops.github.step_outputs import append_outputs
from ragops.progress import StepProgress


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "diff",
        help="compare base and head evaluations of an app; exit 1 when a gate fails",
        description="Compare two evaluations of one app on the questions both runs share (paired bootstrap 95%% "
        "CI and permutation p-value per metric), list per-question and other changes, and check the gate policy "
        "(the app's spec.evaluation.gate over the repository's gate-policy.yaml). Either two run folders, or a "
        "config and --base-ref: the head is evaluated in the working tree (or taken from --head-run), the base "
        "in a temporary git worktree of the ref with the same caches, unless a stored run provably of that "
        "commit and config exists.",
        epilog="Exit codes: 0 all blocking gates pass, 1 a gate failed or input is invalid, 2 usage, 3 infrastructure.",
    )
    parser.add_argument("first", type=Path, metavar="BASE_RUN|CONFIG", help="base run folder, or the app config")
    parser.add_argument("second", type=Path, nargs="?", metavar="HEAD_RUN", help="head run folder (two-run mode)")
    parser.add_argument("--base-ref", help="git ref of the base (config mode), e.g. main or origin/main")
    parser.add_argument("--head-run", type=Path, help="use this run folder as the head instead of evaluating")
    parser.add_argument("--base-run", type=Path, help="a stored run of the base; used only if it is provably the base")
    options.add_state_dir(parser)
    options.add_root(parser, "the config, else the current folder")
    options.add_format(parser, ("md", "json", "text"))
    parser.add_argument("--out", type=Path, help="write the rendering to this file instead of stdout")
    parser.add_argument("--report-url", help="link to the full HTML report, shown in the markdown")
    parser.add_argument(
        "--max-chars",
        type=int,
        default=pr_comment.MAX_CHARS,
        help=f"cut long markdown sections to stay under this size (default {pr_comment.MAX_CHARS})",
    )
    options.add_start_local_models(parser)
    options.add_github_output(
        parser, "app, verdict, base_run (the base run folder used; empty for a new app), head_run, base_evaluated"
    )
    options.add_cluster_options(parser, "evaluating on a Kubeflow cluster (with --base-ref)", "base and head")
    parser.set_defaults(run=run)


def _outcome(args: argparse.Namespace, links: Links) -> DiffOutcome:
    if args.base_ref is not None:
        if args.second is not None:
            raise UsageError("with --base-ref give one CONFIG, not two paths (use --head-run for a stored head)")
        if not args.first.is_file():
            raise UsageError(f"{args.first}: no such config file")
        root = options.root_from(args, near=args.first)
        print(f"diff {args.first} against {args.base_ref}", file=sys.stderr)
        return diff_ref(
            args.first,
            args.base_ref,
            root,
            head_run=args.head_run,
            base_run=args.base_run,
            state_dir=args.state_dir,
            on_step=step_printer(),
            on_progress=StepProgress(),
            links=links,
            evaluator=options.cluster_evaluator_from(args),
            start_local_models=args.start_local_models,
        )
    if args.backend != "local":
        raise UsageError("--backend kfp evaluates base and head: it goes with --base-ref")
    if args.second is None:
        raise UsageError("give two run folders (BASE_RUN HEAD_RUN), or a config with --base-ref REF")
    if args.head_run is not None or args.base_run is not None:
        raise UsageError("--head-run and --base-run go with --base-ref")
    root = options.root_from(args)
    return diff_runs(args.first, args.second, root=root, links=links)


def step_outputs(outcome: DiffOutcome) -> dict[str, str]:
    """What a workflow step needs to know of a diff: its verdict and the run folders it compared."""
    return {
        "app": outcome.result.app,
        "verdict": outcome.result.verdict,
        "base_run": str(outcome.base_dir) if outcome.base_dir is not None else "",
        "head_run": str(outcome.head_dir),
        "base_evaluated": "true" if outcome.base_evaluated else "false",
    }


def run(args: argparse.Namespace) -> int:
    if args.max_chars < 1000:
        raise UsageError("--max-chars must be at least 1000")
    links = Links(report=args.report_url, workflow_run=workflow_run_url())
    outcome = _outcome(args, links)
    result = outcome.result
    if args.format == "md":
        text = pr_comment.render(result, args.max_chars)
    elif args.format == "json":
        text = diff_json.render(result)
    else:
        text = diff_text.render(result)
    for note in outcome.stale:
        print(f"warning: {note}", file=sys.stderr)
    github_output = options.github_output_file(args)
    if github_output is not None:
        append_outputs(github_output, step_outputs(outcome))
    if args.out is not None:
        write_atomic(args.out, text)
        print(f"{result.app}: {result.verdict.upper()} — {args.format} written to {args.out}")
    else:
        sys.stdout.write(text)
    return EXIT_INVALID if result.verdict == "fail" else EXIT_OK
