"""Component: generate the answers of one shard from its retrieved hits."""

from kfp import dsl
from kfp.dsl import Dataset, Input, Output

from ragops.pipelines.components import RAGOPS_IMAGE


@dsl.component(base_image=RAGOPS_IMAGE, install_kfp_package=False)
def generate_answers(
    generate_config_json: str,
    retrieved: Input[Dataset],
    retrieve_seconds: float,
    code_hash: str,
    predictions: Output[Dataset],
) -> float:
    """Answer each question from its hits; returns the shard's answering seconds (timed retrieval plus answering).
    The config carries only the LLM, prompt and citation settings; ``retrieved`` is a new artifact whenever
    retrieval ran again, so this step's cache key follows both."""
    from ragops.pipelines.steps import generate_step

    return generate_step(generate_config_json, retrieved.path, retrieve_seconds, predictions.path)
