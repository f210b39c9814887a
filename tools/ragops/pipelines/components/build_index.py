"""Component: build (or reuse) the app's index from the corpus."""

from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Output

from ragops.pipelines.components import RAGOPS_IMAGE


@dsl.component(base_image=RAGOPS_IMAGE, install_kfp_package=False)
def build_index(
    index_config_json: str,
    corpus: Input[Dataset],
    corpus_hash: str,
    index_config_hash: str,
    code_hash: str,
    embedding_cache_dir: str,
    index: Output[Artifact],
) -> str:
    """Chunk, embed and index the corpus. ``corpus_hash``, ``index_config_hash`` and ``code_hash`` are not read
    here: they are parameters so the KFP cache key follows the content and the code (it sees input artifacts only
    by path)."""
    from ragops.pipelines.steps import index_step

    summary = index_step(index_config_json, corpus.path, index.path, embedding_cache_dir)
    index.metadata.update({"corpus_hash": corpus_hash, "index_config_hash": index_config_hash})
    return summary
