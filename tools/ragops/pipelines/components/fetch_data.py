"""Component: materialise a folder of data (the corpus, the test sets) from a manifest of content hashes."""

from kfp import dsl
from kfp.dsl import Dataset, Output

from ragops.pipelines.components import RAGOPS_IMAGE


@dsl.component(base_image=RAGOPS_IMAGE, install_kfp_package=False)
def fetch_data(manifest_json: str, content_hash: str, data: Output[Dataset]) -> int:
    """Copy what the manifest names (objects of a DVC remote or of the pipeline root's content-addressed store, or
    a folder as is) into ``data``; returns the number of files. ``content_hash`` is not read: it keys the KFP
    cache on the content, so a repeat run with the same data reuses the folder and the steps after it."""
    from ragops.pipelines.objects import materialise_json

    return materialise_json(manifest_json, data.path)
