"""Submitting to a cluster: arguments the cluster can use, and clean errors when it cannot be reached."""

from __future__ import annotations

import pytest

from ragops.errors import InfrastructureError, UsageError
from ragops.pipelines.cluster import cluster_arguments, submit
from tests.conftest import free_loopback_port

LOCAL = {
    "corpus_uri": "/repo/datasets/x/docs",
    "testsets_uri": "/repo/.ragops/t",
    "embedding_cache_dir": "/c",
    "judge_cache_dir": "/j",
}


def test_cluster_runs_read_data_from_uris_and_keep_no_local_cache() -> None:
    arguments = cluster_arguments(LOCAL, "s3://bucket/corpus", "gs://bucket/testsets")
    assert arguments["corpus_uri"] == "s3://bucket/corpus"
    assert arguments["testsets_uri"] == "gs://bucket/testsets"
    assert arguments["embedding_cache_dir"] == ""
    assert arguments["judge_cache_dir"] == ""


@pytest.mark.parametrize(("corpus", "testsets"), [(None, "s3://b/t"), ("s3://b/c", None), ("/local/docs", "s3://b/t")])
def test_local_or_missing_data_is_a_usage_error(corpus: str | None, testsets: str | None) -> None:
    with pytest.raises(UsageError):
        cluster_arguments(LOCAL, corpus, testsets)


def test_an_unreachable_cluster_is_an_infrastructure_error() -> None:
    port = free_loopback_port()
    with pytest.raises(InfrastructureError, match="did not answer"):
        submit({}, app="x", host=f"http://127.0.0.1:{port}", namespace=None, experiment="e", timeout_s=5)
