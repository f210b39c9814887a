"""The sweep pipeline: wiring only. Every setting of a sweep runs through the evaluation pipeline's steps, with
``ParallelFor`` over the settings, and shares whatever it does not change:

    corpus, test sets → split (tuning or confirmation part)
    ParallelFor index groups (settings that index alike):      build_index              (once per group)
        ParallelFor settings of the group:                      ParallelFor shards: retrieve_testset → generate_answers
                                                                score_run → the setting's run folder at results_uri

Settings that differ only in retrieval or answering share one index (and its embeddings); a setting that changes
chunking builds its own, embedding only chunks the embedding cache has not seen; question vectors come from the
same cache. Each level is a sub-pipeline because the KFP local runner (kfp 2.17) resolves neither a loop over a
field of the outer loop's item nor a task's parameter output passed into a loop: a sub-pipeline's inputs are what
both forms (local and compiled) resolve alike (``tests/e2e/test_sweep.py`` runs both). Each setting's scoring step
writes its run folder to the setting's ``results_uri`` (a folder locally, an object-store prefix on a cluster),
where ``ragops sweep`` reads it back.
"""

from kfp import dsl, kubernetes
from kfp.dsl import Artifact, Dataset, Input

from ragops.pipelines.components.build_index import build_index
from ragops.pipelines.components.fetch_data import fetch_data
from ragops.pipelines.components.generate_answers import generate_answers
from ragops.pipelines.components.retrieve_testset import retrieve_testset
from ragops.pipelines.components.score_run import score_run
from ragops.pipelines.components.split_testsets import split_testsets
from ragops.pipelines.pipeline import DEFAULT_OBJECT_STORE_SECRET, MAX_PARALLEL_SHARDS, OBJECT_STORE_ENV

SWEEP_PIPELINE_NAME = "ragops-sweep"
# Settings evaluated at once on a cluster (the local runner runs at most two tasks of a loop at a time).
MAX_PARALLEL_SETTINGS = 8


def _object_store_env(task: dsl.PipelineTask, secret: str) -> None:
    kubernetes.use_secret_as_env(
        task, secret_name=secret, secret_key_to_env={k: k for k in OBJECT_STORE_ENV}, optional=True
    )


@dsl.pipeline(name="ragops-sweep-setting", description="Evaluate one setting of a sweep on a built index.")
def evaluate_setting(
    index: Input[Artifact],
    questions: Input[Dataset],
    index_summary: str,
    config_json: str,
    retrieve_config_json: str,
    generate_config_json: str,
    metadata_json: str,
    results_uri: str,
    questions_hash: str,
    code_hash: str,
    embedding_cache_dir: str,
    judge_cache_dir: str,
    shards: list,  # type: ignore[type-arg]  # KFP takes bare `list`
    num_shards: int,
    object_store_secret: str,
) -> None:
    with dsl.ParallelFor(items=shards, parallelism=MAX_PARALLEL_SHARDS) as shard:
        retrieved = retrieve_testset(
            retrieve_config_json=retrieve_config_json,
            index=index,
            testsets=questions,
            testsets_hash=questions_hash,
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
        testsets=questions,
        metadata_json=metadata_json,
        index_summary=index_summary,
        index=index,
        judge_cache_dir=judge_cache_dir,
        results_uri=results_uri,
    )
    _object_store_env(scored, object_store_secret)
    scored.set_caching_options(False)  # cheap, and its run folder must reach this sweep's results_uri


@dsl.pipeline(name="ragops-sweep-settings", description="Evaluate the settings of a sweep that share an index.")
def evaluate_settings(
    index: Input[Artifact],
    questions: Input[Dataset],
    index_summary: str,
    settings: list,  # type: ignore[type-arg]
    questions_hash: str,
    code_hash: str,
    embedding_cache_dir: str,
    judge_cache_dir: str,
    shards: list,  # type: ignore[type-arg]
    num_shards: int,
    object_store_secret: str,
) -> None:
    with dsl.ParallelFor(items=settings, parallelism=MAX_PARALLEL_SETTINGS) as setting:
        evaluate_setting(
            index=index,
            questions=questions,
            index_summary=index_summary,
            config_json=setting.config_json,
            retrieve_config_json=setting.retrieve_config_json,
            generate_config_json=setting.generate_config_json,
            metadata_json=setting.metadata_json,
            results_uri=setting.results_uri,
            questions_hash=questions_hash,
            code_hash=code_hash,
            embedding_cache_dir=embedding_cache_dir,
            judge_cache_dir=judge_cache_dir,
            shards=shards,
            num_shards=num_shards,
            object_store_secret=object_store_secret,
        )


@dsl.pipeline(name="ragops-sweep-index", description="Build one index of a sweep and evaluate its settings.")
def evaluate_index_group(
    corpus: Input[Dataset],
    questions: Input[Dataset],
    index_config_json: str,
    index_config_hash: str,
    settings: list,  # type: ignore[type-arg]
    corpus_hash: str,
    questions_hash: str,
    code_hash: str,
    embedding_cache_dir: str,
    judge_cache_dir: str,
    shards: list,  # type: ignore[type-arg]
    num_shards: int,
    object_store_secret: str,
) -> None:
    index = build_index(
        index_config_json=index_config_json,
        corpus=corpus,
        corpus_hash=corpus_hash,
        index_config_hash=index_config_hash,
        code_hash=code_hash,
        embedding_cache_dir=embedding_cache_dir,
    )
    evaluate_settings(
        index=index.outputs["index"],
        questions=questions,
        index_summary=index.outputs["Output"],
        settings=settings,
        questions_hash=questions_hash,
        code_hash=code_hash,
        embedding_cache_dir=embedding_cache_dir,
        judge_cache_dir=judge_cache_dir,
        shards=shards,
        num_shards=num_shards,
        object_store_secret=object_store_secret,
    )


@dsl.pipeline(name=SWEEP_PIPELINE_NAME, description="Evaluate the settings of a RAG app's sweep (ragops sweep).")
def rag_sweep_pipeline(
    groups: list,  # type: ignore[type-arg]
    corpus_manifest_json: str,
    testsets_manifest_json: str,
    corpus_hash: str,
    testsets_hash: str,
    split_json: str,
    part: str,
    questions_hash: str,
    code_hash: str,
    embedding_cache_dir: str = "",
    judge_cache_dir: str = "",
    shards: list = [0],  # type: ignore[type-arg]  # noqa: B006  # KFP takes bare `list`; a compiled default
    num_shards: int = 1,
    object_store_secret: str = DEFAULT_OBJECT_STORE_SECRET,
) -> None:
    corpus = fetch_data(manifest_json=corpus_manifest_json, content_hash=corpus_hash)
    corpus.set_display_name("import-corpus")
    testsets = fetch_data(manifest_json=testsets_manifest_json, content_hash=testsets_hash)
    testsets.set_display_name("import-testsets")
    for task in (corpus, testsets):
        _object_store_env(task, object_store_secret)
    questions = split_testsets(
        testsets=testsets.outputs["data"], split_json=split_json, part=part, part_hash=questions_hash
    )
    with dsl.ParallelFor(items=groups, parallelism=MAX_PARALLEL_SETTINGS) as group:
        evaluate_index_group(
            corpus=corpus.outputs["data"],
            questions=questions.outputs["questions"],
            index_config_json=group.index_config_json,
            index_config_hash=group.index_config_hash,
            settings=group.settings,
            corpus_hash=corpus_hash,
            questions_hash=questions_hash,
            code_hash=code_hash,
            embedding_cache_dir=embedding_cache_dir,
            judge_cache_dir=judge_cache_dir,
            shards=shards,
            num_shards=num_shards,
            object_store_secret=object_store_secret,
        )
