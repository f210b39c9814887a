"""The HTTP/1.1 connection under the app, with the limits uvicorn's fast parser lacks: header size and count, and
how long a client may take to send its request.

uvicorn's httptools protocol keeps every header byte a client sends (eight 32 MiB headers held 263 MiB) and waits
forever for a request that arrives a byte at a time (400 half-open connections were held for 20 s and more). This
protocol refuses, before the app sees anything:

- a request whose start line and headers pass ``max_header_bytes`` — 431, connection closed;
- a request with more than ``max_headers`` headers — 431, connection closed;
- a request not received whole (headers and body) within ``request_timeout_s`` of its first byte (or of the
  connection, for the first request) — 408 when no response has started, then the connection is closed.

The idle time between requests on a kept-alive connection stays uvicorn's ``timeout_keep_alive``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEFAULT_MAX_HEADER_BYTES = 32 * 1024
DEFAULT_MAX_HEADERS = 100
DEFAULT_REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class WireLimits:
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_headers: int = DEFAULT_MAX_HEADERS
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S


def _response(status: int, reason: str, detail: str) -> bytes:
    body = ('{"status":"refused","detail":"' + detail + '"}').encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


class LimitedProtocol(HttpToolsProtocol):
    """uvicorn's ``http`` protocol enforcing ``LimitedProtocol.limits``.

    A class attribute, not a constructor argument: uvicorn builds the protocol itself, and worker processes
    (``--workers`` > 1) import this class by name, so each process sets the limits from its settings
    (``use_limits``) before it serves."""

    limits: ClassVar[WireLimits] = WireLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_body = False  # between a request's headers and its end
        self._header_bytes = 0  # bytes received since the last request ended, while not in a body
        self._header_count = 0
        self._refused: str | None = None  # why the request's headers were refused
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def _start_deadline(self) -> None:
        self._cancel_deadline()
        self._deadline = self.loop.call_later(self.limits.request_timeout_s, self._too_slow)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        cycle = self.cycle if self._in_body else None
        if cycle is None or not cycle.response_started:
            detail = f"the request was not received within {self.limits.request_timeout_s:g} s"
            self.transport.write(_response(408, "Request Timeout", detail))
        if cycle is not None:
            cycle.disconnected = True  # the app's next receive() is a disconnect; its response is dropped
            cycle.message_event.set()
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._refused is not None or self.transport.is_closing():
            return
        if not self._in_body:
            self._header_bytes += len(data)
        super().data_received(data)
        if self._refused is None and not self._in_body and self._header_bytes > self.limits.max_header_bytes:
            self._refused = f"headers larger than {self.limits.max_header_bytes} bytes"
        if self._refused is not None and not self.transport.is_closing():
            self._cancel_deadline()
            self.transport.write(_response(431, "Request Header Fields Too Large", self._refused))
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_count = 0
        if self._deadline is None:
            self._start_deadline()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count <= self.limits.max_headers:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._header_count > self.limits.max_headers:
            self._refused = f"more than {self.limits.max_headers} headers"
            return  # the app never sees this request
        self._in_body = True
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self._refused is None:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused is not None:
            return
        self._in_body = False
        self._header_bytes = 0
        self._cancel_deadline()
        super().on_message_complete()


def use_limits(limits: WireLimits) -> type[LimitedProtocol]:
    """Set this process's wire limits; the protocol class to hand uvicorn as ``http``."""
    LimitedProtocol.limits = limits
    return LimitedProtocol
