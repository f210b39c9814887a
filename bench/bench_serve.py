"""The RAG service under load on loopback, against the engine's own batched throughput (the ceiling).

Usage: ``python bench/bench_serve.py [rag-configs/covid-qa.yaml] [--seconds 20] [--levels 1 8 32]``.
Builds (or reuses) the app's index, publishes it to a file:// store, fetches it back (the deployment path),
measures ``answer_many`` in process over the test-set questions (one at a time and batched), then starts
``ragops serve`` as a separate process and drives it with an async httpx client at each concurrency level for
``--seconds``. Prints a Markdown table: requests, errors, throughput, p50/p95/p99 latency, throughput as a share
of the in-process batched ceiling, and the server's resident memory at start and end. Other processes sharing the
CPU lower every figure; the ratios are what compare across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from ragops.app.artifacts import fetch_artifact, publish_index
from ragops.app.index import ensure_index
from ragops.config.loader import load_app_config
from ragops.rag.engine import RagEngine
from ragops.rag.index import load_index

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _drive(base: str, questions: list[str], concurrency: int, seconds: float) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def worker(offset: int) -> None:
            nonlocal errors
            n = offset
            while time.perf_counter() < deadline:
                question = questions[n % len(questions)]
                n += concurrency
                started = time.perf_counter()
                try:
                    response = await client.post("/v1/query", json={"question": question})
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", type=Path, default=ROOT / "rag-configs" / "covid-qa.yaml")
    parser.add_argument("--seconds", type=float, default=20.0, help="load duration per concurrency level")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--max-batch", type=int, default=32)
    parser.add_argument("--max-wait-ms", type=float, default=0.0)
    args = parser.parse_args()
    config = load_app_config(args.config, ROOT)
    lines = (ROOT / config.spec.data.testsets[0]).read_text(encoding="utf-8").splitlines()[: args.questions]
    questions = [json.loads(line)["question"] for line in lines]

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        started = time.perf_counter()
        built = ensure_index(config, ROOT, work / "built")
        published = publish_index(work / "built", (work / "store").as_uri())
        fetched = fetch_artifact(published.uri, published.digest, work / "deploy" / "index")
        print(
            f"index: {built.chunks} chunks ({built.embedded} embedded) in {time.perf_counter() - started:.0f} s; "
            f"artifact {published.digest[:19]}… {published.size / 1e6:.1f} MB",
            file=sys.stderr,
        )

        engine = RagEngine(config, load_index(Path(fetched.folder)), ROOT)
        engine.answer_many(questions[:32])  # warm up
        started = time.perf_counter()
        for question in questions[:100]:
            engine.answer(question)
        single_qps = 100 / (time.perf_counter() - started)
        started = time.perf_counter()
        engine.answer_many(questions)
        batched_qps = len(questions) / (time.perf_counter() - started)
        del engine

        port = _free_port()
        log = work / "serve.log"
        command = [
            sys.executable,
            "-m",
            "ragops.cli.main",
            "serve",
            "--config",
            str(args.config),
            "--index",
            fetched.folder,
            "--port",
            str(port),
            "--max-batch",
            str(args.max_batch),
            "--max-wait-ms",
            str(args.max_wait_ms),
            "--log-level",
            "warning",
        ]
        with log.open("wb") as output:
            server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=dict(os.environ))
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300
            while True:
                if server.poll() is not None:
                    print(log.read_text(), file=sys.stderr)
                    return 1
                try:
                    if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    return 1
                time.sleep(0.5)
            process = psutil.Process(server.pid)
            rss_start = process.memory_info().rss / 2**20
            rows = []
            for level in args.levels:
                latencies, errors, elapsed = asyncio.run(_drive(base, questions, level, args.seconds))
                qps = len(latencies) / elapsed
                rows.append(
                    f"| {level} | {len(latencies) + errors} | {errors} | {qps:.1f} | "
                    f"{statistics.median(latencies) * 1000:.1f} | {_percentile(latencies, 0.95) * 1000:.1f} | "
                    f"{_percentile(latencies, 0.99) * 1000:.1f} | {qps / batched_qps:.2f} |"
                )
            rss_end = process.memory_info().rss / 2**20
        finally:
            server.terminate()
            server.wait(timeout=60)

    print(
        f"\n{config.name}: {built.chunks} chunks, {len(questions)} distinct questions, {args.seconds:.0f} s per level"
    )
    print(
        f"in process: {single_qps:.1f} q/s one at a time, {batched_qps:.1f} q/s batched (answer_many) — the ceiling\n"
    )
    print("| concurrency | requests | errors | q/s | p50 ms | p95 ms | p99 ms | × batched ceiling |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print(f"\nserver resident memory: {rss_start:.0f} MiB at start, {rss_end:.0f} MiB at end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
