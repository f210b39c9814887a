"""The spans ragops makes, recorded in memory: the ``spans`` fixture (import ``recorded_spans``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ragops import tracing


@pytest.fixture(name="spans")
def recorded_spans() -> Iterator[InMemorySpanExporter]:
    """ragops traces into memory for the test, and stops tracing after it."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use(provider)
    try:
        yield exporter
    finally:
        tracing.use(None)
