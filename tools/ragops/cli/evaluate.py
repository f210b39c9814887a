"""``ragops eval CONFIG``: run the evaluation pipeline and write the run folder."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ragops import logs
from ragops.cli import options
from ragops.errors import EXIT_OK, UsageError
from ragops.evaluation.report_views import headline_names
from ragops.progress import StepProgress

if TYPE_CHECKING:
    from ragops.evaluation.report import Report
    from ragops.pipelines.events import StepEvent


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "eval",
        help="evaluate an app on its test sets (Kubeflow Pipelines, local runner by default)",
        description="Run the evaluation pipeline for one app and write report.json, predictions.jsonl, "
        "report.md and report.html into the run folder.",
    )
    parser.add_argument("config", type=Path, help="rag-configs/<app>.yaml")
    parser.add_argument("--out", type=Path, help="run folder (default: runs/<app>/<UTC time>-<hash>/)")
    parser.add_argument(
        "--shards", type=int, default=1, help="split the test sets into N answering tasks (capped at one per question)"
    )
    parser.add_argument(
        "--force", action="store_true", help="replace --out even when it holds another app's or commit's run"
    )
    options.add_root(parser, "the config")
    options.add_state_dir(parser)
    options.add_start_local_models(parser)
    cluster = options.add_cluster_options(parser, "Kubeflow cluster (--backend kfp)", "the app")
    cluster.add_argument(
        "--object-store-secret",
        help="Kubernetes secret whose AWS_* keys the steps get as env (default: $RAGOPS_OBJECT_STORE_SECRET, "
        "else ragops-object-store if it exists)",
    )
    cluster.add_argument("--dvc-remote", help="DVC remote the cluster reads DVC-tracked data from (default: DVC's)")
    cluster.add_argument("--corpus-uri", help="override: a folder the cluster copies as the corpus (s3://, gs://, …)")
    cluster.add_argument("--testsets-uri", help="override: a folder of <name>.jsonl the cluster copies")
    parser.set_defaults(run=run)


_log = logs.get_logger("ragops.cli.eval")


def step_printer() -> Callable[[StepEvent], None]:
    """A log event for each pipeline step (text mode: one line each), with its duration when it finishes. The
    logger writes to the stderr it was configured with: while the pipeline runs, sys.stderr goes to kfp.log."""
    started: dict[str, float] = {}

    def show(event: StepEvent) -> None:
        if event.event == "started":
            started[event.step] = time.perf_counter()
            _log.info("step_started", message=f"  ▸ {event.step} …", step=event.step)
        elif event.event == "cached":
            text = f"  ✓ {event.step}: reused from cache (inputs unchanged)"
            _log.info("step_cached", message=text, step=event.step)
        elif event.event == "finished":
            seconds = time.perf_counter() - started.get(event.step, time.perf_counter())
            text = f"  ✓ {event.step}: {event.status.lower()}"
            _log.info("step_finished", message=text, step=event.step, status=event.status, duration_s=round(seconds, 3))

    return show


def _print_metrics(report: Report) -> list[str]:
    """The headline metrics, one per line; returns their names."""
    shown = headline_names(report)
    width = max((len(name) for name in shown), default=0)
    for name in shown:
        print(f"  {name:<{width}}  {report.metrics[name]:.4f}")
    return shown


def run(args: argparse.Namespace) -> int:
    if not args.config.is_file():
        raise UsageError(f"{args.config}: no such config file")
    root = options.root_from(args, near=args.config)
    if args.backend == "kfp":
        return _run_on_cluster(args, root)
    _log.info("eval_started", message=f"evaluating {args.config} on the KFP local runner", config=str(args.config))
    from ragops.app.evaluate import evaluate  # imports KFP: only when evaluating, after saying so

    result = evaluate(
        args.config,
        root,
        args.out,
        shards=args.shards,
        state_dir=args.state_dir,
        on_step=step_printer(),
        on_progress=StepProgress(),
        force=args.force,
        start_local_models=args.start_local_models,
    )
    for warning in result.warnings:
        _log.warning("eval_warning", message=f"warning: {warning}")
    index = result.index
    if result.index_reused:
        print(f"index: reused ({index.chunks} chunks, 0 embedded)")
    else:
        print(
            f"index: built ({index.documents} documents, {index.chunks} chunks, "
            f"{index.embedded} embedded, {index.reused} from cache)"
        )
    if index.privacy is not None:
        print(f"personal data: {index.privacy.summary()}")
    report = result.report
    print(f"{report.app}: {report.counts.questions} questions in {result.seconds:.1f} s")
    shown = _print_metrics(report)
    print(f"run folder: {result.out_dir} (report.md, report.html, report.json, predictions.jsonl)")
    _log.info(
        "eval_finished",
        message=None,
        app=report.app,
        questions=report.counts.questions,
        metrics={name: report.metrics[name] for name in shown},
        run_folder=str(result.out_dir),
        index_reused=result.index_reused,
        duration_s=round(result.seconds, 3),
    )
    return EXIT_OK


def _run_on_cluster(args: argparse.Namespace, root: Path) -> int:
    from ragops.app.evaluate import submit_to_cluster

    text = f"submitting {args.config} to Kubeflow Pipelines ({args.shards} shard(s)); waiting …"
    _log.info("eval_submitted", message=text, shards=args.shards)
    result = submit_to_cluster(
        args.config,
        root,
        args.out,
        shards=args.shards,
        host=args.host,
        namespace=args.namespace,
        experiment=args.experiment,
        corpus_uri=args.corpus_uri,
        testsets_uri=args.testsets_uri,
        timeout_s=args.timeout,
        pipeline_root=args.pipeline_root,
        object_store_secret=args.object_store_secret,
        dvc_remote=args.dvc_remote,
        force=args.force,
    )
    for warning in result.warnings:
        _log.warning("eval_warning", message=f"warning: {warning}")
    for path, source in sorted(result.sources.items()):
        _log.info("eval_data", message=f"data: {path} read from {source}", path=path, source=source)
    if result.uploaded:
        text = f"data: uploaded {result.uploaded} new object(s) of git-held data"
        _log.info("eval_uploaded", message=text, objects=result.uploaded)
    print(f"run {result.run_id}: {result.state} — {result.url}")
    report = result.report
    print(f"{report.app}: {report.counts.questions} questions in {result.seconds:.1f} s (on the cluster)")
    _print_metrics(report)
    print(f"run folder: {result.out_dir} (fetched from {result.results_uri}; run record run.json)")
    return EXIT_OK
