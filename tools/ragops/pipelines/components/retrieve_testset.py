"""Component: retrieve the hits of one shard of the app's test sets."""

from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Output

from ragops.pipelines.components import RAGOPS_IMAGE


@dsl.component(base_image=RAGOPS_IMAGE, install_kfp_package=False)
def retrieve_testset(
    retrieve_config_json: str,
    index: Input[Artifact],
    testsets: Input[Dataset],
    testsets_hash: str,
    code_hash: str,
    shard: int,
    num_shards: int,
    embedding_cache_dir: str,
    retrieved: Output[Dataset],
) -> float:
    """Retrieve for every question whose position modulo ``num_shards`` is ``shard``; returns the timed seconds.
    The config carries only what shapes retrieval (indexing and retrieval settings), so a change to the prompt,
    the LLM or the evaluation settings reuses this step's output; ``testsets_hash`` and ``code_hash`` (not read)
    key the cache on the test sets' content and the code."""
    from ragops.pipelines.steps import retrieve_step

    return retrieve_step(
        retrieve_config_json, index.path, testsets.path, shard, num_shards, embedding_cache_dir, retrieved.path
    )
