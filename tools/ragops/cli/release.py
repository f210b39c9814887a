"""``ragops release status``: what each environment deploys (from the overlays in git) and how it compares to main."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ragops.app.release_status import Deployed, ReleaseStatus, release_status
from ragops.cli import options
from ragops.errors import EXIT_OK
from ragops.evaluation.metrics import headline_among


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "release",
        help="what each environment deploys, and how it compares to main",
        description="Releases are the overlays' release.json files in git (kustomize/overlays/<env>/<app>/).",
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
