"""ragops.config.app_data: an app's data paths and config hash, worked out once."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.config import app_data
from ragops.config.app_data import config_hash, corpus_path, data_paths, data_relatives, paths_inside, repo_relative
from ragops.config.models import AppConfig
from ragops.errors import ValidationFailed


def _config(corpus: str, *testsets: str) -> AppConfig:
    return AppConfig.model_validate(
        {
            "apiVersion": "ragops.dev/v1",
            "kind": "RAGApp",
            "metadata": {"name": "sample"},
            "spec": {"data": {"corpus": corpus, "testsets": list(testsets)}},
        }
    )


def test_data_paths_resolve_inside_the_repository(tmp_path: Path) -> None:
    config = _config("./datasets/a//docs/", "datasets/a/testsets/one.jsonl", "datasets/b/testsets/two.jsonl")
    corpus, first, second = data_paths(config, tmp_path)
    assert corpus.role == "corpus" and corpus.field == ("spec", "data", "corpus")
    assert corpus.path == tmp_path.resolve() / "datasets/a/docs" and corpus.relative == "datasets/a/docs"
    assert first.field == ("spec", "data", "testsets", 0) and first.name == "one" and second.name == "two"
    assert corpus_path(config, tmp_path) == corpus.path
    assert app_data.testset_paths(config, tmp_path) == {"one": first.path, "two": second.path}
    assert paths_inside(config, tmp_path) == [corpus.path, first.path, second.path]
    assert data_relatives(config) == (
        "datasets/a/docs",
        {"datasets/a/testsets/one.jsonl", "datasets/b/testsets/two.jsonl"},
    )


def test_paths_that_leave_the_repository_are_refused(tmp_path: Path) -> None:
    config = _config("../elsewhere/docs", "datasets/a/testsets/one.jsonl")
    corpus, testset = data_paths(config, tmp_path)
    assert corpus.path is None and corpus.relative is None and testset.path is not None
    assert paths_inside(config, tmp_path) == [testset.path]
    with pytest.raises(ValidationFailed, match=r"corpus path '\.\./elsewhere/docs' leaves the repository"):
        corpus_path(config, tmp_path)
    for value in ("/abs", "~/x", "..", "a/../..", "."):
        assert repo_relative(value) is None


def test_two_test_sets_with_one_name_are_refused(tmp_path: Path) -> None:
    config = _config("datasets/a/docs", "datasets/a/testsets/one.jsonl", "datasets/b/testsets/one.jsonl")
    with pytest.raises(ValidationFailed, match="two test sets are named 'one'"):
        app_data.testset_paths(config, tmp_path)


def test_the_config_hash_is_the_hash_of_the_normalised_config() -> None:
    same = _config("datasets/a/docs", "datasets/a/testsets/one.jsonl")
    assert config_hash(same) == config_hash(_config("datasets/a/docs", "datasets/a/testsets/one.jsonl"))
    assert config_hash(same) != config_hash(_config("datasets/b/docs", "datasets/a/testsets/one.jsonl"))
