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
)
from ragops.files import place_folder_once, temporary_sibling
from ragops.hashing import canonical_sha256
from ragops.layout import resolve_repo_path
from ragops.pipelines import steps
from ragops.pipelines.objects import DataManifest, ManifestEntry
from ragops.rag.hashing import indexing_config_hash, indexing_only


def config_hash(config: AppConfig) -> str:
    """Hash of the normalised config: equal configs (however written) have equal hashes. An optional section of
    ``spec`` that is absent (``privacy``) is left out rather than hashed as null, so adding such a section to
    ragops does not change the hash of every config written before it (releases would read as changed)."""
    dumped = config.model_dump(mode="json", by_alias=True)
    dumped["spec"] = {section: value for section, value in dumped["spec"].items() if value is not None}
    return canonical_sha256(dumped)


def _repo_path(value: str, root: Path, what: str) -> Path:
    path = resolve_repo_path(value, root)
    if path is None or not path.exists():
        raise ValidationFailed(f"{what} {value!r} is missing or outside the repository; run 'ragops validate'")
    return path


def _stage_testsets(config: AppConfig, root: Path, state_dir: Path) -> tuple[Path, dict[str, str]]:
    """Copy the app's test sets to ``<state>/testsets/<hash>/<name>.jsonl``: the folder's path changes exactly
    when their content does, which is what the KFP cache needs of an input artifact."""
    files: dict[str, Path] = {}
    for value in config.spec.data.testsets:
        path = _repo_path(value, root, "test set")
        if path.stem in files:
            raise ValidationFailed(f"two test sets are named {path.stem!r}; test-set file names must differ")
        files[path.stem] = path
    hashes = {name: file_fingerprint(path) for name, path in sorted(files.items())}
    folder = state_dir / "testsets" / canonical_sha256(hashes)[:16]
    if not folder.is_dir():
        staging = temporary_sibling(folder, "partial")
        staging.mkdir(parents=True)
        for name, path in files.items():
            shutil.copyfile(path, staging / f"{name}.jsonl")
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
    corpus = _repo_path(config.spec.data.corpus, root, "corpus")
    testsets_dir, testset_hashes = _stage_testsets(config, root, state_dir)
    corpus_hash = corpus_fingerprint(corpus)
    return StagedData(
        corpus_manifest_json=local_manifest(
            _stage_corpus(corpus, corpus_hash, root, state_dir), config.spec.data.corpus
        ),
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
) -> dict[str, Any]:
    """The provenance a run's report records (``ragops.evaluation.report.Metadata`` without the index id)."""
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
