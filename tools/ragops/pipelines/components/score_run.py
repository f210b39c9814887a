"""Component: score the predictions of all shards and write the report."""

from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Metrics, Output

from ragops.pipelines.components import RAGOPS_IMAGE


@dsl.component(base_image=RAGOPS_IMAGE, install_kfp_package=False)
def score_run(
    config_json: str,
    predictions: Input[list[Dataset]],
    shard_seconds: list,  # type: ignore[type-arg]  # KFP accepts only bare `list` for list parameters
    testsets: Input[Dataset],
    metadata_json: str,
    index_summary: str,
    index: Input[Artifact],
    judge_cache_dir: str,
    results_uri: str,
    report: Output[Artifact],
    metrics: Output[Metrics],
) -> None:
    """Write report.json, predictions.jsonl, report.md and report.html into ``report`` (FActScore's evidence comes
    from ``index``, the index the answers were retrieved from); log every metric to the
    KFP Metrics artifact so the KFP UI shows them. With ``results_uri`` (a cluster run), the run folder is also
    uploaded there, where ``ragops eval --backend kfp`` fetches it back."""
    from ragops.pipelines.steps import score_step

    values = score_step(
        config_json,
        [p.path for p in predictions],
        shard_seconds,
        testsets.path,
        metadata_json,
        index_summary,
        report.path,
        judge_cache_dir,
        index.path,
    )
    for name, value in values.items():
        metrics.log_metric(name, value)
    if results_uri:
        from pathlib import Path

        from ragops.pipelines.results import upload_run_folder

        upload_run_folder(Path(report.path), results_uri)
