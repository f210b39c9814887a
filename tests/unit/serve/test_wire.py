"""The connection limits on a real uvicorn server on loopback: header size and count, and slow clients."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ragops.serve.app import Loaded, create_app
from ragops.serve.metrics import ServeMetrics
from ragops.serve.settings import ServeSettings
from ragops.serve.wire import WireLimits, use_limits
from tests.support.serving import Echo, in_process

LIMITS = WireLimits(max_header_bytes=8 * 1024, max_headers=20, request_timeout_s=0.5)


def _loader(metrics: ServeMetrics) -> Loaded:
    return Loaded(Echo(), chunks=1, documents=1)


@pytest.fixture(scope="module")
def address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    folder: Path = tmp_path_factory.mktemp("wire")
    app = create_app(ServeSettings(config=folder / "app.yaml", index=folder / "index"), _loader, None)
    with in_process(app, http=use_limits(LIMITS)) as base:
        host, port = base.removeprefix("http://").split(":")
        yield host, int(port)


def _exchange(address: tuple[str, int], *parts: bytes, pause: float = 0.0) -> tuple[bytes, bool]:
    """Send ``parts`` (pausing between them); (what came back, whether the server closed before all was sent)."""
    with socket.create_connection(address, timeout=5) as conn:
        cut_short = False
        for part in parts:
            try:
                conn.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                cut_short = True
                break
            time.sleep(pause)
        reply = b""
        try:
            while chunk := conn.recv(65536):
                reply += chunk
        except ConnectionResetError:
            pass
        return reply, cut_short


def _query(headers: bytes = b"") -> bytes:
    body = b'{"question":"hi"}'
    return (
        b"POST /v1/query HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nconnection: close\r\n"
        + headers
        + b"content-length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


def test_a_request_within_the_limits_is_answered(address: tuple[str, int]) -> None:
    reply, _ = _exchange(address, _query(b"x-a: " + b"a" * 4000 + b"\r\n"))
    assert reply.startswith(b"HTTP/1.1 200")


def test_huge_headers_are_refused_before_they_are_kept(address: tuple[str, int]) -> None:
    start = b"POST /v1/query HTTP/1.1\r\nhost: x\r\nx-big: "
    flood = [b"a" * 65536] * 512  # 32 MiB of one header, sent in pieces
    reply, cut_short = _exchange(address, start, *flood)
    assert reply.startswith(b"HTTP/1.1 431"), reply[:200]
    assert b"headers larger than 8192 bytes" in reply
    assert cut_short  # the server closed the connection long before 32 MiB arrived


def test_too_many_headers_are_refused_and_the_app_never_sees_them(address: tuple[str, int]) -> None:
    many = b"".join(b"x-h%d: v\r\n" % number for number in range(30))
    reply, _ = _exchange(address, _query(many))
    assert reply.startswith(b"HTTP/1.1 431") and b"more than 20 headers" in reply


@pytest.mark.parametrize(
    "parts",
    [
        [b"POST /v1/query HTTP/1.1\r\nhost: x\r\n"],  # headers never finished
        [b'POST /v1/query HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"que'],  # body never finished
        [b""],  # connected, never sent a byte
    ],
)
def test_a_client_too_slow_to_send_its_request_is_timed_out(address: tuple[str, int], parts: list[bytes]) -> None:
    started = time.monotonic()
    reply, _ = _exchange(address, *parts)
    elapsed = time.monotonic() - started
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    assert elapsed < 4  # the 0.5 s limit, not the client's patience


def test_a_client_trickling_bytes_is_timed_out_from_its_first_byte(address: tuple[str, int]) -> None:
    request = _query()
    started = time.monotonic()
    reply, _ = _exchange(address, *[request[i : i + 1] for i in range(len(request))], pause=0.05)
    assert time.monotonic() - started < 4 + len(request) * 0.05
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
