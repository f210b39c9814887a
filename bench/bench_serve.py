"""The RAG service under load on loopback, against the engine's own batched throughput (the ceiling).

Usage: ``python bench/bench_serve.py [rag-configs/covid-qa.yaml] [--seconds 10] [--levels 1 4 6 8 16 32]``.
Builds (or reuses) the app's index, publishes it to a file:// store, fetches it back (the deployment path),
measures ``answer_many`` in process over the test-set questions (one at a time, batched — the ceiling — and
batched from as many threads as the service answers batches at once, for reference), then starts ``ragops serve``
as a separate process with its default settings, warms it up, and drives it with lean keep-alive HTTP clients at
each concurrency level for ``--seconds``. Prints a Markdown table: requests, errors, throughput, p50/p95/p99
latency, throughput as a share of the in-process batched ceiling, the server's resident memory right after each
level and once it has settled (one memory-trim interval later: flat memory settles at the same level after every
level, the busiest one run twice), then the verdict against the target: at some level ≥ 0.6 × the ceiling with
p95 ≤ 100 ms, no errors. Other processes sharing the CPU lower every figure; the ratios are what compare across
machines.

Then tracing: at ``--tracing-level`` concurrency, a service with tracing off and one exporting every span over
OTLP/HTTP to a collector on loopback (an OTLP receiver in this process that decodes every span) are driven in
turn, ``--tracing-rounds`` times each, alternating so that drift in the machine's load hits both alike; the verdict
is the throughput cost of tracing on (target ≤ 5 %). With tracing off a request runs only no-op calls: their cost
is measured in process, per request, against the request's median latency ("nothing measurable": far below 1 %).

Then conversations: the server runs with a real redis-server (Debian's, started on loopback by the benchmark), and
at each ``--chat-levels`` concurrency ``/v1/query`` and ``/v1/chat`` are driven in turn with the same questions —
each chat client holding a conversation of ``--chat-turns`` turns (history read, question condensed, turn appended)
before starting the next. Target: ``/v1/chat``'s p95 ≤ 1.1 × ``/v1/query``'s + 5 ms at the same concurrency.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support: the OTLP receiver on loopback

from tests.support.loopback_http import otlp_receiver  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402

from ragops import tracing  # noqa: E402
from ragops.app.artifacts import fetch_artifact, publish_index  # noqa: E402
from ragops.app.index import ensure_index  # noqa: E402
from ragops.config.loader import load_app_config  # noqa: E402
from ragops.rag.embeddings import set_compute_threads  # noqa: E402
from ragops.rag.engine import RagEngine  # noqa: E402
from ragops.rag.index import load_index  # noqa: E402
from ragops.serve.settings import ServeSettings  # noqa: E402

TARGET_SHARE = 0.6
TARGET_P95_MS = 100.0
TARGET_TRACING_COST = 0.05
CHAT_P95_RATIO, CHAT_P95_SLACK_MS = 1.1, 5.0


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _post(question: str, path: str = "/v1/query", conversation: str | None = None) -> bytes:
    payload: dict[str, str] = {"question": question}
    if conversation is not None:
        payload["conversation_id"] = conversation
    body = json.dumps(payload).encode()
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    return head.encode() + b"\r\n\r\n" + body


async def _exchange_body(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bool, bytes]:
    """Send one request on a kept-alive connection; (status, whether the server keeps the connection open, body)."""
    writer.write(request)
    head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)).decode("latin-1").lower()
    status = int(head[9:12])
    fields = dict(line.split(":", 1) for line in head.split("\r\n")[1:] if ":" in line)
    body = await reader.readexactly(int(fields.get("content-length", "0")))
    return status, fields.get("connection", "").strip() != "close", body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bool]:
    status, keep, _ = await _exchange_body(reader, writer, request)
    return status, keep


async def _drive(port: int, questions: list[str], concurrency: int, seconds: float) -> tuple[list[float], int, float]:
    """Closed-loop load: ``concurrency`` clients, each sending its next question when the last is answered.

    A lean HTTP/1.1 keep-alive client on asyncio streams, not a full HTTP library: the load generator shares the
    machine with the service, and httpx spent ~0.12 of a core here that the service then did not have."""
    requests = [_post(question) for question in questions]
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        nonlocal errors
        n = offset
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while time.perf_counter() < deadline:
            request = requests[n % len(requests)]
            n += concurrency
            started = time.perf_counter()
            try:
                connection = connection or await asyncio.open_connection("127.0.0.1", port)
                status, keep = await _exchange(*connection, request)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
                status, keep = 0, False
            if status == 200:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1
            if not keep and connection is not None:
                connection[1].close()
                connection = None
        if connection is not None:
            connection[1].close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


def _start_server(options: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int] | None:
    """``ragops serve`` with ``options`` on a free port, once ready; None (its log printed) when it fails to start."""
    port = _free_port()
    command = [sys.executable, "-m", "ragops.cli.main", "serve", *options, "--port", str(port)]
    command += ["--log-level", "warning"]
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 300
    while True:
        if server.poll() is not None or time.monotonic() > deadline:
            server.terminate()
            print(log.read_text(), file=sys.stderr)
            return None
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return server, port
        except httpx.TransportError:
            pass
        time.sleep(0.5)


def _off_overhead_us(rounds: int = 20_000) -> float:
    """Microseconds of tracing calls one request makes with tracing off (middleware, batch, stages, generation)."""
    assert not tracing.enabled()
    started = time.perf_counter()
    for _ in range(rounds):
        tracing.extract({})
        tracing.current_parent()
        with tracing.batch([None]):
            with tracing.stage("retrieve"):
                for name in ("embed", "search", "search", "fuse"):
                    with tracing.stage(name) as traced:
                        traced.set("ragops.texts", 1)
            with tracing.item(0), tracing.span("generate") as traced:
                traced.set("ragops.citations", 1)
        tracing.inject({})
    return (time.perf_counter() - started) / rounds * 1e6


def _tracing_rounds(
    command: list[str], work: Path, questions: list[str], level: int, seconds: float, rounds: int
) -> list[tuple[str, float, float, int]] | None:
    """(mode, q/s, p95 ms, errors) of each alternating run, tracing off and on; spans received are checked."""
    results = []
    untraced = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    with otlp_receiver() as (endpoint, received):
        traced = {**untraced, "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_SERVICE_NAME": "bench-serve"}
        for number in range(rounds):
            for mode, env in (("off", untraced), ("on", traced)):
                started = _start_server(command, env, work / f"tracing-{mode}-{number}.log")
                if started is None:
                    return None
                server, port = started
                try:
                    asyncio.run(_drive(port, questions, level, 3.0))  # warm: every batch size seen once
                    before = len(received.spans)
                    latencies, errors, elapsed = asyncio.run(_drive(port, questions, level, seconds))
                finally:
                    server.terminate()
                    server.wait(timeout=60)
                if mode == "on" and len(received.spans) - before < len(latencies):
                    print(f"the collector received {len(received.spans) - before} spans", file=sys.stderr)
                    return None
                results.append((mode, len(latencies) / elapsed, _percentile(latencies, 0.95) * 1000, errors))
    return results


def _median_p50(rows: list[str]) -> float:
    """The median of the table's p50 column (ms): what a request costs, to set the off-path overhead against."""
    return statistics.median(float(row.split("|")[5]) for row in rows)


def _print_tracing(rows: list[tuple[str, float, float, int]], level: int, rows_p50_ms: float) -> None:
    print(f"\ntracing at concurrency {level} (on: every span exported over OTLP/HTTP to a collector on loopback)\n")
    print("| run | tracing | q/s | p95 ms | errors |\n|---:|---|---:|---:|---:|")
    for number, (mode, qps, p95, errors) in enumerate(rows, start=1):
        print(f"| {number} | {mode} | {qps:.1f} | {p95:.1f} | {errors} |")
    off = statistics.mean(qps for mode, qps, _, _ in rows if mode == "off")
    on = statistics.mean(qps for mode, qps, _, _ in rows if mode == "on")
    cost = 1 - on / off
    verdict = "met" if cost <= TARGET_TRACING_COST else "NOT met"
    print(
        f"\ntracing on costs {cost:.1%} of the throughput (mean {on:.1f} vs {off:.1f} q/s): target ≤ "
        f"{TARGET_TRACING_COST:.0%} {verdict}"
    )
    overhead = _off_overhead_us()
    print(
        f"tracing off: {overhead:.1f} µs of no-op calls per request, {overhead / 1000 / rows_p50_ms:.3%} of the "
        f"median request's {rows_p50_ms:.1f} ms"
    )


async def _drive_chat(
    port: int, questions: list[str], concurrency: int, seconds: float, turns: int
) -> tuple[list[float], int, float]:
    """Like ``_drive`` on ``/v1/chat``: each client holds a conversation for ``turns`` turns, sending the id the
    first answer returned, then starts a new one."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        nonlocal errors
        n, turn, conversation = offset, 0, None
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while time.perf_counter() < deadline:
            request = _post(questions[n % len(questions)], "/v1/chat", conversation)
            n += concurrency
            started = time.perf_counter()
            try:
                connection = connection or await asyncio.open_connection("127.0.0.1", port)
                status, keep, body = await _exchange_body(*connection, request)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
                status, keep, body = 0, False, b""
            if status == 200:
                latencies.append(time.perf_counter() - started)
                turn += 1
                conversation = None if turn % turns == 0 else json.loads(body)["conversation_id"]
            else:
                errors += 1
            if not keep and connection is not None:
                connection[1].close()
                connection = None
        if connection is not None:
            connection[1].close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(concurrency)))
    return latencies, errors, time.perf_counter() - started


def _chat_rows(
    port: int, questions: list[str], levels: list[int], seconds: float, turns: int
) -> tuple[list[str], bool]:
    """/v1/query then /v1/chat at each level, alternating twice so drift in the machine's load hits both alike."""
    rows: list[str] = []
    met = True
    for level in levels:
        query: list[float] = []
        chat: list[float] = []
        errors = {"query": 0, "chat": 0}
        for _ in range(2):
            latencies, failed, _ = asyncio.run(_drive(port, questions, level, seconds / 2))
            query += latencies
            errors["query"] += failed
            latencies, failed, _ = asyncio.run(_drive_chat(port, questions, level, seconds / 2, turns))
            chat += latencies
            errors["chat"] += failed
        query_p95, chat_p95 = _percentile(query, 0.95) * 1000, _percentile(chat, 0.95) * 1000
        bound = CHAT_P95_RATIO * query_p95 + CHAT_P95_SLACK_MS
        ok = chat_p95 <= bound and errors["chat"] == 0
        met = met and ok
        for name, latencies in (("/v1/query", query), ("/v1/chat", chat)):
            endpoint = name.rsplit("/", 1)[1]
            rows.append(
                f"| {level} | {name} | {len(latencies) + errors[endpoint]} | {errors[endpoint]} | "
                f"{len(latencies) / seconds:.1f} | {statistics.median(latencies) * 1000:.1f} | "
                f"{_percentile(latencies, 0.95) * 1000:.1f} | {_percentile(latencies, 0.99) * 1000:.1f} |"
            )
        rows.append(f"| {level} | chat p95 bound {bound:.1f} ms | | | | | {'met' if ok else 'NOT met'} | |")
    return rows, met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", type=Path, default=ROOT / "rag-configs" / "covid-qa.yaml")
    parser.add_argument("--seconds", type=float, default=10.0, help="load duration per concurrency level")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 4, 6, 8, 16, 32])
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--max-batch", type=int, default=32)
    parser.add_argument("--max-wait-ms", type=float, default=0.0)
    parser.add_argument(
        "--tracing-level", type=int, default=8, help="concurrency at which tracing on and off are compared (0: skip)"
    )
    parser.add_argument("--tracing-rounds", type=int, default=2, help="runs of each, alternating")
    parser.add_argument("--chat-levels", type=int, nargs="*", default=[8], help="concurrency of the chat comparison")
    parser.add_argument("--chat-turns", type=int, default=5, help="turns per conversation in the chat comparison")
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
        # As the service runs by default: batches of a few questions answered side by side, with fewer threads each.
        defaults = ServeSettings(config=args.config, index=Path(fetched.folder))  # what `ragops serve` runs with
        batches, compute_threads = defaults.thread_plan
        set_compute_threads(compute_threads)
        small = [questions[i : i + 4] for i in range(0, len(questions), 4)]
        with ThreadPoolExecutor(batches) as pool:
            list(pool.map(engine.answer_many, small[: 2 * batches]))  # every thread's model replica loaded
            started = time.perf_counter()
            list(pool.map(engine.answer_many, small))
        threaded_qps = len(questions) / (time.perf_counter() - started)
        del engine

        command = [
            "--config",
            str(args.config),
            "--index",
            fetched.folder,
            "--max-batch",
            str(args.max_batch),
            "--max-wait-ms",
            str(args.max_wait_ms),
        ]
        untraced = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
        redis = RedisServer(work / "redis")  # the conversation store of the chat comparison
        redis.start()
        started_server = _start_server([*command, "--redis-url", redis.url], untraced, work / "serve.log")
        if started_server is None:
            redis.stop()
            return 1
        server, port = started_server
        try:
            process = psutil.Process(server.pid)
            # Like the in-process figures, measured warm: every batch size the levels will see has run once.
            asyncio.run(_drive(port, questions, max(args.levels), 3.0))
            trim_s = defaults.memory_trim_s
            time.sleep(trim_s + 1)
            rss_start = process.memory_info().rss / 2**20
            rss: list[float] = []  # right after each row
            settled: list[float] = []  # one memory-trim interval later
            rows = []
            met: list[tuple[int, float, float]] = []  # (level, share of the ceiling, p95 ms) meeting the target
            total_errors = 0
            # The busiest level runs again last: memory that is flat ends that repeat where its first run ended.
            schedule = [*args.levels, max(args.levels)]
            for number, level in enumerate(schedule):
                latencies, errors, elapsed = asyncio.run(_drive(port, questions, level, args.seconds))
                qps = len(latencies) / elapsed
                p95 = _percentile(latencies, 0.95) * 1000
                total_errors += errors
                if qps / batched_qps >= TARGET_SHARE and p95 <= TARGET_P95_MS and errors == 0:
                    met.append((level, qps / batched_qps, p95))
                label = f"{level} (again)" if number == len(args.levels) else str(level)
                rss.append(process.memory_info().rss / 2**20)
                time.sleep(trim_s + 1)
                settled.append(process.memory_info().rss / 2**20)
                rows.append(
                    f"| {label} | {len(latencies) + errors} | {errors} | {qps:.1f} | "
                    f"{statistics.median(latencies) * 1000:.1f} | {p95:.1f} | "
                    f"{_percentile(latencies, 0.99) * 1000:.1f} | {qps / batched_qps:.2f} | "
                    f"{rss[-1]:.0f} | {settled[-1]:.0f} |"
                )
            chat_rows, chat_met = _chat_rows(port, questions, args.chat_levels, args.seconds, args.chat_turns)
        finally:
            server.terminate()
            server.wait(timeout=60)
            redis.stop()
        traced_rows = (
            _tracing_rounds(command, work, questions, args.tracing_level, args.seconds, args.tracing_rounds)
            if args.tracing_level > 0
            else []
        )
        if traced_rows is None:
            return 1

    print(
        f"\n{config.name}: {built.chunks} chunks, {len(questions)} distinct questions, {args.seconds:.0f} s per level"
    )
    print(
        f"in process: {single_qps:.1f} q/s one at a time, {batched_qps:.1f} q/s batched (answer_many) — the ceiling; "
        f"{threaded_qps:.1f} q/s in batches of 4 on {batches} threads × {compute_threads} CPU thread(s) each, as the "
        f"service answers ({threaded_qps / batched_qps:.2f} × the ceiling)\n"
    )
    print(
        "| concurrency | requests | errors | q/s | p50 ms | p95 ms | p99 ms | × batched ceiling | RSS MiB after "
        "| RSS MiB settled |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    peak = len(args.levels) - 1 - args.levels[::-1].index(max(args.levels))  # the busiest level's first run
    print(
        f"\nserver resident memory: {rss_start:.0f} MiB after warm-up; after concurrency {max(args.levels)} it "
        f"settled at {settled[peak]:.0f} MiB the first time and {settled[-1]:.0f} MiB the second "
        f"({settled[-1] - settled[peak]:+.0f} MiB); highest right after a level {max(rss):.0f} MiB"
    )
    if met:
        level, share, p95 = max(met, key=lambda row: row[1])
        verdict = f"met at concurrency {level}: {share:.2f} × the ceiling at p95 {p95:.0f} ms"
    else:
        verdict = "not met at any level"
    print(
        f"target (≥ {TARGET_SHARE} × ceiling at p95 ≤ {TARGET_P95_MS:.0f} ms, 0 errors): {verdict}; "
        f"{total_errors} errors in all"
    )
    if traced_rows:
        _print_tracing(traced_rows, args.tracing_level, rows_p50_ms=_median_p50(rows))
    if chat_rows:
        print(
            f"\nconversations (Redis on loopback, {args.chat_turns} turns a conversation), {args.seconds:.0f} s per "
            "endpoint and level, alternating:\n"
        )
        print("| concurrency | endpoint | requests | errors | q/s | p50 ms | p95 ms | p99 ms |")
        print("|---:|---|---:|---:|---:|---:|---:|---:|")
        print("\n".join(chat_rows))
        print(
            f"\ntarget (/v1/chat p95 ≤ {CHAT_P95_RATIO} × /v1/query p95 + {CHAT_P95_SLACK_MS:.0f} ms, 0 errors): "
            + ("met" if chat_met else "NOT met")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
