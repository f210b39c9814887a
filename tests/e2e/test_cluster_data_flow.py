"""The cluster's data flow, for real, without a cluster: the compiled pipeline's components on the KFP local runner
with every URI on an S3-compatible server on loopback (moto). The corpus is read from the DVC remote by hash, the
git-held test set from the pipeline root's content-addressed store, the results are written there and fetched
back — and they equal a plain local run of the same commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ragops.app.evaluate import evaluate, fetch_cluster_results, plan_cluster_run
from ragops.data.remote import OBJECTS_PREFIX
from ragops.errors import ValidationFailed
from ragops.evaluation.run_folder import RunFolder
from ragops.pipelines.cluster_data import DATA_PREFIX
from ragops.pipelines.local_run import run_local
from ragops.pipelines.objects import DataManifest, materialise, object_path
from ragops.pipelines.results import upload_run_folder
from tests.support.cluster_repo import CONFIG, make_repo
from tests.support.s3_server import S3Server, s3_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    with s3_server() as server:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        yield server


def _metrics(folder: Path) -> dict[str, object]:
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return {k: report[k] for k in ("metrics", "breakdowns", "counts")}


def test_s3_backed_run_reads_by_hash_writes_results_and_equals_a_local_run(s3: S3Server, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", s3)
    root = s3.uri("kfp")
    plan = plan_cluster_run(repo / CONFIG, repo, tmp_path / "runs" / "cluster", shards=2, pipeline_root=root)

    # The corpus comes from the DVC remote by its .dir hash; the git-held test set was uploaded by content.
    corpus = DataManifest.model_validate_json(plan.arguments["corpus_manifest_json"])
    (entry,) = corpus.entries
    assert entry.store == s3.uri(f"dvc/{OBJECTS_PREFIX}") and entry.md5 == plan.arguments["corpus_hash"]
    assert entry.md5.endswith(".dir") and entry.storage_options == {"endpoint_url": s3.endpoint}
    (testset,) = DataManifest.model_validate_json(plan.arguments["testsets_manifest_json"]).entries
    assert testset.store == f"{root}/{DATA_PREFIX}" and testset.path == "small.jsonl"
    assert plan.uploaded == 1 and plan.results_uri == f"{root}/ragops-results/eval-tiny/{plan.run_id}"
    keys = {o["Key"] for o in s3.client().list_objects_v2(Bucket=s3.bucket)["Contents"]}
    assert object_path(f"kfp/{DATA_PREFIX}", testset.md5) in keys

    # A second plan uploads nothing: the objects are there already.
    again = plan_cluster_run(repo / CONFIG, repo, tmp_path / "runs" / "again", shards=2, pipeline_root=root)
    assert again.uploaded == 0

    # The same arguments a cluster gets, on the local runner: steps read S3, scoring writes the results to S3.
    state = tmp_path / "state"
    (tmp_path / "logs").mkdir()
    run_local(plan.arguments, state, tmp_path / "logs" / "kfp.log", lambda event: None)
    folder = fetch_cluster_results(plan, {"run_id": "local-runner", "state": "SUCCEEDED"})
    assert folder.path == plan.out and folder.is_complete()
    assert json.loads((folder.path / "run.json").read_text())["results_uri"] == plan.results_uri
    report = folder.read_report()
    assert report.metadata.run_id == plan.run_id
    assert report.metadata.corpus_hash == entry.md5

    # A plain local run of the same commit gives the same metrics.
    plain = evaluate(repo / CONFIG, repo, tmp_path / "runs" / "local", state_dir=tmp_path / "plain-state")
    assert _metrics(plain.out_dir) == _metrics(folder.path)

    def answers(run: RunFolder) -> list[tuple[str, str, list[str]]]:
        return [(p.id, p.answer, p.retrieved_doc_ids) for p in run.read_predictions()]

    assert answers(RunFolder(plain.out_dir)) == answers(folder)

    # Results that are not this submission's are refused: a report of another commit at the results location.
    other = tmp_path / "tampered"
    folder.copy_into(other)
    document = json.loads((other / "report.json").read_text(encoding="utf-8"))
    document["metadata"]["git_commit"] = "0" * 40
    (other / "report.json").write_text(json.dumps(document), encoding="utf-8")
    upload_run_folder(other, plan.results_uri)
    with pytest.raises(ValidationFailed, match=r"not the run that was submitted \(git_commit: submitted"):
        fetch_cluster_results(plan, {})
    assert folder.read_report().metadata.git_commit != "0" * 40  # the published run is untouched


def test_a_missing_dvc_object_names_the_file_and_dvc_push(s3: S3Server, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", s3)
    plan = plan_cluster_run(repo / CONFIG, repo, tmp_path / "out", shards=1, pipeline_root=s3.uri("kfp"))
    (entry,) = DataManifest.model_validate_json(plan.arguments["corpus_manifest_json"]).entries
    listing = json.loads(
        s3.client().get_object(Bucket=s3.bucket, Key=object_path("dvc/files/md5", entry.md5))["Body"].read()
    )
    alpha = next(e["md5"] for e in listing if e["relpath"] == "alpha.txt")
    s3.client().delete_object(Bucket=s3.bucket, Key=object_path("dvc/files/md5", alpha))

    # Before submitting: the check of the remote names the file and the fix.
    with pytest.raises(
        ValidationFailed, match=r"lacks the content of 1 file\(s\): datasets/c/docs/alpha.txt; run `dvc push`"
    ):
        plan_cluster_run(repo / CONFIG, repo, tmp_path / "out", shards=1, pipeline_root=s3.uri("kfp"))
    # In the pod (the object vanished after submission): the fetch step says the same.
    with pytest.raises(ValidationFailed, match=r"datasets/c/docs/alpha.txt; run `dvc push`"):
        materialise(DataManifest.model_validate_json(plan.arguments["corpus_manifest_json"]), tmp_path / "pod")
