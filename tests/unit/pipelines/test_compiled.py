"""The compiled pipeline is checked in, current, sharded with ParallelFor, keyed on content hashes, and installs
nothing when a step starts."""

from __future__ import annotations

from typing import Any

import yaml

import ragops
from ragops.pipelines import compile as pipeline_compile
from ragops.pipelines.components import RAGOPS_IMAGE_REPOSITORY


def _spec() -> dict[str, Any]:
    # The pipeline spec, then the platform spec (Kubernetes secrets as env).
    loaded: dict[str, Any] = next(yaml.safe_load_all(pipeline_compile.COMPILED.read_text(encoding="utf-8")))
    return loaded


def _parameter_inputs(task: dict[str, Any]) -> dict[str, str]:
    """Task input name → the pipeline parameter it is fed from (only inputs fed by pipeline parameters)."""
    params = task.get("inputs", {}).get("parameters", {})
    return {name: p["componentInputParameter"] for name, p in params.items() if "componentInputParameter" in p}


def test_checked_in_pipeline_is_not_stale() -> None:
    assert not pipeline_compile.is_stale(), "run: ragops pipeline compile"


def test_answering_fans_out_over_shards_with_parallel_for() -> None:
    spec = _spec()
    loops = [t for t in spec["root"]["dag"]["tasks"].values() if "parameterIterator" in t]
    (loop,) = loops
    assert loop["parameterIterator"]["items"]["inputParameter"] == "pipelinechannel--shards"
    assert loop["iteratorPolicy"]["parallelismLimit"] >= 2
    body = spec["components"][loop["componentRef"]["name"]]["dag"]["tasks"]
    assert {"retrieve-testset", "generate-answers"} <= set(body)
    assert _parameter_inputs(body["retrieve-testset"])["shard"].startswith("pipelinechannel--shards-loop-item")


def test_cached_steps_take_the_content_hashes() -> None:
    spec = _spec()
    tasks = spec["root"]["dag"]["tasks"]
    build = _parameter_inputs(tasks["build-index"])
    assert build["corpus_hash"] == "corpus_hash"
    assert build["index_config_hash"] == "index_config_hash"
    assert build["index_config_json"] == "index_config_json"
    assert build["code_hash"] == "code_hash", "a change to the ragops code must build the index again"
    assert "config_json" not in build, "the index must not depend on the prompt or the LLM"
    assert tasks["build-index"]["cachingOptions"].get("enableCache", False)
    loop = next(t for t in tasks.values() if "parameterIterator" in t)
    body = spec["components"][loop["componentRef"]["name"]]["dag"]["tasks"]
    retrieve = _parameter_inputs(body["retrieve-testset"])
    assert retrieve["retrieve_config_json"] == "pipelinechannel--retrieve_config_json"
    assert "generate_config_json" not in retrieve, "editing the prompt or the LLM must not retrieve again"
    assert "config_json" not in retrieve, "editing a gate or the judge must not retrieve again"
    assert retrieve["testsets_hash"] == "pipelinechannel--testsets_hash"
    assert retrieve["code_hash"] == "pipelinechannel--code_hash"
    generate = body["generate-answers"]
    assert _parameter_inputs(generate) == {
        "generate_config_json": "pipelinechannel--generate_config_json",
        "code_hash": "pipelinechannel--code_hash",
    }
    # Its other inputs are the retrieve step's outputs: it runs again exactly when retrieval did.
    retrieved = generate["inputs"]["artifacts"]["retrieved"]["taskOutputArtifact"]
    assert retrieved == {"outputArtifactKey": "retrieved", "producerTask": "retrieve-testset"}


def test_object_store_steps_take_credentials_from_an_optional_secret_named_by_a_parameter() -> None:
    documents = list(yaml.safe_load_all(pipeline_compile.COMPILED.read_text(encoding="utf-8")))
    executors = documents[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    spec = _spec()
    tasks = spec["root"]["dag"]["tasks"]
    for task in ("fetch-data", "fetch-data-2", "score-run"):  # import-corpus, import-testsets, score-run
        executor = executors[spec["components"][tasks[task]["componentRef"]["name"]]["executorLabel"]]
        (secret,) = executor["secretAsEnv"]
        assert secret["optional"] is True
        assert secret["secretNameParameter"]["componentInputParameter"] == "object_store_secret"
        assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"} <= {
            m["envVar"] for m in secret["keyToEnv"]
        }


def test_no_step_installs_anything_at_start() -> None:
    """KFP's default pip-installs kfp before every step: offline clusters fail and local steps pay for it."""
    text = pipeline_compile.COMPILED.read_text(encoding="utf-8")
    assert "pip install" not in text
    assert "kfp==" not in text


def test_every_component_runs_in_the_image_of_this_package_version() -> None:
    executors = _spec()["deploymentSpec"]["executors"]
    images = {e["container"]["image"] for e in executors.values() if "container" in e}
    assert images == {f"{RAGOPS_IMAGE_REPOSITORY}:{ragops.__version__}"}


def test_staleness_ignores_the_kfp_version_and_nothing_else() -> None:
    compiled = (
        "        - \"\\nPIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install 'kfp==2.17.0'\\\n"
        "        image: ghcr.io/ragops/ragops:0.1.0\n"
        "sdkVersion: kfp-2.17.0\n"
    )
    newer_sdk = compiled.replace("2.17.0", "2.18.1rc1")
    assert pipeline_compile.normalised(newer_sdk) == pipeline_compile.normalised(compiled)
    assert "2.17.0" not in pipeline_compile.normalised(compiled)
    newer_ragops = compiled.replace("ragops:0.1.0", "ragops:0.2.0")
    assert pipeline_compile.normalised(newer_ragops) != pipeline_compile.normalised(compiled)
