"""The ASGI layer that gives every request its trace: a W3C ``traceparent`` accepted, a server span, and the trace
id bound to every log line written while the request runs (``ragops.logs`` context).

Outermost of the service's middleware, so the request log line (``RequestGuard``) and everything the handlers log
carry ``trace_id`` and ``span_id``. Health probes and metric scrapes (``UNTRACED``) are not traced. With tracing
off a request without ``traceparent`` passes straight through; one with a ``traceparent`` still has that trace id
in its log lines, and its context goes on to the LLM call.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ragops import logs, tracing
from ragops.serve.middleware import HANDLERS

_PROPAGATED = (b"traceparent", b"tracestate")
# Probes and scrapes (every few seconds from the kubelet and Prometheus) would bury the requests in traces.
UNTRACED = frozenset({"/healthz", "/readyz", "/metrics"})


def _carrier(scope: Scope) -> dict[str, str]:
    return {name.decode(): value.decode("latin-1") for name, value in scope.get("headers", []) if name in _PROPAGATED}


class TraceRequests:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in UNTRACED:
            await self.app(scope, receive, send)
            return
        parent = tracing.extract(_carrier(scope))
        if not tracing.enabled():
            if parent is None:
                await self.app(scope, receive, send)
                return
            token = otel_context.attach(parent)
            try:
                with logs.bound(**tracing.ids(parent)):
                    await self.app(scope, receive, send)
            finally:
                otel_context.detach(token)
            return
        await self._traced(scope, receive, send, parent)

    async def _traced(self, scope: Scope, receive: Receive, send: Send, parent: otel_context.Context | None) -> None:
        method, path = scope.get("method", ""), scope.get("path", "")
        route = path if path in HANDLERS else None  # unknown paths share one name: span names stay bounded
        attributes: dict[str, Any] = {"http.request.method": method, "url.path": path, "url.scheme": "http"}
        if route is not None:
            attributes["http.route"] = route
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        name = f"{method} {route}" if route else method
        # Entered in order: the ids bound to the logs are the server span's, current once it has started.
        with (
            tracing.span(name, attributes, kind=SpanKind.SERVER, context=parent) as traced,
            logs.bound(**tracing.ids()),
        ):
            try:
                await self.app(scope, receive, send_status)
            finally:
                traced.set("http.response.status_code", status)
                request_id = scope.get("state", {}).get("request_id")
                if request_id:
                    traced.set("ragops.request_id", request_id)
                if status >= 500 and traced.live is not None:
                    traced.live.set_status(Status(StatusCode.ERROR))
