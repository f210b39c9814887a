"""``ragops eval --backend kfp`` end to end through the real ``kfp.Client``, against a KFP API emulator whose
"cluster" runs the submitted pipeline spec on the KFP local runner, with every URI on an S3 server on loopback:
submit → run → results back → two runs compared — and the ways it fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ragops.cli.main import main
from ragops.evaluation.run_folder import RunFolder
from ragops.pipelines import cluster
from ragops.pipelines.objects import DataManifest, object_path
from tests.conftest import free_loopback_port
from tests.support.cluster_repo import CONFIG, edit_prompt, make_repo
from tests.support.kfp_api_contract import check
from tests.support.kfp_emulator import KfpEmulator
from tests.support.s3_server import S3Server, s3_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
TOKEN = "kfp-token"


@dataclass(frozen=True)
class World:
    s3: S3Server
    repo: Path
    tmp: Path

    def eval_args(self, host: str, out: Path, *extra: str) -> list[str]:
        return [
            "eval",
            str(self.repo / CONFIG),
            "--backend",
            "kfp",
            "--host",
            host,
            "--pipeline-root",
            self.s3.uri("kfp"),
            "--out",
            str(out),
            *extra,
        ]


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with s3_server() as s3:
        for name, value in s3.env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the SDK writes its context file under ~/.config/kfp
        monkeypatch.setenv("KF_PIPELINES_TOKEN", TOKEN)
        monkeypatch.setenv("KFP_EMULATOR_STATE", str(tmp_path / "cluster-state"))
        monkeypatch.setattr(cluster, "POLL_S", 0.5)
        yield World(s3, make_repo(tmp_path / "repo", s3), tmp_path)


def test_base_and_head_on_the_cluster_come_back_as_run_folders_and_diff(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    base = world.tmp / "runs" / "base"
    with KfpEmulator(world.tmp / "cluster", token=TOKEN) as kfp:
        assert main(world.eval_args(kfp.url, base, "--shards", "2")) == 0
        shown = capsys.readouterr()
        assert "SUCCEEDED" in shown.out and f"run folder: {base}" in shown.out
        assert "datasets/c/docs read from dvc remote store" in shown.err
        edit_prompt(world.repo)
        # ragops diff --base-ref … --backend kfp: the head and the base (in a worktree of HEAD~1) on the cluster.
        diff_json = world.tmp / "diff.json"
        diff = ["diff", str(world.repo / CONFIG), "--base-ref", "HEAD~1", "--backend", "kfp", "--host", kfp.url]
        diff += ["--pipeline-root", world.s3.uri("kfp"), "--format", "json", "--out", str(diff_json)]
        assert main(diff) == 0
        for exchange in kfp.exchanges:  # everything the SDK sent and got, as KFP's API description says
            check(exchange)
        runs = [e for e in kfp.exchanges if e.method == "POST" and e.path.endswith("/runs")]
        parameters = [r.request["runtime_config"]["parameters"] for r in runs]
        assert len(runs) == 3 and all(r.request["runtime_config"]["pipeline_root"] == world.s3.uri("kfp") for r in runs)
        logs = [re.sub(r"\x1b\[[0-9;]*m", "", r.log.read_text(encoding="utf-8")) for r in kfp.runs.values()]

    # Each run folder came back complete, is the run submitted, and records where it ran.
    stored = sorted((world.repo / "runs" / "eval-tiny").iterdir())
    assert len(stored) == 2  # the head (runs/<app>/<time>) and the base (runs/<app>/base-<commit>)
    for folder in [base, *stored]:
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        submitted = next(p for p in parameters if p["results_uri"] == record["results_uri"])
        assert record["state"] == "SUCCEEDED"
        assert json.loads(submitted["metadata_json"])["run_id"] == RunFolder(folder).read_report().metadata.run_id
    head_dir = next(f for f in stored if not f.name.startswith("base-"))
    base_run, head_run = RunFolder(base).read(), RunFolder(head_dir).read()
    assert base_run.report.metadata.git_commit != head_run.report.metadata.git_commit
    assert base_run.report.metadata.corpus_hash == head_run.report.metadata.corpus_hash
    assert base_run.config.spec.prompt != head_run.config.spec.prompt
    # The diff compares the cluster's base and head like local runs: the prompt changed, the data did not.
    result = json.loads(diff_json.read_text(encoding="utf-8"))
    assert result["app"] == "eval-tiny" and result["verdict"] == "pass"
    assert "prompt" in json.dumps(result["config_changes"])
    # The same data by hash each time: later runs reused the first run's index from the cluster's KFP cache
    # (a rebuild would have written a new artifact under that run's own pipeline root).
    assert head_run.index.index_dir == base_run.index.index_dir
    assert all("Executing task 'build-index'" not in log for log in logs[1:])
    # The head changed the prompt: its answers were generated again (its retrieval too: the base ran two shards,
    # the diff's runs one, and the shard is part of the retrieve step's cache key).
    assert all("Executing task 'generate-answers" in log for log in logs[1:2])


def test_a_failed_step_surfaces_its_message_and_publishes_nothing(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    def lose_an_object(parameters: dict[str, Any]) -> None:
        """After the pre-submit check passed, the remote loses alpha.txt (a lifecycle rule, a wrong gc)."""
        (entry,) = DataManifest.model_validate_json(parameters["corpus_manifest_json"]).entries
        s3 = world.s3.client()
        key = object_path("dvc/files/md5", entry.md5)
        listing = json.loads(s3.get_object(Bucket=world.s3.bucket, Key=key)["Body"].read())
        alpha = next(e["md5"] for e in listing if e["relpath"] == "alpha.txt")
        s3.delete_object(Bucket=world.s3.bucket, Key=object_path("dvc/files/md5", alpha))

    out = world.tmp / "runs" / "failed"
    with KfpEmulator(world.tmp / "cluster", token=TOKEN, before_run=lose_an_object) as kfp:
        assert main(world.eval_args(kfp.url, out)) == 1
        for exchange in kfp.exchanges:
            check(exchange)
    err = capsys.readouterr().err
    assert "ended FAILED" in err
    assert "datasets/c/docs/alpha.txt" in err and "dvc push" in err
    assert not out.exists()


def test_unreachable_endpoint_missing_object_and_missing_root_fail_cleanly(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    out = world.tmp / "runs" / "x"
    assert main(world.eval_args(f"http://127.0.0.1:{free_loopback_port()}", out)) == 3
    assert "did not answer" in capsys.readouterr().err

    args = world.eval_args("http://127.0.0.1:1", out)
    assert main(args[: args.index("--pipeline-root")] + args[args.index("--out") :]) == 2
    assert "--pipeline-root" in capsys.readouterr().err

    # A forgotten `dvc push`: caught before anything is submitted.
    s3 = world.s3.client()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=world.s3.bucket, Prefix="dvc/")["Contents"]]
    listing_key = next(k for k in keys if k.endswith(".dir"))
    for key in keys:
        if key != listing_key:
            s3.delete_object(Bucket=world.s3.bucket, Key=key)
    assert main(world.eval_args("http://127.0.0.1:1", out)) == 1
    err = capsys.readouterr().err
    assert "lacks the content of 2 file(s): datasets/c/docs/alpha.txt, datasets/c/docs/beta.txt" in err
    assert "dvc push" in err and "Traceback" not in err
