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
    judge_cache_dir: str,
    report: Output[Artifact],
    metrics: Output[Metrics],
) -> None:
    """Write report.json, predictions.jsonl, report.md and report.html into ``report``; log every metric to the
    KFP Metrics artifact so the KFP UI shows them."""
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
    )
    for name, value in values.items():
        metrics.log_metric(name, value)
