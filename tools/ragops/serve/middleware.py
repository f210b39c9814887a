"""The ASGI layer around every request: request id, body-size limit, in-flight gauge, metrics and the access log.

A pure ASGI middleware (not Starlette's ``BaseHTTPMiddleware``) so the body is streamed, never buffered twice,
and an oversized body is refused as soon as its ``Content-Length`` — or, without one, its running size — passes
the limit. One log event per request (``request``: request id, method, path, status, latency) through
``ragops.logs``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ragops import logs
from ragops.serve.metrics import ServeMetrics

_log = logs.get_logger("ragops.serve")
REQUEST_ID_HEADER = "x-request-id"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Paths with their own value of the metrics' ``handler`` label; anything else (scanners, typos) shares one, so label
# values stay bounded. The label is not called ``endpoint``: the Prometheus operator gives every series scraped
# through a ServiceMonitor an ``endpoint`` target label (the port's name), which would rename ours.
HANDLERS = frozenset(
    {"/v1/query", "/v1/chat", "/v1/feedback", "/healthz", "/readyz", "/metrics", "/docs", "/openapi.json"}
)


def request_id_from(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = str(value.decode("latin-1"))
            if _VALID_ID.match(text):
                return text
    return uuid.uuid4().hex


def _too_large(limit: int) -> bytes:
    return json.dumps({"detail": f"request body larger than {limit} bytes"}).encode()


class RequestGuard:
    def __init__(self, app: ASGIApp, metrics: ServeMetrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_from(scope)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["started"] = started
        path = scope.get("path", "")
        handler = path if path in HANDLERS else "other"
        status = 500
        header = (b"x-request-id", request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(413, f"request body larger than {self.max_body_bytes} bytes")
            return message

        self.metrics.inflight.inc()
        try:
            # Every event logged while the request is handled carries its id.
            with logs.bound(request_id=request_id):
                declared = self._content_length(scope)
                if declared is not None and declared > self.max_body_bytes:
                    await self._refuse(send_with_id)
                else:
                    await self.app(scope, limited_receive, send_with_id)
        finally:
            self.metrics.inflight.dec()
            elapsed = time.perf_counter() - started
            self.metrics.requests.labels(handler=handler, status=str(status)).inc()
            self.metrics.request_duration.labels(handler=handler).observe(elapsed)
            fields: dict[str, Any] = {
                "request_id": request_id,
                "method": scope.get("method", ""),
                "path": path,
                "status": status,
                "latency_ms": round(elapsed * 1000, 2),
            }
            fields.update(state.get("log_fields", {}))
            (_log.warning if status >= 500 else _log.info)("request", **fields)

    @staticmethod
    def _content_length(scope: Scope) -> int | None:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    async def _refuse(self, send: Send) -> None:
        body = _too_large(self.max_body_bytes)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        # The client may still be sending the body: close the connection rather than read it.
        headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
