"""Component: answer one shard of the app's test sets."""

from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Output

from ragops.pipelines.components import RAGOPS_IMAGE


@dsl.component(base_image=RAGOPS_IMAGE, install_kfp_package=False)
def answer_testset(
    answer_config_json: str,
    index: Input[Artifact],
    testsets: Input[Dataset],
    testsets_hash: str,
    shard: int,
    num_shards: int,
    predictions: Output[Dataset],
) -> float:
    """Answer every question whose position modulo ``num_shards`` is ``shard``; returns wall seconds.
    The config carries only what shapes answers (no evaluation settings), so editing a gate or the judge
    re-scores without re-answering; ``testsets_hash`` keys the cache on the test sets' content."""
    from ragops.pipelines.steps import answer_step

    return answer_step(answer_config_json, index.path, testsets.path, shard, num_shards, predictions.path)
