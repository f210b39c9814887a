"""``ragops sweep CONFIG --set KEY=V1,V2,… [--set …] [--or --set …] [--budget N]``: try settings of an app, select
one honestly (held-out questions, paired statistics, Holm's correction, the gates), and propose the change.

Exit code 0 when the sweep ran — whether or not a setting is better; 1 when ``--write`` was refused for a reason
other than "nothing is better" (the held-out questions contradict it, the file changed meanwhile).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ragops import logs
from ragops.cli import options
from ragops.config.grid import DEFAULT_BUDGET
from ragops.errors import EXIT_INVALID, EXIT_OK, UsageError
from ragops.evaluation.split import DEFAULT_CONFIRMATION_FRACTION, DEFAULT_SALT, SplitSpec
from ragops.evaluation.sweep import sweep_md, sweep_text
from ragops.evaluation.sweep.selection import DEFAULT_ALPHA
from ragops.files import write_atomic
from ragops.progress import StepProgress

if TYPE_CHECKING:
    from ragops.pipelines.events import StepEvent

COMMAND = "/sweep"
_log = logs.get_logger("ragops.cli.sweep")


class _Set(argparse.Action):
    """``--set KEY=V1,V2``: one more axis of the current grid."""

    def __call__(self, parser: Any, namespace: argparse.Namespace, value: Any, option: str | None = None) -> None:
        grids = getattr(namespace, self.dest) or [[]]
        grids[-1].append(str(value))
        setattr(namespace, self.dest, grids)


class _Or(argparse.Action):
    """``--or``: the ``--set`` options after it form another grid; the settings tried are the grids' union."""

    def __call__(self, parser: Any, namespace: argparse.Namespace, value: Any, option: str | None = None) -> None:
        grids = getattr(namespace, self.dest) or [[]]
        grids.append([])
        setattr(namespace, self.dest, grids)


def add_search_options(parser: argparse.ArgumentParser) -> None:
    """What a sweep tries and how it judges: the options a ``/sweep`` comment may give too."""
    parser.add_argument(
        "--set",
        dest="grids",
        action=_Set,
        metavar="KEY=V1,V2,…",
        help="a config key (a path under spec, e.g. retrieval.fusion.k; a unique tail like fusion.k will do) and the "
        "values to try; several --set form a grid of every combination",
    )
    parser.add_argument(
        "--or", dest="grids", action=_Or, nargs=0, help="start another grid: the settings tried are the grids' union"
    )
    parser.add_argument(
        "--budget",
        type=int,
        default=DEFAULT_BUDGET,
        help=f"try at most N settings: a seeded random sample when the grids hold more (default: {DEFAULT_BUDGET})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of that sample (default: 0)")
    parser.add_argument(
        "--metric", help="the objective the settings are compared on (default: the app's first blocking gate metric)"
    )
    parser.add_argument(
        "--alpha",
        type=float,
        default=DEFAULT_ALPHA,
        help=f"family-wise error rate of the Holm-corrected comparisons (default: {DEFAULT_ALPHA})",
    )
    parser.add_argument(
        "--confirm-fraction",
        type=float,
        default=DEFAULT_CONFIRMATION_FRACTION,
        help="share of the questions held out for the one confirmation look, by question-id hash "
        f"(default: {DEFAULT_CONFIRMATION_FRACTION})",
    )
    parser.add_argument(
        "--split-salt", default=DEFAULT_SALT, help=f"salt of the question-id hash (default: {DEFAULT_SALT})"
    )


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "sweep",
        help="try settings of an app and select one honestly (held-out questions, corrected p-values, gates)",
        description="Evaluate the app's current config and every setting of the grids (--set KEY=V1,V2,…) with the "
        "evaluation pipeline (KFP ParallelFor over settings, sharing the index and embeddings a setting does not "
        "change) on a tuning part of the questions; compare each with the current config as `ragops diff` does, "
        "correct the p-values for the number of settings (Holm), and select the largest significant improvement "
        "whose gates pass. The selected setting is then evaluated once on the held-out questions: the expected "
        "effect. Writes sweep.json, sweep.md and sweep.patch (the config change) into the sweep folder.",
        epilog="Exit codes: 0 the sweep ran (a setting is better or none is), 1 invalid input or --write refused, "
        "2 usage, 3 infrastructure.",
    )
    parser.add_argument("config", type=Path, nargs="?", metavar="CONFIG", help="rag-configs/<app>.yaml")
    add_search_options(parser)
    parser.add_argument(
        "--comment",
        metavar="TEXT",
        help=f"take CONFIG and the search options from a '{COMMAND} CONFIG --set …' line of this text (a pull-request "
        "comment); other options come from the command line",
    )
    parser.add_argument("--out", type=Path, help="the sweep folder (default: runs/<app>/sweep-<UTC time>-<hash>/)")
    parser.add_argument("--force", action="store_true", help="replace --out when it is not empty")
    parser.add_argument(
        "--write",
        action="store_true",
        help="apply the selected setting to CONFIG, keeping its comments and layout (nothing when none is better)",
    )
    options.add_format(parser, ("text", "md", "json"), help="what to print: the table, the PR section, or JSON")
    parser.add_argument("--report", type=Path, help="also write what is printed to this file")
    options.add_root(parser, "the config")
    options.add_state_dir(parser)
    cluster = options.add_cluster_options(parser, "Kubeflow cluster (--backend kfp)", "the settings")
    cluster.add_argument(
        "--object-store-secret",
        help="Kubernetes secret whose AWS_* keys the steps get as env (default: $RAGOPS_OBJECT_STORE_SECRET)",
    )
    cluster.add_argument("--dvc-remote", help="DVC remote the cluster reads DVC-tracked data from (default: DVC's)")
    parser.set_defaults(run=run, grids=None)


def comment_arguments(text: str) -> argparse.Namespace:
    """CONFIG and the search options of the first ``/sweep …`` line of ``text``; nothing else is taken from it."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip().startswith(COMMAND)), None)
    if line is None:
        raise UsageError(f"--comment: no line starts with {COMMAND}")
    try:
        words = shlex.split(line[len(COMMAND) :])
    except ValueError as exc:
        raise UsageError(f"--comment: cannot read {line!r} ({exc})") from None
    parser = argparse.ArgumentParser(prog=COMMAND, add_help=False, exit_on_error=False)
    parser.add_argument("config", type=Path)
    add_search_options(parser)
    parser.set_defaults(grids=None)
    try:
        found, unknown = parser.parse_known_args(words)
    except argparse.ArgumentError as exc:
        raise UsageError(f"--comment: {exc}") from None
    if unknown:
        raise UsageError(
            f"--comment: {COMMAND} takes CONFIG and --set/--or/--budget/--seed/--metric/--alpha/"
            f"--confirm-fraction/--split-salt only, not {' '.join(unknown)}"
        )
    return found


def progress_printer() -> Callable[[StepEvent], None]:
    """One line per index built or reused and per setting scored, with the running count."""
    started = time.perf_counter()
    scored = 0

    def show(event: StepEvent) -> None:
        nonlocal scored
        elapsed = f"{time.perf_counter() - started:.0f} s"
        if event.step == "build-index" and event.event in ("started", "cached"):
            what = "building an index" if event.event == "started" else "index reused from cache"
            _log.info("sweep_index", message=f"  ▸ {what} ({elapsed})", step=event.step, kind=event.event)
        elif event.step == "score-run" and event.event == "finished":
            scored += 1
            _log.info("sweep_scored", message=f"  ✓ {scored} evaluation(s) scored ({elapsed})", scored=scored)

    return show


def _backend(args: argparse.Namespace) -> Any:
    if args.backend != "kfp":
        return None
    from ragops.app.sweep import cluster_backend

    return cluster_backend(
        host=args.host,
        namespace=args.namespace,
        experiment=args.experiment,
        timeout_s=args.timeout,
        pipeline_root=args.pipeline_root,
        object_store_secret=args.object_store_secret,
        dvc_remote=args.dvc_remote,
    )


def _search_from(args: argparse.Namespace) -> argparse.Namespace:
    if args.comment is None:
        if args.config is None:
            raise UsageError("give CONFIG (rag-configs/<app>.yaml), or --comment with a /sweep line")
        return args
    if args.config is not None or args.grids is not None:
        raise UsageError("--comment gives CONFIG and the settings: do not give them on the command line too")
    return comment_arguments(args.comment)


def run(args: argparse.Namespace) -> int:
    search = _search_from(args)
    if not search.config.is_file():
        raise UsageError(f"{search.config}: no such config file")
    root = options.root_from(args, near=search.config)
    from ragops.app.sweep import SweepRequest, sweep  # imports KFP: only when sweeping

    request = SweepRequest(
        grids=[list(g) for g in (search.grids or [])],
        budget=search.budget,
        seed=search.seed,
        objective=search.metric,
        alpha=search.alpha,
        split=_split(search.split_salt, search.confirm_fraction),
    )
    where = "the KFP local runner" if args.backend == "local" else "Kubeflow Pipelines"
    _log.info("sweep_started", message=f"sweeping {search.config} on {where}", config=str(search.config))
    outcome = sweep(
        search.config,
        root,
        request,
        out_dir=args.out,
        state_dir=args.state_dir,
        backend=_backend(args),
        write=args.write,
        force=args.force,
        on_step=progress_printer(),
        on_progress=StepProgress(),
    )
    result = outcome.result
    text = {"text": sweep_text.render, "md": sweep_md.render, "json": _json}[args.format](result)
    if args.report is not None:
        write_atomic(args.report, text)
    sys.stdout.write(text)
    _log.info(
        "sweep_finished",
        message=f"sweep folder: {outcome.out_dir} (sweep.md, sweep.json, sweep.patch) in {outcome.seconds:.1f} s",
        app=result.app,
        selected=result.selected,
        settings=len(result.settings),
        sweep_folder=str(outcome.out_dir),
        duration_s=round(outcome.seconds, 3),
    )
    if outcome.written is not None:
        _log.info("sweep_written", message=f"wrote the selected setting into {outcome.written}")
    if args.write and outcome.write_refused is not None:
        _log.warning("sweep_not_written", message=f"not written: {outcome.write_refused}")
        return EXIT_INVALID if result.selected is not None else EXIT_OK
    return EXIT_OK


def _split(salt: str, fraction: float) -> SplitSpec:
    if not 0.0 < fraction < 1.0:
        raise UsageError("--confirm-fraction must be between 0 and 1")
    if not salt:
        raise UsageError("--split-salt must not be empty")
    return SplitSpec(salt=salt, confirmation_fraction=fraction)


def _json(result: Any) -> str:
    return str(result.model_dump_json(indent=2)) + "\n"
