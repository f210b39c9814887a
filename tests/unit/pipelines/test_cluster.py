"""Submitting to a cluster: arguments the cluster can use, and clean errors when it cannot be reached."""

from __future__ import annotations

import json

import pytest

from ragops.errors import InfrastructureError, UsageError
from ragops.pipelines.cluster import cluster_arguments, submit
from ragops.pipelines.objects import DataManifest
from tests.conftest import free_loopback_port

LOCAL = {
    "corpus_manifest_json": "{}",
    "testsets_manifest_json": "{}",
    "embedding_cache_dir": "/c",
    "judge_cache_dir": "/j",
    "metadata_json": '{"run_id": "r1", "timing_conditions": "v1; this machine"}',
}
RESULTS = "s3://bucket/root/ragops-results/app/run"


def test_uri_overrides_are_copied_as_is_and_no_local_cache_is_kept() -> None:
    arguments = cluster_arguments(
        LOCAL, None, results_uri=RESULTS, corpus_uri="s3://bucket/corpus", testsets_uri="gs://bucket/testsets"
    )
    corpus = DataManifest.model_validate_json(arguments["corpus_manifest_json"])
    testsets = DataManifest.model_validate_json(arguments["testsets_manifest_json"])
    assert [(e.store, e.md5) for e in corpus.entries] == [("s3://bucket/corpus", "")]
    assert [(e.store, e.md5) for e in testsets.entries] == [("gs://bucket/testsets", "")]
    assert arguments["results_uri"] == RESULTS
    assert arguments["embedding_cache_dir"] == ""
    assert arguments["judge_cache_dir"] == ""
    assert "object_store_secret" not in arguments  # the pipeline's default secret name stays
    # The cluster's pods time the answers, not the machine that submits them.
    metadata = json.loads(arguments["metadata_json"])
    assert metadata["run_id"] == "r1" and metadata["timing_conditions"].endswith("; Kubeflow pods")


@pytest.mark.parametrize(
    ("corpus", "testsets", "results"),
    [
        (None, "s3://b/t", RESULTS),
        ("s3://b/c", None, RESULTS),
        ("/local/docs", "s3://b/t", RESULTS),
        ("s3://b/c", "s3://b/t", "/local/results"),
    ],
)
def test_local_or_half_given_locations_are_a_usage_error(
    corpus: str | None, testsets: str | None, results: str
) -> None:
    with pytest.raises(UsageError):
        cluster_arguments(LOCAL, None, results_uri=results, corpus_uri=corpus, testsets_uri=testsets)


def test_an_unreachable_cluster_is_an_infrastructure_error() -> None:
    port = free_loopback_port()
    with pytest.raises(InfrastructureError, match="did not answer"):
        submit({}, app="x", host=f"http://127.0.0.1:{port}", namespace=None, experiment="e", timeout_s=5)
