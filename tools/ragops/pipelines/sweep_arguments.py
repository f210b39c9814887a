"""The sweep pipeline's arguments: the app's data staged once, and its settings grouped by the index they build.

Settings whose indexing inputs are identical form one group, so the pipeline builds that index once for all of
them; the groups and the settings inside them keep the order they were given in. Each setting carries what the
evaluation pipeline would be given for it (``pipelines.evaluate.config_arguments``) and where its scoring step
writes its run folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragops.config.models import AppConfig
from ragops.evaluation.provenance import code_cache_key, installed_versions
from ragops.evaluation.split import Part, SplitSpec, part_digest
from ragops.pipelines.evaluate import StagedData, cache_arguments, config_arguments, run_metadata, stage_data


@dataclass(frozen=True)
class SettingRun:
    """One setting to evaluate: its id (unique in the sweep), its config and where its run folder goes."""

    setting_id: str
    config: AppConfig
    results_uri: str


def group_settings(settings: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    """Settings (``config_arguments`` plus ``results_uri``) grouped by their index build, in first-seen order."""
    groups: dict[str, dict[str, Any]] = {}
    for setting in settings:
        key = setting["index_config_json"]
        group = groups.setdefault(
            key,
            {"index_config_json": key, "index_config_hash": setting["index_config_hash"], "settings": []},
        )
        group["settings"].append(
            {
                name: setting[name]
                for name in ("config_json", "retrieve_config_json", "generate_config_json", "metadata_json")
            }
            | {"results_uri": setting["results_uri"]}
        )
    return list(groups.values())


def sweep_arguments(
    base: AppConfig,
    runs: Sequence[SettingRun],
    root: Path,
    state_dir: Path,
    *,
    split: SplitSpec,
    part: Part,
    sweep_id: str,
    shards: int = 1,
    data: StagedData | None = None,
    machine: str | None = None,
) -> dict[str, Any]:
    """Everything the sweep pipeline is called with to evaluate ``runs`` on ``part`` of the app's questions;
    ``machine``: where the steps run when not on this machine (a cluster's pods), as the reports' timing
    conditions say."""
    data = data or stage_data(base, root, state_dir)
    versions = installed_versions()
    part_hashes = {name: part_digest(digest, split, part) for name, digest in data.testset_hashes.items()}
    settings = []
    for run in runs:
        metadata = run_metadata(
            run.config, root, data.corpus_hash, part_hashes, versions, f"{sweep_id}-{part}-{run.setting_id}", machine
        )
        settings.append({**config_arguments(run.config, metadata, data.conversational), "results_uri": run.results_uri})
    return {
        "groups": group_settings(settings),
        "corpus_manifest_json": data.corpus_manifest_json,
        "testsets_manifest_json": data.testsets_manifest_json,
        "corpus_hash": data.corpus_hash,
        "testsets_hash": data.testsets_hash,
        "split_json": split.model_dump_json(),
        "part": part,
        "questions_hash": part_digest(data.testsets_hash, split, part),
        "code_hash": code_cache_key(versions),
        **cache_arguments(state_dir),
        "shards": list(range(shards)),
        "num_shards": shards,
    }
