"""Options that several commands share, declared once: the repository root (and finding it), the output format,
the pipeline state folder and the Kubeflow cluster options. A command adds the ones it takes; the help text and
the checks are the same wherever they appear."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ragops.config.loader import repo_root_for
from ragops.errors import UsageError

if TYPE_CHECKING:
    from ragops.app.evaluate import Evaluator

# The KFP experiment runs are filed under unless --experiment says otherwise.
DEFAULT_EXPERIMENT = "ragops"
# How long to wait for a cluster run unless --timeout says otherwise.
DEFAULT_CLUSTER_TIMEOUT_S = 6 * 3600


def add_root(parser: argparse.ArgumentParser, found_from: str = "the current folder") -> None:
    parser.add_argument("--root", type=Path, help=f"repository root (default: found from {found_from})")


def root_from(args: argparse.Namespace, near: Path | None = None) -> Path:
    """``--root`` when given (it must be a folder), else the repository ``near`` (default: the current folder) is in."""
    root: Path | None = args.root
    if root is not None:
        if not root.is_dir():
            raise UsageError(f"--root {root}: no such folder")
        return root.resolve()
    return repo_root_for(near if near is not None else Path.cwd()).resolve()


def add_format(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    choices: Sequence[str] = ("text", "json"),
    default: str = "text",
    help: str = "output format",
) -> None:
    parser.add_argument("--format", choices=tuple(choices), default=default, help=f"{help} (default: {default})")


def add_state_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir", type=Path, help="pipeline caches and artifacts (default: .ragops/kfp/ of the repository)"
    )


def add_start_local_models(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--start-local-models",
        action="store_true",
        help="serve the packaged models the app's endpoints need on free loopback ports while evaluating (an "
        "endpoint on loopback naming SmolLM2-135M-Instruct, whose base_url_env variable is unset; needs make "
        "install-llm): how CI evaluates such an app",
    )


def add_github_output(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--github-output",
        type=Path,
        nargs="?",
        const=Path(),
        metavar="FILE",
        help=f"append {what} as step outputs (name=value lines) to FILE (no FILE: $GITHUB_OUTPUT)",
    )


def github_output_file(args: argparse.Namespace) -> Path | None:
    """The file ``--github-output`` names: None when not given, $GITHUB_OUTPUT when given without a file."""
    from ragops.github.step_outputs import outputs_file

    given: Path | None = args.github_output
    if given is None:
        return None
    return outputs_file(None if given == Path() else given)


def add_cluster_options(parser: argparse.ArgumentParser, title: str, what: str) -> argparse._ArgumentGroup:
    """``--backend`` and where a Kubeflow cluster is; returns the group so a command can add its own."""
    cluster = parser.add_argument_group(title)
    cluster.add_argument(
        "--backend",
        choices=("local", "kfp"),
        default="local",
        help=f"where to evaluate {what}: local, the KFP local runner on this machine (default); kfp, a cluster",
    )
    cluster.add_argument(
        "--host", help="KFP API endpoint (default: $KF_PIPELINES_ENDPOINT); token: $KF_PIPELINES_TOKEN"
    )
    cluster.add_argument("--namespace", help="Kubeflow namespace (multi-user clusters)")
    cluster.add_argument(
        "--experiment",
        default=DEFAULT_EXPERIMENT,
        help=f"KFP experiment to file runs under (default: {DEFAULT_EXPERIMENT})",
    )
    cluster.add_argument(
        "--pipeline-root",
        help="object-store prefix for runs' artifacts, git-held data and results (default: $RAGOPS_PIPELINE_ROOT)",
    )
    cluster.add_argument(
        "--timeout",
        type=int,
        default=DEFAULT_CLUSTER_TIMEOUT_S,
        help=f"seconds to wait for each run (default: {DEFAULT_CLUSTER_TIMEOUT_S // 3600} h)",
    )
    return cluster


def cluster_evaluator_from(args: argparse.Namespace) -> Evaluator | None:
    """The evaluator of the cluster the options name with ``--backend kfp``; None for the local runner."""
    if args.backend != "kfp":
        return None
    from ragops.app.evaluate import cluster_evaluator

    return cluster_evaluator(
        host=args.host,
        namespace=args.namespace,
        experiment=args.experiment,
        timeout_s=args.timeout,
        pipeline_root=args.pipeline_root,
        object_store_secret=os.environ.get("RAGOPS_OBJECT_STORE_SECRET"),
    )
