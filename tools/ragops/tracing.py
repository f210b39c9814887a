"""Tracing with OpenTelemetry: one request (or one pipeline step) followed end to end by its trace id.

Off by default, and then free: ``span``, ``stage`` and ``item`` return a shared no-op without touching
OpenTelemetry. ``configure_from_environment`` turns it on when the standard variables ask for it:
``OTEL_TRACES_EXPORTER`` (``otlp``, ``console``, or ``none``) or an OTLP endpoint (``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``); ``OTEL_SDK_DISABLED=true`` wins. Everything else is the SDK's own reading
of ``OTEL_*``: ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES``, the sampler (``OTEL_TRACES_SAMPLER``), the
batch processor (``OTEL_BSP_*``) and the OTLP/HTTP exporter (``OTEL_EXPORTER_OTLP_*``: endpoint, headers,
timeout, compression, certificates). ``use`` installs a given SDK provider instead (tests read spans through the
SDK's in-memory exporter; benchmarks too).

The service answers questions in micro-batches: one embedding call and one search serve several requests. Each
request still gets its whole tree: ``batch(parents)`` (one parent context per question) makes ``stage`` record
the shared stages' timings, and on leaving the batch every request gets its own ``retrieve``/``embed``/
``search``/``fuse``/``rerank`` spans, with those times and ``ragops.batch.size``. Per-question work (``generate``
and the LLM call) runs under ``item(i)``: live spans under question ``i``'s request, so the ``traceparent`` sent to
the LLM names a span that exists. Outside a batch (the CLI, the pipeline steps) ``stage`` is a plain live span.

The evaluation pipeline is one trace: ``ragops eval`` opens its span and hands its context to the steps' processes
in ``TRACEPARENT`` (``handed_down``); each step (``step``) continues it and exports before its process ends.

W3C ``traceparent`` is honoured even with tracing off: a request that carries one has its trace id in its log
lines, and the LLM call forwards it unchanged, so a tracing caller's trace is not cut at this service.
Span attributes never hold question, answer or document text.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

SCOPE = "ragops"
# The environment variable that hands a trace context to a child process (the pipeline's steps): the name the
# OpenTelemetry specification proposes for environment-variable propagation.
TRACEPARENT_ENV = "TRACEPARENT"
# The service name of the evaluation pipeline's spans (the CLI and its steps), unless OTEL_SERVICE_NAME says otherwise.
PIPELINE_SERVICE_NAME = "ragops-pipeline"
Attributes = Mapping[str, str | int | float | bool]


@dataclass
class _State:
    tracer: trace.Tracer | None = None
    provider: TracerProvider | None = None


_state = _State()


class Stage:
    """What ``stage`` and ``span`` yield: attributes can be added once they are known (counts, token usage)."""

    def __init__(self, attributes: dict[str, Any] | None = None, live: trace.Span | None = None) -> None:
        self.attributes = attributes
        self.live = live

    def set(self, key: str, value: str | int | float | bool) -> None:
        if self.live is not None:
            self.live.set_attribute(key, value)
        elif self.attributes is not None:
            self.attributes[key] = value


_NOOP = Stage()


@dataclass
class _Record:
    name: str
    start: int
    parent: int | None  # index of the enclosing record
    attributes: dict[str, Any]
    end: int = 0


@dataclass
class _Batch:
    parents: Sequence[otel_context.Context | None]
    records: list[_Record] = field(default_factory=list)
    open: list[int] = field(default_factory=list)


_batch: ContextVar[_Batch | None] = ContextVar("ragops_trace_batch", default=None)


def enabled() -> bool:
    return _state.tracer is not None


def _asked_for(environ: Mapping[str, str]) -> bool:
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporters = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporters:
        return exporters != "none"
    return bool(environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def configure_from_environment(service_name: str, environ: Mapping[str, str] | None = None) -> bool:
    """Turn tracing on when the ``OTEL_*`` variables ask for it (see the module's docstring); True when on.
    ``service_name`` is used unless ``OTEL_SERVICE_NAME`` (or ``service.name`` in the resource attributes) says
    otherwise. Idempotent: a process configured once keeps its provider."""
    environ = os.environ if environ is None else environ
    if _state.tracer is not None or not _asked_for(environ):
        return _state.tracer is not None
    # The SDK is imported only now: a process that does not trace never loads it.
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

    from ragops.errors import UsageError

    named = "OTEL_SERVICE_NAME" in environ or "service.name=" in environ.get("OTEL_RESOURCE_ATTRIBUTES", "")
    # Resource.create reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES itself; attributes given to it win.
    provider = TracerProvider(resource=Resource.create() if named else Resource.create({"service.name": service_name}))
    names = [n.strip().lower() for n in environ.get("OTEL_TRACES_EXPORTER", "otlp").split(",") if n.strip()]
    for name in names:
        exporter: SpanExporter
        if name == "otlp":
            protocol = environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", environ.get("OTEL_EXPORTER_OTLP_PROTOCOL"))
            if protocol not in (None, "", "http/protobuf"):
                raise UsageError(
                    f"OTEL_EXPORTER_OTLP_PROTOCOL {protocol} is not supported: ragops exports OTLP over HTTP "
                    "(http/protobuf); point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's HTTP port (4318)"
                )
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter()
        elif name == "console":
            exporter = ConsoleSpanExporter()
        else:
            raise UsageError(f"OTEL_TRACES_EXPORTER {name} is not supported: use otlp, console or none")
        provider.add_span_processor(BatchSpanProcessor(exporter))
    use(provider)
    return True


def use(provider: TracerProvider | None) -> None:
    """Trace into ``provider`` from now on (None: tracing off). Not the global OpenTelemetry provider, so a test
    can install and remove its own."""
    _state.provider = provider
    _state.tracer = provider.get_tracer(SCOPE) if provider is not None else None


def flush() -> None:
    """Export the spans still buffered (a step process about to exit, the service stopping)."""
    if _state.provider is not None:
        _state.provider.force_flush()


def _valid(context: otel_context.Context | None) -> bool:
    return context is not None and trace.get_current_span(context).get_span_context().is_valid


def current_parent() -> otel_context.Context | None:
    """The current context when it holds a span (traced, or a caller's ``traceparent``); else None."""
    current = otel_context.get_current()
    return current if _valid(current) else None


def extract(carrier: Mapping[str, str]) -> otel_context.Context | None:
    """The context a W3C ``traceparent`` (and ``tracestate``) in ``carrier`` names; None without a valid one."""
    if "traceparent" not in carrier:
        return None
    context = propagate.extract(carrier)
    return context if _valid(context) else None


def inject(carrier: Any) -> None:
    """Write the current context's ``traceparent`` into ``carrier`` (HTTP headers), when there is one."""
    if _state.tracer is not None or _valid(otel_context.get_current()):
        propagate.inject(carrier)


def ids(context: otel_context.Context | None = None) -> dict[str, str]:
    """``trace_id`` and ``span_id`` (hex) of ``context``'s span (default: the current one), for log lines; {} when
    there is no span."""
    span_context = trace.get_current_span(context).get_span_context()
    if not span_context.is_valid:
        return {}
    return {"trace_id": f"{span_context.trace_id:032x}", "span_id": f"{span_context.span_id:016x}"}


@contextlib.contextmanager
def span(
    name: str,
    attributes: Attributes | None = None,
    *,
    kind: trace.SpanKind = trace.SpanKind.INTERNAL,
    context: otel_context.Context | None = None,
) -> Iterator[Stage]:
    """A live span under ``context`` (default: the current one), current inside the block; a no-op when off."""
    tracer = _state.tracer
    if tracer is None:
        yield _NOOP
        return
    with tracer.start_as_current_span(name, context=context, kind=kind, attributes=attributes) as live:
        yield Stage(live=live)


@contextlib.contextmanager
def stage(name: str, attributes: Attributes | None = None) -> Iterator[Stage]:
    """One stage of answering (embed, search, fuse, rerank, retrieve): inside ``batch``, recorded for every request
    of the batch; outside, a live span."""
    if _state.tracer is None:
        yield _NOOP
        return
    current = _batch.get()
    if current is None:
        with span(name, attributes) as live:
            yield live
        return
    record = _Record(name, time.time_ns(), current.open[-1] if current.open else None, dict(attributes or {}))
    current.records.append(record)
    current.open.append(len(current.records) - 1)
    try:
        yield Stage(attributes=record.attributes)
    finally:
        record.end = time.time_ns()
        current.open.pop()


@contextlib.contextmanager
def batch(parents: Sequence[otel_context.Context | None]) -> Iterator[None]:
    """Answering a batch of questions whose requests' contexts are ``parents`` (None: an untraced request)."""
    token = _batch.set(_Batch(parents))
    try:
        yield
    finally:
        finished = _batch.get()
        _batch.reset(token)
        if _state.tracer is not None and finished is not None and finished.records:
            _emit(_state.tracer, finished)


def _emit(tracer: trace.Tracer, finished: _Batch) -> None:
    size = len(finished.parents)
    for parent in finished.parents:
        if parent is None:
            continue
        spans: list[trace.Span] = []
        for record in finished.records:
            under = parent if record.parent is None else trace.set_span_in_context(spans[record.parent], parent)
            attributes = {**record.attributes, "ragops.batch.size": size}
            spans.append(tracer.start_span(record.name, context=under, start_time=record.start, attributes=attributes))
        for record, recorded in zip(finished.records, spans, strict=True):
            recorded.end(end_time=record.end)


@contextlib.contextmanager
def item(index: int) -> Iterator[None]:
    """Work on question ``index`` of the current batch (its generation): under its request's context, with its
    trace id bound to the log lines written meanwhile."""
    current = _batch.get()
    parent = current.parents[index] if current is not None and index < len(current.parents) else None
    if parent is None:
        yield
        return
    from ragops import logs

    token = otel_context.attach(parent)
    try:
        with logs.bound(**ids(parent)):
            yield
    finally:
        otel_context.detach(token)


def environment_parent(environ: Mapping[str, str] | None = None) -> otel_context.Context | None:
    """The context a parent process handed down in ``TRACEPARENT`` (see ``TRACEPARENT_ENV``), or None."""
    value = (os.environ if environ is None else environ).get(TRACEPARENT_ENV)
    return extract({"traceparent": value}) if value else None


def environment_carrier() -> dict[str, str]:
    """``{TRACEPARENT: …}`` for a child process to continue the current trace; {} when there is none."""
    carrier: dict[str, str] = {}
    inject(carrier)
    return {TRACEPARENT_ENV: carrier["traceparent"]} if "traceparent" in carrier else {}


@contextlib.contextmanager
def handed_down() -> Iterator[None]:
    """Child processes started inside continue the current trace: ``TRACEPARENT`` is set in this process's
    environment (which they inherit) for the duration, and restored after."""
    carrier = environment_carrier()
    if not carrier:
        yield
        return
    before = os.environ.get(TRACEPARENT_ENV)
    os.environ.update(carrier)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(TRACEPARENT_ENV, None)
        else:
            os.environ[TRACEPARENT_ENV] = before


@contextlib.contextmanager
def step(name: str, attributes: Attributes | None = None) -> Iterator[Stage]:
    """A pipeline step, in a process of its own: tracing set up from the environment, the step's span under the
    trace its parent process handed down (``TRACEPARENT``), and every span exported before the step returns."""
    configure_from_environment(PIPELINE_SERVICE_NAME)
    try:
        with span(name, attributes, context=environment_parent()) as traced:
            yield traced
    finally:
        flush()
