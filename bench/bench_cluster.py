"""Benchmark: the cluster's data path against a plain local run, on one machine.

Both runs are cold and evaluate the same app from the same scratch repository (the app's corpus DVC-tracked and
pushed to an S3 DVC remote on loopback — moto's server mode): the plain run is ``ragops eval`` on the KFP local
runner; the S3-backed run plans a cluster run (checks the remote, uploads the git-held test set), runs the very
arguments a cluster gets on the local runner — the corpus fetched from the DVC remote by hash, the results
written to S3 — and fetches the run folder back. The difference is what object storage costs.

Run: ``.venv/bin/python bench/bench_cluster.py [APP] [SOURCE_ROOT]`` (default hotpotqa, this checkout; the app's
data must be pulled there: ``ragops data pull``). Prints a table.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support: the S3 server on loopback

from measures import print_measures  # noqa: E402
from tests.support.s3_server import s3_server  # noqa: E402

from ragops.app.evaluate import evaluate, fetch_cluster_results, plan_cluster_run  # noqa: E402
from ragops.config.loader import load_app_config  # noqa: E402
from ragops.pipelines.local_run import run_local  # noqa: E402

DVC = str(Path(sys.executable).parent / "dvc")


def _run(repo: Path, *cmd: str) -> None:
    subprocess.run(list(cmd), cwd=repo, check=True, capture_output=True)


def _scratch_repo(app: str, source: Path, repo: Path, remote: str, endpoint: str) -> Path:
    config_path = source / "rag-configs" / f"{app}.yaml"
    config = load_app_config(config_path, source)
    repo.mkdir()
    _run(repo, "git", "init", "-q", "-b", "main")
    _run(repo, DVC, "init", "-q")
    _run(repo, DVC, "remote", "add", "-d", "store", remote)
    _run(repo, DVC, "remote", "modify", "store", "endpointurl", endpoint)
    for value in (config.spec.data.corpus, *config.spec.data.testsets):
        origin, target = source / value, repo / value
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, target)
        else:
            shutil.copyfile(origin, target)
    (repo / "rag-configs").mkdir()
    shutil.copyfile(config_path, repo / "rag-configs" / f"{app}.yaml")
    _run(repo, DVC, "add", "-q", config.spec.data.corpus)
    _run(repo, DVC, "push", "-q")
    _run(repo, "git", "add", "-A")
    _run(repo, "git", "-c", "user.email=b@example.com", "-c", "user.name=b", "commit", "-qm", "bench")
    return repo / "rag-configs" / f"{app}.yaml"


def main(app: str = "hotpotqa", source: str = str(ROOT)) -> None:
    with tempfile.TemporaryDirectory() as tmp, s3_server() as s3:
        os.environ.update(s3.env)
        work = Path(tmp)
        config = _scratch_repo(app, Path(source), work / "repo", s3.uri("dvc"), s3.endpoint)
        repo = config.parents[1]

        started = time.perf_counter()
        plain = evaluate(config, repo, work / "runs" / "plain", state_dir=work / "plain-state")
        plain_s = time.perf_counter() - started

        started = time.perf_counter()
        plan = plan_cluster_run(config, repo, work / "runs" / "s3", shards=1, pipeline_root=s3.uri("kfp"))
        planned_s = time.perf_counter() - started
        (work / "logs").mkdir()
        run_local(plan.arguments, work / "s3-state", work / "logs" / "kfp.log", lambda event: None)
        ran_s = time.perf_counter() - started
        folder = fetch_cluster_results(plan, {"run_id": "bench"})
        s3_s = time.perf_counter() - started

        same = json.loads((plain.out_dir / "report.json").read_text())["metrics"] == folder.read_report().metrics
    rows = [
        ("app", app),
        ("questions", str(plain.report.counts.questions)),
        ("chunks", str(plain.index.chunks)),
        ("plain local run (s)", f"{plain_s:.1f}"),
        ("S3-backed local run (s)", f"{s3_s:.1f}"),
        ("  of which plan: check remote, upload (s)", f"{planned_s:.1f}"),
        ("  of which fetch results back (s)", f"{s3_s - ran_s:.1f}"),
        ("ratio S3 / plain", f"{s3_s / plain_s:.2f}"),
        ("same metrics", "yes" if same else "NO"),
    ]
    print_measures(rows)


if __name__ == "__main__":
    main(*sys.argv[1:3])
