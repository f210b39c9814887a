"""The Prometheus client: answers parsed, every failure an InfrastructureError that names the server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from ragops.canary.prometheus import PrometheusClient
from ragops.errors import InfrastructureError, UsageError
from tests.conftest import free_loopback_port

REPLIES: dict[str, tuple[int, bytes]] = {
    "up": (
        200,
        json.dumps(
            {
                "status": "success",
                "data": {
                    "resultType": "vector",
                    "result": [
                        {"metric": {"release": "r1"}, "value": [1.0, "3"]},
                        {"metric": {"release": "r2"}, "value": [1.0, "NaN"]},
                    ],
                },
            }
        ).encode(),
    ),
    "1+1": (200, json.dumps({"status": "success", "data": {"resultType": "scalar", "result": [1.0, "2"]}}).encode()),
    "bad(": (400, json.dumps({"status": "error", "errorType": "bad_data", "error": "parse error"}).encode()),
    "html": (200, b"<html>not prometheus</html>"),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)["query"][0]
        status, body = REPLIES[query]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", free_loopback_port()), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_vectors_and_scalars(server: str) -> None:
    client = PrometheusClient(server)
    samples = client.query("up")
    assert (samples[0].labels, samples[0].value) == ({"release": "r1"}, 3.0)
    assert client.scalar("1+1") == 2.0
    with pytest.raises(InfrastructureError, match="expected one series, Prometheus returned 2"):
        client.scalar("up")


def test_failures_name_the_server_and_the_problem(server: str) -> None:
    client = PrometheusClient(server)
    with pytest.raises(InfrastructureError, match=r"refused the query .*bad_data: parse error"):
        client.query("bad(")
    with pytest.raises(InfrastructureError, match=r"without JSON: is .* a Prometheus server"):
        client.query("html")
    with pytest.raises(InfrastructureError, match=r"cannot reach Prometheus at http://127\.0\.0\.1:"):
        PrometheusClient(f"http://127.0.0.1:{free_loopback_port()}").query("up")
    with pytest.raises(UsageError, match="http:// or https://"):
        PrometheusClient("prometheus:9090")
