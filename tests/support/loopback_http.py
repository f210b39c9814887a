"""Small HTTP servers on loopback that the tracing tests and benchmarks talk to for real.

- ``otlp_receiver``: an OTLP/HTTP trace receiver (``POST /v1/traces``, protobuf), the part of an OpenTelemetry
  collector an exporter speaks to; it decodes every request with the OTLP protobuf definitions and keeps the spans
  (there is no collector package to install here).
- ``chat_server``: an OpenAI-compatible ``/v1/chat/completions`` endpoint that answers every call with one fixed
  completion and records the headers it was sent (what a tracing LLM server would see).
- ``recording_relay``: forwards to a real server (llama.cpp) and records the headers that arrived on the way.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


@dataclass
class Received:
    spans: list[Any] = field(default_factory=list)  # opentelemetry.proto.trace.v1.Span messages
    resources: list[dict[str, str]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@contextmanager
def otlp_receiver() -> Iterator[tuple[str, Received]]:
    """(base URL for OTEL_EXPORTER_OTLP_ENDPOINT, what it received)."""
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            with received.lock:
                for resource_spans in request.resource_spans:
                    attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                    for scope_spans in resource_spans.scope_spans:
                        received.spans.extend(scope_spans.spans)
                        received.resources.extend(attributes for _ in scope_spans.spans)
            reply = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200 if self.path == "/v1/traces" else 404)
            self.send_header("content-type", "application/x-protobuf")
            self.send_header("content-length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    with _serving(Handler) as url:
        yield url, received


COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 0,
    "model": "recorder",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Five steps."}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
}


@contextmanager
def chat_server() -> Iterator[tuple[str, Received]]:
    """(base URL ending in /v1, what it received: the headers of every request)."""
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            with received.lock:
                received.headers.append({k.lower(): v for k, v in self.headers.items()})
            body = json.dumps(COMPLETION).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with _serving(Handler) as url:
        yield f"{url}/v1", received


@contextmanager
def recording_relay(target: str) -> Iterator[tuple[str, Received]]:
    """A loopback HTTP relay in front of ``target`` (a base URL): every POST is forwarded to the same path there
    and its answer returned, and the headers that arrived are recorded (what ``target`` was sent)."""
    import httpx

    received = Received()
    origin = target.rstrip("/")
    prefix = "/" + origin.split("/", 3)[3] if origin.count("/") >= 3 else ""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with received.lock:
                received.headers.append(headers)
            forwarded = {k: v for k, v in headers.items() if k not in ("host", "content-length", "connection")}
            path = self.path[len(prefix) :] if prefix and self.path.startswith(prefix) else self.path
            answer = httpx.post(origin + path, content=body, headers=forwarded, timeout=300)
            self.send_response(answer.status_code)
            self.send_header("content-type", answer.headers.get("content-type", "application/json"))
            self.send_header("content-length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        def log_message(self, *args: object) -> None:
            pass

    with _serving(Handler) as url:
        yield url + prefix, received
