"""The evaluation pipeline: wiring only. corpus → build_index → retrieve_testset → generate_answers (both
sharded) → score_run.

Content hashes are pipeline parameters passed to the steps they describe, so the KFP cache (which keys input
artifacts by path, not content) re-runs a step exactly when its content changes: a PR that only edits a prompt
reuses the index and the retrieved hits and only generates again; one that edits a document rebuilds it all; one
that changes the ragops code (``code_hash``) computes every step again with the new code.
"""

from typing import NamedTuple

from kfp import dsl, kubernetes
from kfp.dsl import Artifact

from ragops.pipelines.components.build_index import build_index
from ragops.pipelines.components.fetch_data import fetch_data
from ragops.pipelines.components.generate_answers import generate_answers
from ragops.pipelines.components.retrieve_testset import retrieve_testset
from ragops.pipelines.components.score_run import score_run

PIPELINE_NAME = "ragops-eval"
# Shards answered at once on a cluster; the local runner runs them one after another on this machine.
MAX_PARALLEL_SHARDS = 8
# Object-store credentials for the steps that read data or write results, from an optional Kubernetes secret
# (pipeline parameter ``object_store_secret``); without it the pod's own identity (IRSA, workload identity) is used.
OBJECT_STORE_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION")
DEFAULT_OBJECT_STORE_SECRET = "ragops-object-store"


class EvalOutputs(NamedTuple):
    report: Artifact
    index_summary: str


@dsl.pipeline(name=PIPELINE_NAME, description="Evaluate a RAG app on its test sets (ragops).")
def rag_eval_pipeline(
    config_json: str,
    retrieve_config_json: str,
    generate_config_json: str,
    index_config_json: str,
    corpus_manifest_json: str,
    testsets_manifest_json: str,
    corpus_hash: str,
    index_config_hash: str,
    testsets_hash: str,
    code_hash: str,
    metadata_json: str,
    embedding_cache_dir: str = "",
    judge_cache_dir: str = "",
    shards: list = [0],  # type: ignore[type-arg]  # noqa: B006  # KFP takes bare `list`; a compiled default
    num_shards: int = 1,
    results_uri: str = "",
    object_store_secret: str = DEFAULT_OBJECT_STORE_SECRET,
) -> EvalOutputs:
    corpus = fetch_data(manifest_json=corpus_manifest_json, content_hash=corpus_hash)
    corpus.set_display_name("import-corpus")
    testsets = fetch_data(manifest_json=testsets_manifest_json, content_hash=testsets_hash)
    testsets.set_display_name("import-testsets")
    index = build_index(
        index_config_json=index_config_json,
        corpus=corpus.outputs["data"],
        corpus_hash=corpus_hash,
        index_config_hash=index_config_hash,
        code_hash=code_hash,
        embedding_cache_dir=embedding_cache_dir,
    )
    with dsl.ParallelFor(items=shards, parallelism=MAX_PARALLEL_SHARDS) as shard:
        retrieved = retrieve_testset(
            retrieve_config_json=retrieve_config_json,
            index=index.outputs["index"],
            testsets=testsets.outputs["data"],
            testsets_hash=testsets_hash,
            code_hash=code_hash,
            shard=shard,
            num_shards=num_shards,
            embedding_cache_dir=embedding_cache_dir,
        )
        answers = generate_answers(
            generate_config_json=generate_config_json,
            retrieved=retrieved.outputs["retrieved"],
            retrieve_seconds=retrieved.outputs["Output"],
            code_hash=code_hash,
        )
    scored = score_run(
        config_json=config_json,
        predictions=dsl.Collected(answers.outputs["predictions"]),
        shard_seconds=dsl.Collected(answers.outputs["Output"]),
        testsets=testsets.outputs["data"],
        metadata_json=metadata_json,
        index_summary=index.outputs["Output"],
        index=index.outputs["index"],
        judge_cache_dir=judge_cache_dir,
        results_uri=results_uri,
    )
    for task in (corpus, testsets, scored):
        kubernetes.use_secret_as_env(
            task, secret_name=object_store_secret, secret_key_to_env={k: k for k in OBJECT_STORE_ENV}, optional=True
        )
    scored.set_caching_options(False)  # cheap, and its report must carry this run's metadata
    return EvalOutputs(report=scored.outputs["report"], index_summary=index.outputs["Output"])
