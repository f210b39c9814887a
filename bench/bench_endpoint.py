"""Benchmark: ``ragops eval --endpoint`` against ``ragops serve`` on loopback, versus the pipeline's own
retrieve + generate steps in process, on the same questions and the same index.

Usage: ``python bench/bench_endpoint.py [rag-configs/covid-qa.yaml] [--concurrency 16]``. Builds (or reuses) the
app's index, runs the pipeline's ``retrieve_step`` and ``generate_step`` in this process and scores their
predictions (the in-process figures: the steps' own timed passes, as the run report's ``questions_per_second``
counts them, and their wall time including model loading), then starts ``ragops serve`` on that index as a
separate process and evaluates it with ``evaluate_endpoint`` (what ``ragops eval --endpoint`` runs). Prints a
Markdown table: questions, throughput of each, their ratio against the target (endpoint ≥ 0.8 × in-process), and
every quality metric of both; any metric difference is a defect and is listed. Other processes sharing the CPU
lower every figure; the ratio is what compares across machines.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support: a free loopback port

from measures import print_measures  # noqa: E402
from tests.conftest import free_loopback_port  # noqa: E402

from ragops.app.evaluate_endpoint import evaluate_endpoint, load_testsets  # noqa: E402
from ragops.app.index import ensure_index  # noqa: E402
from ragops.config.loader import load_app_config  # noqa: E402
from ragops.evaluation.predictions import read_jsonl  # noqa: E402
from ragops.evaluation.scoring import score  # noqa: E402
from ragops.pipelines import steps  # noqa: E402
from ragops.serve.client import ClientSettings  # noqa: E402

TARGET_SHARE = 0.8


def _in_process(config_path: Path, index: Path, work: Path) -> tuple[int, float, float, dict[str, float]]:
    """The pipeline's retrieve and generate steps here: (questions, timed seconds, wall seconds, quality metrics)."""
    config = load_app_config(config_path, ROOT)
    testsets, _ = load_testsets(config, ROOT)
    staged = work / "testsets"
    staged.mkdir(parents=True)
    for name, records in testsets.items():
        lines = "".join(record.model_dump_json(exclude_defaults=True) + "\n" for record in records)
        (staged / f"{name}.jsonl").write_text(lines, encoding="utf-8")
    started = time.perf_counter()
    retrieve_s = steps.retrieve_step(
        steps.retrieval_only(config).model_dump_json(by_alias=True),
        str(index),
        str(staged),
        0,
        1,
        str(work / "embedding-cache"),
        str(work / "retrieved.jsonl"),
    )
    timed_s = steps.generate_step(
        steps.generation_only(config).model_dump_json(by_alias=True),
        str(work / "retrieved.jsonl"),
        retrieve_s,
        str(work / "predictions.jsonl"),
    )
    wall_s = time.perf_counter() - started
    predictions = read_jsonl(work / "predictions.jsonl")
    scoring = score(predictions, testsets, config.spec.evaluation.k_values, wall_seconds=timed_s)
    return len(predictions), timed_s, wall_s, dict(scoring.metrics)


def _serve(config: Path, index: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_loopback_port()
    command = [sys.executable, "-m", "ragops.cli.main", "serve", "--config", str(config), "--index", str(index)]
    command += ["--port", str(port), "--log-level", "warning"]
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        if server.poll() is not None or time.monotonic() > deadline:
            server.terminate()
            raise SystemExit(f"ragops serve did not start:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return server, url
        except httpx.TransportError:
            pass
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", type=Path, default=ROOT / "rag-configs" / "covid-qa.yaml")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    config = load_app_config(args.config, ROOT)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        index = work / "index"
        started = time.perf_counter()
        built = ensure_index(config, ROOT, index)
        print(f"index: {built.chunks} chunks in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        questions, timed_s, wall_s, local = _in_process(args.config, index, work / "in-process")

        server, url = _serve(args.config, index, work / "serve.log")
        try:
            run = evaluate_endpoint(
                args.config, ROOT, url, work / "endpoint-run", settings=ClientSettings(concurrency=args.concurrency)
            )
        finally:
            server.terminate()
            server.wait(timeout=60)
    remote = dict(run.report.metrics)
    local_qps = questions / timed_s
    endpoint_qps = run.report.counts.questions / run.asking_seconds
    share = endpoint_qps / local_qps
    differing = sorted(name for name in set(local) | set(remote) if local.get(name) != remote.get(name))
    rows = [
        ("app", config.name),
        ("questions", f"{questions} in process, {run.report.counts.questions} over HTTP"),
        ("in process: retrieve + generate (q/s)", f"{local_qps:.1f} (timed passes), {questions / wall_s:.1f} (wall)"),
        (f"ragops eval --endpoint, {args.concurrency} at once (q/s)", f"{endpoint_qps:.1f}"),
        ("endpoint / in process", f"{share:.2f} ({'meets' if share >= TARGET_SHARE else 'BELOW'} {TARGET_SHARE})"),
        ("transport failures", str(len(run.failures))),
    ]
    rows += [(f"{name} (in process / endpoint)", f"{local.get(name)} / {remote.get(name)}") for name in sorted(local)]
    rows.append(("metric differences", ", ".join(differing) if differing else "none"))
    print_measures(rows)
    return 0 if not differing and not run.failures else 1


if __name__ == "__main__":
    sys.exit(main())
