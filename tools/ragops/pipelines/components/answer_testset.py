"""Component: answer one shard of the app's test sets."""

from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Output

from ragops.pipelines.components import RAGOPS_IMAGE


@dsl.component(base_image=RAGOPS_IMAGE)
def answer_testset(
    config_json: str,
    config_hash: str,
    index: Input[Artifact],
    testsets: Input[Dataset],
    testsets_hash: str,
    shard: int,
    num_shards: int,
    predictions: Output[Dataset],
) -> float:
    """Answer every question whose position modulo ``num_shards`` is ``shard``; returns wall seconds.
    ``config_hash`` and ``testsets_hash`` key the cache on content, like build_index's hashes."""
    from ragops.pipelines.steps import answer_step

    return answer_step(config_json, index.path, testsets.path, shard, num_shards, predictions.path)
