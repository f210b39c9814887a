"""The compiled sweep pipeline is checked in and current, and its shape is the sharing the sweep promises: the data
fetched and split once, one index per group of settings, ParallelFor over the settings of a group, each setting the
evaluation pipeline's own steps keyed on content, and nothing installed when a step starts."""

from __future__ import annotations

from typing import Any

import yaml

import ragops
from ragops.pipelines import compile as pipeline_compile
from ragops.pipelines.components import RAGOPS_IMAGE_REPOSITORY


def _documents() -> list[dict[str, Any]]:
    return list(yaml.safe_load_all(pipeline_compile.COMPILED_SWEEP.read_text(encoding="utf-8")))


def _dag(spec: dict[str, Any], component: str) -> dict[str, Any]:
    tasks: dict[str, Any] = spec["components"][component]["dag"]["tasks"]
    return tasks


def _loop(tasks: dict[str, Any]) -> dict[str, Any]:
    (loop,) = [t for t in tasks.values() if "parameterIterator" in t]
    return loop


def _inputs(task: dict[str, Any]) -> dict[str, str]:
    params = task.get("inputs", {}).get("parameters", {})
    return {name: p["componentInputParameter"] for name, p in params.items() if "componentInputParameter" in p}


def test_checked_in_sweep_pipeline_is_not_stale() -> None:
    assert not pipeline_compile.is_stale(pipeline_compile.COMPILED_SWEEP, "sweep"), "run: ragops pipeline compile"


def test_data_is_fetched_and_split_once_then_groups_of_settings_fan_out() -> None:
    spec = _documents()[0]
    root = spec["root"]["dag"]["tasks"]
    assert {"fetch-data", "fetch-data-2", "split-testsets"} <= set(root)
    assert _inputs(root["split-testsets"]) == {
        "split_json": "split_json",
        "part": "part",
        "part_hash": "questions_hash",
    }
    groups = _loop(root)
    assert groups["parameterIterator"]["items"]["inputParameter"] == "pipelinechannel--groups"
    assert groups["iteratorPolicy"]["parallelismLimit"] >= 2
    # A group builds its index once, then fans out over its settings.
    (group,) = _dag(spec, groups["componentRef"]["name"]).values()
    group_tasks = _dag(spec, group["componentRef"]["name"])
    build = _inputs(group_tasks["build-index"])
    assert build["index_config_hash"] == "index_config_hash" and build["code_hash"] == "code_hash"
    (settings_dag,) = [t for name, t in group_tasks.items() if name != "build-index"]
    settings = _loop(_dag(spec, settings_dag["componentRef"]["name"]))
    assert settings["parameterIterator"]["items"]["inputParameter"] == "pipelinechannel--settings"
    assert settings["iteratorPolicy"]["parallelismLimit"] >= 2
    # Each setting: the evaluation pipeline's steps, sharded, then scored into the setting's results location.
    (setting,) = _dag(spec, settings["componentRef"]["name"]).values()
    setting_tasks = _dag(spec, setting["componentRef"]["name"])
    shards = _loop(setting_tasks)
    body = _dag(spec, shards["componentRef"]["name"])
    retrieve = _inputs(body["retrieve-testset"])
    assert retrieve["retrieve_config_json"] == "pipelinechannel--retrieve_config_json"
    assert retrieve["testsets_hash"] == "pipelinechannel--questions_hash", "retrieval is keyed on the part's content"
    assert "config_json" not in retrieve and "generate_config_json" not in retrieve
    assert _inputs(body["generate-answers"]) == {
        "generate_config_json": "pipelinechannel--generate_config_json",
        "code_hash": "pipelinechannel--code_hash",
    }
    score = setting_tasks["score-run"]
    assert _inputs(score)["results_uri"] == "results_uri"
    # FActScore's evidence: the index the setting's answers were retrieved from (its group's).
    assert score["inputs"]["artifacts"]["index"] == {"componentInputArtifact": "index"}
    assert not score["cachingOptions"].get("enableCache", False)


def test_object_store_steps_take_credentials_and_nothing_is_installed() -> None:
    spec, platform = _documents()
    executors = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert {"exec-fetch-data", "exec-fetch-data-2", "exec-score-run"} <= set(executors)
    for executor in executors.values():
        (secret,) = executor["secretAsEnv"]
        assert secret["optional"] is True
    text = pipeline_compile.COMPILED_SWEEP.read_text(encoding="utf-8")
    assert "pip install" not in text and "kfp==" not in text
    images = {e["container"]["image"] for e in spec["deploymentSpec"]["executors"].values() if "container" in e}
    assert images == {f"{RAGOPS_IMAGE_REPOSITORY}:{ragops.__version__}"}


def test_loop_components_are_named_by_where_they_sit_not_by_the_compilers_luck() -> None:
    # KFP names the loops of sub-pipelines in a protobuf map's iteration order, which varies between processes:
    # the same pipeline with its two inner loops named either way round must compile to one file.
    def spec(inner: str, outer: str) -> dict[str, Any]:
        return {
            "root": {"dag": {"tasks": {"for-loop-1": {"componentRef": {"name": "comp-for-loop-1"}}}}},
            "components": {
                "comp-for-loop-1": {"dag": {"tasks": {"group": {"componentRef": {"name": "comp-group"}}}}},
                "comp-group": {"dag": {"tasks": {"for-loop-1": {"componentRef": {"name": outer}}}}},
                outer: {"dag": {"tasks": {"for-loop-1": {"componentRef": {"name": inner}}}}},
                inner: {"dag": {"tasks": {"step": {"componentRef": {"name": "comp-step"}}}}},
                "comp-step": {"executorLabel": "exec-step"},
            },
        }

    one = pipeline_compile.canonical_loop_names(spec("comp-for-loop-1-2", "comp-for-loop-1-3"))
    other = pipeline_compile.canonical_loop_names(spec("comp-for-loop-1-3", "comp-for-loop-1-2"))
    assert one == other
    assert one["components"]["comp-group"]["dag"]["tasks"]["for-loop-1"]["componentRef"]["name"] == "comp-for-loop-2"
    assert set(one["components"]) == {
        "comp-for-loop-1",
        "comp-for-loop-2",
        "comp-for-loop-3",
        "comp-group",
        "comp-step",
    }
