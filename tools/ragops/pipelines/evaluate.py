"""The evaluation pipeline's arguments: content hashes, staged test sets and provenance.

Before the pipeline runs, this module computes the content hashes the pipeline's cache keys on (corpus, test
sets, full config, indexing config, and the code: the ragops modules and package versions that compute every
step, so a change to the code is never answered from the cache of the old code), stages the test sets under a
content-addressed folder, and gathers the report's provenance (commit, code, package versions, models). Running
it is ``local_run`` or ``cluster``'s job, and the use case that ties them together is ``ragops.app.evaluate``.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragops.config.app_data import config_hash, corpus_path, data_paths, testset_paths
from ragops.config.models import AppConfig
from ragops.corpus import checked_file
from ragops.data.fingerprint import corpus_fingerprint, file_fingerprint
from ragops.errors import ValidationFailed
from ragops.evaluation.provenance import (
    code_cache_key,
    git_commit,
    git_dirty,
    installed_versions,
    model_identities,
    running_code_fingerprint,
    timing_conditions,
)
from ragops.files import place_folder_once, temporary_sibling
from ragops.hashing import canonical_sha256
from ragops.pipelines import steps
from ragops.pipelines.objects import DataManifest, ManifestEntry
from ragops.rag.hashing import indexing_config_hash, indexing_only


def _existing(path: Path, what: str, root: Path) -> Path:
    if not path.exists():
        raise ValidationFailed(f"{what} {path.relative_to(root.resolve())} is missing; run 'ragops validate'")
    return path


def _first_questions(source: Path, target: Path, limit: int | None) -> None:
    """Copy a test set, keeping only its first ``limit`` questions (non-blank lines) when a limit is set."""
    if limit is None:
        shutil.copyfile(source, target)
        return
    kept: list[str] = []
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            if len(kept) == limit:
                break
            if line.strip():
                kept.append(line if line.endswith("\n") else line + "\n")
    target.write_text("".join(kept), encoding="utf-8")


def _stage_testsets(config: AppConfig, root: Path, state_dir: Path) -> tuple[Path, dict[str, str]]:
    """Copy the app's test sets to ``<state>/testsets/<hash>/<name>.jsonl``: the folder's path changes exactly
    when their content does, which is what the KFP cache needs of an input artifact. With
    ``evaluation.max_questions`` the copies hold only the first N questions of each; the hashes returned (what the
    report records) are those of the whole files in the repository."""
    files = {name: _existing(path, "test set", root) for name, path in testset_paths(config, root).items()}
    hashes = {name: file_fingerprint(path) for name, path in sorted(files.items())}
    limit = config.spec.evaluation.max_questions
    folder = state_dir / "testsets" / canonical_sha256(hashes if limit is None else {**hashes, "": limit})[:16]
    if not folder.is_dir():
        staging = temporary_sibling(folder, "partial")
        staging.mkdir(parents=True)
        for name, path in files.items():
            _first_questions(path, staging / f"{name}.jsonl", limit)
        place_folder_once(staging, folder)
    return folder, hashes


def local_manifest(folder: Path, label: str) -> str:
    """A manifest that copies a folder of this machine as is: what the local runner's fetch step reads."""
    entry = ManifestEntry(path="", store=str(folder), label=label)
    return DataManifest(entries=[entry]).model_dump_json()


def _stage_corpus(corpus: Path, corpus_hash: str, root: Path, state_dir: Path) -> Path:
    """Copy the corpus to ``<state>/corpora/<fingerprint>``: content-addressed like the test sets, so evaluations of
    the same documents from different checkouts (the base of a pull request is evaluated in a worktree) read the
    same path, and the KFP cache — which keys input data by path — serves the index and the retrieval to both.

    Links are checked against the repository before anything is copied (the copy holds files, not links); links to
    folders are not followed, as the loader does not follow them."""
    folder = state_dir / "corpora" / corpus_hash.replace(".", "-")
    if folder.is_dir():
        return folder
    allowed = root.resolve()
    for path in corpus.rglob("*"):
        if path.is_symlink():
            checked_file(path, allowed)  # outside the repository, dangling or a loop: CorpusLinkError

    def folder_links(where: str, names: list[str]) -> set[str]:
        return {name for name in names if (Path(where) / name).is_symlink() and (Path(where) / name).is_dir()}

    staging = temporary_sibling(folder, "partial")
    # Copies, not hard links: an edit in place of a checkout file must not change a content-addressed copy.
    shutil.copytree(corpus, staging, symlinks=False, ignore=folder_links)
    place_folder_once(staging, folder)  # another evaluation may have staged the same content meanwhile
    return folder


@dataclass(frozen=True)
class StagedData:
    """An app's corpus and test sets staged for the local runner, with the content hashes its cache keys on."""

    corpus_manifest_json: str
    testsets_manifest_json: str
    corpus_hash: str
    testsets_hash: str  # the staged folder's name: a hash of every test set's content
    testset_hashes: dict[str, str]  # test-set name → content hash
    conversational: bool  # some question carries a conversation: retrieval then reads the condense settings


def stage_data(config: AppConfig, root: Path, state_dir: Path) -> StagedData:
    """Stage the corpus and the test sets content-addressed under ``state_dir`` (what ``ragops eval`` and every
    setting of a sweep read), with the hashes their cache keys on."""
    corpus = _existing(corpus_path(config, root), "corpus", root)
    label = data_paths(config, root)[0].value
    testsets_dir, testset_hashes = _stage_testsets(config, root, state_dir)
    corpus_hash = corpus_fingerprint(corpus)
    return StagedData(
        corpus_manifest_json=local_manifest(_stage_corpus(corpus, corpus_hash, root, state_dir), label),
        testsets_manifest_json=local_manifest(testsets_dir, "test sets"),
        corpus_hash=corpus_hash,
        testsets_hash=testsets_dir.name,
        testset_hashes=testset_hashes,
        conversational=steps.has_conversations(steps.read_testsets(testsets_dir)),
    )


def run_metadata(
    config: AppConfig,
    root: Path,
    corpus_hash: str,
    testset_hashes: dict[str, str],
    versions: dict[str, str],
    run_id: str | None,
    machine: str | None = None,
) -> dict[str, Any]:
    """The provenance a run's report records (``ragops.evaluation.report.Metadata`` without the index id);
    ``machine``: where the steps run when not here (``timing_conditions``)."""
    return {
        "git_commit": git_commit(root),
        "git_dirty": git_dirty(root),
        "run_id": run_id,
        "config_hash": config_hash(config),
        "corpus_hash": corpus_hash,
        "testset_hashes": testset_hashes,
        "k_values": list(config.spec.evaluation.k_values),
        "package_versions": versions,
        "models": model_identities(config),
        "code_fingerprint": running_code_fingerprint(),
        "timing_conditions": timing_conditions(machine),
    }


def config_arguments(config: AppConfig, metadata: dict[str, Any], conversational: bool) -> dict[str, str]:
    """What the steps are given of one config: each step only the sections it reads, so its cache key changes
    exactly when they do; and the report's provenance. ``conversational``: the test sets hold conversations."""
    return {
        "config_json": config.model_dump_json(by_alias=True),
        "retrieve_config_json": steps.retrieval_only(config, conversational).model_dump_json(by_alias=True),
        "generate_config_json": steps.generation_only(config).model_dump_json(by_alias=True),
        "index_config_json": indexing_only(config).model_dump_json(by_alias=True),
        "index_config_hash": indexing_config_hash(config),
        "metadata_json": json.dumps(metadata, sort_keys=True),
    }


def cache_arguments(state_dir: Path) -> dict[str, str]:
    """The caches the local runner's steps share (a cluster's steps keep theirs next to their outputs)."""
    return {
        "embedding_cache_dir": str(state_dir / "embedding-cache"),
        "judge_cache_dir": str(state_dir / "judge-cache"),
    }


def pipeline_arguments(
    config: AppConfig, root: Path, state_dir: Path, shards: int, run_id: str | None = None
) -> dict[str, Any]:
    """Everything the pipeline is called with; the hashes make its cache follow content."""
    data = stage_data(config, root, state_dir)
    versions = installed_versions()
    metadata = run_metadata(config, root, data.corpus_hash, data.testset_hashes, versions, run_id)
    return {
        **config_arguments(config, metadata, data.conversational),
        "corpus_manifest_json": data.corpus_manifest_json,
        "testsets_manifest_json": data.testsets_manifest_json,
        "corpus_hash": data.corpus_hash,
        "testsets_hash": data.testsets_hash,
        "code_hash": code_cache_key(versions),
        **cache_arguments(state_dir),
        "shards": list(range(shards)),
        "num_shards": shards,
    }
