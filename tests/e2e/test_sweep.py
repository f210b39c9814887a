"""``ragops sweep`` for real: the sweep pipeline on the KFP local runner over a multi-hop sample app, and the same
sweep through ``--backend kfp`` — the compiled pipeline, submitted with ``kfp.Client`` to the KFP API emulator,
whose "cluster" runs the compiled spec, with every URI on an S3 server on loopback. The two forms must agree byte
for byte: the local runner's control-flow support is young (kfp 2.17), and the compiled form is what a cluster runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ragops.cli.main import main
from ragops.evaluation.run_folder import RunFolder
from ragops.pipelines import cluster
from tests.support.kfp_emulator import KfpEmulator
from tests.support.s3_server import S3Server, s3_server
from tests.support.sweep_repo import CONFIG, CONFIG_TEXT, make_sweep_repo

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
TOKEN = "kfp-token"
# top_k 5 finds more of the gold evidence (significant); two answer sentences change no retrieval metric (a null
# setting); 64-token chunks make another index — built once, beside the shared one.
GRID = ["--set", "retrieval.top_k=5", "--or", "--set", "llm.sentences=2", "--or", "--set", "splitter.chunk_size=64"]
OUTPUTS = ("sweep.json", "sweep.md", "sweep.patch")


def _sweep(repo: Path, out: Path, *extra: str) -> list[str]:
    return ["sweep", str(repo / CONFIG), *GRID, "--out", str(out), "--state-dir", str(repo / ".ragops/kfp"), *extra]


def _tasks(log: Path, event: str) -> list[str]:
    text = re.sub(r"\x1b\[[0-9;]*m", "", log.read_text(encoding="utf-8"))
    pattern = r"Executing task '([\w-]+)'" if event == "run" else r"Task '?([\w-]+)'? cache hit"
    return re.findall(pattern, text)


def test_a_sweep_on_the_local_runner_selects_confirms_writes_and_reruns_identically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_sweep_repo(tmp_path / "repo")
    first = tmp_path / "first"
    assert main([*_sweep(repo, first), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    statuses = {s["id"]: (s["changes"][0]["key"], s["status"]) for s in result["settings"]}
    assert statuses == {
        "s1": ("retrieval.top_k", "selected"),
        "s2": ("llm.sentences", "not-significant"),
        "s3": ("splitter.chunk_size", statuses["s3"][1]),
    }
    assert result["selected"] == "s1" and result["objective"] == "recall@5"
    held = {key.split("/", 1)[1] for key in result["split"]["confirmation_ids"]}
    assert result["split"]["tuning"] + len(held) == 45 and result["confirmation"]["questions"] == len(held)

    # The pipeline split the questions: no run the selection read holds a held-out question, and the held-out
    # look evaluated the current config and the selected setting only.
    for setting in ("current", "s1", "s2", "s3"):
        run = RunFolder(first / "tuning" / setting)
        assert {p.id for p in run.read_predictions()}.isdisjoint(held)
    assert sorted(p.name for p in (first / "confirmation").iterdir()) == ["current", "s1"]
    assert {p.id for p in RunFolder(first / "confirmation" / "s1").read_predictions()} == held

    # Shared work: one index for the current config and every retrieval or answering setting, one for the chunking.
    index_ids = {s: RunFolder(first / "tuning" / s).read_index().index_id for s in ("current", "s1", "s2", "s3")}
    assert index_ids["current"] == index_ids["s1"] == index_ids["s2"] != index_ids["s3"]
    log = first / "tuning-kfp.log"
    assert len(_tasks(log, "run") + _tasks(log, "cached")) >= 1
    assert _tasks(log, "run").count("build-index") + _tasks(log, "cached").count("build-index") == 2

    # Again, into another folder, writing the change: byte-identical results, and the config keeps its comments.
    second = tmp_path / "second"
    assert main([*_sweep(repo, second), "--write"]) == 0
    for name in OUTPUTS:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    written = (repo / CONFIG).read_text(encoding="utf-8")
    assert written == CONFIG_TEXT.replace("    top_k: 1  # one hit", "    top_k: 5  # one hit")
    # The rerun reused every step but scoring from the KFP cache.
    assert set(_tasks(second / "tuning-kfp.log", "run")) == {"score-run"}


@pytest.fixture
def s3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    with s3_server() as server:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the SDK writes its context file under ~/.config/kfp
        monkeypatch.setenv("KF_PIPELINES_TOKEN", TOKEN)
        monkeypatch.setenv("KFP_EMULATOR_STATE", str(tmp_path / "cluster-state"))
        monkeypatch.setattr(cluster, "POLL_S", 0.5)
        yield server


def test_the_compiled_pipeline_on_a_cluster_agrees_with_the_local_runner(
    tmp_path: Path, s3: S3Server, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_sweep_repo(tmp_path / "repo", s3)
    local = tmp_path / "local"
    assert main(_sweep(repo, local)) == 0
    remote = tmp_path / "remote"
    with KfpEmulator(tmp_path / "cluster", token=TOKEN) as kfp:
        cluster_args = ["--backend", "kfp", "--host", kfp.url, "--pipeline-root", s3.uri("kfp")]
        assert main([*_sweep(repo, remote), *cluster_args]) == 0
        runs = [e for e in kfp.exchanges if e.method == "POST" and e.path.endswith("/runs")]
    # Two submissions (tuning, then the held-out look), each the compiled sweep pipeline.
    assert len(runs) == 2
    for exchange in runs:
        spec = exchange.request["pipeline_spec"]
        assert spec.get("pipeline_spec", spec)["pipelineInfo"]["name"] == "ragops-sweep"
    capsys.readouterr()
    for name in OUTPUTS:
        assert (local / name).read_bytes() == (remote / name).read_bytes(), name
    # Every setting's run folder came back from S3 and is the run that was submitted.
    assert sorted(p.name for p in (remote / "tuning").iterdir()) == ["current", "s1", "s2", "s3"]
    keys = {o["Key"] for o in s3.client().list_objects_v2(Bucket=s3.bucket, Prefix="kfp/ragops-results/")["Contents"]}
    assert any(k.endswith("/tuning/s3/report.json") for k in keys)
