"""``ragops release``: what each environment deploys and how it compares to main (``status``), which apps a
release of this commit would evaluate and promote (``plan``), and that release itself (``run``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ragops.app.release import release
from ragops.app.release_plan import ReleasePlan, release_plan
from ragops.app.release_status import Deployed, ReleaseStatus, release_status
from ragops.cli import options, release_report
from ragops.cli.evaluate import step_printer
from ragops.config.environments import load_environments
from ragops.errors import EXIT_OK, UsageError
from ragops.evaluation.metrics import headline_among
from ragops.github.step_outputs import append_outputs, outputs_file
from ragops.layout import ENVIRONMENTS_FILE
from ragops.progress import StepProgress


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "release",
        help="release apps to an environment (plan, run) and see what each environment deploys (status)",
        description="Releases are the overlays' release.json files in git (kustomize/overlays/<env>/<app>/). "
        "status: what each environment deploys and how it compares to main; plan: which apps a release of this "
        "commit would evaluate and promote; run: that release, each app on its own.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    status = actions.add_parser(
        "status",
        help="per app and environment: release, commit, index digest, gate, key metrics; behind main? changed?",
    )
    options.add_root(status)
    status.add_argument("--main", default="main", metavar="REF", help="the branch releases come from (default: main)")
    options.add_format(status)
    status.set_defaults(run=run_status)

    plan = actions.add_parser(
        "plan",
        help="which apps a release of this commit to ENV would evaluate and promote, and why",
        description="For every app (rag-configs/*.yaml): release (no release in ENV yet, or what ENV deploys is "
        "older than this commit and ragops affected finds a change to the app since), up-to-date, or no-overlay "
        "(the step that creates one is named). The deployed state is read at --deployed.",
    )
    _add_release_target(plan)
    options.add_format(plan, ("text", "json", "github"))
    options.add_github_output(plan, "with --format github: release (the apps to release) and local_models")
    plan.set_defaults(run=run_plan)

    run = actions.add_parser(
        "run",
        help="evaluate, publish and promote every app ENV needs, each on its own; commit those that pass",
        description="For every app the plan releases: pull its data, evaluate it, publish its index to --store, "
        "and promote the run into kustomize/overlays/ENV/APP/ on top of the deployed overlay (refused when a gate "
        "fails, including max_regression against what ENV deploys). One app's failure never stops another: every "
        "app that passed is committed (by the release bot, one commit; pushing is yours), the others are reported "
        "as a failed gate, an infrastructure error or another failure, with the reason.",
        epilog="Exit codes: 0 every app needing a release was released (or none needed one), 1 an app failed (a "
        "gate, invalid input), 3 an app's evaluation could not reach something (a model server, a DVC remote): "
        "what passed is committed first.",
    )
    _add_release_target(run)
    run.add_argument(
        "--store",
        default=os.environ.get("RAGOPS_ARTIFACT_STORE"),
        help="where index artifacts are published: s3://bucket/prefix or file:///path (default: "
        "$RAGOPS_ARTIFACT_STORE); endpoint: $AWS_ENDPOINT_URL",
    )
    run.add_argument(
        "--image",
        help="pin this service image in every released overlay (REF@sha256:<64 hex>, built from this commit); "
        "default: keep the image each overlay pins",
    )
    run.add_argument("--no-commit", action="store_true", help="write the overlays but commit nothing")
    options.add_state_dir(run)
    options.add_start_local_models(run)
    options.add_format(run, ("text", "json", "github"))
    options.add_github_output(run, "released, failed (app names) and commit (with --format github: always)")
    options.add_cluster_options(run, "evaluating on a Kubeflow cluster", "each app")
    run.set_defaults(run=run_release)


def _add_release_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env",
        help=f"the environment to release to (default: the first one declared in {ENVIRONMENTS_FILE})",
    )
    parser.add_argument(
        "--deployed",
        default="HEAD",
        metavar="REF",
        help="where the deployed overlays are read (default: the checkout); CI passes origin/main, which may have "
        "moved past the pushed commit",
    )
    options.add_root(parser)


def key_metrics(values: dict[str, float]) -> list[str]:
    """The metrics the text table shows of a release: its first headline metric of each kind (retrieval, answer,
    grounding), so the table stays narrow; --format json has every metric it records."""
    by_kind: dict[str, str] = {}
    for name, entry in headline_among(values):
        by_kind.setdefault(entry.info.kind, name)
    return list(by_kind.values())


def _metrics(entry: Deployed) -> str:
    if entry.release is None:
        return ""
    values = entry.release.evaluation.metrics
    return " ".join(f"{name}={values[name]:.3f}" for name in key_metrics(values))


def _versus_main(entry: Deployed, main_ref: str) -> str:
    if entry.problems:
        return "; ".join(entry.problems)
    if entry.release is None:
        return "not promoted yet"
    if entry.on_main is None:
        lineage = f"{main_ref} unknown"
    elif not entry.on_main:
        lineage = f"not on {main_ref}"
    else:
        lineage = f"{entry.behind} behind {main_ref}" if entry.behind else f"at {main_ref}"
    inputs = "changed since: " + ", ".join(entry.changed) if entry.changed else "inputs unchanged"
    return f"{lineage}; {inputs}"


def render_text(status: ReleaseStatus) -> str:
    header = ("ENVIRONMENT", "APP", "RELEASE", "COMMIT", "INDEX", "GATE", "METRICS", f"VS {status.main_ref.upper()}")
    rows = [header]
    for entry in status.deployed:
        release = entry.release
        rows.append(
            (
                entry.environment,
                entry.app,
                release.release_id if release else "-",
                release.commit[:12] if release else "-",
                release.index.digest[7:19] if release else "-",
                release.evaluation.gate if release else "-",
                _metrics(entry) or "-",
                _versus_main(entry, status.main_ref),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)), row[-1]]) for row in rows
    )


def to_json(status: ReleaseStatus) -> dict[str, Any]:
    return {
        "main": {"ref": status.main_ref, "commit": status.main_commit},
        "environments": status.environments,
        "deployed": [
            {
                "environment": entry.environment,
                "app": entry.app,
                "overlay": entry.overlay,
                "release": entry.release.model_dump(mode="json") if entry.release else None,
                "image": entry.image,
                "on_main": entry.on_main,
                "behind_main": entry.behind,
                "changed_since_release": entry.changed,
                "up_to_date": entry.up_to_date,
                "problems": entry.problems,
            }
            for entry in status.deployed
        ],
    }


def run_status(args: argparse.Namespace) -> int:
    status = release_status(options.root_from(args), args.main)
    print(json.dumps(to_json(status), indent=2) if args.format == "json" else render_text(status))
    return EXIT_OK


def _plan_json(plan: ReleasePlan) -> dict[str, Any]:
    return {
        "environment": plan.environment,
        "head": plan.head,
        "deployed_ref": plan.deployed_ref,
        "apps": [
            {
                "app": a.app,
                "config": a.config,
                "decision": a.decision,
                "reason": a.reason,
                "released_commit": a.released_commit,
                "fix": a.fix,
                "local_models": a.local_models,
            }
            for a in plan.apps
        ],
        "release": [a.app for a in plan.to_release],
        "local_models": plan.local_models,
    }


def render_plan(plan: ReleasePlan) -> str:
    lines = [f"release of {plan.head[:12]} to {plan.environment} (deployed state read at {plan.deployed_ref}):"]
    width = max((len(a.app) for a in plan.apps), default=0)
    for a in plan.apps:
        lines.append(f"  {a.app:<{width}}  {a.decision:<10}  {a.reason}")
        if a.fix:
            lines.append(f"  {'':<{width}}  {'':<10}  fix: {a.fix}")
    lines.append(f"to release: {' '.join(a.app for a in plan.to_release) or 'nothing'}")
    return "\n".join(lines)


def run_plan(args: argparse.Namespace) -> int:
    root = options.root_from(args)
    plan = release_plan(root, args.env or load_environments(root).names[0], args.deployed)
    if args.format == "json":
        print(json.dumps(_plan_json(plan), indent=2))
        return EXIT_OK
    print(render_plan(plan))
    if args.format == "github":
        values = {"release": " ".join(a.app for a in plan.to_release), "local_models": " ".join(plan.local_models)}
        append_outputs(options.github_output_file(args) or outputs_file(None), values)
    return EXIT_OK


def run_release(args: argparse.Namespace) -> int:
    if not args.store:
        raise UsageError("give --store URI (or set RAGOPS_ARTIFACT_STORE): where the index artifacts are published")

    def tell(app: str, what: str) -> None:
        print(f"== {app}: {what}", file=sys.stderr, flush=True)

    root = options.root_from(args)
    result = release(
        root,
        args.env or load_environments(root).names[0],
        args.store,
        deployed_ref=args.deployed,
        image=args.image,
        state_dir=args.state_dir,
        start_local_models=args.start_local_models,
        commit=not args.no_commit,
        evaluator=options.cluster_evaluator_from(args),
        progress=tell,
        on_step=step_printer(),
        on_progress=StepProgress(),
    )
    if args.format == "json":
        print(json.dumps(release_report.to_json(result), indent=2))
    else:
        print(release_report.render_text(result))
    if args.format == "github":
        release_report.to_github(result, options.github_output_file(args))
    elif options.github_output_file(args) is not None:
        release_report.to_github(result, options.github_output_file(args), annotate=False)
    result.raise_for_failures()
    return 0
