"""Every request traced end to end through the real engine: a caller's traceparent is the parent of the request
span, retrieval's stages and generation hang under it even when questions are batched, and every log line of the
request carries its trace id. Spans are read through the OpenTelemetry SDK's in-memory exporter."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from ragops import tracing
from ragops.config.models import AppConfig
from ragops.rag.engine import RagEngine
from ragops.rag.index import build_index, load_index
from ragops.serve.app import Loaded, create_app
from ragops.serve.metrics import ServeMetrics
from ragops.serve.settings import ServeSettings
from tests.support.corpus import DOCS, write_corpus
from tests.support.service_log import CapturedLog, captured_log
from tests.support.serving import in_process
from tests.support.spans import recorded_spans  # noqa: F401  (the spans fixture)

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"
STAGES = {"retrieve", "embed", "search", "fuse", "generate"}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> RagEngine:
    root = tmp_path_factory.mktemp("traced-app")
    write_corpus(root / "docs", DOCS)
    config = AppConfig.model_validate(
        {
            "apiVersion": "ragops.dev/v1",
            "kind": "RAGApp",
            "metadata": {"name": "traced"},
            "spec": {"data": {"corpus": "docs", "testsets": ["t.jsonl"]}, "retrieval": {"mode": "hybrid", "top_k": 2}},
        }
    )
    build_index(config, root / "docs", root / "index", root / "cache", root=root)
    return RagEngine(config, load_index(root / "index"), root)


@contextmanager
def _service(engine: RagEngine, tmp_path: Path, **settings: Any) -> Iterator[tuple[str, CapturedLog]]:
    """The service on loopback, with its log lines as ``ragops serve`` writes them."""

    def loader(metrics: ServeMetrics) -> Loaded:
        return Loaded(engine, chunks=len(engine.retriever.index.chunks), documents=5)

    serve = ServeSettings(config=tmp_path / "a.yaml", index=tmp_path, **settings)
    with captured_log() as log, in_process(create_app(serve, loader, None)) as base:
        yield base, log


def _request_lines(log: CapturedLog) -> list[dict[str, Any]]:
    return log.events("request", path="/v1/query")


def _trace(spans: InMemorySpanExporter, trace_id: int) -> dict[str, list[ReadableSpan]]:
    found: dict[str, list[ReadableSpan]] = {}
    for span in spans.get_finished_spans():
        if span.context.trace_id == trace_id:
            found.setdefault(span.name, []).append(span)
    return found


def test_a_callers_traceparent_parents_the_whole_request(
    engine: RagEngine, tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    with _service(engine, tmp_path) as (base, logs):
        answered = httpx.post(
            f"{base}/v1/query", json={"question": "What do vaccines train?"}, headers={"traceparent": TRACEPARENT}
        )
    assert answered.status_code == 200
    trace = _trace(spans, int(TRACE_ID, 16))
    assert not [s for s in spans.get_finished_spans() if s.name.startswith("GET")]  # probes are not traced
    [request] = trace.pop("POST /v1/query")
    assert request.kind == SpanKind.SERVER and request.parent is not None
    assert f"{request.parent.span_id:016x}" == CALLER_SPAN and request.parent.is_remote
    assert request.attributes["http.response.status_code"] == 200
    assert request.attributes["ragops.request_id"] == answered.json()["request_id"]
    assert set(trace) >= STAGES
    by_id = {s.context.span_id: s for group in trace.values() for s in group} | {request.context.span_id: request}
    parent_name = {name: {by_id[s.parent.span_id].name for s in group if s.parent} for name, group in trace.items()}
    assert parent_name["retrieve"] == {"POST /v1/query"} and parent_name["generate"] == {"POST /v1/query"}
    assert parent_name["embed"] == parent_name["search"] == parent_name["fuse"] == {"retrieve"}
    assert {s.attributes["ragops.search.kind"] for s in trace["search"]} == {"vector", "text"}
    assert (
        trace["embed"][0].attributes["ragops.texts"] == 1 and trace["retrieve"][0].attributes["ragops.batch.size"] == 1
    )
    for span in (s for group in trace.values() for s in group):
        assert "What do vaccines" not in json.dumps(dict(span.attributes or {}))  # no question text in spans
    [line] = _request_lines(logs)
    assert (line["trace_id"], line["span_id"]) == (TRACE_ID, f"{request.context.span_id:016x}")


def test_batched_questions_each_get_their_own_trace(
    engine: RagEngine, tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    questions = ["What do vaccines train?", "What do masks reduce?", "Where do bats live?", "What is remdesivir?"]
    # A long batching wait: the four questions share one batch.
    with _service(engine, tmp_path, max_wait_ms=200.0) as (base, logs), ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda q: httpx.post(f"{base}/v1/query", json={"question": q}), questions))
    assert all(a.status_code == 200 for a in answers)
    lines = _request_lines(logs)
    assert len({line["trace_id"] for line in lines}) == 4
    sizes = set()
    for line in lines:
        trace = _trace(spans, int(line["trace_id"], 16))
        assert set(trace) >= STAGES and len(trace["generate"]) == 1 and len(trace["retrieve"]) == 1
        sizes.add(trace["retrieve"][0].attributes["ragops.batch.size"])
        [request] = trace["POST /v1/query"]
        assert line["span_id"] == f"{request.context.span_id:016x}"
    assert max(sizes) > 1  # at least some of them were answered together


def test_with_tracing_off_the_callers_trace_id_is_still_in_the_log(engine: RagEngine, tmp_path: Path) -> None:
    assert not tracing.enabled()
    with _service(engine, tmp_path) as (base, logs):
        httpx.post(f"{base}/v1/query", json={"question": "Masks?"}, headers={"traceparent": TRACEPARENT})
        httpx.post(f"{base}/v1/query", json={"question": "Bats?"})
    traced, plain = _request_lines(logs)
    assert (traced["trace_id"], traced["span_id"]) == (TRACE_ID, CALLER_SPAN)
    assert "trace_id" not in plain
