"""Tracing: off unless the OTEL_* variables ask for it (and then free), spans exported over OTLP/HTTP to a real
receiver, W3C trace context carried across threads, processes and HTTP calls."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from ragops import tracing
from ragops.config.models import LLMSpec, PromptSpec
from ragops.errors import UsageError
from ragops.rag.openai_chat import OpenAIChatGenerator
from tests.support.loopback_http import chat_server, otlp_receiver
from tests.support.spans import recorded_spans  # noqa: F401  (the spans fixture)

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.mark.parametrize(
    ("environ", "on"),
    [
        ({}, False),
        ({"OTEL_SERVICE_NAME": "x"}, False),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:1/v1/traces"}, True),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
    ],
)
def test_tracing_is_on_only_when_the_environment_asks(environ: dict[str, str], on: bool) -> None:
    try:
        assert tracing.configure_from_environment("ragops-test", environ) is on
        assert tracing.enabled() is on
    finally:
        tracing.use(None)


def test_unsupported_exporters_and_protocols_are_refused_with_the_fix() -> None:
    with pytest.raises(UsageError, match="use otlp, console or none"):
        tracing.configure_from_environment("x", {"OTEL_TRACES_EXPORTER": "zipkin"})
    with pytest.raises(UsageError, match="http/protobuf"):
        tracing.configure_from_environment(
            "x", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
        )
    assert not tracing.enabled()


def test_off_costs_no_sdk_import_and_no_span() -> None:
    code = (
        "import sys; from ragops import tracing; import ragops.serve.app, ragops.rag.engine\n"
        "assert not tracing.configure_from_environment('x', {})\n"
        "with tracing.span('a') as s, tracing.stage('b') as t, tracing.batch([None]), tracing.item(0): s.set('k', 1)\n"
        "assert s is t and 'opentelemetry.sdk.trace' not in sys.modules, sorted(sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_spans_go_over_otlp_http_to_the_endpoint_the_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    with otlp_receiver() as (url, received):
        environ = {"OTEL_EXPORTER_OTLP_ENDPOINT": url, "OTEL_SERVICE_NAME": "hr-assistant"}
        for name, value in environ.items():
            monkeypatch.setenv(name, value)  # the SDK's exporter and resource read os.environ themselves
        try:
            assert tracing.configure_from_environment("ragops-test")
            with tracing.span("outer", {"ragops.questions": 2}), tracing.stage("embed"):
                pass
            tracing.flush()
        finally:
            tracing.use(None)
        deadline = time.monotonic() + 10
        while len(received.spans) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    outer, embed = sorted(received.spans, key=lambda s: s.name != "outer")
    assert (outer.name, embed.name) == ("outer", "embed")
    assert embed.parent_span_id == outer.span_id and embed.trace_id == outer.trace_id
    assert {r["service.name"] for r in received.resources} == {"hr-assistant"}


def test_a_batch_gives_every_request_its_own_stage_spans(spans: InMemorySpanExporter) -> None:
    parents = []
    for _ in range(3):
        with tracing.span("request", kind=SpanKind.SERVER):
            parents.append(tracing.current_parent())
    with tracing.batch([parents[0], None, parents[2]]):
        with tracing.stage("retrieve") as retrieve:
            with tracing.stage("embed", {"ragops.texts": 3}):
                pass
            retrieve.set("ragops.questions", 3)
        for index in range(3):
            with tracing.item(index), tracing.span("generate"):
                pass
    finished = spans.get_finished_spans()
    requests = [s for s in finished if s.name == "request"]
    for request in (requests[0], requests[2]):
        tree = [s for s in finished if s.context.trace_id == request.context.trace_id and s.name != "request"]
        by_name = {s.name: s for s in tree}
        assert sorted(by_name) == ["embed", "generate", "retrieve"]
        assert by_name["retrieve"].parent.span_id == request.context.span_id
        assert by_name["embed"].parent.span_id == by_name["retrieve"].context.span_id
        assert by_name["generate"].parent.span_id == request.context.span_id
        assert by_name["retrieve"].attributes["ragops.batch.size"] == 3
        assert by_name["retrieve"].attributes["ragops.questions"] == 3
        assert by_name["embed"].start_time >= by_name["retrieve"].start_time
        assert by_name["embed"].end_time <= by_name["retrieve"].end_time
    untraced = [s for s in finished if s.context.trace_id == requests[1].context.trace_id]
    assert [s.name for s in untraced] == ["request"]  # its question had no context: no stage spans of its own


def test_the_llm_call_carries_the_client_spans_traceparent(spans: InMemorySpanExporter) -> None:
    with chat_server() as (url, received):
        llm = LLMSpec(provider="openai", model="recorder", base_url=url, max_retries=0)
        generator = OpenAIChatGenerator(llm, PromptSpec())
        with tracing.span("generate"):
            assert generator.generate("How many steps?", []).answer == "Five steps."
    client = next(s for s in spans.get_finished_spans() if s.kind == SpanKind.CLIENT)
    assert client.name == "chat recorder"
    assert client.attributes["gen_ai.request.model"] == "recorder"
    assert client.attributes["gen_ai.usage.input_tokens"] == 12
    assert client.attributes["gen_ai.usage.output_tokens"] == 3
    version, trace_id, parent_id, _ = received.headers[0]["traceparent"].split("-")
    assert (version, trace_id, parent_id) == ("00", f"{client.context.trace_id:032x}", f"{client.context.span_id:016x}")


def test_with_tracing_off_a_callers_traceparent_is_forwarded_unchanged() -> None:
    assert not tracing.enabled()
    with chat_server() as (url, received):
        generator = OpenAIChatGenerator(LLMSpec(provider="openai", model="m", base_url=url), PromptSpec())
        generator.generate("q", [])  # no trace context: no header
        parent = tracing.extract({"traceparent": TRACEPARENT})
        assert parent is not None
        with tracing.batch([parent]), tracing.item(0):
            generator.generate("q", [])
    assert "traceparent" not in received.headers[0]
    assert received.headers[1]["traceparent"] == TRACEPARENT


def test_a_trace_context_goes_to_a_child_process_in_traceparent(spans: InMemorySpanExporter) -> None:
    with tracing.span("parent"):
        carrier = tracing.environment_carrier()
        here = tracing.ids()
    child = tracing.environment_parent(carrier)
    assert child is not None and tracing.ids(child) == here
    assert tracing.environment_parent({}) is None and tracing.environment_carrier() == {}
    assert tracing.extract({"traceparent": "00-not-a-trace"}) is None
    token = otel_context.attach(child)
    try:
        assert tracing.current_parent() is not None
    finally:
        otel_context.detach(token)
