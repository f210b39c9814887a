"""A traced request through the real service to a real LLM (SmolLM2 on llama.cpp, the ``llama_server`` fixture):
the caller's trace continues through the request, generation and the LLM call, and the ``traceparent`` that
reaches the LLM server names the client span. Spans are read through the SDK's in-memory exporter."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from ragops.config.models import AppConfig
from ragops.rag.engine import RagEngine
from ragops.rag.index import build_index, load_index
from ragops.serve.app import Loaded, create_app
from ragops.serve.metrics import ServeMetrics
from ragops.serve.settings import ServeSettings
from tests.support.corpus import DOCS, write_corpus
from tests.support.llama import LlamaServer
from tests.support.loopback_http import recording_relay
from tests.support.serving import in_process
from tests.support.spans import recorded_spans  # noqa: F401  (the spans fixture)

pytestmark = pytest.mark.e2e
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


def test_the_trace_reaches_the_llm_server(
    llama_server: LlamaServer, tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    write_corpus(tmp_path / "docs", DOCS)
    with recording_relay(llama_server.base_url) as (relay, arrived):
        llm = {"provider": "openai", "model": llama_server.model, "base_url": relay, "max_tokens": 24}
        config = AppConfig.model_validate(
            {
                "apiVersion": "ragops.dev/v1",
                "kind": "RAGApp",
                "metadata": {"name": "traced-llm"},
                "spec": {"data": {"corpus": "docs", "testsets": ["t.jsonl"]}, "llm": llm, "retrieval": {"top_k": 2}},
            }
        )
        build_index(config, tmp_path / "docs", tmp_path / "index", tmp_path / "cache", root=tmp_path)
        engine = RagEngine(config, load_index(tmp_path / "index"), tmp_path)
        before = llama_server.chat_requests()

        def loader(metrics: ServeMetrics) -> Loaded:
            return Loaded(engine, chunks=len(engine.retriever.index.chunks), documents=5)

        app = create_app(ServeSettings(config=tmp_path / "a.yaml", index=tmp_path), loader, None)
        with in_process(app) as base:
            answered = httpx.post(
                f"{base}/v1/query",
                json={"question": "What do vaccines train?"},
                headers={"traceparent": TRACEPARENT},
                timeout=120,
            )
    assert answered.status_code == 200, answered.text
    assert answered.json()["answer"]
    finished = [s for s in spans.get_finished_spans() if f"{s.context.trace_id:032x}" == TRACE_ID]
    by_id = {s.context.span_id: s for s in finished}
    [client] = [s for s in finished if s.kind == SpanKind.CLIENT]
    chain = []
    parent = client.parent
    while parent is not None and parent.span_id in by_id:
        chain.append(by_id[parent.span_id].name)
        parent = by_id[parent.span_id].parent
    assert chain == ["generate", "POST /v1/query"]
    assert client.name == f"chat {llama_server.model}"
    assert client.attributes["gen_ai.usage.input_tokens"] > 0 and client.attributes["gen_ai.usage.output_tokens"] > 0
    # The real server was called, and what arrived there named the client span.
    assert llama_server.chat_requests() > before
    traceparents = [h["traceparent"] for h in arrived.headers if "traceparent" in h]
    assert traceparents and traceparents[-1] == f"00-{TRACE_ID}-{client.context.span_id:016x}-01"
